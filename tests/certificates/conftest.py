import pytest

from courses import services as course_services
from courses.models import CourseCompletion
from organisations.models import Organisation


@pytest.fixture
def mission(db) -> Organisation:
    return Organisation.objects.create(acronym="UNMN", name="United Nations Mission in Numara", kind="mission")


@pytest.fixture
def course(people, mission):
    """A published one-lesson course owned by the mission, written by ``people.trainer_north``."""
    course = course_services.course_create(
        creator=people.trainer_north,
        code="HR-101",
        title="Human rights in policing",
        competencies=["HR", "COP"],
        owner=mission,
    )
    module = course_services.module_create(course=course, title="Foundations")
    course_services.lesson_create(module=module, title="Dignity", body="Every person.")
    course_services.course_publish(course=course, actor=people.trainer_north)
    course.refresh_from_db()
    return course


def complete(course, user) -> CourseCompletion:
    """Enrol ``user`` and complete every lesson: the course's own completion rule writes the record."""
    enrollment = course_services.enrollment_create_self(course=course, user=user)[0]
    for module in course.modules.all():
        for lesson in module.lessons.all():
            course_services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return CourseCompletion.objects.get(enrollment=enrollment)


@pytest.fixture
def completion(course, people) -> CourseCompletion:
    return complete(course, people.trainee)

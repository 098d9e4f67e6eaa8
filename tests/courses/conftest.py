import pytest

from courses import services


@pytest.fixture
def draft_course(people):
    """A draft course written by ``people.trainer_north``: one module with two lessons."""
    course = services.course_create(
        creator=people.trainer_north,
        code="COP-101",
        title="Community-oriented policing",
        summary="Working with the community.",
        competencies=["COP", "HR"],
    )
    module = services.module_create(course=course, title="Foundations")
    services.lesson_create(module=module, title="Why community policing", body="## Trust\n\nPolice *with* people.")
    services.lesson_create(module=module, title="Patrol beats", body="- walk\n- listen")
    return course


@pytest.fixture
def published_course(draft_course, people):
    services.course_publish(course=draft_course, actor=people.trainer_north)
    draft_course.refresh_from_db()
    return draft_course

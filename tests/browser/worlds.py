"""What the journeys start from, written through the services (committed: the live server
and the worker read it from other connections)."""

from dataclasses import dataclass

from assessments import services as assessment_services
from assessments.models import Assessment
from certificates.models import Signatory
from courses import services as course_services
from courses.models import Course
from organisations import services as organisation_services
from organisations.models import Officer, Organisation, Role, Unit, User
from tests.factories import OfficerFactory, PoliceServiceFactory, UnitFactory, UserFactory

PASSWORD = "Correct-Horse-9"  # UserFactory's
COURSE_TITLE = "Human rights in policing"
LESSONS = [
    ("Grounds for arrest", "An arrest needs lawful grounds, told to the person arrested."),
    ("Rights of detainees", "A detainee may see a lawyer and must be brought before a judge."),
]
ASSESSMENT_TITLE = "Final assessment"
# (question, right answer, wrong answer): one wrong answer in two fails at a 75% pass mark.
QUESTIONS = [
    ("When must the person arrested learn the grounds?", "At the time of arrest", "Only at trial"),
    ("Who decides whether a detention continues?", "A judge", "The arresting officer"),
]


@dataclass(frozen=True)
class World:
    nation: Unit
    region: Unit
    station: Unit
    mission: Organisation
    trainer: User
    leader: User
    trainee: User
    officer: Officer


def world_build(*, given_name: str = "Aïcha", family_name: str = "Kaboré") -> World:
    """A service (nation, region, station), a mission with a signatory, a trainer and a
    leader over the nation, and a trainee with two colleagues at the station."""
    service = PoliceServiceFactory(code="NNP", name="Numara National Police")
    nation = UnitFactory(service=service, code="HQ", name="National Headquarters", unit_type=Unit.Type.NATIONAL)
    region = UnitFactory(parent=nation, code="N", name="Northern Region", unit_type=Unit.Type.AREA)
    station = UnitFactory(parent=region, code="N-ST", name="Kora Central Station")
    mission = Organisation.objects.create(
        acronym="UNMN", name="United Nations Mission in Numara", kind=Organisation.Kind.MISSION
    )
    Signatory.objects.create(organisation=mission, name="Ama Mensah", title="Police Commissioner, UNPOL", order=1)
    trainer = UserFactory(username="trainer", first_name="Jean-Luc", last_name="Moreau")
    organisation_services.role_grant(user=trainer, role=Role.TRAINER, unit=nation)
    leader = UserFactory(username="leader", first_name="Ama", last_name="Mensah")
    organisation_services.role_grant(user=leader, role=Role.LEADERSHIP, unit=nation)
    trainee = UserFactory(username="trainee")
    officer = OfficerFactory(unit=station, user=trainee, given_name=given_name, family_name=family_name)
    OfficerFactory.create_batch(2, unit=station)
    return World(nation, region, station, mission, trainer, leader, trainee, officer)


def course_publish_with_assessment(world: World) -> tuple[Course, Assessment]:
    """A published course (two lessons, a final assessment of two questions, HR) with the
    trainee enrolled."""
    trainer = world.trainer
    course = course_services.course_create(
        creator=trainer, code="HR-101", title=COURSE_TITLE, competencies=["HR"], owner=world.mission
    )
    module = course_services.module_create(course=course, title="Arrest and detention")
    for title, body in LESSONS:
        course_services.lesson_create(module=module, title=title, body=body)
    assessment = assessment_services.assessment_create(
        course=course, title=ASSESSMENT_TITLE, actor=trainer, pass_mark=75
    )
    for text, right, wrong in QUESTIONS:
        assessment_services.question_create(
            bank=assessment.bank,
            kind="single",
            text=text,
            actor=trainer,
            choices=[{"text": right, "correct": True}, {"text": wrong, "correct": False}],
        )
    assessment_services.assessment_publish(assessment=assessment, actor=trainer)
    course_services.course_publish(course=course, actor=trainer)
    course_services.enrollments_create(course=course, officers=[world.officer], actor=trainer)
    return course, assessment


def course_publish_with_lessons(world: World) -> Course:
    """A published course (HR) whose two lessons are all it asks, with the trainee enrolled."""
    course = course_services.course_create(
        creator=world.trainer, code="HR-102", title="Arrest and detention", competencies=["HR"], owner=world.mission
    )
    module = course_services.module_create(course=course, title="Arrest and detention")
    for title, body in LESSONS:
        course_services.lesson_create(module=module, title=title, body=body)
    course_services.course_publish(course=course, actor=world.trainer)
    course_services.enrollments_create(course=course, officers=[world.officer], actor=world.trainer)
    return course

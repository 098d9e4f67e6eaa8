"""A course with many eligible completions, written in bulk.

For tests/integration/test_certificate_faults.py and bench/certificates.py: thousands of
completions through the course services would take minutes, and what is measured or
proven there is issuing, not completing. The rows are what ``enrollment_complete_if_met``
writes (a completed enrolment and its ``CourseCompletion``) without the ``course.completed``
events, so that only the bulk run issues. Holders have accounts (their certificate notice
is part of issuing) and names in several scripts.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from certificates.models import Signatory
from courses import services as course_services
from courses.models import Course, CourseCompletion, Enrollment
from organisations import services as organisation_services
from organisations.models import Officer, Organisation, PoliceService, Unit, User

# Names in Latin with diacritics (French among them) and in Arabic (one holder in six), all
# different within a few thousand holders: a certificate run shapes a new name on every page.
LATIN_GIVEN = [
    "Aïcha",
    "François",
    "Józef",
    "Samuel",
    "Nguyễn",
    "Zoë",
    "Oluwaseun",
    "Inés",
    "Björn",
    "Chloé",
    "Siân",
    "Tomás",
]
LATIN_FAMILY = [
    *("Kaboré", "Lefèvre-Ngoma", "Dąbrowski", "Okonkwo", "Ångström", "Traoré", "Müller", "Ó Briain", "Çelik"),
    *("Nyström", "Dubois", "Mbeki-Sánchez", "Kowalczyk"),
]
ARABIC_GIVEN = ["مريم", "أحمد", "فاطمة", "يوسف", "خديجة", "عمر", "ليلى", "حسن"]
ARABIC_FAMILY = ["الهاشمي", "بن علي", "المنصوري", "الزين", "الخطيب", "العلوي", "القاسمي", "الفاسي"]
COURSE_TITLE = "Protection of civilians and human rights in policing"
SIGNATORIES = [("Ama Mensah", "Police Commissioner, UNPOL"), ("Jean-Luc Moreau", "Chief of Training")]


@dataclass(frozen=True)
class CertificateSeed:
    mission: Organisation
    unit: Unit
    course: Course
    completion_ids: list[int]


def officer_name(index: int) -> tuple[str, str]:
    """(given names, family name) of holder ``index``; distinct for the first 1,700 Latin
    and 448 Arabic names."""
    arabic_before = (index + 3) // 6  # Arabic indices (2, 8, 14, ...) below this one
    if index % 6 == 2:
        given, family, number = ARABIC_GIVEN, ARABIC_FAMILY, arabic_before
    else:
        given, family, number = LATIN_GIVEN, LATIN_FAMILY, index - arabic_before
    first = number % len(given)
    middle = (first + 1 + (number // len(given)) % (len(given) - 1)) % len(given)
    surname = family[(number // (len(given) * (len(given) - 1))) % len(family)]
    return f"{given[first]} {given[middle]}", surname


@transaction.atomic
def certificate_course_seed(*, completions: int, prefix: str = "FLT", first_name: int = 0) -> CertificateSeed:
    """A published course owned by a mission with two signatories (no logo: the platform
    emblem is printed), and ``completions`` officers with accounts who completed it, named
    ``officer_name(first_name)`` onwards."""
    service = PoliceService.objects.create(code=prefix, name=f"{prefix} National Police", country="Numara")
    unit = organisation_services.unit_create(
        service=service, code="HQ", name="National Headquarters", unit_type=Unit.Type.NATIONAL
    )
    mission = Organisation.objects.create(
        acronym=f"UN{prefix}", name="United Nations Integrated Mission in Numara", kind=Organisation.Kind.MISSION
    )
    for order, (name, title) in enumerate(SIGNATORIES, start=1):
        Signatory.objects.create(organisation=mission, name=name, title=title, order=order)
    author = User.objects.create_user(username=f"{prefix.lower()}.author")
    course = course_services.course_create(
        creator=author, code=f"{prefix}-101", title=COURSE_TITLE, competencies=["POC", "HR", "COP"], owner=mission
    )
    module = course_services.module_create(course=course, title="Foundations")
    course_services.lesson_create(module=module, title="Dignity", body="Every person.")
    release = course_services.course_publish(course=course, actor=author)

    password = make_password(None)  # unusable: nobody signs in as these holders
    users = User.objects.bulk_create(
        User(
            username=f"{prefix.lower()}.holder.{number}",
            email=f"{prefix.lower()}.holder.{number}@police.example.org",
            password=password,
        )
        for number in range(completions)
    )
    officers = Officer.objects.bulk_create(
        Officer(
            service=service,
            service_number=f"{prefix}-{number:06d}",
            given_name=officer_name(first_name + number)[0],
            family_name=officer_name(first_name + number)[1],
            sex=Officer.Sex.FEMALE if number % 2 else Officer.Sex.MALE,
            rank="Inspector",
            unit=unit,
            user=user,
        )
        for number, user in enumerate(users)
    )
    now = timezone.now()
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            course=course, officer=officer, release=release, status=Enrollment.Status.COMPLETED, completed_at=now
        )
        for officer in officers
    )
    records = CourseCompletion.objects.bulk_create(
        CourseCompletion(
            enrollment=enrollment,
            course=course,
            officer=enrollment.officer,
            release=release,
            completed_at=now,
            competencies=list(course.competencies),
        )
        for enrollment in enrollments
    )
    return CertificateSeed(mission=mission, unit=unit, course=course, completion_ids=[record.pk for record in records])


def completion_through_services(*, seed: CertificateSeed, number: int) -> CourseCompletion:
    """One more holder who enrols and completes the course the way a trainee does, so the
    completion writes its ``course.completed`` event."""
    prefix = seed.unit.service.code
    user = User.objects.create_user(username=f"{prefix.lower()}.trainee.{number}")
    Officer.objects.create(
        service=seed.unit.service,
        service_number=f"{prefix}-T{number:05d}",
        given_name=officer_name(number)[0],
        family_name=officer_name(number)[1],
        sex=Officer.Sex.FEMALE,
        rank="Constable",
        unit=seed.unit,
        user=user,
    )
    enrollment = course_services.enrollment_create_self(course=seed.course, user=user)[0]
    for module in seed.course.modules.all():
        for lesson in module.lessons.all():
            course_services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return CourseCompletion.objects.get(enrollment=enrollment)

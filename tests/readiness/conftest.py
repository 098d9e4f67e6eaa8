import datetime

import pytest
from django.utils import timezone

from certificates.codes import code_new
from certificates.models import Certificate
from courses import services as course_services
from courses.models import CourseCompletion, Enrollment
from organisations.models import Organisation


@pytest.fixture
def mission(db) -> Organisation:
    return Organisation.objects.create(acronym="UNMN", name="United Nations Mission in Numara", kind="mission")


@pytest.fixture
def hr_course(people, mission):
    """A published course counting for HR and COP."""
    course = course_services.course_create(
        creator=people.trainer_north, code="HR-101", title="Human rights", competencies=["HR", "COP"], owner=mission
    )
    module = course_services.module_create(course=course, title="Foundations")
    course_services.lesson_create(module=module, title="Dignity", body="Every person.")
    course_services.course_publish(course=course, actor=people.trainer_north)
    course.refresh_from_db()
    return course


def certify(officer, course, *, status=Certificate.Status.VALID, expires_on=None, issued_at=None) -> Certificate:
    """A certificate for ``officer`` written directly (readiness reads certificates, not how they came)."""
    enrollment = Enrollment.objects.create(
        course=course, officer=officer, release=course.releases.latest("number"), status=Enrollment.Status.COMPLETED
    )
    now = issued_at or timezone.now()
    completion = CourseCompletion.objects.create(
        enrollment=enrollment,
        course=course,
        officer=officer,
        release=enrollment.release,
        completed_at=now,
        competencies=list(course.competencies),
        valid_until=expires_on,
    )
    serial = Certificate.objects.filter(issuer=course.owner).count() + 1
    return Certificate.objects.create(
        code=code_new(),
        completion=completion,
        officer=officer,
        course=course,
        issuer=course.owner,
        serial=serial,
        holder_name=officer.full_name,
        holder_service_number=officer.service_number,
        course_code=course.code,
        course_title=course.title,
        competencies=list(course.competencies),
        issuer_name=course.owner.name,
        issued_at=now,
        expires_on=expires_on,
        pdf="certificates/test.pdf",
        pdf_sha256="0" * 64,
        status=status,
        status_changed_at=now + datetime.timedelta(days=30) if status != Certificate.Status.VALID else None,
    )

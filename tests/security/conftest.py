"""One world for the access-control table: two regions, a trainee in each, a trainer
scoped to each, a national leader and an admin, and one object of every kind a URL names.

Every object belongs to trainee A (North) or to North: trainee B and the South trainer are
the people who must not see them. Built once per module inside a transaction rolled back
after it (as ``seeded_once``); each test runs in a savepoint of it.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Answer, Attempt
from certificates import runs as certificate_runs
from certificates import services as certificate_services
from courses import services as course_services
from courses.models import CourseCompletion
from lms.notifications.services import notifications_send
from organisations import services
from organisations.models import Organisation, Role
from organisations.tokens import api_token_issue
from readiness import services as readiness_services
from readiness.models import RequirementProfile
from tests.factories import OfficerFactory, UserFactory, tree_build

# Words found only in North's records: trainee A's name (and that of a North officer
# without an account), A's essay answer, notification and service number, and the name
# shared by the North district and station. An answer to someone who may not see them
# must not contain any of them.
NAME = "Quillfeather"
ESSAY = "Marigold-essay-7731"
NOTICE = "Lantern-notice-5519"
SERVICE_NUMBER = "NP-QF-7731"
SUBTREE = "Kora"
DRAFT = "Obsidian-draft-4411"  # in the lesson of a course not yet published
SECRETS = (NAME, ESSAY, NOTICE, SERVICE_NUMBER, SUBTREE, DRAFT)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def _people(t) -> SimpleNamespace:
    p = SimpleNamespace()
    p.trainee = UserFactory(username="trainee.a")
    t.officer = OfficerFactory(
        unit=t.north_station,
        user=p.trainee,
        service_number=SERVICE_NUMBER,
        given_name="Amara",
        family_name=NAME,
    )
    p.other_trainee = UserFactory(username="trainee.b")
    t.other_officer = OfficerFactory(unit=t.south_station, user=p.other_trainee, given_name="Bram", family_name="Oxley")
    # An officer without an account, for activation codes and slips.
    t.unregistered = OfficerFactory(unit=t.north_station, given_name="Cyra", family_name=NAME)
    p.trainer_in = UserFactory(username="trainer.north")
    services.role_grant(user=p.trainer_in, role=Role.TRAINER, unit=t.north)
    p.trainer_out = UserFactory(username="trainer.south")
    services.role_grant(user=p.trainer_out, role=Role.TRAINER, unit=t.south)
    p.leader = UserFactory(username="leader.national")
    services.role_grant(user=p.leader, role=Role.LEADERSHIP, unit=t.nation)
    p.admin = UserFactory(username="admin")
    services.role_grant(user=p.admin, role=Role.ADMIN, unit=None)
    return p


def _courses(w) -> None:
    """A course with a final assessment (an essay awaiting review) and a one-lesson course
    that trainee A completed and holds a certificate of; both written by the North trainer."""
    author = w.people.trainer_in
    mission = Organisation.objects.create(acronym="UNMN", name="United Nations Mission in Numara", kind="mission")
    w.course = course_services.course_create(
        creator=author, code="HR-201", title="Human rights in policing", competencies=["HR"], owner=mission
    )
    w.module = course_services.module_create(course=w.course, title="Foundations")
    w.lesson = course_services.lesson_create(module=w.module, title="Dignity", body="Everyone has rights.")
    w.attachment = course_services.lesson_attachment_create(
        lesson=w.lesson,
        uploaded_file=SimpleUploadedFile("map.png", PNG, content_type="image/png"),
        title="Beat map",
        actor=author,
    )
    w.assessment = assessment_services.assessment_create(course=w.course, title="Final test", actor=author)
    w.question = assessment_services.question_create(
        bank=w.assessment.bank,
        kind="single",
        text="Who may order an arrest?",
        actor=author,
        choices=[{"text": "A judge", "correct": True}, {"text": "A neighbour"}],
        topic="arrest",
    )
    essay = assessment_services.question_create(
        bank=w.assessment.bank, kind="essay", text="Describe a lawful arrest.", actor=author, points=2, topic="arrest"
    )
    w.pool = assessment_services.pool_set(assessment=w.assessment, tag="arrest", count=2, actor=author)
    assessment_services.assessment_publish(assessment=w.assessment, actor=author)
    course_services.course_publish(course=w.course, actor=author)
    w.enrollment = course_services.enrollment_create_self(course=w.course, user=w.people.trainee)[0]
    assessment_services.allowance_grant(
        assessment=w.assessment, officer=w.tree.officer, actor=author, reason="Sick on the day", extra_attempts=1
    )
    w.attempt = assessment_services.attempt_start(assessment=w.assessment, user=w.people.trainee)
    assessment_services.attempt_submit(
        attempt=w.attempt,
        user=w.people.trainee,
        answers=[(essay.pk, {"text": ESSAY})],
    )
    w.attempt = Attempt.objects.get(pk=w.attempt.pk)
    w.answer = Answer.objects.get(attempt=w.attempt, question_id=essay.pk)

    w.certified_course = course_services.course_create(
        creator=author, code="HR-101", title="Human rights basics", competencies=["HR"], owner=mission
    )
    module = course_services.module_create(course=w.certified_course, title="Basics")
    lesson = course_services.lesson_create(module=module, title="Rights", body="Every person.")
    course_services.course_publish(course=w.certified_course, actor=author)
    enrollment = course_services.enrollment_create_self(course=w.certified_course, user=w.people.trainee)[0]
    course_services.lesson_complete(enrollment=enrollment, lesson=lesson)
    completion = CourseCompletion.objects.get(enrollment=enrollment)
    w.certificate = certificate_services.certificates_issue(completion_ids=[completion.pk]).issued[completion.pk]
    w.run = certificate_runs.issue_run_create(course=w.certified_course, actor=author)

    w.draft_course = course_services.course_create(
        creator=author, code="SGBV-101", title="Responding to SGBV", competencies=["SGBV"], owner=mission
    )
    w.draft_lesson = course_services.lesson_create(
        module=course_services.module_create(course=w.draft_course, title="First response"),
        title="Listening",
        body=DRAFT,
    )

    w.session = course_services.session_create(
        actor=author,
        course=w.course,
        unit=w.tree.north_station,
        date=timezone.localdate() + datetime.timedelta(days=7),
        start_time=datetime.time(8, 30),
        end_time=datetime.time(16, 0),
        place="Kora Central Station, briefing room",
        capacity=10,
    )
    course_services.session_register(session=w.session, officers=[w.tree.officer], actor=author)


def _readiness(w) -> None:
    readiness_services.readiness_sync_full(trigger="test")
    w.profile = RequirementProfile.objects.filter(requirements__isnull=False).distinct().order_by("pk").first()
    w.requirement = w.profile.requirements.order_by("pk").first()
    # A deferral is in effect at once: approving it again is refused with a message.
    w.decision = readiness_services.handover_decision_record(
        unit=w.tree.north_station, decision="deferred", decided_on=timezone.localdate(), notes="", actor=w.people.leader
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            w = SimpleNamespace(tree=tree_build())
            w.people = _people(w.tree)
            _courses(w)
            _readiness(w)
            (w.notification,) = notifications_send(
                users=[w.people.trainee], kind="test", message=NOTICE, link="/my/courses/"
            )
            w.token, _key = api_token_issue(user=w.people.trainee, name="Field tablet")  # trainee A's
            # A password reset link that is not valid (a valid one would sign nobody in either).
            w.reset = SimpleNamespace(uid="MQ", token="not-a-reset-token")
            yield w
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world_db(world, db) -> SimpleNamespace:
    """Per test: the world as built (a test's changes roll back with its savepoint)."""
    return world

"""The attempt lifecycle through the services: start, save, submit, limits and time."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import permissions, services
from assessments.models import Answer, Assessment, Attempt, Pool
from courses import services as course_services
from courses.models import CourseCompletion, Enrollment, Lesson
from lms.audit.models import AuditEntry
from tests.assessments.conftest import questions_add, right_answers, shown_id, wrong_answers

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def test_start_snapshots_every_live_question_with_its_key_and_deadline(people, published):
    now = timezone.now()

    attempt = services.attempt_start(assessment=published, user=people.trainee, now=now)

    assert attempt.is_new is True
    assert attempt.number == 1
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.deadline == now + 30 * MINUTE
    single = published.questions["single"]
    assert [q["id"] for q in attempt.snapshot] == sorted(q.pk for q in published.questions.values())
    shown = attempt.snapshot[0]
    assert shown["text"] == "Who may order an arrest?"
    assert shown["points"] == "1.00"
    assert shown["explanation"] == "Only a judicial authority."
    assert sorted((c["text"], c["correct"]) for c in shown["choices"]) == [
        ("A journalist", False),
        ("A judge", True),
        ("A neighbour", False),
    ]
    assert {c["source"] for c in shown["choices"]} == set(single.choices.values_list("pk", flat=True))
    # Shown under ids of the attempt's own, never the bank's.
    assert not {c["id"] for c in shown["choices"]} & set(single.choices.values_list("pk", flat=True))


def test_archived_questions_are_not_drawn(people, published):
    published.questions["numeric"].is_archived = True
    published.questions["numeric"].save()

    attempt = services.attempt_start(assessment=published, user=people.trainee)

    assert len(attempt.snapshot) == 3
    assert published.questions["numeric"].pk not in [q["id"] for q in attempt.snapshot]


def test_pools_draw_count_per_tag_and_keep_scenarios_together(people, published):
    bank = published.bank
    scenario = services.scenario_create(bank=bank, title="Checkpoint", text="A car stops.", actor=people.trainer_north)
    in_scenario = [
        services.question_create(
            bank=bank,
            kind="essay",
            text=f"Step {n}?",
            actor=people.trainer_north,
            topic="checkpoint",
            scenario=scenario,
        )
        for n in (1, 2)
    ]
    Pool.objects.create(assessment=published, tag="checkpoint", count=1)
    Pool.objects.create(assessment=published, tag="HR", count=2)

    attempt = services.attempt_start(assessment=published, user=people.trainee)

    ids = [q["id"] for q in attempt.snapshot]
    assert len(ids) == 4
    assert ids[-2:] == [q.pk for q in in_scenario]
    assert len(set(ids[:2]) & {q.pk for q in published.questions.values()}) == 2
    assert attempt.snapshot[-1]["scenario"] == {"id": scenario.pk, "title": "Checkpoint", "text": "A car stops."}


def test_only_an_enrolled_active_officer_starts_a_published_assessment(people, assessment, course):
    with pytest.raises(ValidationError) as refused:
        services.attempt_start(assessment=assessment, user=people.trainee)
    assert refused.value.code == "not_enrolled"
    with pytest.raises(PermissionDenied):
        services.attempt_start(assessment=assessment, user=people.trainer_north)
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    # A draft added after the course was published waits for its own publish.
    later = services.assessment_create(course=course, title="Refresher quiz", actor=people.trainer_north)
    questions_add(later.bank, people.trainer_north)
    with pytest.raises(ValidationError) as refused:
        services.attempt_start(assessment=later, user=people.trainee)
    assert refused.value.code == "not_published"
    assert not Attempt.objects.exists()


def test_one_attempt_open_at_a_time_and_the_attempt_limit(people, published):
    now = timezone.now()
    first = services.attempt_start(assessment=published, user=people.trainee, now=now)
    again = services.attempt_start(assessment=published, user=people.trainee, now=now + MINUTE)
    assert (again.pk, again.is_new) == (first.pk, False)

    services.attempt_submit(attempt=first, user=people.trainee, answers=wrong_answers(first), now=now + MINUTE)
    second = services.attempt_start(assessment=published, user=people.trainee, now=now + 2 * MINUTE)
    services.attempt_submit(attempt=second, user=people.trainee, now=now + 3 * MINUTE)

    with pytest.raises(ValidationError) as refused:
        services.attempt_start(assessment=published, user=people.trainee, now=now + 4 * MINUTE)
    assert refused.value.code == "attempt_limit"
    assert list(Attempt.objects.values_list("number", flat=True)) == [1, 2]


def test_an_allowance_grants_an_extra_attempt_and_minutes(people, published, tree):
    now = timezone.now()
    for minutes in (1, 3):
        attempt = services.attempt_start(assessment=published, user=people.trainee, now=now + minutes * MINUTE)
        services.attempt_submit(attempt=attempt, user=people.trainee, now=now + (minutes + 1) * MINUTE)
    officer = tree.north_officers[0]

    services.allowance_grant(
        assessment=published,
        officer=officer,
        actor=people.trainer_north,
        reason="Power cut during attempt 2",
        extra_attempts=1,
        extra_minutes=15,
    )
    third = services.attempt_start(assessment=published, user=people.trainee, now=now + 10 * MINUTE)

    assert third.number == 3
    assert third.deadline == now + 10 * MINUTE + 45 * MINUTE
    entry = AuditEntry.objects.get(action="assessment.allowance")
    assert (entry.actor, entry.reason) == (people.trainer_north, "Power cut during attempt 2")


def test_an_allowance_needs_a_trainer_in_scope_and_a_reason(people, published, tree):
    officer = tree.north_officers[0]
    with pytest.raises(PermissionDenied):
        services.allowance_grant(
            assessment=published, officer=officer, actor=people.trainer_south, reason="x", extra_attempts=1
        )
    with pytest.raises(ValidationError) as refused:
        services.allowance_grant(
            assessment=published, officer=officer, actor=people.trainer_north, reason="  ", extra_attempts=1
        )
    assert list(refused.value.message_dict) == ["reason"]
    assert not published.allowances.exists()


def test_cooldown_between_attempts(people, published):
    published.cooldown_minutes = 60
    published.save()
    now = timezone.now()
    first = services.attempt_start(assessment=published, user=people.trainee, now=now)
    services.attempt_submit(attempt=first, user=people.trainee, now=now + MINUTE)

    with pytest.raises(ValidationError) as refused:
        services.attempt_start(assessment=published, user=people.trainee, now=now + 60 * MINUTE)
    assert refused.value.code == "cooldown"
    assert services.attempt_start(assessment=published, user=people.trainee, now=now + 61 * MINUTE).number == 2


def test_closing_time_refuses_starts_and_caps_the_deadline_unless_extended(people, published, tree):
    now = timezone.now()
    published.closes_at = now + 10 * MINUTE
    published.save()

    attempt = services.attempt_start(assessment=published, user=people.trainee, now=now)
    assert attempt.deadline == now + 10 * MINUTE
    services.attempt_submit(attempt=attempt, user=people.trainee, now=now + MINUTE)
    with pytest.raises(ValidationError) as refused:
        services.attempt_start(assessment=published, user=people.trainee, now=now + 10 * MINUTE)
    assert refused.value.code == "closed"

    services.allowance_grant(
        assessment=published,
        officer=tree.north_officers[0],
        actor=people.admin,
        reason="On patrol duty",
        closes_at=now + 24 * 60 * MINUTE,
    )
    assert services.attempt_start(assessment=published, user=people.trainee, now=now + 11 * MINUTE).number == 2


def test_submit_grades_and_a_second_submit_returns_the_first_result(people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)

    result = services.attempt_submit(attempt=attempt, user=people.trainee, answers=right_answers(attempt))
    again = services.attempt_submit(attempt=attempt, user=people.trainee, answers=wrong_answers(attempt))

    assert (result.status, result.score, result.is_passed) == (Attempt.Status.GRADED, Decimal("100.00"), True)
    assert (again.status, again.score, again.is_passed, again.submitted_at) == (
        Attempt.Status.GRADED,
        Decimal("100.00"),
        True,
        result.submitted_at,
    )
    assert Answer.objects.filter(attempt=attempt, is_correct=True).count() == 4


def test_only_the_owner_saves_and_submits(people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    question_id = attempt.snapshot[0]["id"]

    with pytest.raises(PermissionDenied):
        services.answer_save(attempt=attempt, user=people.other_trainee, question_id=question_id, response={})
    with pytest.raises(PermissionDenied):
        services.attempt_submit(attempt=attempt, user=people.trainer_north)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not Answer.objects.exists()


def test_a_malformed_response_is_refused_per_question(people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    single = published.questions["single"].pk

    with pytest.raises(ValidationError) as refused:
        services.answer_save(attempt=attempt, user=people.trainee, question_id=single, response={"choices": [-1]})

    assert list(refused.value.message_dict) == [str(single)]
    assert not Answer.objects.exists()


def test_saving_after_the_deadline_and_grace_is_refused(people, published):
    now = timezone.now()
    attempt = services.attempt_start(assessment=published, user=people.trainee, now=now - 31 * MINUTE)
    question = attempt.snapshot[0]

    with pytest.raises(ValidationError) as refused:
        services.answer_save(
            attempt=attempt,
            user=people.trainee,
            question_id=question["id"],
            response={"choices": [question["choices"][0]["id"]]},
            now=now,
        )
    assert refused.value.code == "closed"
    # Within the grace the save still counts.
    saved = services.answer_save(
        attempt=attempt,
        user=people.trainee,
        question_id=question["id"],
        response={"choices": [question["choices"][0]["id"]]},
        now=now - MINUTE + datetime.timedelta(seconds=29),
    )
    assert saved.response == {"choices": [question["choices"][0]["id"]]}


def test_a_late_submission_is_graded_as_of_the_deadline(people, published):
    now = timezone.now()
    attempt = services.attempt_start(assessment=published, user=people.trainee, now=now - 40 * MINUTE)
    answers = right_answers(attempt)
    for question_id, response in answers[:2]:
        services.answer_save(
            attempt=attempt, user=people.trainee, question_id=question_id, response=response, now=now - 20 * MINUTE
        )
    # ``saved_at`` is the database's clock (auto_now): put those two back in time.
    Answer.objects.filter(attempt=attempt).update(saved_at=now - 20 * MINUTE)
    # An answer that reached the database after the deadline (not through answer_save) is discarded.
    late_id, late_response = answers[2]
    Answer.objects.create(attempt=attempt, question_id=late_id, response=late_response)

    result = services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers, now=now)

    assert (result.score, result.is_passed) == (Decimal("50.00"), False)
    assert result.submitted_at == attempt.deadline
    assert sorted(Answer.objects.filter(attempt=attempt).values_list("question_id", flat=True)) == sorted(
        q for q, _ in answers[:2]
    )


def test_an_expired_open_attempt_is_closed_when_the_next_starts(people, published):
    now = timezone.now()
    first = services.attempt_start(assessment=published, user=people.trainee, now=now - 31 * MINUTE)

    second = services.attempt_start(assessment=published, user=people.trainee, now=now)

    first.refresh_from_db()
    assert (first.status, first.score, first.submitted_at) == (Attempt.Status.GRADED, Decimal("0.00"), first.deadline)
    assert (second.number, second.is_new) == (2, True)


def test_snapshot_is_immune_to_bank_edits_until_a_regrade(people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    single = published.questions["single"]
    wrong_choice = single.choices.get(text="A neighbour")
    answers = [(q, r) for q, r in right_answers(attempt) if q != single.pk] + [
        (single.pk, {"choices": [shown_id(attempt, wrong_choice)]})
    ]
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.is_passed) == (Decimal("75.00"), True)

    type(single).objects.filter(pk=single.pk).update(text="Edited text")
    services.question_correct(question=single, actor=people.trainer_north, correct_choices=[wrong_choice.pk])
    attempt.refresh_from_db()
    shown = next(q for q in attempt.snapshot if q["id"] == single.pk)
    assert (attempt.score, shown["text"]) == (Decimal("75.00"), "Who may order an arrest?")

    changed = services.attempts_regrade(question=single, actor=people.trainer_north)

    attempt.refresh_from_db()
    shown = next(q for q in attempt.snapshot if q["id"] == single.pk)
    assert changed == 1
    assert (attempt.score, attempt.is_passed) == (Decimal("100.00"), True)
    assert shown["text"] == "Who may order an arrest?"
    assert {c["source"] for c in shown["choices"] if c["correct"]} == {wrong_choice.pk}
    entry = AuditEntry.objects.get(action="assessment.regraded")
    assert (entry.actor, entry.target_id, entry.before, entry.after) == (
        people.trainer_north,
        str(attempt.pk),
        {"score": "75.00", "is_passed": True},
        {"score": "100.00", "is_passed": True},
    )
    assert AuditEntry.objects.filter(action="question.corrected").count() == 1


def _lessons_done(course, user):
    enrollment = Enrollment.objects.get(course=course, officer__user=user)
    for lesson in Lesson.objects.filter(module__course=course):
        course_services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return enrollment


def test_a_regrade_that_turns_a_fail_into_a_pass_completes_the_course(people, published, course):
    enrollment = _lessons_done(course, people.trainee)
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    single, multiple = published.questions["single"], published.questions["multiple"]
    chosen = single.choices.get(text="A neighbour")
    answers = [(q, r) for q, r in right_answers(attempt) if q not in (single.pk, multiple.pk)]
    answers += [(single.pk, {"choices": [shown_id(attempt, chosen)]}), (multiple.pk, {"choices": []})]
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers)
    assert not CourseCompletion.objects.exists()

    services.question_correct(question=single, actor=people.trainer_north, correct_choices=[chosen.pk], points=3)
    assert services.attempts_regrade(question=single, actor=people.trainer_north) == 1

    attempt.refresh_from_db()
    assert (attempt.score, attempt.is_passed) == (Decimal("83.33"), True)
    assert CourseCompletion.objects.get().enrollment == enrollment


def test_passing_the_required_final_assessment_completes_the_course(people, published, course):
    enrollment = _lessons_done(course, people.trainee)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.IN_PROGRESS
    attempt = services.attempt_start(assessment=published, user=people.trainee)

    services.attempt_submit(attempt=attempt, user=people.trainee, answers=right_answers(attempt))

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert CourseCompletion.objects.get().enrollment == enrollment


def test_an_assessment_published_after_the_release_does_not_bind_it(people, course):
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    later = services.assessment_create(course=course, title="Final test", actor=people.trainer_north)
    questions_add(later.bank, people.trainer_north)
    services.assessment_publish(assessment=later, actor=people.trainer_north)

    enrollment = _lessons_done(course, people.trainee)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_a_failed_final_assessment_leaves_the_course_in_progress(people, published, course):
    enrollment = _lessons_done(course, people.trainee)
    attempt = services.attempt_start(assessment=published, user=people.trainee)

    services.attempt_submit(attempt=attempt, user=people.trainee, answers=wrong_answers(attempt))

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.IN_PROGRESS
    assert not CourseCompletion.objects.exists()


def test_essays_wait_for_a_trainer_in_scope_then_grade_and_complete(people, published, course):
    essay = services.question_create(
        bank=published.bank, kind="essay", text="Describe a lawful search.", actor=people.trainer_north, points=4
    )
    enrollment = _lessons_done(course, people.trainee)
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    result = services.attempt_submit(attempt=attempt, user=people.trainee, answers=right_answers(attempt))
    assert (result.status, result.score, result.is_passed) == (Attempt.Status.PENDING_REVIEW, None, None)
    answer = Answer.objects.get(attempt=attempt, question_id=essay.pk)
    assert answer.needs_review is True

    with pytest.raises(PermissionDenied):
        services.answer_grade(answer=answer, actor=people.trainer_south, points=4)
    with pytest.raises(ValidationError):
        services.answer_grade(answer=answer, actor=people.trainer_north, points=5)
    answer.refresh_from_db()
    assert (answer.points, answer.needs_review) == (None, True)

    graded = services.answer_grade(answer=answer, actor=people.trainer_north, points=2, comment="Cite the law.")

    assert (graded.status, graded.score, graded.is_passed) == (Attempt.Status.GRADED, Decimal("75.00"), True)
    answer.refresh_from_db()
    assert (answer.points, answer.comment, answer.graded_by) == (Decimal("2.00"), "Cite the law.", people.trainer_north)
    entry = AuditEntry.objects.get(action="assessment.graded")
    assert (entry.before, entry.after) == ({"points": None}, {"points": "2.00"})
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_feedback_after_close_waits_for_the_latest_allowance(people, published, tree):
    now = timezone.now()
    published.feedback_policy = Assessment.FeedbackPolicy.AFTER_CLOSE
    published.closes_at = now + 60 * MINUTE
    published.save()
    attempt = services.attempt_start(assessment=published, user=people.trainee, now=now)
    services.attempt_submit(attempt=attempt, user=people.trainee, now=now + MINUTE)
    services.allowance_grant(
        assessment=published,
        officer=tree.south_officers[0],
        actor=people.trainer_south,
        reason="Sat the paper version after a power cut",
        closes_at=now + 180 * MINUTE,
    )
    attempt.refresh_from_db()

    assert not permissions.feedback_visible(attempt, now=now + 30 * MINUTE)
    assert not permissions.feedback_visible(attempt, now=now + 90 * MINUTE)  # another officer may still be answering
    assert permissions.feedback_visible(attempt, now=now + 180 * MINUTE)


def test_a_start_that_would_draw_more_than_the_bound_is_refused(people, published, settings):
    # Questions added after publishing can bring a draw past ASSESSMENT_MAX_QUESTIONS: a
    # 21 MB attempt once took a phone 20 s; the start is refused instead.
    settings.ASSESSMENT_MAX_QUESTIONS = 3

    with pytest.raises(ValidationError) as refused:
        services.attempt_start(assessment=published, user=people.trainee)

    assert refused.value.code == "too_many_questions"
    assert not Attempt.objects.exists()

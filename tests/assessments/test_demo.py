"""The demo assessments seeded by ``seed_demo``: a final per English demo course with a
realistic bank, a paired pre-test, and graded attempts by other officers; seeded once."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Avg

from assessments import services
from assessments.demo import assessments_read
from assessments.models import Answer, Assessment, Attempt, Question, Scenario
from courses.models import CourseCompletion, Enrollment
from lms.audit.models import AuditEntry
from organisations.models import User

ENGLISH_CODES = ["BM-201", "COP-101", "HR-101", "SGBV-101", "TOC-201"]


def finals():
    return Assessment.objects.filter(is_pretest=False, module=None).select_related("course")


def test_each_english_course_has_one_published_final_with_the_demo_rules(seeded):
    assessments = finals()

    assert sorted(a.course.code for a in assessments) == ENGLISH_CODES
    for assessment in assessments:
        assert assessment.published_at is not None
        assert (assessment.pass_mark, assessment.max_attempts, assessment.is_required) == (70, 3, True)
        assert assessment.feedback_policy == Assessment.FeedbackPolicy.AFTER_SUBMISSION
        assert assessment.created_by.username == "demo.trainer"


def test_every_bank_is_realistic_with_explained_questions_and_a_scenario(seeded):
    kinds = set()
    for assessment in finals():
        questions = Question.objects.filter(bank_id=assessment.bank_id)
        assert 8 <= questions.count() <= 12, assessment.course.code
        assert all(question.explanation.strip() for question in questions)
        scenarios = Scenario.objects.filter(bank_id=assessment.bank_id)
        assert scenarios.count() >= 1
        assert all(2 <= scenario.questions.count() <= 3 for scenario in scenarios)
        kinds |= set(questions.values_list("kind", flat=True))
        assert questions.values("kind").distinct().count() >= 4, assessment.course.code
    assert kinds == set(Question.Kind.values)
    assert Question.objects.filter(kind=Question.Kind.NUMERIC, numeric_answer=48, bank__course__code="HR-101").exists()


def test_hr_101_has_a_pretest_paired_with_its_final_that_shows_a_gain(seeded):
    pretest = Assessment.objects.get(is_pretest=True)
    final = pretest.pretest_of

    assert (pretest.course.code, final.course.code, final.is_pretest) == ("HR-101", "HR-101", False)
    assert pretest.is_required is False
    pre = Attempt.objects.filter(assessment=pretest)
    post = Attempt.objects.filter(assessment=final, number=1)
    assert set(pre.values_list("officer", flat=True)) == set(post.values_list("officer", flat=True))
    gain = post.aggregate(mean=Avg("score"))["mean"] - pre.aggregate(mean=Avg("score"))["mean"]
    assert gain > 15


def test_other_officers_sat_each_final_with_a_spread_of_results(seeded):
    for assessment in finals():
        attempts = Attempt.objects.filter(assessment=assessment)
        assert 15 <= attempts.count() <= 30, assessment.course.code
        assert not attempts.filter(officer__user__username__in=["demo.trainee", "demo.commander"]).exists()
        assert not attempts.filter(status=Attempt.Status.IN_PROGRESS).exists()
        assert attempts.filter(is_passed=True).exists()
        assert attempts.filter(is_passed=False).exists()
        # Every attempt is by an officer of the units named for the course, enrolled in it.
        enrolled = set(Enrollment.objects.filter(course=assessment.course).values_list("officer", flat=True))
        assert set(attempts.values_list("officer", flat=True)) <= enrolled
    assert Attempt.objects.filter(assessment__in=finals(), number__gt=1).count() > 10  # failed, retaken
    # The officers' accounts cannot sign in: only the demo accounts have the public password.
    accounts = User.objects.filter(username__startswith="demo.officer.")
    assert accounts.count() == Attempt.objects.values("officer").distinct().count()
    assert not any(user.has_usable_password() for user in accounts)


def test_sgbv_essays_are_graded_by_the_trainer_but_three_wait_in_the_queue(seeded):
    final = finals().get(course__code="SGBV-101")
    essays = Answer.objects.filter(attempt__assessment=final, question_id__in=Question.objects.filter(kind="essay"))

    assert essays.filter(needs_review=True).count() == 3
    assert Attempt.objects.filter(assessment=final, status=Attempt.Status.PENDING_REVIEW).count() == 3
    graded = essays.filter(needs_review=False)
    assert graded.count() > 10
    assert {answer.graded_by.username for answer in graded} == {"demo.trainer"}


def test_the_demo_trainee_can_take_the_hr_and_cop_finals_without_them_binding_her(seeded):
    trainee = User.objects.get(username="demo.trainee")
    for code in ("HR-101", "COP-101"):
        attempt = services.attempt_start(assessment=finals().get(course__code=code), user=trainee)
        assert attempt.is_new is True
        assert attempt.number == 1
    assert not CourseCompletion.objects.filter(officer__user=trainee).exists()


def test_a_second_run_creates_nothing(seeded):
    def counts():
        return (
            Assessment.objects.count(),
            Question.objects.count(),
            Attempt.objects.count(),
            Answer.objects.count(),
            User.objects.count(),
            Enrollment.objects.count(),
            AuditEntry.objects.count(),
        )

    before = counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert counts() == before
    assert "0 assessments, 0 attempts" in out.getvalue()


def test_the_banks_are_written_for_every_english_course():
    assert sorted(spec.code for spec in assessments_read()) == ENGLISH_CODES

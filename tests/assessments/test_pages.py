"""The assessment pages: taking an attempt, results per feedback policy, the grading queue."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Allowance, Answer, Assessment, Attempt
from courses import services as course_services
from courses.models import Enrollment
from organisations.selectors import user_roles

pytestmark = pytest.mark.django_db

EXPLANATION = "EXPLAIN-MARK"
ACCEPTED = "accepted-mark"
NUMERIC = "4242.5"
# What would give the key away in a trainee's HTML before feedback is allowed.
KEY_MARKERS = (b"correct", EXPLANATION.encode(), ACCEPTED.encode(), NUMERIC.encode(), b"tolerance")


def _question(bank, actor, kind: str, index: int, scenario=None):
    common = {"bank": bank, "actor": actor, "explanation": EXPLANATION, "scenario": scenario}
    if kind == "single":
        return services.question_create(
            kind="single",
            text=f"Single {index}?",
            choices=[{"text": f"Right {index}", "correct": True}, {"text": f"Wrong {index}"}],
            **common,
        )
    if kind == "true_false":
        return services.question_create(
            kind="true_false", text=f"Statement {index}.", choices=[{"correct": False}], **common
        )
    if kind == "numeric":
        return services.question_create(
            kind="numeric", text=f"Number {index}?", numeric_answer=NUMERIC, numeric_tolerance="0.5", **common
        )
    if kind == "short_text":
        return services.question_create(kind="short_text", text=f"Word {index}?", accepted_answers=[ACCEPTED], **common)
    if kind == "multiple":
        return services.question_create(
            kind="multiple",
            text=f"Several {index}?",
            choices=[{"text": f"A {index}", "correct": True}, {"text": f"B {index}", "correct": True}, {"text": "C"}],
            **common,
        )
    return services.question_create(kind="essay", text=f"Essay {index}?", points=4, **common)


def _published(course, people, kinds, **fields) -> Assessment:
    """An assessment of the course with one question per kind, published, the course
    published and the trainee enrolled."""
    assessment = services.assessment_create(
        course=course, title="Page test", actor=people.trainer_north, shuffle_choices=False, **fields
    )
    for index, kind in enumerate(kinds):
        _question(assessment.bank, people.trainer_north, kind, index)
    services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    return assessment


def _start(client, assessment) -> Attempt:
    response = client.post(f"/assessments/{assessment.pk}/start/")
    attempt = Attempt.objects.get(assessment=assessment)
    assert (response.status_code, response["Location"]) == (302, f"/attempts/{attempt.pk}/")
    return attempt


def _choice(attempt, index: int, *, correct: bool) -> int:
    return next(c["id"] for c in attempt.snapshot[index]["choices"] if c["correct"] is correct)


def test_trainee_takes_an_assessment_through_the_pages(client, people, course):
    assessment = _published(course, people, ["single", "true_false", "short_text"], pass_mark=60, max_attempts=2)
    client.force_login(people.trainee)

    detail = client.get(f"/assessments/{assessment.pk}/")
    assert detail.status_code == 200
    assert b"0 of 2 used" in detail.content
    attempt = _start(client, assessment)
    page = client.get(f"/attempts/{attempt.pk}/")
    assert page.status_code == 200
    q1, q2, q3 = (f"q{q['id']}" for q in attempt.snapshot)

    saved = client.post(f"/attempts/{attempt.pk}/", {q1: str(_choice(attempt, 0, correct=True)), "save": "1"})
    assert (saved.status_code, saved["Location"]) == (302, f"/attempts/{attempt.pk}/")
    assert {a.question_id: a.response for a in Answer.objects.filter(attempt=attempt)} == {
        attempt.snapshot[0]["id"]: {"choices": [_choice(attempt, 0, correct=True)]}
    }
    prefilled = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert f'value="{_choice(attempt, 0, correct=True)}"' in prefilled
    assert "checked" in prefilled

    submitted = client.post(
        f"/attempts/{attempt.pk}/",
        {
            q1: str(_choice(attempt, 0, correct=True)),
            q2: str(_choice(attempt, 1, correct=False)),
            q3: "  Accepted-Mark ",
            "submit": "1",
        },
    )
    assert (submitted.status_code, submitted["Location"]) == (302, f"/attempts/{attempt.pk}/result/")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.is_passed) == ("graded", Decimal("66.67"), True)

    result = client.get(f"/attempts/{attempt.pk}/result/")
    assert result.status_code == 200
    # Whole percent, rounded down (lms_format.percent): never a pass mark it did not reach.
    assert b"<dd>66%</dd>" in result.content
    assert EXPLANATION.encode() in result.content
    assert client.get(f"/attempts/{attempt.pk}/")["Location"] == f"/attempts/{attempt.pk}/result/"
    assert b"1 of 2 used" in client.get(f"/assessments/{assessment.pk}/").content


def test_taking_page_has_no_hint_of_the_key(client, people, course):
    assessment = _published(course, people, ["single", "multiple", "true_false", "numeric", "short_text", "essay"])
    client.force_login(people.trainee)
    attempt = _start(client, assessment)

    html = client.get(f"/attempts/{attempt.pk}/").content

    assert [marker for marker in KEY_MARKERS if marker in html.lower()] == []
    form = html[html.index(b'class="attempt-form"') : html.index(b"</form>", html.index(b'class="attempt-form"'))]
    assert form.count(b'type="hidden"') == 1  # the CSRF token only
    assert b'inputmode="decimal"' in html
    assert b"<textarea" in html
    assert html.count(b'type="radio"') == 4
    assert html.count(b'type="checkbox"') == 3


@pytest.mark.parametrize(
    ("policy", "closes_in", "is_visible"),
    [
        ("after_submission", None, True),
        ("after_close", datetime.timedelta(days=1), False),
        ("after_close", -datetime.timedelta(days=1), True),
        ("never", None, False),
    ],
)
def test_result_page_follows_the_feedback_policy(client, people, course, policy, closes_in, is_visible):
    closes_at = timezone.now() + datetime.timedelta(days=2) if closes_in else None
    assessment = _published(
        course, people, ["single", "numeric", "short_text"], feedback_policy=policy, closes_at=closes_at
    )
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    client.post(f"/attempts/{attempt.pk}/", {f"q{attempt.snapshot[1]['id']}": "1", "submit": "1", "confirm": "1"})
    if closes_in:
        Assessment.objects.filter(pk=assessment.pk).update(closes_at=timezone.now() + closes_in)

    html = client.get(f"/attempts/{attempt.pk}/result/").content

    assert b"<dd>0%</dd>" in html
    leaked = [marker for marker in (EXPLANATION.encode(), ACCEPTED.encode(), NUMERIC.encode()) if marker in html]
    assert leaked == ([EXPLANATION.encode(), ACCEPTED.encode(), NUMERIC.encode()] if is_visible else [])
    assert (b"Right 0" in html) is is_visible
    assert (b"correct" in html.lower()) is False


def test_another_trainees_attempt_is_not_found(client, people, course):
    assessment = _published(course, people, ["single"])
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    client.force_login(people.other_trainee)

    assert client.get(f"/attempts/{attempt.pk}/").status_code == 404
    assert client.get(f"/attempts/{attempt.pk}/result/").status_code == 404
    response = client.post(f"/attempts/{attempt.pk}/", {"submit": "1"})
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"


@pytest.mark.parametrize("path", ["/assessments/{a}/", "/attempts/{t}/", "/attempts/{t}/result/", "/grading/"])
def test_anonymous_is_sent_to_sign_in(client, people, course, path):
    assessment = _published(course, people, ["single"])
    attempt = services.attempt_start(assessment=assessment, user=people.trainee)
    url = path.format(a=assessment.pk, t=attempt.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_start_refusal_is_shown_as_a_message(client, people, course):
    assessment = _published(course, people, ["single"], max_attempts=1)
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    client.post(f"/attempts/{attempt.pk}/", {"submit": "1", "confirm": "1"})

    response = client.post(f"/assessments/{assessment.pk}/start/", follow=True)

    assert response.redirect_chain == [(f"/assessments/{assessment.pk}/", 302)]
    assert "You have used all your attempts at this assessment." in response.content.decode()
    assert Attempt.objects.filter(assessment=assessment).count() == 1


def test_not_enrolled_trainee_cannot_see_the_assessment(client, people, course):
    assessment = _published(course, people, ["single"])
    Enrollment.objects.filter(officer__user=people.trainee).delete()
    client.force_login(people.trainee)

    assert client.get(f"/assessments/{assessment.pk}/").status_code == 404
    assert client.post(f"/assessments/{assessment.pk}/start/").status_code == 404
    assert Attempt.objects.count() == 0


def test_late_submission_is_graded_as_of_the_deadline(client, people, course):
    assessment = _published(course, people, ["single"], time_limit_minutes=10)
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    question = f"q{attempt.snapshot[0]['id']}"

    page = client.get(f"/attempts/{attempt.pk}/")
    assert b"The time is up." in page.content
    assert b'name="save"' not in page.content
    client.post(f"/attempts/{attempt.pk}/", {question: str(_choice(attempt, 0, correct=True)), "submit": "1"})

    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.submitted_at) == ("graded", Decimal("0.00"), attempt.deadline)


def _essay_pending(client, people, course) -> Answer:
    assessment = _published(course, people, ["single", "essay"], pass_mark=50)
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    single, essay = (f"q{q['id']}" for q in attempt.snapshot)
    client.post(
        f"/attempts/{attempt.pk}/",
        {single: str(_choice(attempt, 0, correct=False)), essay: "Calm the crowd first.", "submit": "1"},
    )
    return Answer.objects.get(attempt=attempt, needs_review=True)


def test_trainer_grades_an_essay_through_the_pages(client, people, course):
    answer = _essay_pending(client, people, course)
    client.force_login(people.trainer_north)

    queue = client.get("/grading/")
    assert queue.status_code == 200
    assert f"/grading/answers/{answer.pk}/".encode() in queue.content
    page = client.get(f"/grading/answers/{answer.pk}/")
    assert page.status_code == 200
    assert b'dir="auto">Calm the crowd first.' in page.content.replace(b"<p>", b"")
    too_many = client.post(f"/grading/answers/{answer.pk}/", {"points": "5", "comment": ""})
    assert too_many.status_code == 200
    answer.refresh_from_db()
    assert (answer.needs_review, answer.points) == (True, None)

    graded = client.post(f"/grading/answers/{answer.pk}/", {"points": "3", "comment": "Good order."})

    assert (graded.status_code, graded["Location"]) == (302, "/grading/")
    answer.refresh_from_db()
    answer.attempt.refresh_from_db()
    assert (answer.points, answer.comment, answer.graded_by) == (Decimal("3.00"), "Good order.", people.trainer_north)
    assert (answer.attempt.status, answer.attempt.score, answer.attempt.is_passed) == ("graded", Decimal("60.00"), True)
    assert f"/grading/answers/{answer.pk}/".encode() not in client.get("/grading/").content


def test_grading_is_scoped_to_the_trainers_region(client, people, course):
    answer = _essay_pending(client, people, course)
    client.force_login(people.trainer_south)

    assert f"/grading/answers/{answer.pk}/".encode() not in client.get("/grading/").content
    assert client.get(f"/grading/answers/{answer.pk}/").status_code == 404
    assert client.post(f"/grading/answers/{answer.pk}/", {"points": "4"}).status_code == 404
    answer.refresh_from_db()
    assert (answer.needs_review, answer.points) == (True, None)


def test_trainee_cannot_open_the_grading_queue(client, people):
    client.force_login(people.trainee)

    assert client.get("/grading/").status_code == 403


def test_trainer_grants_an_allowance(client, people, course):
    assessment = _published(course, people, ["single"], max_attempts=1)
    officer = user_roles(people.trainee).officer
    client.force_login(people.trainer_north)
    url = f"/assessments/{assessment.pk}/allowances/new/?officer={officer.pk}"

    assert client.get(url).status_code == 200
    refused = client.post(url, {"extra_attempts": "0", "extra_minutes": "0", "reason": "Sick"})
    assert refused.status_code == 200
    assert Allowance.objects.count() == 0
    granted = client.post(url, {"extra_attempts": "1", "extra_minutes": "0", "reason": "Sick on the day"})

    assert (granted.status_code, granted["Location"]) == (302, f"/assessments/{assessment.pk}/")
    allowance = Allowance.objects.get()
    assert (allowance.officer, allowance.extra_attempts, allowance.reason) == (officer, 1, "Sick on the day")


def test_trainer_of_another_region_cannot_grant_an_allowance(client, people, course):
    assessment = _published(course, people, ["single"])
    officer = user_roles(people.trainee).officer
    client.force_login(people.trainer_south)

    response = client.post(
        f"/assessments/{assessment.pk}/allowances/new/?officer={officer.pk}", {"extra_attempts": "1", "reason": "x"}
    )

    assert response.status_code == 404
    assert Allowance.objects.count() == 0


@pytest.mark.parametrize("count", [5, 50])
def test_taking_page_queries_do_not_grow_with_questions(client, people, course, count, django_assert_max_num_queries):
    kinds = ["single", "multiple", "true_false", "numeric", "short_text"] * (count // 5)
    assessment = _published(course, people, kinds)
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    client.post(f"/attempts/{attempt.pk}/", {f"q{attempt.snapshot[3]['id']}": "12", "save": "1"})

    with django_assert_max_num_queries(12):
        response = client.get(f"/attempts/{attempt.pk}/")

    assert response.status_code == 200
    assert response.content.count(b'<div class="question"') == count


def test_taking_page_is_small_and_has_no_inline_script(client, people, course):
    """The only script is the external, deferred countdown (progressive enhancement)."""
    assessment = _published(
        course, people, ["single", "multiple", "true_false", "numeric", "short_text"] * 4, time_limit_minutes=30
    )
    client.force_login(people.trainee)
    attempt = _start(client, assessment)

    html = client.get(f"/attempts/{attempt.pk}/").content

    assert len(html) < 60_000
    assert html.lower().count(b"<script") == 1
    assert b'<script src="/static/js/attempt-timer.js" defer></script>' in html
    assert b" onclick=" not in html.lower()
    assert b" onsubmit=" not in html.lower()
    assert b' style="' not in html


def test_arabic_page_is_right_to_left(client, people, course):
    assessment = _published(course, people, ["single"])
    client.force_login(people.trainee)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    attempt = _start(client, assessment)

    html = client.get(f"/attempts/{attempt.pk}/").content

    assert b'<html lang="ar" dir="rtl">' in html


def test_completion_requirement_links_to_the_assessment_page(people, course):
    assessment = _published(course, people, ["single"])
    enrollment = Enrollment.objects.get(officer__user=people.trainee)

    requirements = selectors.assessments_requirement(enrollment)

    assert [(r.key, r.link, r.is_met) for r in requirements] == [
        (f"assessment:{assessment.pk}", f"/assessments/{assessment.pk}/", False)
    ]


def test_staff_find_the_statistics_from_the_assessment_page_and_trainees_do_not(client, people, published):
    client.force_login(people.trainer_north)
    staff_page = client.get(f"/assessments/{published.pk}/").content.decode()
    client.force_login(people.trainee)
    trainee_page = client.get(f"/assessments/{published.pk}/").content.decode()

    link = f'href="/assessments/{published.pk}/statistics/"'
    assert link in staff_page
    assert link not in trainee_page

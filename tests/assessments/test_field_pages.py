"""What trainees and trainers noticed in the field test (issue 17): submitting with blanks
asks once (without JavaScript), grading moves on to the next essay, the queue filters by
course, statistics say when there are too few attempts, numbers read as people write them."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import Answer, Attempt
from assessments.statistics import ItemStatistics
from assessments.views.statistics import _too_few_note
from courses import services as course_services
from tests.assessments.test_pages import _choice, _published, _start

pytestmark = pytest.mark.django_db


# Point 5: submitting with unanswered questions ---------------------------------------------


def test_submitting_with_blanks_asks_once_and_keeps_every_answer(client, people, course):
    assessment = _published(course, people, ["single", "short_text", "numeric", "essay"], time_limit_minutes=30)
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    single, short, numeric, essay = (f"q{q['id']}" for q in attempt.snapshot)
    right = str(_choice(attempt, 0, correct=True))

    asked = client.post(f"/attempts/{attempt.pk}/", {single: right, short: "  ", numeric: "", essay: "", "submit": "1"})

    assert asked.status_code == 200
    page = asked.content.decode()
    assert "3 questions are unanswered. Submit anyway?" in page
    assert "Submit anyway</button>" in page
    assert f'href="/attempts/{attempt.pk}/#question-{attempt.snapshot[1]["id"]}">Go back to the questions' in page
    assert f'<input type="hidden" name="{single}" value="{right}">' in page
    assert '<input type="hidden" name="confirm" value="1">' in page
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert {a.question_id: a.response for a in Answer.objects.filter(attempt=attempt)} == {
        attempt.snapshot[0]["id"]: {"choices": [int(right)]}
    }
    back = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert re.search(rf'<input type="radio" name="{single}" value="{right}"[^>]* checked>', back)

    confirmed = client.post(f"/attempts/{attempt.pk}/", {single: right, "confirm": "1", "submit": "1"})

    assert (confirmed.status_code, confirmed["Location"]) == (302, f"/attempts/{attempt.pk}/result/")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == (Attempt.Status.GRADED, Decimal("14.29"))  # 1 of 7 points


def test_one_blank_is_named_in_the_singular(client, people, course):
    assessment = _published(course, people, ["single", "short_text"])
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    single, short = (f"q{q['id']}" for q in attempt.snapshot)

    asked = client.post(f"/attempts/{attempt.pk}/", {single: "", short: "proportionality", "submit": "1"})

    assert b"1 question is unanswered. Submit anyway?" in asked.content
    assert Answer.objects.get(attempt=attempt).response == {"text": "proportionality"}


def test_arabic_confirmation_uses_the_plural_for_the_count(client, people, course):
    assessment = _published(course, people, ["single", "short_text", "numeric"])
    client.force_login(people.trainee)
    client.cookies["django_language"] = "ar"
    attempt = _start(client, assessment)

    asked = client.post(f"/attempts/{attempt.pk}/", {"submit": "1"}, HTTP_ACCEPT_LANGUAGE="ar")

    with translation.override("ar"):
        expected = translation.ngettext(
            "%(count)s question is unanswered. Submit anyway?",
            "%(count)s questions are unanswered. Submit anyway?",
            3,
        ) % {"count": 3}
    assert expected != "3 questions are unanswered. Submit anyway?"
    assert expected in asked.content.decode()


def test_submitting_everything_answered_is_not_asked(client, people, course):
    assessment = _published(course, people, ["single", "short_text"])
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    single, short = (f"q{q['id']}" for q in attempt.snapshot)

    submitted = client.post(
        f"/attempts/{attempt.pk}/", {single: str(_choice(attempt, 0, correct=True)), short: "x", "submit": "1"}
    )

    assert (submitted.status_code, submitted["Location"]) == (302, f"/attempts/{attempt.pk}/result/")


def test_the_time_left_is_in_the_sticky_clock(client, people, course):
    assessment = _published(course, people, ["single"], time_limit_minutes=30)
    client.force_login(people.trainee)
    attempt = _start(client, assessment)

    page = client.get(f"/attempts/{attempt.pk}/").content.decode()

    clock = page.split('<div class="attempt-clock" role="status">')[1].split("</div>")[0]
    assert "About 30 minutes left." in clock
    assert 'role="timer"' in clock


# Point 6 (assessments): numbers as people write them ---------------------------------------


def test_result_page_shows_the_numeric_key_without_trailing_zeros(client, people, course):
    assessment = _published(course, people, ["numeric"])
    client.force_login(people.trainee)
    attempt = _start(client, assessment)
    client.post(f"/attempts/{attempt.pk}/", {f"q{attempt.snapshot[0]['id']}": "4242", "submit": "1"})

    english = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    client.cookies["django_language"] = "fr"
    french = client.get(f"/attempts/{attempt.pk}/result/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<bdi>4242.5</bdi> (± <bdi>0.5</bdi>)" in english
    assert '<dt>Points</dt><dd><bdi dir="ltr">1 / 1</bdi></dd>' in english  # 4242 is within 0.5
    assert "<bdi>4242,5</bdi> (± <bdi>0,5</bdi>)" in french
    assert ".0000" not in english


# Point 16: grading moves on, the queue filters by course, statistics warn ---------------------


def _essays_pending(client, people, course, count: int) -> list[Answer]:
    """``count`` essays of the trainee awaiting a grade in a new assessment of ``course``
    (one attempt each), oldest first."""
    assessment = _published(course, people, ["essay"], max_attempts=count)
    client.force_login(people.trainee)
    for _ in range(count):
        client.post(f"/assessments/{assessment.pk}/start/")
        attempt = Attempt.objects.filter(assessment=assessment).latest("number")
        client.post(f"/attempts/{attempt.pk}/", {f"q{attempt.snapshot[0]['id']}": "My answer.", "submit": "1"})
    return list(Answer.objects.filter(attempt__assessment=assessment, needs_review=True).order_by("attempt__number"))


def test_saving_a_grade_opens_the_next_essay_then_says_all_graded(client, people, course):
    first, second = _essays_pending(client, people, course, 2)
    client.force_login(people.trainer_north)

    saved = client.post(f"/grading/answers/{first.pk}/", {"points": "3", "comment": ""}, follow=True)

    assert saved.redirect_chain == [(f"/grading/answers/{second.pk}/", 302)]
    assert "The grade is saved. Here is the next essay." in saved.content.decode()
    first.refresh_from_db()
    assert (first.needs_review, first.points) == (False, Decimal("3.00"))

    last = client.post(f"/grading/answers/{second.pk}/", {"points": "4", "comment": ""}, follow=True)

    assert last.redirect_chain == [("/grading/", 302)]
    page = last.content.decode()
    assert "The grade is saved. All graded: no essay is waiting." in page
    assert "Nothing to grade." in page


def _second_course(people):
    other = course_services.course_create(
        creator=people.trainer_north, code="CP-101", title="Community policing", competencies=["HR"]
    )
    module = course_services.module_create(course=other, title="Basics")
    course_services.lesson_create(module=module, title="Trust", body="Trust is earned.")
    return other


def test_queue_filters_by_course_and_grading_stays_in_it(client, people, course):
    (in_first,) = _essays_pending(client, people, course, 1)
    other = _second_course(people)
    in_other_a, in_other_b = _essays_pending(client, people, other, 2)
    client.force_login(people.trainer_north)

    everything = client.get("/grading/").content.decode()
    filtered = client.get(f"/grading/?course={other.pk}").content.decode()

    assert '<option value="">All courses</option>' in everything
    assert f'<option value="{other.pk}">CP-101 · Community policing</option>' in everything
    assert f'<option value="{course.pk}">HR-201 · Human rights in policing</option>' in everything
    assert f'<option value="{other.pk}" selected>' in filtered
    assert f"/grading/answers/{in_first.pk}/" in everything
    assert f"/grading/answers/{in_first.pk}/" not in filtered
    assert f'href="/grading/answers/{in_other_a.pk}/?course={other.pk}"' in filtered
    assert f"/grading/answers/{in_other_b.pk}/?course={other.pk}" in filtered

    first = client.post(f"/grading/answers/{in_other_a.pk}/?course={other.pk}", {"points": "1"})
    assert first["Location"] == f"/grading/answers/{in_other_b.pk}/?course={other.pk}"
    done = client.post(f"/grading/answers/{in_other_b.pk}/?course={other.pk}", {"points": "1"}, follow=True)
    assert done.redirect_chain == [("/grading/", 302)]
    assert "All essays of this course are graded." in done.content.decode()
    assert f'<option value="{other.pk}">' not in done.content.decode()  # no essay waits there now


def test_queue_query_count_does_not_grow_with_rows_or_courses(client, people, course, django_assert_num_queries):
    _essays_pending(client, people, course, 1)
    client.force_login(people.trainer_north)
    with django_assert_num_queries(7) as one:
        client.get("/grading/")
    _essays_pending(client, people, _second_course(people), 3)
    client.force_login(people.trainer_north)

    with django_assert_num_queries(7):
        response = client.get("/grading/")

    assert response.content.decode().count('href="/grading/answers/') == 4
    assert len(one.captured_queries) == 7


def test_statistics_say_when_attempts_are_too_few_to_judge(client, people, published):
    client.force_login(people.trainee)
    attempt = Attempt.objects.get(pk=client.post(f"/assessments/{published.pk}/start/")["Location"].split("/")[2])
    client.post(f"/attempts/{attempt.pk}/", {"submit": "1", "confirm": "1"})
    client.force_login(people.trainer_north)

    page = client.get(f"/assessments/{published.pk}/statistics/").content.decode()

    assert (
        '<p class="notice" id="too-few-note">Too few attempts to judge a question: with fewer than 30 scored '
        "attempts, a question&#x27;s difficulty and discrimination are only indicative" in page
    )
    assert page.count('<small class="indicative">(indicative)</small>') >= 4  # difficulty, per question


def test_no_warning_from_thirty_attempts_on():
    assert _too_few_note([ItemStatistics(id=1, kind="single", text="?", competency="", n=30)]) == ""
    assert _too_few_note([ItemStatistics(id=1, kind="single", text="?", competency="", n=29)]) != ""

"""The assessments API: lifecycle, leakage of the answer key, and who may call what."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import services
from assessments.models import Allowance, Answer, Assessment, Attempt, Question
from courses import services as course_services
from tests.assessments.conftest import right_answers

pytestmark = pytest.mark.django_db

KEY_WORDS = (b"correct", b"is_correct", b"accepted_answers", b"numeric_answer", b"explanation")


def _post(client, user, url, data=None):
    client.force_authenticate(user)
    return client.post(url, data or {}, format="json")


def test_author_creates_an_assessment_adds_questions_and_publishes(api_client, people, course):
    created = _post(
        api_client,
        people.trainer_north,
        "/api/v1/assessments/",
        {"course": course.pk, "title": "Quiz", "pass_mark": 80, "max_attempts": 3, "time_limit_minutes": 20},
    )
    assert created.status_code == 201, created.content
    assessment_id = created.json()["id"]
    assert created.json()["is_required"] is True

    question = _post(
        api_client,
        people.trainer_north,
        f"/api/v1/assessments/{assessment_id}/questions/",
        {"kind": "single", "text": "2 + 2?", "points": "2", "choices": [{"text": "4", "correct": True}, {"text": "5"}]},
    )
    assert question.status_code == 201, question.content
    published = _post(api_client, people.trainer_north, f"/api/v1/assessments/{assessment_id}/publish/")

    assert published.status_code == 200
    assessment = Assessment.objects.get(pk=assessment_id)
    assert (assessment.pass_mark, assessment.max_attempts, assessment.is_published) == (80, 3, True)
    assert list(Question.objects.get().choices.values_list("text", "is_correct")) == [("4", True), ("5", False)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "single", "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}]}, "choices"),
        ({"kind": "multiple", "choices": [{"text": "a"}, {"text": "b"}]}, "choices"),
        ({"kind": "numeric"}, "numeric_answer"),
        ({"kind": "short_text"}, "accepted_answers"),
    ],
)
def test_question_keys_are_validated_per_kind(api_client, people, assessment, payload, field):
    response = _post(
        api_client, people.trainer_north, f"/api/v1/assessments/{assessment.pk}/questions/", {"text": "Q?", **payload}
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Question.objects.filter(bank=assessment.bank).count() == 4


def test_attempt_lifecycle_over_the_api(api_client, people, published):
    started = _post(api_client, people.trainee, f"/api/v1/assessments/{published.pk}/attempts/")
    assert started.status_code == 201
    body = started.json()
    assert [q["id"] for q in body["questions"]] == sorted(q.pk for q in published.questions.values())
    assert set(body["questions"][0]) == {"id", "kind", "text", "points", "scenario", "choices"}
    assert set(body["questions"][0]["choices"][0]) == {"id", "text"}
    again = _post(api_client, people.trainee, f"/api/v1/assessments/{published.pk}/attempts/")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])

    attempt = Attempt.objects.get()
    single = next(q for q in attempt.snapshot if q["kind"] == "single")
    right = next(c["id"] for c in single["choices"] if c["correct"])
    saved = api_client.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{single['id']}/", {"choices": [right]}, format="json"
    )
    assert saved.status_code == 200
    numeric = published.questions["numeric"].pk
    submitted = _post(
        api_client,
        people.trainee,
        f"/api/v1/attempts/{attempt.pk}/submit/",
        {"answers": [{"question": numeric, "text": "48"}]},
    )

    assert submitted.status_code == 200
    assert submitted.json() == {"score": "50.00", "passed": False, "status": "graded"}
    second = _post(api_client, people.trainee, f"/api/v1/attempts/{attempt.pk}/submit/", {"answers": []})
    assert second.json() == {"score": "50.00", "passed": False, "status": "graded"}
    # The attempt's own page gives the score as the same decimal string (it once gave 50.0).
    detail = api_client.get(f"/api/v1/attempts/{attempt.pk}/")
    assert (detail.json()["score"], detail.json()["passed"]) == ("50.00", False)


def test_a_malformed_answer_is_a_400(api_client, people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    numeric = published.questions["numeric"].pk
    api_client.force_authenticate(people.trainee)

    response = api_client.put(f"/api/v1/attempts/{attempt.pk}/answers/{numeric}/", {"choices": [1]}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [str(numeric)]
    assert not Answer.objects.exists()


def _key_leaks(raw: bytes, attempts) -> list[str]:
    """Which parts of the answer key appear in a response body."""
    found = [word.decode() for word in KEY_WORDS if word in raw.lower()]
    text = raw.decode()
    for attempt in attempts:
        for question in attempt.snapshot:
            for answer in question["accepted_answers"]:
                if json.dumps(answer)[1:-1] in text or answer in text:
                    found.append(answer)
    return found


@pytest.mark.parametrize("policy", [p.value for p in Assessment.FeedbackPolicy])
def test_no_trainee_visible_response_reveals_the_key_before_the_policy_allows(api_client, people, published, policy):
    closes_at = timezone.now() + datetime.timedelta(days=1)
    Assessment.objects.filter(pk=published.pk).update(feedback_policy=policy, closes_at=closes_at)
    api_client.force_authenticate(people.trainee)
    bodies = [
        api_client.get("/api/v1/assessments/").content,
        api_client.get(f"/api/v1/assessments/{published.pk}/").content,
        api_client.post(f"/api/v1/assessments/{published.pk}/attempts/").content,
    ]
    attempt = Attempt.objects.get()
    bodies.append(api_client.get(f"/api/v1/attempts/{attempt.pk}/").content)
    # Their own responses are echoed back: the short text one is wrong, so that any
    # accepted answer found in a body is the key, not the trainee's words.
    short_text = published.questions["short_text"].pk
    answers = [
        {"question": q, **r}
        for q, r in right_answers(attempt)
        if q not in (published.questions["single"].pk, short_text)
    ] + [{"question": short_text, "text": "necessity"}]
    bodies.append(
        api_client.post(f"/api/v1/attempts/{attempt.pk}/submit/", {"answers": answers}, format="json").content
    )
    after_submit = api_client.get(f"/api/v1/attempts/{attempt.pk}/").content

    assert [_key_leaks(body, [attempt]) for body in bodies] == [[]] * 5
    if policy == "after_submission":
        assert _key_leaks(after_submit, [attempt]) != []
        assert json.loads(after_submit)["is_feedback_visible"] is True
    else:
        assert _key_leaks(after_submit, [attempt]) == []
        Assessment.objects.filter(pk=published.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
        after_close = api_client.get(f"/api/v1/attempts/{attempt.pk}/").content
        assert (_key_leaks(after_close, [attempt]) != []) == (policy == "after_close")


def test_another_trainees_attempt_is_404(api_client, people, published, course, tree):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    course_services.enrollment_create_self(course=course, user=people.other_trainee)
    api_client.force_authenticate(people.other_trainee)

    assert api_client.get(f"/api/v1/attempts/{attempt.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/attempts/{attempt.pk}/submit/", {}, format="json").status_code == 404
    assert api_client.put(f"/api/v1/attempts/{attempt.pk}/answers/1/", {"text": "x"}, format="json").status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def _submitted_essay_attempt(people, published):
    essay = services.question_create(
        bank=published.bank, kind="essay", text="Explain.", actor=people.trainer_north, points=2
    )
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=[(essay.pk, {"text": "Because."})])
    return attempt, Answer.objects.get(attempt=attempt, question_id=essay.pk)


ROLES = ["anonymous", "trainee", "other_trainee", "trainer_north", "trainer_south", "leader", "admin"]


@pytest.mark.parametrize(
    ("who", "detail", "grade", "queue", "allowance"),
    [
        ("anonymous", 401, 401, 401, 401),
        ("trainee", 200, 403, 403, 403),
        ("other_trainee", 404, 403, 403, 403),
        ("trainer_north", 200, 200, 200, 201),
        ("trainer_south", 404, 404, 200, 400),
        ("leader", 200, 403, 403, 403),
        ("admin", 200, 200, 200, 201),
    ],
)
def test_authorization_table(api_client, people, published, tree, who, detail, grade, queue, allowance):
    attempt, answer = _submitted_essay_attempt(people, published)
    user = getattr(people, who, None)
    if user is not None:
        api_client.force_authenticate(user)

    statuses = (
        api_client.get(f"/api/v1/attempts/{attempt.pk}/").status_code,
        api_client.post(f"/api/v1/answers/{answer.pk}/grade/", {"points": "1"}, format="json").status_code,
        api_client.get("/api/v1/grading-queue/").status_code,
        api_client.post(
            f"/api/v1/assessments/{published.pk}/allowances/",
            {"officer": tree.north_officers[0].pk, "reason": "Sick", "extra_attempts": 1},
            format="json",
        ).status_code,
    )

    assert statuses == (detail, grade, queue, allowance)
    answer.refresh_from_db()
    assert (answer.points is not None) == (grade == 200)
    assert Allowance.objects.count() == (1 if allowance == 201 else 0)


def test_an_allowance_beyond_what_the_database_holds_is_a_400(api_client, people, published, tree):
    # PostgreSQL refused 40000 extra attempts (a smallint column) with an error: a 500.
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        f"/api/v1/assessments/{published.pk}/allowances/",
        {"officer": tree.north_officers[0].pk, "reason": "Sick", "extra_attempts": 40000, "extra_minutes": 2**31},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "extra_attempts": ["Ensure this value is less than or equal to 32767."],
        "extra_minutes": ["Ensure this value is less than or equal to 2147483647."],
    }
    assert not Allowance.objects.exists()


def test_grading_queue_lists_essays_in_scope(api_client, people, published):
    _attempt, answer = _submitted_essay_attempt(people, published)

    api_client.force_authenticate(people.trainer_north)
    north = api_client.get("/api/v1/grading-queue/").json()
    api_client.force_authenticate(people.trainer_south)
    south = api_client.get("/api/v1/grading-queue/").json()

    assert [item["id"] for item in north["results"]] == [answer.pk]
    assert south["results"] == []


def test_assessment_lists_come_a_page_at_a_time(api_client, people, course):
    # A course with many quizzes once made one response of every assessment a caller sees.
    for number in range(52):
        services.assessment_create(course=course, title=f"Quiz {number}", actor=people.trainer_north)
    api_client.force_authenticate(people.trainer_north)

    first = api_client.get("/api/v1/assessments/").json()
    second = api_client.get(first["next"]).json()

    assert (first["count"], len(first["results"]), len(second["results"]), second["next"]) == (52, 50, 2, None)
    assert [item["title"] for item in first["results"][:2]] == ["Quiz 0", "Quiz 1"]


@pytest.mark.parametrize("who", ["anonymous", "trainee", "trainer_south", "leader"])
def test_only_authors_create_assessments(api_client, people, course, who):
    user = getattr(people, who, None)
    if user is not None:
        api_client.force_authenticate(user)

    response = api_client.post("/api/v1/assessments/", {"course": course.pk, "title": "Quiz"}, format="json")

    assert response.status_code == {"anonymous": 401, "trainee": 403, "trainer_south": 403, "leader": 403}[who]
    assert not Assessment.objects.exists()


def _submit_queries(api_client, people, course, count: int, code: str) -> int:
    assessment = services.assessment_create(course=course, title=code, actor=people.trainer_north)
    for n in range(count):
        services.question_create(
            bank=assessment.bank,
            kind="single",
            text=f"Q{n}",
            actor=people.trainer_north,
            choices=[{"text": "yes", "correct": True}, {"text": "no"}],
        )
    services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    attempt = services.attempt_start(assessment=assessment, user=people.trainee)
    # Every answer right, so that both sizes pass and take the same path (a pass runs the
    # completion check); the snapshot holds the key and the choices in their shuffled order.
    answers = [
        {"question": q["id"], "choices": [next(c["id"] for c in q["choices"] if c["correct"])]}
        for q in attempt.snapshot
    ]
    api_client.force_authenticate(people.trainee)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(f"/api/v1/attempts/{attempt.pk}/submit/", {"answers": answers}, format="json")
    assert response.status_code == 200
    return len(queries)


def test_submitting_runs_a_bounded_number_of_queries(api_client, people, published, django_assert_max_num_queries):
    course = published.course
    small = _submit_queries(api_client, people, course, 5, "small")
    large = _submit_queries(api_client, people, course, 50, "large")

    assert small == large
    with django_assert_max_num_queries(25):
        assessment = Assessment.objects.get(title="large")
        attempt = services.attempt_start(assessment=assessment, user=people.trainee)
        # A new attempt of the same 50 questions, submitted through the API too.
    answers = [{"question": q["id"], "choices": [q["choices"][0]["id"]]} for q in attempt.snapshot]
    with django_assert_max_num_queries(25):
        api_client.post(f"/api/v1/attempts/{attempt.pk}/submit/", {"answers": answers}, format="json")

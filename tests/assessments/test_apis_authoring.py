"""The authoring API: pools, answer-key corrections with regrade, archiving, import and export."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import Choice, Pool, Question
from lms.audit.models import AuditEntry
from tests.assessments.conftest import right_answers, shown_id

pytestmark = pytest.mark.django_db

GOOD_GIFT = "::Q1:: Who may order an arrest? {=A judge ~A neighbour}\n\nForce must be necessary. {T}\n"
BROKEN_GIFT = "Good {T}\n\nPick one {~a ~b}\n\n// note\nHow far {#far}\n\nGood too {=x ~y}\n\nOpen {=a\n"


def _as(client, user):
    if user is not None:
        client.force_authenticate(user)
    return client


def _state(assessment) -> tuple:
    """Everything an authoring request could change."""
    return (
        list(Pool.objects.filter(assessment=assessment).values_list("tag", "count")),
        list(Question.objects.filter(bank=assessment.bank).order_by("pk").values_list("pk", "points", "is_archived")),
        sorted(Choice.objects.filter(question__bank=assessment.bank, is_correct=True).values_list("pk", flat=True)),
        AuditEntry.objects.count(),
    )


# Pools ------------------------------------------------------------------------------------


def test_author_sets_lists_and_deletes_a_pool(api_client, people, assessment):
    client = _as(api_client, people.trainer_north)
    url = f"/api/v1/assessments/{assessment.pk}/pools/"

    created = client.post(url, {"tag": "HR", "count": 3}, format="json")
    assert created.status_code == 201, created.content
    pool = Pool.objects.get()
    assert created.json() == {"id": pool.pk, "tag": "HR", "count": 3}
    assert client.get(url).json() == [{"id": pool.pk, "tag": "HR", "count": 3}]
    entry = AuditEntry.objects.get(action="pool.set")
    assert (entry.actor, entry.after) == (people.trainer_north, {"tag": "HR", "count": 3})

    deleted = client.delete(f"{url}{pool.pk}/")
    assert deleted.status_code == 204
    assert not Pool.objects.exists()
    assert AuditEntry.objects.get(action="pool.delete").before == {"tag": "HR", "count": 3}
    assert client.delete(f"{url}{pool.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"tag": "HR", "count": 5}, {"count": ["Only 4 live question(s) of the bank have the tag 'HR'."]}),
        ({"tag": "GENDER", "count": 1}, {"count": ["Only 0 live question(s) of the bank have the tag 'GENDER'."]}),
        ({"tag": "HR", "count": 0}, {"count": ["Ensure this value is greater than or equal to 1."]}),
        ({"count": 1}, {"tag": ["This field is required."]}),
    ],
)
def test_a_pool_needs_enough_tagged_live_questions(api_client, people, assessment, body, errors):
    response = _as(api_client, people.trainer_north).post(
        f"/api/v1/assessments/{assessment.pk}/pools/", body, format="json"
    )
    assert (response.status_code, response.json()) == (400, errors)
    assert not Pool.objects.exists()


def test_archived_questions_do_not_count_for_a_pool_nor_get_drawn(api_client, people, published):
    client = _as(api_client, people.trainer_north)
    single = published.questions["single"]
    archived = client.post(f"/api/v1/questions/{single.pk}/archive/")
    assert (archived.status_code, archived.json()) == (200, {"id": single.pk, "is_archived": True})
    assert AuditEntry.objects.filter(action="question.archived", target_id=str(single.pk)).count() == 1

    too_many = client.post(f"/api/v1/assessments/{published.pk}/pools/", {"tag": "HR", "count": 4}, format="json")
    assert too_many.json() == {"count": ["Only 3 live question(s) of the bank have the tag 'HR'."]}
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    assert single.pk not in {question["id"] for question in attempt.snapshot}
    assert len(attempt.snapshot) == 3


# Corrections and regrade ------------------------------------------------------------------


def test_a_correction_with_regrade_changes_a_submitted_score(api_client, people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    single = published.questions["single"]
    neighbour = single.choices.get(text="A neighbour")
    judge = single.choices.get(text="A judge")
    answers = [(q, r) for q, r in right_answers(attempt) if q != single.pk] + [
        (single.pk, {"choices": [shown_id(attempt, neighbour)]})
    ]
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("75.00")

    response = _as(api_client, people.trainer_north).patch(
        f"/api/v1/questions/{single.pk}/",
        {
            "choices": [{"id": neighbour.pk, "correct": True}, {"id": judge.pk, "correct": False}],
            "explanation": "Corrected.",
            "regrade": True,
        },
        format="json",
    )

    assert (response.status_code, response.json()) == (200, {"id": single.pk, "regraded": 1})
    attempt.refresh_from_db()
    assert (attempt.score, attempt.is_passed) == (Decimal("100.00"), True)
    single.refresh_from_db()
    assert single.explanation == "Corrected."
    assert list(single.choices.filter(is_correct=True)) == [neighbour]


def test_a_correction_without_regrade_keeps_past_scores(api_client, people, published):
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    numeric = published.questions["numeric"]
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=right_answers(attempt))

    response = _as(api_client, people.trainer_north).patch(
        f"/api/v1/questions/{numeric.pk}/", {"numeric_answer": "72", "points": "2"}, format="json"
    )

    assert (response.status_code, response.json()) == (200, {"id": numeric.pk, "regraded": 0})
    numeric.refresh_from_db()
    assert (numeric.numeric_answer, numeric.points) == (Decimal("72.0000"), Decimal("2.00"))
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"choices": [{"id": 999999, "correct": True}]}, {"choices": ["Not choices of this question: [999999]."]}),
        ({"choices": [{"correct": True}]}, {"choices": [{"id": ["This field is required."]}]}),
        ({"points": "abc"}, {"points": ["A valid number is required."]}),
    ],
)
def test_a_bad_correction_is_refused_with_field_messages(api_client, people, assessment, body, errors):
    single = assessment.questions["single"]
    before = _state(assessment)
    response = _as(api_client, people.trainer_north).patch(f"/api/v1/questions/{single.pk}/", body, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert _state(assessment) == before


def test_a_correction_leaving_no_correct_choice_is_refused(api_client, people, assessment):
    single = assessment.questions["single"]
    judge = single.choices.get(text="A judge")
    before = _state(assessment)
    response = _as(api_client, people.trainer_north).patch(
        f"/api/v1/questions/{single.pk}/", {"choices": [{"id": judge.pk, "correct": False}]}, format="json"
    )
    assert response.status_code == 400
    assert _state(assessment) == before


# Import and export -------------------------------------------------------------------------


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_author_imports_a_gift_file(api_client, people, assessment):
    response = _as(api_client, people.trainer_north).post(
        f"/api/v1/assessments/{assessment.pk}/questions/import/",
        {"file": _upload("questions.gift", GOOD_GIFT.encode())},
        format="multipart",
    )
    assert (response.status_code, response.json()) == (201, {"created": 2})
    new = list(Question.objects.filter(bank=assessment.bank).order_by("-pk")[:2])
    assert sorted((question.kind, question.text) for question in new) == [
        ("single", "Who may order an arrest?"),
        ("true_false", "Force must be necessary."),
    ]


def test_a_broken_gift_file_lists_every_line_and_creates_nothing(api_client, people, assessment):
    before = _state(assessment)
    response = _as(api_client, people.trainer_north).post(
        f"/api/v1/assessments/{assessment.pk}/questions/import/",
        {"file": _upload("questions.txt", BROKEN_GIFT.encode())},
        format="multipart",
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "file": [
                "line 3: No correct answer: mark one with = (or a positive %weight%).",
                "line 6: Bad numeric answer 'far': write 12.5, 12.5:0.5 or 10..15.",
                "line 10: Unclosed brace: { without a matching }.",
            ]
        },
    )
    assert _state(assessment) == before


@pytest.mark.parametrize(
    ("name", "content", "extra", "errors"),
    [
        ("q.gift", "Sécurité ? {T}".encode("latin-1"), {}, {"file": ["The file is not UTF-8 text."]}),
        ("q.doc", b"Q {T}", {}, {"format": ["Cannot tell the file's format: give gift or csv."]}),
        ("q.gift", b"Q {T}", {"format": "xml"}, {"format": ['"xml" is not a valid choice.']}),
        ("q.gift", b"x" * (5 * 1024 * 1024 + 1), {}, {"file": ["The file is larger than 5 MB."]}),
        ("q.csv", b"nonsense\n", {}, None),
    ],
)
def test_an_unreadable_file_is_refused_clearly(api_client, people, assessment, name, content, extra, errors):
    before = _state(assessment)
    response = _as(api_client, people.trainer_north).post(
        f"/api/v1/assessments/{assessment.pk}/questions/import/",
        {"file": _upload(name, content), **extra},
        format="multipart",
    )
    assert response.status_code == 400
    if errors is None:  # the CSV parser's own header message, row-numbered
        assert response.json()["file"][0].startswith("row 1: ")
    else:
        assert response.json() == errors
    assert _state(assessment) == before


@pytest.mark.parametrize(
    ("name", "content", "unit", "line"),
    [
        ("many.gift", "\n\n".join(f"Question {n}? {{T}}" for n in range(2500)).encode(), "line", 4001),
        ("many.csv", ("kind,text\n" + "".join(f"essay,Question {n}?\n" for n in range(2500))).encode(), "row", 2002),
    ],
)
def test_an_import_holds_at_most_the_configured_number_of_questions(
    api_client, people, assessment, name, content, unit, line
):
    # A 3.9 MB file once created 150,000 questions in one request; now one import adds at
    # most QUESTION_IMPORT_MAX_QUESTIONS (2,000 by default), refused where the limit passes.
    before = _state(assessment)

    response = _as(api_client, people.trainer_north).post(
        f"/api/v1/assessments/{assessment.pk}/questions/import/", {"file": _upload(name, content)}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["file"][-1] == f"{unit} {line}: The file holds more than 2000 questions; split it."
    assert _state(assessment) == before


def test_the_service_refuses_more_questions_than_the_limit_whatever_the_reader(people, assessment, settings):
    settings.QUESTION_IMPORT_MAX_QUESTIONS = 2
    questions = [{"kind": "essay", "text": f"Q{n}?"} for n in range(3)]

    with pytest.raises(ValidationError) as refused:
        services.questions_import(bank=assessment.bank, questions=questions, actor=people.trainer_north)

    assert services.questions_import_messages(refused.value) == [
        "One import adds at most 2 questions, not 3: split the file."
    ]


def test_export_round_trips_through_import(api_client, people, assessment):
    client = _as(api_client, people.trainer_north)
    exported = client.get(f"/api/v1/assessments/{assessment.pk}/questions/export/")
    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"] == f'attachment; filename="assessment-{assessment.pk}-questions.csv"'

    imported = client.post(
        f"/api/v1/assessments/{assessment.pk}/questions/import/",
        {"file": _upload("bank.csv", exported.content)},
        format="multipart",
    )
    assert (imported.status_code, imported.json()) == (201, {"created": 4})
    assert Question.objects.filter(bank=assessment.bank).count() == 8


# Who may call what -------------------------------------------------------------------------


def _requests(assessment):
    """(name, method, url, body, format) for every authoring endpoint."""
    single = assessment.questions["single"]
    pool = Pool.objects.create(assessment=assessment, tag="HR", count=1)
    base = f"/api/v1/assessments/{assessment.pk}"
    return {
        "pools-list": ("get", f"{base}/pools/", None, None),
        "pools-create": ("post", f"{base}/pools/", {"tag": "HR", "count": 2}, "json"),
        "pools-delete": ("delete", f"{base}/pools/{pool.pk}/", None, None),
        "correct": ("patch", f"/api/v1/questions/{single.pk}/", {"points": "3", "regrade": True}, "json"),
        "archive": ("post", f"/api/v1/questions/{single.pk}/archive/", None, None),
        "import": ("post", f"{base}/questions/import/", "gift", "multipart"),
        "export": ("get", f"{base}/questions/export/", None, None),
    }


ALLOWED = {
    "pools-list": 200,
    "pools-create": 201,
    "pools-delete": 204,
    "correct": 200,
    "archive": 200,
    "import": 201,
    "export": 200,
}


@pytest.mark.parametrize("endpoint", list(ALLOWED))
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("trainee", 403),
        ("trainer_south", 403),
        ("leader", 403),
        ("trainer_north", None),
        ("admin", None),
    ],
)
def test_who_may_call_the_authoring_endpoints(api_client, people, published, endpoint, who, expected):
    method, url, body, body_format = _requests(published)[endpoint]
    if body == "gift":
        body = {"file": _upload("q.gift", GOOD_GIFT.encode())}
    before = _state(published)
    client = _as(api_client, None if who == "anonymous" else getattr(people, who))

    response = getattr(client, method)(url, body, format=body_format) if body else getattr(client, method)(url)

    assert response.status_code == (expected or ALLOWED[endpoint]), response.content
    if expected is not None:
        assert _state(published) == before


@pytest.mark.parametrize(("who", "expected"), [("trainee", 404), ("trainer_south", 403)])
def test_on_a_draft_course_a_trainee_sees_nothing_and_another_trainer_is_refused(
    api_client, people, assessment, who, expected
):
    """Trainers see draft courses (to prepare sessions), so a non-author trainer gets 403."""
    single = assessment.questions["single"]
    client = _as(api_client, getattr(people, who))
    before = _state(assessment)
    assert client.get(f"/api/v1/assessments/{assessment.pk}/pools/").status_code == expected
    assert client.get(f"/api/v1/assessments/{assessment.pk}/questions/export/").status_code == expected
    assert client.patch(f"/api/v1/questions/{single.pk}/", {"points": "3"}, format="json").status_code == expected
    assert client.post(f"/api/v1/questions/{single.pk}/archive/").status_code == expected
    assert _state(assessment) == before


def test_unknown_objects_are_404(api_client, people, assessment):
    client = _as(api_client, people.admin)
    assert client.get("/api/v1/assessments/999999/pools/").status_code == 404
    assert client.patch("/api/v1/questions/999999/", {"points": "3"}, format="json").status_code == 404
    assert client.post("/api/v1/questions/999999/archive/").status_code == 404

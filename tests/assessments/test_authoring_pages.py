"""The authoring pages: importing questions into an assessment's bank and exporting them as CSV;
listing, adding, correcting and archiving its questions; its pools."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments import services
from assessments.importers.gift import question_dict
from assessments.models import Assessment, Choice, Pool, Question, Scenario
from courses import services as course_services
from lms.audit.models import AuditEntry
from tests.assessments.conftest import questions_add, right_answers, shown_id

pytestmark = pytest.mark.django_db

VALID_GIFT = """// Two questions
::Q1::Who may order a search?{=A judge ~A neighbour}

The use of force must be proportionate.{T}
"""
BROKEN_GIFT = "Good?{=Yes ~No}\n\nBroken?{~a ~b}\n\nAlso broken {=1 \n"
LOGIN = "/accounts/login/?next="


def _import_url(assessment) -> str:
    return f"/assessments/{assessment.pk}/questions/import/"


def _upload(client, assessment, name: str, content: bytes, file_format: str = "auto"):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(_import_url(assessment), {"file": upload, "format": file_format})


def _texts(assessment) -> list[str]:
    return list(Question.objects.filter(bank=assessment.bank).order_by("pk").values_list("text", flat=True))


def test_author_imports_a_gift_file(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.gift", VALID_GIFT.encode())

    assert (response.status_code, response["Location"]) == (302, f"/assessments/{assessment.pk}/")
    assert _texts(assessment) == [*before, "Who may order a search?", "The use of force must be proportionate."]
    page = client.get(response["Location"])
    assert [str(message) for message in page.context["messages"]] == ["2 questions imported."]


def test_broken_gift_file_lists_every_problem_and_writes_nothing(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.txt", BROKEN_GIFT.encode())

    assert response.status_code == 400
    assert response.context["problems"] == [
        "line 3: No correct answer: mark one with = (or a positive %weight%).",
        "line 5: Unclosed brace: { without a matching }.",
    ]
    assert b'<li dir="auto">line 5: Unclosed brace: { without a matching }.</li>' in response.content
    assert _texts(assessment) == before


def test_broken_csv_file_lists_rows(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)
    content = b"kind,text,choices\nsingle,Fine?,*Yes | No\nsingle,,*Yes\nbogus,What?,\n"

    response = _upload(client, assessment, "bank.data", content, file_format="csv")

    assert response.status_code == 400
    assert response.context["problems"] == [
        "row 3: The question text is empty.",
        "row 3: A choice question needs at least two choices.",
        "row 4: Unknown kind 'bogus': use one of single, multiple, true_false, numeric, short_text, essay.",
    ]
    assert _texts(assessment) == before


def test_file_over_five_megabytes_is_refused(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.gift", b"x" * (5 * 1024 * 1024 + 1))

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 5 MB."]}
    assert _texts(assessment) == before


def test_file_that_is_not_utf8_is_refused(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.gift", "Qui?{=Général ~Élève}".encode("latin-1"))

    assert response.status_code == 400
    assert response.context["problems"] == [
        "The file is not UTF-8 text. Save it as UTF-8 (in a spreadsheet: CSV UTF-8) and try again."
    ]
    assert _texts(assessment) == before


def test_import_form_describes_the_accepted_files(client, people, assessment):
    client.force_login(people.trainer_north)

    html = client.get(_import_url(assessment)).content.decode()

    assert 'accept=".gift,.txt,.csv"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="auto" selected>' in html
    assert f'href="/assessments/{assessment.pk}/questions/export.csv"' in html


def test_csv_export_gives_the_bank_back_in_the_import_format(client, people, assessment):
    client.force_login(people.trainer_north)

    response = client.get(f"/assessments/{assessment.pk}/questions/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="assessment-{assessment.pk}-questions.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffkind,text,points,choices,answer,tolerance,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(row["kind"], row["text"]) for row in rows] == [
        ("single", "Who may order an arrest?"),
        ("multiple", "Which are rights of a detainee?"),
        ("numeric", "How many hours before a detainee sees a judge?"),
        ("short_text", "The principle that force must match the threat?"),
    ]
    assert rows[0]["choices"] == "*A judge | A neighbour | A journalist"


def test_exported_csv_imports_back(client, people, assessment):
    client.force_login(people.trainer_north)
    exported = client.get(f"/assessments/{assessment.pk}/questions/export.csv").content
    before = _texts(assessment)

    response = _upload(client, assessment, "export.csv", exported)

    assert response.status_code == 302
    assert _texts(assessment) == before * 2


def test_assessment_page_links_editors_to_import_and_export(client, people, published):
    links = (b"/questions/import/", b"/questions/export.csv")
    client.force_login(people.trainer_north)
    author_page = client.get(f"/assessments/{published.pk}/").content
    client.force_login(people.trainee)
    trainee_page = client.get(f"/assessments/{published.pk}/").content

    assert [link in author_page for link in links] == [True, True]
    assert [link in trainee_page for link in links] == [False, False]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("trainee", 403),
        ("other_trainee", 404),
        ("trainer_south", 403),
        ("leader", 403),
        ("trainer_north", 200),
        ("admin", 200),
    ],
)
def test_who_may_import_and_export(client, people, published, who, expected):
    """The trainee is enrolled in the course (sees the assessment), the other trainee is not;
    trainer_north is the course's author."""
    if who is not None:
        client.force_login(getattr(people, who))
    before = _texts(published)

    pages = [client.get(_import_url(published)), client.get(f"/assessments/{published.pk}/questions/export.csv")]
    posted = _upload(client, published, "bank.gift", VALID_GIFT.encode())

    assert [page.status_code for page in pages] == [expected, expected]
    if expected == 200:
        assert posted.status_code == 302
        assert len(_texts(published)) == len(before) + 2
    else:
        assert posted.status_code == expected
        assert _texts(published) == before
    if expected == 302:
        assert pages[0]["Location"] == LOGIN + _import_url(published)


# The countdown on the taking page (static/js/attempt-timer.js) ----------------------------------


def test_taking_page_loads_the_countdown_with_the_servers_deadline(client, people, published):
    client.force_login(people.trainee)
    client.post(f"/assessments/{published.pk}/start/")
    attempt = published.attempts.get()

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert html.count("<script") == 1
    assert '<script src="/static/js/attempt-timer.js" defer></script>' in html
    assert f'data-deadline="{timezone.localtime(attempt.deadline).isoformat()}"' in html
    assert 'role="timer" aria-live="polite"' in html
    # Without JavaScript the server's text stays: the countdown is hidden until the script shows it.
    assert "About 30 minutes left." in html
    assert 'class="attempt-timer" role="timer" aria-live="polite" aria-atomic="true" hidden' in html


def test_taking_page_without_a_time_limit_has_no_script(client, people, published):
    published.time_limit_minutes = None
    published.save(update_fields=["time_limit_minutes"])
    client.force_login(people.trainee)
    client.post(f"/assessments/{published.pk}/start/")
    attempt = published.attempts.get()

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "<script" not in html
    assert "data-deadline" not in html


def test_countdown_script_is_small_and_never_submits():
    script = (settings.BASE_DIR / "static" / "js" / "attempt-timer.js").read_text()

    assert len(script.encode()) < 1536
    assert ".submit(" not in script
    assert "requestSubmit" not in script


# Questions and pools: the authoring pages -------------------------------------------------------

ROWS = {f"choice_text_{n}": "" for n in range(1, 7)}


def _state(assessment) -> tuple:
    """Everything an authoring page could change."""
    return (
        list(Pool.objects.filter(assessment=assessment).values_list("tag", "count")),
        list(
            Question.objects.filter(bank=assessment.bank)
            .order_by("pk")
            .values_list("pk", "text", "points", "is_archived", "explanation", "numeric_answer", "accepted_answers")
        ),
        sorted(Choice.objects.filter(question__bank=assessment.bank, is_correct=True).values_list("pk", flat=True)),
        Scenario.objects.filter(bank=assessment.bank).count(),
        AuditEntry.objects.count(),
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _new_question(assessment) -> Question:
    return Question.objects.filter(bank=assessment.bank).latest("pk")


def _stored(question: Question) -> dict:
    return {
        "kind": question.kind,
        "text": question.text,
        "points": question.points,
        "choices": list(question.choices.order_by("order").values_list("text", "is_correct")),
        "numeric_answer": question.numeric_answer,
        "numeric_tolerance": question.numeric_tolerance,
        "accepted_answers": question.accepted_answers,
        "explanation": question.explanation,
        "competency": question.competency,
        "topic": question.topic,
        "scenario": None if question.scenario is None else (question.scenario.title, question.scenario.text),
    }


def _expected(**fields) -> dict:
    expected = {
        "points": Decimal("1.00"),
        "choices": [],
        "numeric_answer": None,
        "numeric_tolerance": Decimal("0"),
        "accepted_answers": [],
        "explanation": "",
        "competency": "",
        "topic": "",
        "scenario": None,
    }
    expected.update(fields)
    return expected


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        (
            {
                "kind": "single",
                "text": "Who may order a search?",
                "points": "2",
                "choice_text_1": "A judge",
                "choice_correct_1": "on",
                "choice_text_3": "A neighbour",  # row 2 left blank: ignored
                "choice_text_4": "  ",
                "choice_correct_4": "on",  # a blank row ticked is still blank
                "explanation": "Only a judicial authority.",
                "competency": "HR",
                "topic": "searches",
            },
            _expected(
                kind="single",
                text="Who may order a search?",
                points=Decimal("2.00"),
                choices=[("A judge", True), ("A neighbour", False)],
                explanation="Only a judicial authority.",
                competency="HR",
                topic="searches",
            ),
        ),
        (
            {
                "kind": "multiple",
                "text": "Which are rights of a detainee?",
                "choice_text_1": "A lawyer",
                "choice_correct_1": "on",
                "choice_text_2": "To be told why",
                "choice_correct_2": "on",
                "choice_text_3": "To be beaten",
            },
            _expected(
                kind="multiple",
                text="Which are rights of a detainee?",
                choices=[("A lawyer", True), ("To be told why", True), ("To be beaten", False)],
            ),
        ),
        (
            {"kind": "true_false", "text": "Force must be proportionate.", "is_true": "true"},
            _expected(
                kind="true_false", text="Force must be proportionate.", choices=[("True", True), ("False", False)]
            ),
        ),
        (
            {"kind": "true_false", "text": "Anyone may be detained.", "is_true": "false"},
            _expected(kind="true_false", text="Anyone may be detained.", choices=[("True", False), ("False", True)]),
        ),
        (
            {
                "kind": "numeric",
                "text": "How many hours before a detainee sees a judge?",
                "numeric_answer": "48",
                "numeric_tolerance": "0.5",
                "choice_text_1": "Typed, then the kind changed",  # rows of another kind: ignored
            },
            _expected(
                kind="numeric",
                text="How many hours before a detainee sees a judge?",
                numeric_answer=Decimal("48.0000"),
                numeric_tolerance=Decimal("0.5000"),
            ),
        ),
        (
            {
                "kind": "short_text",
                "text": "The principle that force must match the threat?",
                "accepted_answers": "proportionality\n\n  Proportionnalité  \n",
            },
            _expected(
                kind="short_text",
                text="The principle that force must match the threat?",
                accepted_answers=["proportionality", "Proportionnalité"],
            ),
        ),
        (
            {
                "kind": "essay",
                "text": "Describe a lawful stop.",
                "points": "4",
                "new_scenario_title": "Checkpoint",
                "new_scenario_text": "A car stops at night.",
            },
            _expected(
                kind="essay",
                text="Describe a lawful stop.",
                points=Decimal("4.00"),
                scenario=("Checkpoint", "A car stops at night."),
            ),
        ),
    ],
    ids=["single", "multiple", "true", "false", "numeric", "short_text", "essay_with_new_scenario"],
)
def test_author_adds_each_kind_of_question_through_the_form(client, people, assessment, posted, expected):
    client.force_login(people.trainer_north)
    before = Question.objects.filter(bank=assessment.bank).count()

    response = client.post(f"/assessments/{assessment.pk}/questions/new/", {**ROWS, "points": "1", **posted})

    assert (response.status_code, response["Location"]) == (302, f"/assessments/{assessment.pk}/questions/")
    assert Question.objects.filter(bank=assessment.bank).count() == before + 1
    assert _stored(_new_question(assessment)) == expected
    assert _messages(client.get(response["Location"])) == ["The question is added."]


def test_a_question_joins_an_existing_scenario_and_add_another_comes_back(client, people, assessment):
    scenario = services.scenario_create(
        bank=assessment.bank, title="Checkpoint", text="A car stops.", actor=people.trainer_north
    )
    client.force_login(people.trainer_north)
    url = f"/assessments/{assessment.pk}/questions/new/"

    page = client.get(url, {"kind": "essay"})
    response = client.post(
        url, {**ROWS, "kind": "essay", "text": "What next?", "points": "1", "scenario": scenario.pk, "then": "another"}
    )

    assert f'<option value="{scenario.pk}">Checkpoint</option>' in page.content.decode()
    assert (response.status_code, response["Location"]) == (302, url + "?kind=essay")
    assert _new_question(assessment).scenario == scenario
    assert Scenario.objects.filter(bank=assessment.bank).count() == 1


def test_a_single_choice_question_without_a_correct_choice_is_refused(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _state(assessment)

    response = client.post(
        f"/assessments/{assessment.pk}/questions/new/",
        {**ROWS, "kind": "single", "text": "Who?", "points": "1", "choice_text_1": "A judge", "choice_text_2": "Me"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"choices": ["Exactly one choice must be correct, not 0."]}
    html = response.content.decode()
    # In the summary above the form, linking to the field.
    anchor = response.context["form"]["choices"].id_for_label
    assert f'<li><a href="#{anchor}">Choices: Exactly one choice must be correct, not 0.</a></li>' in html
    # What was typed stays in the form.
    assert 'name="choice_text_1" value="A judge"' in html
    assert _state(assessment) == before


@pytest.mark.parametrize(
    ("posted", "errors"),
    [
        ({"kind": "true_false", "text": "Water is wet."}, {"is_true": ["Say whether the statement is true or false."]}),
        ({"kind": "numeric", "text": "How many?"}, {"numeric_answer": ["A numeric question needs its answer."]}),
        (
            {"kind": "numeric", "text": "How many?", "numeric_answer": "1.23456", "numeric_tolerance": "-1"},
            {
                "numeric_answer": ["1.23456 has more than 4 decimal places."],
                "numeric_tolerance": ["The tolerance must be a number of at least 0."],
            },
        ),
        (
            {"kind": "short_text", "text": "Word?", "accepted_answers": "\n \n"},
            {"accepted_answers": ["A short text question needs its accepted answers, none empty."]},
        ),
        (
            {"kind": "single", "text": "Who?", "choice_text_1": "Only one", "choice_correct_1": "on"},
            {"choices": ["A choice question needs at least two choices."]},
        ),
        ({"kind": "essay", "text": "Why?", "points": "0"}, {"points": ["Points must be a number above 0."]}),
        ({"kind": "essay", "text": "Why?", "points": "abc"}, {"points": ["Enter a number."]}),
        ({"kind": "essay", "text": "  "}, {"text": ["This field is required."]}),
        (
            {"kind": "essay", "text": "Why?", "new_scenario_title": "Checkpoint"},
            {"new_scenario_title": ["A scenario needs a title and a text."]},
        ),
    ],
    ids=[
        "true_false",
        "numeric",
        "numeric_digits",
        "short_text",
        "one_choice",
        "points",
        "not_a_number",
        "text",
        "scenario",
    ],
)
def test_the_form_shows_each_problem_on_its_field_and_stores_nothing(client, people, assessment, posted, errors):
    client.force_login(people.trainer_north)
    before = _state(assessment)

    response = client.post(f"/assessments/{assessment.pk}/questions/new/", {**ROWS, "points": "1", **posted})

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert _state(assessment) == before


def test_the_form_the_api_and_the_import_apply_the_same_rule_with_the_same_words(
    client, api_client, people, assessment
):
    two_correct = [{"text": "a", "correct": True}, {"text": "b", "correct": True}]
    client.force_login(people.trainer_north)
    api_client.force_authenticate(people.trainer_north)
    before = _state(assessment)

    page = client.post(
        f"/assessments/{assessment.pk}/questions/new/",
        {
            **ROWS,
            "kind": "single",
            "text": "Q?",
            "points": "1",
            "choice_text_1": "a",
            "choice_correct_1": "on",
            "choice_text_2": "b",
            "choice_correct_2": "on",
        },
    )
    api = api_client.post(
        f"/api/v1/assessments/{assessment.pk}/questions/",
        {"kind": "single", "text": "Q?", "choices": two_correct},
        format="json",
    )
    imported = _upload(client, assessment, "bank.csv", b"kind,text,choices\nsingle,Q?,*a | *b\n")
    with pytest.raises(ValidationError) as raised:
        services.question_create(
            bank=assessment.bank, kind="single", text="Q?", actor=people.trainer_north, choices=two_correct
        )

    message = "Exactly one choice must be correct, not 2."
    assert page.context["form"].errors == {"choices": [message]}
    assert (api.status_code, api.json()) == (400, {"choices": [message]})
    assert imported.context["problems"] == [f"row 2: {message}"]
    assert raised.value.message_dict == {"choices": [message]}
    assert _state(assessment) == before


def test_question_list_shows_every_question_with_its_facts_and_links(client, people, assessment):
    scenario = services.scenario_create(bank=assessment.bank, title="Checkpoint", text="A car.", actor=people.admin)
    essay = services.question_create(
        bank=assessment.bank, kind="essay", text="Why?", points=3, topic="stops", actor=people.admin, scenario=scenario
    )
    numeric = assessment.questions["numeric"]
    services.question_archive(question=numeric, actor=people.admin)
    Pool.objects.create(assessment=assessment, tag="HR", count=2)
    client.force_login(people.trainer_north)

    response = client.get(f"/assessments/{assessment.pk}/questions/")

    assert response.status_code == 200
    rows = [
        (q.text, q.get_kind_display(), q.points, q.competency, q.topic, q.scenario_id, q.is_archived)
        for q in response.context["questions"]
    ]
    assert rows == [
        ("Who may order an arrest?", "Single choice", Decimal("1.00"), "HR", "", None, False),
        ("Which are rights of a detainee?", "Multiple choice", Decimal("1.00"), "HR", "", None, False),
        ("The principle that force must match the threat?", "Short text", Decimal("1.00"), "HR", "", None, False),
        ("Why?", "Essay", Decimal("3.00"), "", "stops", scenario.pk, False),
        ("How many hours before a detainee sees a judge?", "Numeric", Decimal("1.00"), "HR", "", None, True),
    ]
    html = response.content.decode()
    base = f"/assessments/{assessment.pk}"
    for link in (
        f"{base}/questions/new/",
        f"{base}/questions/import/",
        f"{base}/questions/export.csv",
        f"{base}/pools/",
        f"{base}/questions/{essay.pk}/",
        f"{base}/questions/{numeric.pk}/",
        f"{base}/questions/{essay.pk}/archive/",
    ):
        assert f'href="{link}"' in html or f'action="{link}"' in html, link
    # An archived question has no archive button, but a badge.
    assert f'action="{base}/questions/{numeric.pk}/archive/"' not in html
    assert html.count('<span class="badge status-archived">Archived</span>') == 1
    assert "4 live questions: new attempts draw from them." in html
    assert "Each attempt draws from 1 pool." in html
    assert "<td>Checkpoint</td>" in html.replace(' dir="auto"', "")
    assert "<td><bdi>stops</bdi></td>" in html


@pytest.mark.parametrize("count", [2, 40])
def test_question_list_queries_do_not_grow_with_the_questions(
    client, people, course, count, django_assert_max_num_queries
):
    assessment = services.assessment_create(course=course, title="Quiz", actor=people.trainer_north)
    scenario = services.scenario_create(bank=assessment.bank, title="Case", text="A case.", actor=people.admin)
    for index in range(count):
        services.question_create(
            bank=assessment.bank,
            kind="single",
            text=f"Q{index}?",
            actor=people.trainer_north,
            choices=[{"text": "a", "correct": True}, {"text": "b"}],
            scenario=scenario if index % 2 else None,
            competency="HR",
        )
    client.force_login(people.trainer_north)

    # Session, user, roles, assessment, author check, live and archived counts (which the
    # paginator reuses), the page of questions (with scenarios and whether they have
    # credits), pools, notifications.
    with django_assert_max_num_queries(9):
        response = client.get(f"/assessments/{assessment.pk}/questions/")

    assert len(response.context["questions"]) == count
    assert response.content.decode().count('<tr id="question-') == count


def test_question_list_shows_fifty_questions_a_page_with_the_totals(client, people, course, django_assert_num_queries):
    assessment = services.assessment_create(course=course, title="Quiz", actor=people.trainer_north)
    services.questions_import(
        bank=assessment.bank,
        questions=[question_dict(kind="essay", text=f"Q{index}?") for index in range(1, 123)],
        actor=people.trainer_north,
    )
    Question.objects.filter(bank=assessment.bank, text__in=["Q1?", "Q2?"]).update(is_archived=True)
    client.force_login(people.trainer_north)
    url = f"/assessments/{assessment.pk}/questions/"

    with django_assert_num_queries(9):
        first = client.get(url)
    last = client.get(url + "?page=3")
    beyond = client.get(url + "?page=9")

    texts = [question.text for question in first.context["questions"]]
    assert (len(texts), texts[0], texts[-1]) == (50, "Q3?", "Q52?")
    assert [question.text for question in last.context["questions"]] == [
        *(f"Q{index}?" for index in range(103, 123)),
        "Q1?",
        "Q2?",
    ]
    assert [question.text for question in beyond.context["questions"]] == [
        question.text for question in last.context["questions"]
    ]
    html = last.content.decode()
    assert "120 live questions: new attempts draw from them." in html
    assert "2 archived." in html
    assert "Page 3 of 3" in html
    assert '<a href="?page=2" rel="prev">Previous</a>' in html
    assert 'aria-label="Edit question 101"' in html  # numbered across the pages
    assert 'aria-label="Edit question 122"' in html
    assert "Page 1 of 3" in first.content.decode()


@pytest.mark.parametrize("count", [2, 40])
def test_pool_page_queries_do_not_grow_with_the_questions_or_pools(
    client, people, course, count, django_assert_max_num_queries
):
    assessment = services.assessment_create(course=course, title="Quiz", actor=people.trainer_north)
    for index in range(count):
        services.question_create(
            bank=assessment.bank, kind="essay", text=f"Q{index}?", actor=people.trainer_north, topic=f"topic-{index}"
        )
        Pool.objects.create(assessment=assessment, tag=f"topic-{index}", count=1)
    client.force_login(people.trainer_north)

    # Session, user, roles, assessment, author check, pools, live counts, tags, notifications.
    with django_assert_max_num_queries(9):
        response = client.get(f"/assessments/{assessment.pk}/pools/")

    assert [row["live"] for row in response.context["rows"]] == [1] * count
    assert len(response.context["tags"]) == count


def _attempt_with_wrong_single(people, published) -> tuple:
    """A graded attempt, right everywhere but the single choice (the neighbour): 75%."""
    attempt = services.attempt_start(assessment=published, user=people.trainee)
    single = published.questions["single"]
    neighbour = single.choices.get(text="A neighbour")
    answers = [(q, r) for q, r in right_answers(attempt) if q != single.pk] + [
        (single.pk, {"choices": [shown_id(attempt, neighbour)]})
    ]
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.is_passed) == ("graded", Decimal("75.00"), True)
    return attempt, single, neighbour


def test_correcting_the_key_with_regrade_changes_a_graded_attempts_score(client, people, published):
    attempt, single, neighbour = _attempt_with_wrong_single(people, published)
    client.force_login(people.trainer_north)
    url = f"/assessments/{published.pk}/questions/{single.pk}/"

    page = client.get(url)
    response = client.post(
        url, {"choices": str(neighbour.pk), "points": "1", "explanation": "Corrected.", "regrade": "on"}
    )

    assert page.context["attempts"] == 1
    html = page.content.decode()
    assert "Regrade the 1 attempt that showed this question" in html
    assert f'value="{single.choices.get(text="A judge").pk}"' in html
    assert (response.status_code, response["Location"]) == (302, f"/assessments/{published.pk}/questions/")
    assert _messages(client.get(response["Location"])) == [
        "The answer key is saved. 1 attempt that showed the question was regraded. 1 result changed."
    ]
    attempt.refresh_from_db()
    assert (attempt.score, attempt.is_passed) == (Decimal("100.00"), True)
    single.refresh_from_db()
    assert single.explanation == "Corrected."
    assert list(single.choices.filter(is_correct=True)) == [neighbour]
    assert AuditEntry.objects.filter(action="assessment.regraded").count() == 1


def test_correcting_the_key_without_regrade_keeps_past_scores(client, people, published):
    attempt, single, neighbour = _attempt_with_wrong_single(people, published)
    client.force_login(people.trainer_north)

    response = client.post(
        f"/assessments/{published.pk}/questions/{single.pk}/",
        {"choices": str(neighbour.pk), "points": "2"},
        follow=True,
    )

    assert _messages(response) == ["The answer key is saved. Past attempts keep their results."]
    attempt.refresh_from_db()
    assert attempt.score == Decimal("75.00")
    single.refresh_from_db()
    assert single.points == Decimal("2.00")
    assert list(single.choices.filter(is_correct=True)) == [neighbour]


@pytest.mark.parametrize(
    ("kind", "posted", "stored"),
    [
        (
            "numeric",
            {"numeric_answer": "72", "numeric_tolerance": "1.5", "points": "2"},
            (Decimal("72.0000"), Decimal("1.5000"), [], Decimal("2.00")),
        ),
        (
            "short_text",
            {"accepted_answers": "proportionality\nproportionate force", "points": "1"},
            (None, Decimal("0.0000"), ["proportionality", "proportionate force"], Decimal("1.00")),
        ),
    ],
)
def test_correcting_a_numeric_or_short_text_key(client, people, assessment, kind, posted, stored):
    question = assessment.questions[kind]
    client.force_login(people.trainer_north)

    page = client.get(f"/assessments/{assessment.pk}/questions/{question.pk}/")
    response = client.post(f"/assessments/{assessment.pk}/questions/{question.pk}/", posted)

    assert "regrade" not in page.context["form"].fields  # nobody has taken it yet
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.numeric_answer, question.numeric_tolerance, question.accepted_answers, question.points) == stored


def test_a_correction_leaving_no_correct_choice_is_refused(client, people, assessment):
    multiple = assessment.questions["multiple"]
    client.force_login(people.trainer_north)
    before = _state(assessment)

    response = client.post(f"/assessments/{assessment.pk}/questions/{multiple.pk}/", {"points": "1"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"choices": ["No choice is marked correct."]}
    assert _state(assessment) == before


def test_a_question_of_another_bank_is_not_found(client, people, assessment, course):
    other = services.assessment_create(course=course, title="Quiz", actor=people.trainer_north)
    question = assessment.questions["single"]
    client.force_login(people.trainer_north)
    before = _state(assessment)

    pages = [
        client.get(f"/assessments/{other.pk}/questions/{question.pk}/"),
        client.post(f"/assessments/{other.pk}/questions/{question.pk}/archive/"),
    ]

    assert [page.status_code for page in pages] == [404, 404]
    assert _state(assessment) == before


def test_author_archives_a_question(client, people, assessment):
    single = assessment.questions["single"]
    client.force_login(people.trainer_north)

    response = client.post(f"/assessments/{assessment.pk}/questions/{single.pk}/archive/", follow=True)

    assert _messages(response) == ["The question is archived: new attempts no longer draw it."]
    single.refresh_from_db()
    assert single.is_archived is True
    assert client.get(f"/assessments/{assessment.pk}/questions/{single.pk}/archive/").status_code == 405


def test_author_sets_replaces_and_removes_a_pool(client, people, assessment):
    client.force_login(people.trainer_north)
    url = f"/assessments/{assessment.pk}/pools/"

    created = client.post(url, {"tag": "HR", "count": "3"}, follow=True)
    replaced = client.post(url, {"tag": " HR ", "count": "2"}, follow=True)

    assert _messages(created) == ["Each new attempt draws 3 questions tagged HR."]
    assert _messages(replaced) == ["Each new attempt draws 2 questions tagged HR."]
    pool = Pool.objects.get(assessment=assessment)
    assert (pool.tag, pool.count) == ("HR", 2)
    assert [(row["pool"].tag, row["pool"].count, row["live"]) for row in replaced.context["rows"]] == [("HR", 2, 4)]
    assert replaced.context["tags"] == [{"tag": "HR", "count": 4}]
    assert f'action="/assessments/{assessment.pk}/pools/{pool.pk}/delete/"' in replaced.content.decode()

    removed = client.post(f"/assessments/{assessment.pk}/pools/{pool.pk}/delete/", follow=True)

    assert _messages(removed) == ["The pool of HR is removed."]
    assert not Pool.objects.filter(assessment=assessment).exists()
    assert AuditEntry.objects.filter(action="pool.delete").get().before == {"tag": "HR", "count": 2}


@pytest.mark.parametrize(
    ("posted", "errors"),
    [
        ({"tag": "HR", "count": "5"}, {"count": ["Only 4 live question(s) of the bank have the tag 'HR'."]}),
        ({"tag": "HR", "count": "0"}, {"count": ["Draw at least one question."]}),
        ({"tag": "unknown", "count": "1"}, {"count": ["Only 0 live question(s) of the bank have the tag 'unknown'."]}),
        ({"tag": "", "count": "1"}, {"tag": ["This field is required."]}),
    ],
)
def test_a_pool_the_bank_cannot_fill_shows_the_service_error_on_its_field(client, people, assessment, posted, errors):
    client.force_login(people.trainer_north)
    before = _state(assessment)

    response = client.post(f"/assessments/{assessment.pk}/pools/", posted)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert _state(assessment) == before


def test_a_pool_of_another_assessment_is_not_removed(client, people, assessment, course):
    other = services.assessment_create(course=course, title="Quiz", actor=people.trainer_north, bank=assessment.bank)
    pool = services.pool_set(assessment=other, tag="HR", count=1, actor=people.trainer_north)
    client.force_login(people.trainer_north)

    response = client.post(f"/assessments/{assessment.pk}/pools/{pool.pk}/delete/")

    assert response.status_code == 404
    assert Pool.objects.filter(pk=pool.pk).exists()


def test_assessment_page_links_editors_to_questions_and_pools(client, people, published):
    links = (f'href="/assessments/{published.pk}/questions/"', f'href="/assessments/{published.pk}/pools/"')
    client.force_login(people.admin)
    admin_page = client.get(f"/assessments/{published.pk}/").content.decode()
    client.force_login(people.trainee)
    trainee_page = client.get(f"/assessments/{published.pk}/").content.decode()
    client.force_login(people.trainer_south)
    other_trainer_page = client.get(f"/assessments/{published.pk}/").content.decode()

    assert [link in admin_page for link in links] == [True, True]
    assert [link in trainee_page for link in links] == [False, False]
    assert [link in other_trainer_page for link in links] == [False, False]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("trainee", 403),  # enrolled: sees the assessment, may not edit it
        ("other_trainee", 404),  # not enrolled: does not see it
        ("trainer_south", 403),  # trainers see every course; only its authors edit it
        ("leader", 403),
        ("trainer_north", 200),  # the course's author
        ("admin", 200),
    ],
)
def test_who_may_use_the_question_and_pool_pages(client, people, published, who, expected):
    if who is not None:
        client.force_login(getattr(people, who))
    single = published.questions["single"]
    judge = single.choices.get(text="A judge")
    pool = Pool.objects.create(assessment=published, tag="HR", count=1)
    base = f"/assessments/{published.pk}"
    before = _state(published)

    pages = [
        client.get(f"{base}/questions/"),
        client.get(f"{base}/questions/new/"),
        client.get(f"{base}/questions/{single.pk}/"),
        client.get(f"{base}/pools/"),
    ]
    writes = [
        client.post(f"{base}/questions/new/", {**ROWS, "kind": "essay", "text": "Why?", "points": "1"}),
        client.post(f"{base}/questions/{single.pk}/", {"choices": str(judge.pk), "points": "3"}),
        client.post(f"{base}/pools/", {"tag": "HR", "count": "2"}),
        client.post(f"{base}/pools/{pool.pk}/delete/"),
        client.post(f"{base}/questions/{single.pk}/archive/"),
    ]

    assert [page.status_code for page in pages] == [expected] * 4
    if expected == 200:
        assert [write.status_code for write in writes] == [302] * 5
        single.refresh_from_db()
        assert (single.points, single.is_archived) == (Decimal("3.00"), True)
        assert not Pool.objects.filter(assessment=published).exists()  # set to 2, then removed
        assert Question.objects.filter(bank=published.bank, text="Why?").exists()
    else:
        assert [write.status_code for write in writes] == [expected] * 5
        assert _state(published) == before
    if expected == 302:
        assert pages[0]["Location"] == LOGIN + f"{base}/questions/"


# A new assessment and publishing it ----------------------------------------------------------


def test_an_author_creates_a_final_assessment_then_publishes_it_once_it_has_questions(client, people, course):
    client.force_login(people.trainer_north)
    edit_page = client.get(f"/author/courses/{course.pk}/").content.decode()
    assert f'href="/courses/{course.pk}/assessments/new/"' in edit_page

    response = client.post(
        f"/courses/{course.pk}/assessments/new/",
        {
            "title": "Final test",
            "module": "",
            "pass_mark": "80",
            "max_attempts": "3",
            "cooldown_minutes": "0",
            "feedback_policy": "after_submission",
            "is_required": "on",  # ticked on the blank form
        },
    )

    assessment = Assessment.objects.get(course=course)
    assert (response.status_code, response["Location"]) == (302, f"/assessments/{assessment.pk}/questions/")
    assert (assessment.title, assessment.module, assessment.pass_mark, assessment.max_attempts) == (
        "Final test",
        None,
        80,
        3,
    )
    assert assessment.is_required
    assert assessment.published_at is None
    questions_page = client.get(response["Location"])
    assert [str(message) for message in questions_page.context["messages"]] == [
        "The assessment is created as a draft. Add its questions, then publish it."
    ]
    assert "Publish the assessment" in questions_page.content.decode()
    assert AuditEntry.objects.filter(action="assessment.create", target_id=str(assessment.pk)).exists()

    refused = client.post(f"/assessments/{assessment.pk}/publish/", follow=True)
    assert [str(message) for message in refused.context["messages"]] == [f"{assessment.title}: add questions first."]
    assessment.refresh_from_db()
    assert assessment.published_at is None

    questions_add(assessment.bank, people.trainer_north)
    published = client.post(f"/assessments/{assessment.pk}/publish/", follow=True)
    assert [str(message) for message in published.context["messages"]] == [
        "The assessment is published: enrolled trainees can take it."
    ]
    assessment.refresh_from_db()
    assert assessment.published_at is not None
    assert "Publish the assessment" not in published.content.decode()


def test_a_new_assessment_with_a_bad_pass_mark_or_another_courses_module_is_refused(client, people, course):
    other = course_services.course_create(creator=people.trainer_north, code="HR-301", title="Other")
    foreign = course_services.module_create(course=other, title="Elsewhere")
    client.force_login(people.trainer_north)

    response = client.post(
        f"/courses/{course.pk}/assessments/new/",
        {
            "title": "",
            "module": str(foreign.pk),
            "pass_mark": "120",
            "cooldown_minutes": "0",
            "feedback_policy": "after_submission",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"title", "module", "pass_mark"}
    assert not Assessment.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    ("who", "expected"), [("trainer_south", 403), ("leader", 403), ("trainee", 404), ("admin", 200)]
)
def test_only_authors_and_admins_create_or_publish_assessments(client, people, course, assessment, who, expected):
    client.force_login(getattr(people, who))

    assert client.get(f"/courses/{course.pk}/assessments/new/").status_code == expected
    publish = client.post(f"/assessments/{assessment.pk}/publish/")
    assert publish.status_code == (302 if expected == 200 else expected)
    assessment.refresh_from_db()
    assert (assessment.published_at is not None) == (expected == 200)


# Partial credit: credits per choice and numeric answers for part of the points --------------


def _credits(question: Question) -> list[tuple]:
    return list(question.choices.order_by("order").values_list("text", "is_correct", "weight"))


def _weights(assessment) -> list[tuple]:
    """Every choice's key and every numeric question's partial answers, for "nothing changed"."""
    return [
        list(Choice.objects.filter(question__bank=assessment.bank).order_by("pk").values_list("pk", "weight")),
        list(Question.objects.filter(bank=assessment.bank).order_by("pk").values_list("pk", "numeric_partial_answers")),
    ]


def test_the_new_question_form_has_a_labelled_credit_beside_each_choice_and_partial_answer_rows(
    client, people, assessment
):
    client.force_login(people.trainer_north)

    html = client.get(f"/assessments/{assessment.pk}/questions/new/", {"kind": "numeric"}).content.decode()

    for number in range(1, 7):
        assert (
            f'<label class="visually-hidden" for="id_choice_weight_{number}">Choice {number} credit (%)</label>' in html
        )
        assert f'name="choice_weight_{number}"' in html
    for number in range(1, 4):
        for name, label in (("answer", "Partly right answer"), ("tolerance", "Tolerance"), ("weight", "Credit (%)")):
            assert (
                f'<label class="visually-hidden" for="id_partial_{name}_{number}">{label}, row {number}</label>' in html
            )
    assert 'name="partial_answer_4"' not in html
    assert "Filled on every row for credits as in Moodle" in html
    assert " style=" not in html
    # One script, the enhancement of the form (static/js/question-form.js); the form works without it.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/question-form.js" defer>']


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        (
            {
                "kind": "single",
                "choice_text_1": "A judge's order",
                "choice_weight_1": "100",
                "choice_text_2": "The chief's word",
                "choice_weight_2": "50",
                "choice_text_3": "A neighbour's tip",
                "choice_weight_3": "0",
            },
            [
                ("A judge's order", True, Decimal("100")),
                ("The chief's word", False, Decimal("50")),
                ("A neighbour's tip", False, Decimal("0")),
            ],
        ),
        (
            {
                "kind": "multiple",
                "choice_text_1": "A lawyer",
                "choice_weight_1": "50",
                "choice_correct_1": "on",  # a tick the credits agree with
                "choice_text_2": "To be told why",
                "choice_weight_2": "50",
                "choice_text_4": "To be beaten",
                "choice_weight_4": "-100",
            },
            [
                ("A lawyer", True, Decimal("50")),
                ("To be told why", True, Decimal("50")),
                ("To be beaten", False, Decimal("-100")),
            ],
        ),
    ],
    ids=["single_100_50_0", "multiple_50_50_minus_100"],
)
def test_author_adds_a_choice_question_with_credits(client, people, assessment, posted, stored):
    client.force_login(people.trainer_north)

    response = client.post(
        f"/assessments/{assessment.pk}/questions/new/", {**ROWS, "text": "Which?", "points": "2", **posted}
    )

    assert (response.status_code, response["Location"]) == (302, f"/assessments/{assessment.pk}/questions/")
    question = _new_question(assessment)
    assert (question.kind, question.points, _credits(question)) == (posted["kind"], Decimal("2.00"), stored)


def test_author_adds_a_numeric_question_with_answers_for_part_of_the_points(client, people, assessment):
    client.force_login(people.trainer_north)

    response = client.post(
        f"/assessments/{assessment.pk}/questions/new/",
        {
            **ROWS,
            "kind": "numeric",
            "text": "Hours of custody before a judge?",
            "points": "1",
            "numeric_answer": "48",
            "numeric_tolerance": "0",
            "partial_answer_1": "72",
            "partial_weight_1": "50",  # tolerance left empty: 0
            "partial_answer_3": "36",
            "partial_tolerance_3": "12",
            "partial_weight_3": "25.5",
        },
    )

    assert response.status_code == 302
    question = _new_question(assessment)
    assert (question.numeric_answer, question.numeric_partial_answers) == (
        Decimal("48.0000"),
        [{"answer": "72", "tolerance": "0", "weight": "50"}, {"answer": "36", "tolerance": "12", "weight": "25.5"}],
    )


@pytest.mark.parametrize(
    ("posted", "errors"),
    [
        (
            {
                "kind": "single",
                "choice_text_1": "a",
                "choice_weight_1": "95",
                "choice_text_2": "b",
                "choice_weight_2": "0",
            },
            {"choices": ["The best choice of a single-choice question earns 100%, not 95%."]},
        ),
        (
            {
                "kind": "multiple",
                "choice_text_1": "a",
                "choice_weight_1": "45",
                "choice_text_2": "b",
                "choice_weight_2": "50",
                "choice_text_3": "c",
                "choice_weight_3": "-100",
            },
            {"choices": ["The positive credits of a multiple-choice question add up to 100%, not 95%."]},
        ),
        (
            {"kind": "single", "choice_text_1": "a", "choice_weight_1": "100", "choice_text_2": "b"},
            {"choices": ["Give a credit to every choice, or to none."]},
        ),
        (
            {
                "kind": "single",
                "choice_text_1": "a",
                "choice_correct_1": "on",
                "choice_weight_1": "0",
                "choice_text_2": "b",
                "choice_weight_2": "100",
            },
            {"choices": ["A choice marked correct earns too little credit to be a right answer."]},
        ),
        (
            {
                "kind": "single",
                "choice_text_1": "a",
                "choice_weight_1": "half",
                "choice_text_2": "b",
                "choice_weight_2": "100",
            },
            {"choice_weight_1": ["Enter a number."], "choices": ["A credit is not a number."]},
        ),
        (
            {
                "kind": "single",
                "choice_text_1": "a",
                "choice_weight_1": "100",
                "choice_text_2": "b",
                "choice_weight_2": "0",
                "choice_weight_3": "0",
            },
            {"choice_text_3": ["Write the choice, or clear its credit."]},
        ),
        (
            {"kind": "true_false", "is_true": "true", "choice_text_1": "x", "choice_weight_1": "50"},
            None,  # rows of another kind are ignored: stored
        ),
        (
            {"kind": "numeric", "numeric_answer": "48", "partial_answer_1": "72"},
            {"numeric_partial_answers": ["An answer for part of the points needs a number, a tolerance and a credit."]},
        ),
        (
            {"kind": "numeric", "numeric_answer": "48", "partial_answer_1": "72", "partial_weight_1": "150"},
            {"numeric_partial_answers": ["A credit is between 0 and 100 percent, with at most 5 decimal places."]},
        ),
    ],
    ids=[
        "single_without_100",
        "multiple_not_100",
        "some_rows",
        "tick_against_credit",
        "not_a_number",
        "credit_without_text",
        "true_false_ignores_rows",
        "partial_without_credit",
        "partial_over_100",
    ],
)
def test_invalid_credits_come_back_as_form_errors_and_nothing_is_written(client, people, assessment, posted, errors):
    client.force_login(people.trainer_north)
    before = (_state(assessment), _weights(assessment))

    response = client.post(
        f"/assessments/{assessment.pk}/questions/new/", {**ROWS, "text": "Which?", "points": "1", **posted}
    )

    if errors is None:
        assert response.status_code == 302
        assert _credits(_new_question(assessment)) == [("True", True, None), ("False", False, None)]
        return
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert (_state(assessment), _weights(assessment)) == before
    html = response.content.decode()
    for field, messages_ in errors.items():
        bound = response.context["form"][field]
        for message in messages_:
            summary = f'<li><a href="#{bound.id_for_label or bound.auto_id}">{bound.label}: {message}</a></li>'
            assert summary.replace("'", "&#x27;") in html


def test_author_corrects_credits_through_the_key_form(client, people, assessment):
    single = assessment.questions["single"]  # A judge (correct), A neighbour, A journalist
    judge, neighbour, journalist = single.choices.order_by("order")
    client.force_login(people.trainer_north)
    url = f"/assessments/{assessment.pk}/questions/{single.pk}/"

    credited = client.post(
        url,
        {
            "choices": str(judge.pk),
            f"choice_weight_{judge.pk}": "100",
            f"choice_weight_{neighbour.pk}": "50",
            f"choice_weight_{journalist.pk}": "-25",
            "points": "1",
            "explanation": single.explanation,
        },
    )
    page = client.get(url).content.decode()
    # The neighbour now earns everything: the tick follows the credits when it is left out.
    moved = client.post(
        url,
        {
            f"choice_weight_{judge.pk}": "0",
            f"choice_weight_{neighbour.pk}": "100",
            f"choice_weight_{journalist.pk}": "0",
            "points": "1",
        },
    )
    after_move = _credits(single)
    cleared = client.post(url, {"choices": str(judge.pk), "points": "1"})

    assert [response.status_code for response in (credited, moved, cleared)] == [302, 302, 302]
    assert (
        f'<label class="visually-hidden" for="id_choice_weight_{neighbour.pk}">Credit (%): A neighbour</label>' in page
    )
    assert f'name="choice_weight_{neighbour.pk}" value="50"' in page
    assert f'name="choice_weight_{journalist.pk}" value="-25"' in page
    assert after_move == [
        ("A judge", False, Decimal("0")),
        ("A neighbour", True, Decimal("100")),
        ("A journalist", False, Decimal("0")),
    ]
    assert _credits(single) == [("A judge", True, None), ("A neighbour", False, None), ("A journalist", False, None)]
    first = AuditEntry.objects.filter(action="question.corrected").order_by("pk").first()
    assert set(first.after) == {"choice_weights"}
    assert {pk: Decimal(weight) for pk, weight in first.after["choice_weights"].items()} == {
        str(judge.pk): Decimal("100"),
        str(neighbour.pk): Decimal("50"),
        str(journalist.pk): Decimal("-25"),
    }


def test_the_key_form_gives_a_multiple_choice_question_credits(client, people, assessment):
    multiple = assessment.questions["multiple"]  # a lawyer, the reason (correct), to be beaten
    lawyer, reason, beaten = multiple.choices.order_by("order")
    client.force_login(people.trainer_north)

    response = client.post(
        f"/assessments/{assessment.pk}/questions/{multiple.pk}/",
        {
            f"choice_weight_{lawyer.pk}": "50",
            f"choice_weight_{reason.pk}": "50",
            f"choice_weight_{beaten.pk}": "-100",
            "points": "2",
        },
    )

    assert response.status_code == 302
    assert _credits(multiple) == [
        ("To see a lawyer", True, Decimal("50")),
        ("To be told the reason", True, Decimal("50")),
        ("To be beaten", False, Decimal("-100")),
    ]


@pytest.mark.parametrize(
    ("credits", "ticked", "errors"),
    [
        (("100", "", ""), "judge", {"choices": ["Give a credit to every choice, or to none."]}),
        (
            ("95", "0", "0"),
            "",
            {"choices": ["The best choice of a single-choice question earns 100%, not 95%."]},
        ),
        (
            ("0", "100", "0"),
            "judge",
            {"choices": ["A choice marked correct earns too little credit to be a right answer."]},
        ),
        (("abc", "100", "0"), "", {"choice_weight_judge": ["Enter a number."]}),
    ],
    ids=["some_rows", "no_100", "tick_against_credit", "not_a_number"],
)
def test_invalid_credits_in_the_key_form_change_nothing(client, people, assessment, credits, ticked, errors):
    single = assessment.questions["single"]
    choices = list(single.choices.order_by("order"))
    client.force_login(people.trainer_north)
    before = (_state(assessment), _weights(assessment), AuditEntry.objects.count())
    posted = {f"choice_weight_{choice.pk}": credit for choice, credit in zip(choices, credits, strict=True)}
    if ticked:
        posted["choices"] = str(choices[0].pk)

    response = client.post(f"/assessments/{assessment.pk}/questions/{single.pk}/", {**posted, "points": "1"})

    assert response.status_code == 200
    expected = {key.replace("judge", str(choices[0].pk)): value for key, value in errors.items()}
    assert response.context["form"].errors == expected
    assert (_state(assessment), _weights(assessment), AuditEntry.objects.count()) == before


def test_the_key_form_corrects_numeric_answers_for_part_of_the_points(client, people, assessment):
    numeric = assessment.questions["numeric"]  # 48 hours, no tolerance
    client.force_login(people.trainer_north)
    url = f"/assessments/{assessment.pk}/questions/{numeric.pk}/"
    rows = {
        "numeric_answer": "48",
        "numeric_tolerance": "0",
        "points": "1",
        "partial_answer_1": "72",
        "partial_weight_1": "50",
        "partial_answer_2": "24",
        "partial_tolerance_2": "1.5",
        "partial_weight_2": "25",
        "partial_answer_3": "96",
        "partial_weight_3": "0",
    }

    saved = client.post(url, rows)
    page = client.get(url)
    refused = client.post(url, {**rows, "partial_weight_2": "-5"})
    numeric.refresh_from_db()

    assert saved.status_code == 302
    assert numeric.numeric_partial_answers == [
        {"answer": "72", "tolerance": "0", "weight": "50"},
        {"answer": "24", "tolerance": "1.5", "weight": "25"},
        {"answer": "96", "tolerance": "0", "weight": "0"},
    ]
    # Three rows filled: a fourth, empty, for one more.
    assert page.context["form"].partial_row_count == 4
    html = page.content.decode()
    assert 'name="partial_tolerance_2" value="1.5"' in html
    assert 'name="partial_answer_4"' in html
    assert 'name="partial_answer_5"' not in html
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "numeric_partial_answers": ["A credit is between 0 and 100 percent, with at most 5 decimal places."]
    }


def test_question_list_says_which_questions_give_partial_credit_without_the_key(client, people, assessment):
    services.question_create(
        bank=assessment.bank,
        kind="single",
        text="Credited?",
        actor=people.trainer_north,
        choices=[{"text": "Secret right", "weight": 100}, {"text": "Secret half", "weight": 50}],
    )
    services.question_correct(
        question=assessment.questions["numeric"],
        actor=people.trainer_north,
        numeric_partial_answers=[{"answer": Decimal("72"), "tolerance": Decimal("0"), "weight": Decimal("50")}],
    )
    client.force_login(people.trainer_north)

    response = client.get(f"/assessments/{assessment.pk}/questions/")

    rows = {question.text: question.has_credits for question in response.context["questions"]}
    assert list(rows.values()) == [False, False, False, False, True]
    html = response.content.decode()
    assert html.count('<span class="badge">credits per choice</span>') == 1
    assert html.count('<span class="badge">answers for part of the points</span>') == 1
    for key in ("Secret", "50%", "72"):
        assert key not in html

"""The form that adds a question: the kind first (without JavaScript), only that kind's
parts shown, more than six choices, competencies by name."""

import re

import pytest

from assessments.models import Question

pytestmark = pytest.mark.django_db


def _url(assessment) -> str:
    return f"/assessments/{assessment.pk}/questions/new/"


def _shown_parts(page: str) -> list[str]:
    """The data-kinds of the fieldsets shown (not hidden), in order."""
    return re.findall(r'<fieldset[^>]*data-kinds="([^"]+)"(?![^>]*hidden)[^>]*>', page)


def test_without_a_kind_the_page_asks_for_one_first(client, people, assessment):
    client.force_login(people.trainer_north)

    page = client.get(_url(assessment)).content.decode()

    assert "Which kind of question?" in page
    assert re.findall(r'name="kind" value="(\w+)"', page) == [
        "single",
        "multiple",
        "true_false",
        "numeric",
        "short_text",
        "essay",
    ]
    assert 'name="text"' not in page
    assert '<form method="get"' in page


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("single", ["single multiple"]),
        ("multiple", ["single multiple"]),
        ("true_false", ["true_false"]),
        ("numeric", ["numeric"]),
        ("short_text", ["short_text"]),
        ("essay", []),
    ],
)
def test_the_chosen_kind_shows_only_its_parts(client, people, assessment, kind, shown):
    client.force_login(people.trainer_north)

    page = client.get(_url(assessment), {"kind": kind}).content.decode()

    assert _shown_parts(page) == shown
    assert re.search(rf'<option value="{kind}" selected>', page)
    assert 'src="/static/js/question-form.js"' in page


def test_change_the_kind_comes_back_with_that_kinds_parts_and_what_was_typed(client, people, assessment):
    client.force_login(people.trainer_north)

    response = client.post(
        _url(assessment), {"kind": "numeric", "text": "How many hours?", "points": "2", "then": "kind"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert _shown_parts(page) == ["numeric"]
    assert "How many hours?</textarea>" in page
    assert "errorlist" not in page
    assert not Question.objects.filter(text="How many hours?").exists()


def test_add_another_choice_without_javascript_then_eight_choices_are_saved(client, people, assessment):
    client.force_login(people.trainer_north)
    posted = {"kind": "single", "text": "Which article?", "points": "1", "choice_count": "6"}
    posted.update({f"choice_text_{number}": f"Article {number}" for number in range(1, 7)})
    posted["choice_correct_3"] = "on"

    once = client.post(_url(assessment), {**posted, "then": "add-choice"})
    twice = client.post(_url(assessment), {**posted, "choice_count": "7", "then": "add-choice"})
    saved = client.post(
        _url(assessment),
        {**posted, "choice_count": "8", "choice_text_7": "Article 7", "choice_text_8": "Article 8"},
    )

    assert 'name="choice_text_7"' in once.content.decode()
    assert 'name="choice_text_8"' not in once.content.decode()
    assert 'value="Article 6"' in once.content.decode()
    assert 'name="choice_count" value="8"' in twice.content.decode()
    assert saved.status_code == 302
    question = Question.objects.get(text="Which article?")
    assert [(choice.text, choice.is_correct) for choice in question.choices.order_by("order", "pk")] == [
        (f"Article {number}", number == 3) for number in range(1, 9)
    ]


def test_rows_added_by_the_script_are_read_from_their_names(client, people, assessment):
    client.force_login(people.trainer_north)
    posted = {"kind": "multiple", "text": "Which rights?", "points": "1", "choice_count": "6"}
    posted.update({f"choice_text_{number}": f"Right {number}" for number in range(1, 11)})
    posted.update({"choice_correct_1": "on", "choice_correct_10": "on"})

    response = client.post(_url(assessment), posted)

    assert response.status_code == 302
    question = Question.objects.get(text="Which rights?")
    assert question.choices.count() == 10
    assert list(question.choices.filter(is_correct=True).values_list("text", flat=True)) == ["Right 1", "Right 10"]


def test_add_it_and_another_comes_back_to_the_same_kind(client, people, assessment):
    client.force_login(people.trainer_north)

    response = client.post(
        _url(assessment), {"kind": "essay", "text": "Describe a search.", "points": "5", "then": "another"}
    )

    assert response.status_code == 302
    assert response["Location"] == _url(assessment) + "?kind=essay"


def test_competencies_are_offered_and_shown_by_name(client, people, assessment):
    client.force_login(people.trainer_north)
    question = assessment.questions["single"]

    form = client.get(_url(assessment), {"kind": "single"}).content.decode()
    listed = client.get(f"/assessments/{assessment.pk}/questions/").content.decode()
    edit = client.get(f"/assessments/{assessment.pk}/questions/{question.pk}/").content.decode()

    assert '<option value="HR">HR — Human rights in policing</option>' in form
    assert '<option value="SGBV">SGBV — Sexual and gender-based violence</option>' in form
    assert "<bdi>HR — Human rights in policing</bdi>" in listed
    assert "<bdi>HR — Human rights in policing</bdi>" in edit


def test_competency_names_follow_the_language(client, people, assessment):
    client.force_login(people.trainer_north)

    form = client.get(_url(assessment), {"kind": "single"}, headers={"accept-language": "fr"}).content.decode()

    assert '<option value="HR">HR — ' in form
    assert '<option value="HR">HR — Human rights in policing</option>' not in form

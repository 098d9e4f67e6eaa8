"""Lesson Markdown as authors write it: lists that follow each other, attachments placed by
reference and shown once, and images that always carry a description."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Lesson
from courses.services.markup import attachment_ids_referenced, lesson_body_render, markdown_render

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
NO_DESCRIPTION = "Describe the image for people who cannot see it: ![description](...)"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def lesson(draft_course) -> Lesson:
    return Lesson.objects.filter(module__course=draft_course).order_by("order").first()


def _attach(lesson, people, content=PNG, name="map.png", title="Beat map"):
    return services.lesson_attachment_create(
        lesson=lesson,
        uploaded_file=SimpleUploadedFile(name, content, content_type="image/png"),
        title=title,
        actor=people.trainer_north,
    )


# Lists ---------------------------------------------------------------------------------

BULLETS_THEN_NUMBERS = "<ul>\n<li>walk</li>\n<li>listen</li>\n</ul>\n<ol>\n<li>report</li>\n<li>file</li>\n</ol>"
NUMBERS_THEN_BULLETS = "<ol>\n<li>report</li>\n<li>file</li>\n</ol>\n<ul>\n<li>walk</li>\n<li>listen</li>\n</ul>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- walk\n- listen\n1. report\n2. file", BULLETS_THEN_NUMBERS),
        ("- walk\n- listen\n\n1. report\n2. file", BULLETS_THEN_NUMBERS),
        ("1. report\n2. file\n- walk\n- listen", NUMBERS_THEN_BULLETS),
        ("1. report\n2. file\n\n- walk\n- listen", NUMBERS_THEN_BULLETS),
    ],
    ids=["bullets-numbers", "bullets-blank-numbers", "numbers-bullets", "numbers-blank-bullets"],
)
def test_a_numbered_list_and_a_bulleted_list_stay_two_lists(text, expected):
    assert markdown_render(text) == expected


def test_a_list_inside_a_code_block_is_left_alone():
    html = markdown_render("```\n- walk\n1. report\n```")

    assert html == "<pre><code>- walk\n1. report\n</code></pre>"


def test_a_numbered_list_nested_in_a_bullet_stays_nested():
    html = markdown_render("- walk\n    1. left\n    2. right")

    assert html == "<ul>\n<li>walk<ol>\n<li>left</li>\n<li>right</li>\n</ol>\n</li>\n</ul>"


# Attachment references -----------------------------------------------------------------


def test_an_attachment_reference_becomes_its_url():
    html = lesson_body_render("![Beat map](attachment:7) and [the form](attachment:8)", attachment_ids={7, 8})

    assert html == (
        '<p><img alt="Beat map" src="/lessons/attachments/7/"> and '
        '<a href="/lessons/attachments/8/" rel="noopener noreferrer nofollow">the form</a></p>'
    )


def test_the_attachment_scheme_never_passes_the_sanitiser():
    assert "attachment:" not in markdown_render('![Map](attachment:7) <img alt="x" src="attachment:7">')


@pytest.mark.django_db
def test_a_lesson_shows_its_image_where_the_body_places_it(lesson, people):
    image = _attach(lesson, people)
    document = _attach(lesson, people, content=PDF, name="form.pdf", title="Arrest form")

    services.lesson_update(
        lesson=lesson,
        body=f"Look:\n\n![The beat map](attachment:{image.pk})\n\nFill [the form](attachment:{document.pk}).",
    )

    lesson.refresh_from_db()
    assert lesson.body_html == (
        f'<p>Look:</p>\n<p><img alt="The beat map" src="/lessons/attachments/{image.pk}/"></p>\n'
        f'<p>Fill <a href="/lessons/attachments/{document.pk}/" rel="noopener noreferrer nofollow">the form</a>.</p>'
    )
    assert attachment_ids_referenced(lesson.body) == {image.pk, document.pk}


@pytest.mark.django_db
def test_a_reference_to_another_lessons_attachment_is_refused_on_the_body(lesson, people, draft_course):
    other = Lesson.objects.filter(module__course=draft_course).exclude(pk=lesson.pk).get()
    foreign = _attach(other, people)
    before = lesson.body_html

    with pytest.raises(ValidationError) as raised:
        services.lesson_update(lesson=lesson, body=f"![Map](attachment:{foreign.pk})")

    assert raised.value.message_dict == {
        "body": [
            f"This lesson has no attachment attachment:{foreign.pk}: upload the file on this page "
            "and copy the reference shown beside it."
        ]
    }
    assert Lesson.objects.get(pk=lesson.pk).body_html == before


@pytest.mark.django_db
def test_a_new_lesson_cannot_refer_to_an_attachment(draft_course):
    with pytest.raises(ValidationError) as raised:
        services.lesson_create(module=draft_course.modules.get(), title="New", body="[x](attachment:1)")

    assert list(raised.value.message_dict) == ["body"]


# Alt text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["![](https://example.org/map.png)", "![ ](https://example.org/map.png)", '<img src="https://example.org/m.png">'],
)
def test_an_image_without_a_description_is_refused(body):
    with pytest.raises(ValidationError) as raised:
        lesson_body_render(body, attachment_ids=())

    assert raised.value.message_dict == {"body": [NO_DESCRIPTION]}


@pytest.mark.django_db
def test_an_image_attachment_needs_a_description(lesson, people):
    with pytest.raises(ValidationError) as raised:
        _attach(lesson, people, title="  ")

    assert raised.value.message_dict == {
        "title": ["Describe the image for people who cannot see it: its title is read out in its place."]
    }
    assert not lesson.attachments.exists()


@pytest.mark.django_db
def test_a_document_without_a_title_is_named_after_its_file(lesson, people):
    document = _attach(lesson, people, content=PDF, name="form.pdf", title="")

    assert document.title == "form.pdf"


# Pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_image_placed_in_the_body_is_shown_once_and_the_others_at_the_end(client, lesson, people):
    placed = _attach(lesson, people, title="The beat map")
    unplaced = _attach(lesson, people, name="team.png", title="The patrol team")
    services.lesson_update(lesson=lesson, body=f"![The beat map](attachment:{placed.pk})")
    client.force_login(people.trainer_north)

    html = client.get(f"/author/lessons/{lesson.pk}/preview/").content.decode()

    assert html.count(f'src="/lessons/attachments/{placed.pk}/"') == 1
    assert html.count(f'src="/lessons/attachments/{unplaced.pk}/"') == 1
    assert html.index(f"/lessons/attachments/{placed.pk}/") < html.index(f"/lessons/attachments/{unplaced.pk}/")


@pytest.mark.django_db
def test_the_lesson_edit_page_shows_each_attachments_reference_and_refuses_a_bad_body(client, lesson, people):
    image = _attach(lesson, people)
    document = _attach(lesson, people, content=PDF, name="form.pdf", title="Arrest form")
    client.force_login(people.trainer_north)

    page = client.get(f"/author/lessons/{lesson.pk}/").content.decode()
    response = client.post(f"/author/lessons/{lesson.pk}/", {"title": lesson.title, "body": "![](attachment:99999)"})

    assert f"![Beat map](attachment:{image.pk})" in page
    assert f"[Arrest form](attachment:{document.pk})" in page
    assert "![description](attachment:12)" in page
    assert response.status_code == 200
    assert response.context["form"].errors["body"] == [
        "This lesson has no attachment attachment:99999: upload the file on this page "
        "and copy the reference shown beside it.",
        NO_DESCRIPTION,
    ]

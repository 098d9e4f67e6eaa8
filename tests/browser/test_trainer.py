"""A trainer authors a course in the browser (module, lessons, final assessment and its
questions), publishes them and enrols a unit, whose officers then find it in their courses."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment, Question
from courses import services as session_services
from courses.models import Course, Enrollment
from tests.browser.conftest import PHONE, Journey
from tests.browser.worlds import (
    ASSESSMENT_TITLE,
    COURSE_TITLE,
    LESSONS,
    PASSWORD,
    QUESTIONS,
    course_publish_with_lessons,
    world_build,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def course_drafted(journey: Journey) -> None:
    page, t = journey.page, journey.t
    journey.step("home")
    journey.follow_menu(t("Author"))
    journey.step("author-courses")
    page.get_by_role("link", name=t("New course")).click()
    page.get_by_label(t("Code")).fill("HR-201")
    page.get_by_label(t("Title")).fill(COURSE_TITLE)
    page.get_by_label(t("Summary")).fill("Arrest, detention and the rights of the people held.")
    journey.step("course-new")
    page.get_by_role("button", name=t("Create the draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)

    page.get_by_label(t("New module")).fill("Arrest and detention")
    page.get_by_role("button", name=t("Add the module")).click()
    for title, body in LESSONS:
        page.get_by_label(t("New lesson in this module")).fill(title)
        page.get_by_role("button", name=t("Add the lesson")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.get_by_label(t("Body")).fill(body)
        journey.step(f"lesson-{len(journey.steps)}")
        page.get_by_role("button", name=t("Save the lesson")).click()
        expect(page.get_by_text(t("The lesson was saved."))).to_be_visible()
        page.get_by_role("navigation", name=t("Breadcrumbs")).get_by_role("link", name=COURSE_TITLE).click()

    page.get_by_label(re.compile(r"\(HR\)$")).check()
    page.get_by_role("button", name=t("Save the details")).click()
    journey.step("course-outline")


def assessment_authored(journey: Journey, course: Course) -> Assessment:
    """From the course's authoring page: a new final assessment, its questions, published."""
    page, t = journey.page, journey.t
    page.get_by_role("link", name=t("New assessment")).click()
    page.get_by_label(t("Title")).fill(ASSESSMENT_TITLE)
    page.get_by_label(t("Pass mark (%)")).fill("75")
    journey.step("assessment-new")
    page.get_by_role("button", name=t("Create the draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Questions"))
    journey.step("assessment-draft")
    for number, (text, right, wrong) in enumerate(QUESTIONS):
        page.get_by_role("link", name=t("Add a question")).click()
        # The kind first (a page of its own, so the form works without JavaScript).
        page.get_by_label(t("Single choice")).check()
        page.get_by_role("button", name=t("Continue")).click()
        if number == 0:
            kind_parts_switched(journey)
        page.get_by_label(t("Question"), exact=True).fill(text)
        page.get_by_label(t("Choice 1"), exact=True).fill(right)
        page.get_by_label(t("Choice 1 is correct")).check()
        page.get_by_label(t("Choice 2"), exact=True).fill(wrong)
        journey.step("question-new")
        page.get_by_role("button", name=t("Add the question"), exact=True).click()
        expect(page.get_by_text(text)).to_be_visible()
    journey.step("questions")
    page.get_by_role("button", name=t("Publish the assessment")).click()
    expect(page.get_by_text(t("The assessment is published: enrolled trainees can take it."))).to_be_visible()
    journey.step("assessment-published")
    return Assessment.objects.get(course=course)


def kind_parts_switched(journey: Journey) -> None:
    """With JavaScript, the form shows the parts of the kind picked as it changes, hides the
    "Change the kind" button the page needs without it, and adds choice rows in place."""
    page, t = journey.page, journey.t
    choices = page.get_by_role("group", name=t("Choices"))
    numeric = page.get_by_role("group", name=t("Numeric answer"))
    kind = page.get_by_label(t("Kind of question"))
    expect(choices).to_be_visible()
    expect(numeric).to_be_hidden()
    expect(page.get_by_role("button", name=t("Change the kind"))).to_be_hidden()
    kind.select_option(label=t("Numeric"))
    expect(choices).to_be_hidden()
    expect(numeric).to_be_visible()
    journey.step("question-kind-switched")
    kind.select_option(label=t("Single choice"))
    expect(choices).to_be_visible()
    expect(numeric).to_be_hidden()
    url = page.url
    page.get_by_role("button", name=t("Add another choice")).click()
    expect(page.get_by_label(t("Choice 7"), exact=True)).to_be_focused()
    assert page.url == url  # added here, not by the server
    expect(page.locator("input[name='choice_count']")).to_have_value("7")


def test_trainer_authors_publishes_and_enrols_a_unit(journey_of):
    world = world_build()
    journey = journey_of("trainer")
    page, t = journey.page, journey.t
    journey.sign_in(world.trainer.username, PASSWORD)

    course_drafted(journey)
    course = Course.objects.get(code="HR-201")
    assessment = assessment_authored(journey, course)
    journey.follow_menu(t("Author"))
    page.get_by_role("link", name=COURSE_TITLE).click()
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    # The course's status (its final, published with it, says "Published" too in the plan).
    expect(page.locator("dl.facts").get_by_text(t("Published"), exact=True)).to_be_visible()
    journey.step("published")

    journey.open(f"/courses/{course.pk}/")
    journey.step("course-page")
    page.get_by_role("link", name=t("Enrol a unit")).click()
    units = page.get_by_label(t("Unit"), exact=True)
    # Options are indented by depth in the tree: pick the station by its name and code.
    units.select_option(units.locator("option", has_text="Kora Central Station (N-ST)").get_attribute("value"))
    journey.step("enrol")
    page.get_by_role("button", name=t("Enrol the unit")).click()
    # A whole unit at once: the page says how many first, and enrols on confirmation.
    expect(page.get_by_text("3 officers will be enrolled in")).to_be_visible()
    journey.step("enrol-confirm")
    page.get_by_role("button", name=t("Enrol them")).click()
    expect(page.get_by_role("status")).to_contain_text("3 officers enrolled")
    journey.step("enrolled")

    course.refresh_from_db()
    assert (course.status, course.releases.count(), course.competencies) == ("published", 1, ["HR"])
    assert [lesson.title for lesson in course.modules.get().lessons.all()] == [title for title, _ in LESSONS]
    assessment.refresh_from_db()
    assert assessment.published_at is not None
    assert assessment.module is None  # the course's final assessment
    assert Question.objects.filter(bank=assessment.bank).count() == len(QUESTIONS)
    assert Enrollment.objects.filter(course=course, officer__unit=world.station).count() == 3

    trainee = journey_of("trainee")
    trainee.sign_in(world.trainee.username, PASSWORD)
    trainee.follow_menu(trainee.t("My courses"))
    expect(trainee.page.get_by_role("link", name=COURSE_TITLE, exact=True)).to_be_visible()
    trainee.step("my-courses")


# A link-button's colour against the page behind it, as WCAG computes contrast.
LINK_BUTTON_CONTRAST = """(button) => {
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let box = button;
  let background = "rgba(0, 0, 0, 0)";
  while (box && /rgba\\(.*, 0\\)$/.test(background)) {
    background = getComputedStyle(box).backgroundColor;
    box = box.parentElement;
  }
  if (/rgba\\(.*, 0\\)$/.test(background)) background = "rgb(255, 255, 255)";
  const [a, b] = [luminance(rgb(getComputedStyle(button).color)), luminance(rgb(background))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_remove_buttons_on_a_session_page_are_visible_and_focusable(journey_of, language):
    """Issue 17, 9: the "Remove" link-buttons of a session's registrations were white on white."""
    world = world_build()
    course = course_publish_with_lessons(world)
    session = session_services.session_create(
        actor=world.trainer,
        course=course,
        unit=world.station,
        date=timezone.localdate() + datetime.timedelta(days=7),
        start_time=datetime.time(9, 0),
        place="Salle 2",
        capacity=10,
    )
    session_services.session_register(session=session, officers=[world.officer], actor=world.trainer)
    journey = journey_of("trainer", viewport=PHONE, language=language)
    journey.sign_in(world.trainer.username, PASSWORD)
    journey.open(f"/sessions/{session.pk}/")
    remove = journey.page.get_by_role("button", name=re.compile(journey.t("Remove"))).first
    expect(remove).to_be_visible()
    assert journey.page.evaluate(LINK_BUTTON_CONTRAST, remove.element_handle()) >= 4.5
    remove.focus()
    journey.step("session-remove-focused")  # axe-core checks every colour contrast too

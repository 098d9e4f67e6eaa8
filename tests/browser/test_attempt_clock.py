"""A trainee on a 375 px phone scrolls a long timed attempt: the time left stays in view at
the top of the screen without covering the questions before it scrolls, on either side of
the page (English, Arabic right to left); submitting with blanks asks once, with or without
JavaScript (issue 17, point 5)."""

import re

import pytest
from playwright.sync_api import expect

from assessments import services as assessment_services
from assessments.models import Assessment
from courses import services as course_services
from tests.browser.conftest import Journey
from tests.browser.worlds import PASSWORD, world_build

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 740}
TITLE = "Timed check"
QUESTION_COUNT = 12


def timed_assessment_published(world) -> Assessment:
    """A published course whose only content is a 30-minute assessment of 12 questions."""
    course = course_services.course_create(
        creator=world.trainer, code="TC-101", title="Timed course", competencies=["HR"], owner=world.mission
    )
    module = course_services.module_create(course=course, title="Only")
    course_services.lesson_create(module=module, title="Read me", body="Then take the check.")
    assessment = assessment_services.assessment_create(
        course=course, title=TITLE, actor=world.trainer, pass_mark=50, time_limit_minutes=30
    )
    for number in range(1, QUESTION_COUNT + 1):
        assessment_services.question_create(
            bank=assessment.bank,
            kind="single",
            text=f"Question {number}: which answer is the lawful one in this long situation?",
            actor=world.trainer,
            choices=[{"text": f"Lawful {number}", "correct": True}, {"text": f"Unlawful {number}", "correct": False}],
        )
    assessment_services.assessment_publish(assessment=assessment, actor=world.trainer)
    course_services.course_publish(course=course, actor=world.trainer)
    course_services.enrollments_create(course=course, officers=[world.officer], actor=world.trainer)
    return assessment


def box(journey: Journey, selector: str) -> dict:
    found = journey.page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


@pytest.mark.parametrize(
    ("language", "javascript"), [("en", True), ("ar", True), ("en", False)], ids=["english", "arabic", "no-js"]
)
def test_time_left_stays_in_view_and_blanks_are_asked_about_once(journey_of, language, javascript):
    world = world_build()
    assessment = timed_assessment_published(world)
    journey = journey_of("trainee", viewport=PHONE_375, language=language, javascript=javascript)
    page, t = journey.page, journey.t
    journey.sign_in(world.trainee.username, PASSWORD)
    expect(page.locator(".nav-menu > summary")).to_be_visible()  # signed in: the menu, folded on a phone
    journey.open(f"/assessments/{assessment.pk}/")
    page.get_by_role("button", name=t("Start"), exact=True).click()

    clock = page.locator(".attempt-clock")
    expect(clock).to_be_visible()
    if javascript:
        expect(page.locator(".attempt-timer")).to_be_visible()
    journey.step("attempt-top")
    # Before scrolling, the clock sits in the flow: the first question starts below it.
    assert (
        box(journey, ".attempt-clock")["y"] + box(journey, ".attempt-clock")["height"]
        <= box(journey, ".attempt-form .question")["y"]
    )

    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    page.wait_for_timeout(200)
    scrolled = box(journey, ".attempt-clock")
    main = box(journey, "main")
    assert page.evaluate("window.scrollY") > 600
    assert 0 <= scrolled["y"] <= 1, f"the clock scrolled away: {scrolled}"
    assert scrolled["height"] < PHONE_375["height"] / 6, f"the clock covers too much of the screen: {scrolled}"
    # It spans the content column on either side of the page (right to left too).
    assert abs(scrolled["x"] - (main["x"] + 16)) <= 1
    assert abs((scrolled["x"] + scrolled["width"]) - (main["x"] + main["width"] - 16)) <= 1
    opaque = page.evaluate("getComputedStyle(document.querySelector('.attempt-clock')).backgroundColor")
    assert opaque == "rgb(255, 255, 255)"
    journey.step("attempt-scrolled")

    page.get_by_role("group", name=re.compile("Question 1:")).get_by_label("Lawful 1", exact=True).check()
    page.get_by_role("button", name=t("Submit"), exact=True).click()
    unanswered = QUESTION_COUNT - 1
    expect(page.get_by_role("heading", level=2)).to_have_text(re.compile(re.escape(str(unanswered))))
    journey.step("confirm")
    page.get_by_role("button", name=t("Submit anyway"), exact=True).click()
    expect(page.get_by_text(t("Not passed"), exact=True)).to_be_visible()
    journey.step("result")

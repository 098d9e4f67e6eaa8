"""A trainee on a phone takes a course, fails the final assessment once, passes, downloads
the certificate that the worker issued, and anyone can verify it: in English, Arabic
(right to left) and French, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate
from lms.pdf.testing import document_text, shows_text
from tests.browser.conftest import PHONE, Journey
from tests.browser.worlds import (
    ASSESSMENT_TITLE,
    COURSE_TITLE,
    LESSONS,
    PASSWORD,
    QUESTIONS,
    World,
    course_publish_with_assessment,
    world_build,
)
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ARABIC = re.compile("[\u0600-\u06ff]")


def attempt_answer(journey: Journey, *, right: bool) -> None:
    page = journey.page
    for text, right_answer, wrong_answer in QUESTIONS:
        group = page.get_by_role("group", name=re.compile(re.escape(text)))
        group.get_by_label(right_answer if right else wrong_answer, exact=True).check()
    journey.step("attempt-right" if right else "attempt-wrong")
    page.get_by_role("button", name=journey.t("Submit"), exact=True).click()


def course_taken(journey: Journey, world: World) -> None:
    """From signing in to a passed final assessment, with one failed attempt on the way."""
    page, t = journey.page, journey.t
    journey.sign_in(world.trainee.username, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", journey.language)
    journey.step("home")

    journey.follow_menu(t("My courses"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("My courses"))
    journey.step("my-courses")
    page.get_by_role("link", name=COURSE_TITLE, exact=True).click()
    journey.step("outline")

    # Completing a lesson opens the next one, and the last one the outline.
    page.get_by_role("main").get_by_role("link", name=LESSONS[0][0], exact=True).click()
    for number, (title, body) in enumerate(LESSONS, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_text(body)).to_be_visible()
        # The English lesson reads left to right whatever the interface's direction.
        expect(page.locator(".lesson-content")).to_have_attribute("lang", "en")
        assert page.locator(".lesson-content p").first.evaluate("p => getComputedStyle(p).direction") == "ltr"
        assert page.get_by_role("heading", level=1).evaluate("h => getComputedStyle(h).direction") == "ltr"
        journey.step(f"lesson-{number}")
        page.get_by_role("button", name=t("Mark as completed")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    requirements = page.locator("section[aria-labelledby=requirements-heading]")
    expect(requirements.locator(".is-met")).to_have_count(1)  # the lessons; not yet the assessment
    # The final is listed, not started, and progress is not yet full.
    assessments = page.locator("section[aria-labelledby=assessments-heading]")
    expect(assessments.get_by_role("link", name=ASSESSMENT_TITLE, exact=True)).to_be_visible()
    expect(assessments).to_contain_text(t("Not started"))
    expect(page.locator(".progress-value")).not_to_have_text(re.compile("100"))
    journey.step("outline-lessons-done")
    # "Resume" leads to what is left: the final.
    page.get_by_role("link", name=t("Resume"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ASSESSMENT_TITLE)
    journey.step("assessment")

    page.get_by_role("button", name=t("Start"), exact=True).click()
    attempt_answer(journey, right=False)
    expect(page.get_by_text(t("Not passed"), exact=True)).to_be_visible()
    journey.step("failed")

    page.get_by_role("link", name=t("Back to the assessment")).click()
    journey.step("assessment-after-failure")
    page.get_by_role("button", name=t("Start a new attempt")).click()
    attempt_answer(journey, right=True)
    expect(page.get_by_text(t("Passed"), exact=True)).to_be_visible()
    journey.step("passed")


def certificate_downloaded_and_verified(journey: Journey, world: World, verifier: Journey) -> None:
    page, t = journey.page, journey.t
    journey.follow_menu(t("My certificates"))

    def listed() -> bool:
        page.reload()
        return page.get_by_role("link", name=COURSE_TITLE, exact=True).count() == 1

    wait_until(listed, "the worker to issue the certificate")
    journey.step("my-certificates")
    certificate = Certificate.objects.get(officer=world.officer)

    with page.expect_download() as download:
        page.get_by_role("link", name=f"{t('PDF')} {COURSE_TITLE}").click()
    pdf = download.value.path().read_bytes()
    text = document_text(pdf)
    assert shows_text(text, world.officer.full_name), text
    assert shows_text(text, COURSE_TITLE), text
    assert certificate.code in text

    # Whoever holds the paper opens the address it prints, signed in or not.
    verifier.open(f"/verify/{certificate.code}/")
    status = verifier.page.get_by_role("heading", level=2).first
    expect(status).to_contain_text(verifier.t(str(Certificate.Status.VALID.label)))
    expect(verifier.page.get_by_text(world.officer.full_name, exact=True)).to_be_visible()
    verifier.step("verification")


@pytest.mark.parametrize(
    ("language", "javascript", "name"),
    [
        ("en", True, ("Aïcha", "Kaboré")),
        ("fr", True, ("Zoé", "Lefèvre-Ngô")),
        ("ar", True, ("فاطمة", "بن علي")),
        ("en", False, ("Aïcha", "Kaboré")),
    ],
    ids=["english", "french", "arabic", "english-without-javascript"],
)
def test_trainee_takes_the_course_and_gets_a_verifiable_certificate(journey_of, language, javascript, name):
    world = world_build(given_name=name[0], family_name=name[1])
    course_publish_with_assessment(world)
    journey = journey_of("trainee", viewport=PHONE, language=language, javascript=javascript)
    verifier = journey_of("verifier", language=language, javascript=javascript)

    course_taken(journey, world)
    certificate_downloaded_and_verified(journey, world, verifier)

    html = journey.page.locator("html")
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    heading = journey.page.get_by_role("heading", level=1)
    expect(heading).to_have_text(journey.t("My certificates"))
    assert bool(ARABIC.search(heading.inner_text())) is (language == "ar")

"""A leader drills down from the nation to a station, sees its readiness change when an
officer there is certified (the worker issues the certificate and updates readiness), and
downloads the station's handover briefing."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from courses import services as course_services
from courses.models import Enrollment
from lms.pdf.testing import document_text, shows_text
from readiness import services as readiness_services
from tests.browser.conftest import Journey
from tests.browser.worlds import PASSWORD, course_publish_with_lessons, world_build
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HUMAN_RIGHTS = re.compile(r"^Human rights in policing")  # the HR competency's name


def certified_cell(journey: Journey) -> Locator:
    """The station's count of officers certified in human rights (competencies table)."""
    table = journey.page.get_by_role("table", name=journey.t("Competencies"))
    row = table.get_by_role("row").filter(has=journey.page.get_by_role("rowheader", name=HUMAN_RIGHTS))
    return row.get_by_role("cell").nth(1)


def test_leader_sees_readiness_change_drills_down_and_exports_the_briefing(journey_of):
    world = world_build()
    course = course_publish_with_lessons(world)
    readiness_services.readiness_sync_full(trigger="test")
    journey = journey_of("leader")
    page, t = journey.page, journey.t

    journey.sign_in(world.leader.username, PASSWORD)
    journey.step("home")
    journey.follow_menu(t("Readiness"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Handover readiness"))
    journey.step("overview")
    for unit in (world.nation, world.region, world.station):
        page.get_by_role("main").get_by_role("link", name=unit.name, exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(unit.name)
        journey.step(f"unit-{unit.code.lower()}")
    expect(certified_cell(journey)).to_have_text("0")

    # The trainee completes the course: the worker issues her certificate, and its event
    # updates the readiness of her station and the areas above it.
    enrollment = Enrollment.objects.get(course=course, officer=world.officer)
    for lesson in course.modules.get().lessons.all():
        course_services.lesson_complete(enrollment=enrollment, lesson=lesson)

    def certified() -> bool:
        page.reload()
        return certified_cell(journey).inner_text() == "1"

    wait_until(certified, "the station's readiness to count the new certificate")
    journey.step("unit-certified")
    breadcrumbs = page.get_by_role("navigation", name=t("Breadcrumbs"))
    expect(breadcrumbs.get_by_role("link")).to_have_text([t("Readiness"), world.nation.name, world.region.name])

    with page.expect_download() as download:
        page.get_by_role("link", name=t("Handover briefing (PDF)")).click()
    assert download.value.suggested_filename == "handover-briefing-n-st.pdf"
    text = document_text(download.value.path().read_bytes())
    assert shows_text(text, world.station.name), text


# Every label of the trend chart, and whether it lies wholly inside the chart.
CHART_LABELS_CUT = """() => [...document.querySelectorAll("svg.trend-chart text")].filter((label) => {
  const chart = label.ownerSVGElement.getBoundingClientRect(), box = label.getBoundingClientRect();
  return box.left < chart.left - 0.5 || box.right > chart.right + 0.5;
}).map((label) => label.textContent)"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_readiness_tables_use_the_width_of_a_1366_screen_and_chart_labels_stay_whole(journey_of, language):
    """At 1366 px the units table had 60rem and was clipped while 400 px stayed empty; in
    Arabic the chart's dates and threshold ran off its edges ("5-12-08", a lone "%")."""
    world = world_build()
    readiness_services.readiness_sync_full(trigger="test")
    readiness_services.snapshots_take(day=timezone.localdate() - datetime.timedelta(days=30))
    journey = journey_of(f"leader-1366-{language}", viewport={"width": 1366, "height": 900}, language=language)
    page = journey.page

    journey.sign_in(world.leader.username, PASSWORD)
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))
    journey.open("/readiness/")
    journey.step("overview")
    width, content_width = page.locator(".readiness-table-wrap").first.evaluate(
        "(box) => [box.clientWidth, box.scrollWidth]"
    )
    assert width > 1200, width  # the screen's width, not the 60rem of prose
    assert content_width <= width  # nothing of the table hidden

    journey.open(f"/readiness/units/{world.station.pk}/")
    journey.step("station")
    assert page.locator("svg.trend-chart text").count() >= 6
    assert page.evaluate(CHART_LABELS_CUT) == []

"""Leadership pages: nation -> area -> unit drill-down, scoped, sortable, exportable.

The world (``tests/conftest.py`` tree): nation -> Northern/Southern Region -> Kora/Talu
District -> Kora/Talu Central Station, two eligible women finally certified per station.
Default profile: HR, COP, SGBV, CD, POC for all at 80% (CMD for commanders: none here).

- Kora: HR-101 (HR, COP) for one officer 60 days ago, the other 30 days ago. Training
  60 days ago (HR, COP 1/2 -> 0.625 of target) = 1.25 / 5 = 0.25, index 0.6*0.25 + 0.15 +
  0.10 = 0.40; since 30 days ago training 2/5 = 0.4, index 0.49 (not ready, < 0.5).
- Talu: nothing: training 0, index 0.25 (not ready).
- Nation: (0.49*2 + 0.25*2) / 4 = 0.37; 0 of 2 units ready.
"""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from courses import services as course_services
from organisations import services as organisation_services
from organisations.models import Officer, Role, RosterImport, Unit
from readiness import services
from readiness.models import (
    DirtyUnit,
    HandoverDecision,
    JointAssessment,
    Requirement,
    RequirementProfile,
    Snapshot,
    SyncState,
    UnitReadiness,
)
from tests.factories import OfficerFactory, UnitFactory, UserFactory
from tests.readiness.conftest import certify

OVERVIEW = "/readiness/"


def unit_url(unit) -> str:
    return f"/readiness/units/{unit.pk}/"


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def world(tree, people, hr_course):
    first, second = tree.north_officers
    certify(first, hr_course, issued_at=timezone.now() - datetime.timedelta(days=61))
    services.readiness_sync_full(trigger="test")
    services.snapshots_take(day=today() - datetime.timedelta(days=60))
    certify(second, hr_course, issued_at=timezone.now() - datetime.timedelta(days=31))
    services.readiness_sync_full(trigger="test")
    services.snapshots_take(day=today() - datetime.timedelta(days=30))
    return tree


def table_rows(html: str, heading_id: str = "units-heading") -> list[str]:
    """The unit names of a units table, in page order."""
    table = html.split(f'aria-labelledby="{heading_id}"', 1)[1].split("</table>", 1)[0]
    return [part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in table.split('<th scope="row">')[1:]]


# Who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("trainee", 403), ("trainer_north", 403), ("leader", 200), ("admin", 200)],
)
@pytest.mark.parametrize("page", ["overview", "nation", "station"])
def test_only_leaders_and_admins_see_readiness(client, world, people, who, expected, page):
    if who != "anonymous":
        client.force_login(getattr(people, who))
    url = {"overview": OVERVIEW, "nation": unit_url(world.nation), "station": unit_url(world.north_station)}[page]
    before = list(UnitReadiness.objects.order_by("unit_id").values_list("unit_id", "index", "status"))

    response = client.get(url)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))
    if expected != 200:
        assert b"Kora Central Station" not in response.content
    assert list(UnitReadiness.objects.order_by("unit_id").values_list("unit_id", "index", "status")) == before


@pytest.fixture
def north_leader(world):
    user = UserFactory(username="leader.north")
    organisation_services.role_grant(user=user, role=Role.LEADERSHIP, unit=world.north)
    return user


def test_a_regional_leader_sees_their_region_only(client, world, north_leader):
    client.force_login(north_leader)

    overview = client.get(OVERVIEW).content.decode()
    assert f'<h2 id="whole-heading"><a href="{unit_url(world.north)}">Northern Region</a></h2>' in overview
    assert table_rows(overview) == ["Kora District"]
    assert "Southern Region" not in overview
    assert "National Headquarters" not in overview

    for unit in (world.nation, world.south, world.south_district, world.south_station):
        assert client.get(unit_url(unit)).status_code == 404
        assert client.get(unit_url(unit), {"format": "csv"}).status_code == 404
    station = client.get(unit_url(world.north_station)).content.decode()
    # Breadcrumbs start at the top of the leader's scope: no link to the nation.
    crumbs = station.split('class="breadcrumbs"', 1)[1].split("</ol>", 1)[0]
    assert f'href="{unit_url(world.north)}">Northern Region' in crumbs
    assert f'href="{unit_url(world.north_district)}">Kora District' in crumbs
    assert "National Headquarters" not in crumbs


def test_a_commander_leads_their_own_unit(client, world):
    commander = OfficerFactory(unit=world.south_station, is_commander=True, user=UserFactory(username="commander"))
    services.readiness_sync_full(trigger="test")
    client.force_login(commander.user)

    overview = client.get(OVERVIEW).content.decode()
    assert f'<a href="{unit_url(world.south_station)}">Talu Central Station</a>' in overview
    assert client.get(unit_url(world.south_station)).status_code == 200
    assert client.get(unit_url(world.north_station)).status_code == 404


def test_an_unknown_unit_is_404(client, world, people):
    client.force_login(people.admin)
    assert client.get("/readiness/units/999999/").status_code == 404


def test_the_nav_links_readiness_for_leaders_and_admins_only(client, world, people):
    link = f'href="{OVERVIEW}">Readiness</a>'
    for user, shown in (
        (people.leader, True),
        (people.admin, True),
        (people.trainer_north, False),
        (people.trainee, False),
    ):
        client.force_login(user)
        assert (link in client.get("/").content.decode()) is shown, user.username


# The overview -------------------------------------------------------------------------------


def test_overview_shows_the_whole_and_its_areas_with_components(client, world, people):
    client.force_login(people.leader)

    response = client.get(OVERVIEW)

    html = response.content.decode()
    whole = response.context["whole"].row
    assert whole.unit == world.nation
    assert (whole.index, whole.status) == (0.37, "not_ready")
    assert (whole.readiness.units_ready, whole.readiness.units_assessed) == (0, 2)
    assert "<dt>Units ready / units assessed</dt><dd>0 / 2</dd>" in html
    assert "<dt>Index</dt><dd>37%</dd>" in html
    lines = response.context["lines"]
    assert [line.row.unit.name for line in lines] == ["Northern Region", "Southern Region"]
    north, south = (line.row for line in lines)
    # Components of an area: the means over its assessed units (one station each here).
    assert (north.index, north.training, north.vetting, north.women, north.assessment) == (0.49, 0.4, 1.0, 1.0, 0.0)
    assert (south.index, south.training, south.vetting, south.women, south.assessment) == (0.25, 0.0, 1.0, 1.0, 0.0)
    # Coverage over the default profile's competencies: HR and COP 2 of 2, three others 0 of 2.
    assert (north.coverage, south.coverage) == (0.4, 0.0)
    assert (north.eligible, north.women_share) == (2, 1.0)
    # The nation's components are weighted by eligible officers: training (0.4*2 + 0*2) / 4.
    assert whole.training == pytest.approx(0.2)


def test_status_is_readable_without_colour(client, world, people):
    JointAssessment.objects.create(
        unit=world.north_station,
        assessed_on=today(),
        logistics=2,
        command_stability=2,
        human_rights_compliance=2,
        community_acceptance=2,
        evidence="Field visit",
        recorded_by=people.leader,
    )
    services.readiness_sync_full(trigger="test")  # Kora: 0.49 + 0.15 = 0.64, progressing
    client.force_login(people.leader)

    html = client.get(unit_url(world.north_district)).content.decode()

    row = html.split(f'href="{unit_url(world.north_station)}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="status-icon status-icon-progressing" aria-hidden="true"' in row
    assert "</svg> Progressing</span>" in row
    assert "<strong>64%</strong>" in row
    nation = client.get(OVERVIEW).content.decode()
    assert "status-icon-not_ready" in nation
    assert "</svg> Not ready</span>" in nation


def test_tables_sort_by_column_on_the_server(client, world, people):
    UnitFactory(parent=world.nation, code="E", name="Eastern Region", unit_type=Unit.Type.AREA)
    services.readiness_sync_full(trigger="test")  # Eastern: nobody, no index
    client.force_login(people.leader)

    by_name = client.get(OVERVIEW).content.decode()
    assert table_rows(by_name) == ["Eastern Region", "Northern Region", "Southern Region"]
    assert 'aria-sort="ascending"><a href="?sort=name&amp;dir=desc">Unit' in by_name

    by_index = client.get(OVERVIEW, {"sort": "index", "dir": "desc"}).content.decode()
    # Units without an index come last in either direction.
    assert table_rows(by_index) == ["Northern Region", "Southern Region", "Eastern Region"]
    assert 'aria-sort="descending"><a href="?sort=index&amp;dir=asc">Index' in by_index
    assert by_index.count("aria-sort=") == 1
    assert table_rows(client.get(OVERVIEW, {"sort": "index", "dir": "asc"}).content.decode()) == [
        "Southern Region",
        "Northern Region",
        "Eastern Region",
    ]
    assert table_rows(client.get(OVERVIEW, {"sort": "coverage", "dir": "desc"}).content.decode())[0] == (
        "Northern Region"
    )
    # Unknown columns or directions fall back to the name order.
    assert table_rows(client.get(OVERVIEW, {"sort": "password", "dir": "sideways"}).content.decode()) == table_rows(
        by_name
    )


def test_overview_csv_export(client, world, people):
    world.south.name = '=HYPERLINK("http://evil")'
    world.south.save()
    client.force_login(people.leader)

    response = client.get(OVERVIEW, {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="readiness-hq.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Unit code", "Unit", "Type", "Status", "Index (%)"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["N"] == [
        "N",
        "Northern Region",
        "Region",
        "Not ready",
        "49.0",
        "40.0",
        "100.0",
        "100.0",
        "0.0",
        "2",
        "2",
        "100.0",
        "40.0",
        "0",
        "1",
        "",
    ]
    assert by_code["S"][1] == '\'=HYPERLINK("http://evil")'
    assert len(rows) == 3


# One unit -----------------------------------------------------------------------------------


def test_unit_page_shows_status_gates_competencies_by_sex_and_freshness(client, world, people):
    station = world.north_station
    OfficerFactory(unit=station, sex=Officer.Sex.MALE, vetting_status=Officer.VettingStatus.UNKNOWN)
    RosterImport.objects.create(service=world.service, file_name="roster.csv", imported_at=timezone.now())
    services.readiness_sync_full(trigger="test")
    # 3 eligible now (one man, vetting unknown): vetting 2/3 = 0.667 < 0.8, gate not met.
    client.force_login(people.leader)

    response = client.get(unit_url(station))

    html = response.content.decode()
    assert response.status_code == 200
    crumbs = html.split('class="breadcrumbs"', 1)[1].split("</ol>", 1)[0]
    assert [part.split("</a>")[0] for part in crumbs.split('">')[1:4]] == [
        "Readiness",
        "National Headquarters",
        "Northern Region",
    ]
    assert '<li aria-current="page">Kora Central Station</li>' in html
    assert "✗ Not met</span> Vetting: eligible officers finally certified" in html
    hr = next(item for item in response.context["competencies"] if item["line"].code == "HR")
    line = hr["line"]
    assert (line.headcount, line.certified, line.headcount_women, line.certified_women) == (3, 2, 2, 2)
    assert (line.headcount_men, line.certified_men, line.is_met) == (1, 0, False)
    assert (hr["coverage_text"], hr["target_text"]) == ("67%", "80%")
    hr_row = html.split("Human rights in policing", 1)[1].split("</tr>", 1)[0]
    assert '<td class="numeric">2 / 2</td>' in hr_row  # women certified / women
    assert '<td class="numeric">0 / 1</td>' in hr_row  # men
    assert "✗ Not met" in hr_row
    ilp = html.split("Intelligence-led policing", 1)[1].split("</tr>", 1)[0]
    assert '<td class="numeric">—</td>' in ilp  # no target set: neither met nor not met
    freshness = html.split('id="freshness-heading"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Officers with unknown vetting status</dt><dd>1</dd>" in freshness
    assert "<dt>Last roster import</dt><dd>never</dd>" not in freshness
    assert "<dt>Last full reconciliation</dt><dd>never</dd>" not in freshness
    assert "Handed over" not in html


def _competency_row(html: str, name: str) -> str:
    return html.split(name, 1)[1].split("</tr>", 1)[0]


def test_area_and_nation_competencies_show_their_units_target_and_how_many_meet_it(client, world, people):
    """Kora's two officers hold HR and COP (2 of 2, target 80%: met); Talu's hold nothing;
    SGBV is required of both, met by neither; ILP is required of no unit."""
    client.force_login(people.leader)

    district = client.get(unit_url(world.north_district)).content.decode()
    nation = client.get(unit_url(world.nation)).content.decode()

    hr = _competency_row(district, "Human rights in policing")
    assert '<td class="numeric">80%</td>' in hr
    assert '✓ Met <span class="muted">(1 of 1 unit)</span>' in hr
    assert '✗ Not met <span class="muted">(0 of 1 unit)</span>' in _competency_row(
        district, "Sexual and gender-based violence"
    )
    nation_hr = _competency_row(nation, "Human rights in policing")
    assert '✗ Not met <span class="muted">(1 of 2 units)</span>' in nation_hr
    ilp = _competency_row(nation, "Intelligence-led policing")
    assert '<td class="numeric">—</td>' in ilp
    assert "Met" not in ilp
    assert "An area has no target of its own" in nation


def test_an_area_whose_units_have_different_targets_shows_the_range(client, world, people):
    Requirement.objects.filter(profile__unit_type="", competency_id="HR").update(target="0.600")
    sgbv_profile = RequirementProfile.objects.get(unit_type=Unit.Type.SGBV)
    Requirement.objects.update_or_create(
        profile=sgbv_profile, competency_id="HR", defaults={"target": "0.900", "weight": 1}
    )
    unit = UnitFactory(parent=world.north_district, code="N1-SGBV", name="Kora SGBV Unit", unit_type=Unit.Type.SGBV)
    OfficerFactory(unit=unit)
    services.readiness_sync_full(trigger="test")
    client.force_login(people.leader)

    hr = _competency_row(client.get(unit_url(world.north_district)).content.decode(), "Human rights in policing")

    assert '<td class="numeric">60%\N{EN DASH}90%</td>' in hr
    assert '✗ Not met <span class="muted">(1 of 2 units)</span>' in hr


def test_components_say_target_met_beside_the_womens_share_instead_of_a_bare_100(client, world, people):
    """Both Kora officers are women: the women component is 100% of its target, the
    women's share 100% of eligible officers, the default profile's target 20%."""
    client.force_login(people.leader)

    station = client.get(unit_url(world.north_station)).content.decode()
    district = client.get(unit_url(world.north_district)).content.decode()

    assert "<dt>Women</dt><dd>✓ Target met (women are 100% of eligible officers; target 20%)</dd>" in station
    assert "<dt>Training</dt><dd>40% of target</dd>" in station
    assert "<dt>Women</dt><dd>✓ Target met</dd>" in district  # an area: a mean over units
    row = district.split(f'href="{unit_url(world.north_station)}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="numeric">40%</td>' in row  # training, under "share of target reached"
    assert '<td class="numeric">✓ Target met</td>' in row
    assert '<th scope="colgroup" colspan="4" class="readiness-group">Share of target reached</th>' in district


def test_the_chart_is_drawn_left_to_right_with_the_language_s_dates_in_arabic(client, world, people):
    client.force_login(people.leader)
    client.cookies.load({"django_language": "ar"})

    html = client.get(unit_url(world.north_station)).content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart trend-chart" direction="ltr" dir="ltr"' in html
    with translation.override("ar"):
        first_day = date_format(today() - datetime.timedelta(days=60), "DATE_FORMAT")
    # Each label keeps its own direction inside the left-to-right chart.
    assert f">\N{FIRST STRONG ISOLATE}{first_day}\N{POP DIRECTIONAL ISOLATE}</text>" in html
    assert (today() - datetime.timedelta(days=60)).isoformat() not in html.split("<svg", 2)[2].split("</svg>")[0]


def test_unit_page_draws_the_trend_and_projects_the_date(client, world, people):
    client.force_login(people.leader)

    response = client.get(unit_url(world.north_station))

    html = response.content.decode()
    trend = response.context["trend"]
    assert trend["count"] == 3  # two snapshots and today's figures
    # The text alternative: the last figure of each month, ending with today's.
    points = {
        today() - datetime.timedelta(days=60): "40%",
        today() - datetime.timedelta(days=30): "49%",
        today(): "49%",
    }
    assert trend["table"][-1] == (today(), "49%")
    assert all(points[day] == value for day, value in trend["table"])
    months = [(day.year, day.month) for day, _value in trend["table"]]
    assert months == sorted(set(months))
    assert '<polyline class="trend-line"' in html
    assert 'role="img" aria-labelledby="trend-title trend-desc"' in html
    first_day = date_format(today() - datetime.timedelta(days=60), "DATE_FORMAT")
    expected_caption = f"Index from 40% on {first_day} to 49% on {date_format(today(), 'DATE_FORMAT')}."
    assert f"<figcaption>{expected_caption} Dashed line: the threshold (80%)." in html
    # 0.40 -> 0.49 -> 0.49 over 60 days: 0.0015 a day, 0.31 to go: 207 days.
    expected = date_format(today() + datetime.timedelta(days=207), "DATE_FORMAT")
    # The headline is about the index, the line the chart draws; no gate is later than it.
    headline = f"At the current pace, the index reaches the threshold (80%) around {expected}."
    assert f"<p><strong>{headline}</strong></p>" in html
    # The chart's dates are the language's, as in the text.
    assert f">\N{FIRST STRONG ISOLATE}{first_day}\N{POP DIRECTIONAL ISOLATE}</text>" in html
    assert f">\N{FIRST STRONG ISOLATE}{date_format(today(), 'DATE_FORMAT')}\N{POP DIRECTIONAL ISOLATE}</text>" in html


def test_a_stalled_gate_blocks_the_projection_and_is_named(client, world, people, hr_course):
    """An SGBV unit (SGBV is a gate of its profile): its index rises with human-rights
    training, its SGBV coverage stays 0, so no date can be promised."""
    unit = UnitFactory(parent=world.north_district, code="N1-SGBV", name="Kora SGBV Unit", unit_type=Unit.Type.SGBV)
    first, second = OfficerFactory.create_batch(2, unit=unit)
    for days, officer in ((60, None), (30, first), (0, second)):
        if officer is not None:
            certify(officer, hr_course, issued_at=timezone.now() - datetime.timedelta(days=days + 1))
        services.readiness_sync_full(trigger="test")
        if days:
            services.snapshots_take(day=today() - datetime.timedelta(days=days))
    client.force_login(people.leader)

    html = client.get(unit_url(unit)).content.decode()

    assert "✗ Not met</span> Sexual and gender-based violence" in html
    assert "✓ Met</span> Vetting: eligible officers finally certified" in html
    # The headline is the index, as the chart; the gate that blocks a date follows it.
    headline = html.split("<strong>At the current pace, the index reaches the threshold (80%) around ", 1)[1]
    assert re.match(
        r"[^<]+\.</strong> No progress lately in Sexual and gender-based violence: no date can be projected", headline
    )


def test_projection_says_so_when_nothing_moves_or_targets_are_met(client, world, people):
    client.force_login(people.leader)
    south = client.get(unit_url(world.south_station)).content.decode()
    assert "No progress lately in the index: no date can be projected at the current pace." in south

    Snapshot.objects.all().delete()
    fresh = client.get(unit_url(world.south_station)).content.decode()
    assert "Not enough history yet to project a date" in fresh


def test_a_ready_unit_says_targets_reached(client, world, people, hr_course):
    course = course_services.course_create(
        creator=people.trainer_north,
        code="CORE-1",
        title="Core",
        competencies=["SGBV", "CD", "POC"],
        owner=hr_course.owner,
    )
    module = course_services.module_create(course=course, title="One")
    course_services.lesson_create(module=module, title="Lesson", body="Text.")
    course_services.course_publish(course=course, actor=people.trainer_north)
    course.refresh_from_db()
    for officer in world.north_officers:
        certify(officer, course)
    JointAssessment.objects.create(
        unit=world.north_station,
        assessed_on=today(),
        logistics=2,
        command_stability=2,
        human_rights_compliance=2,
        community_acceptance=2,
        evidence="Field visit",
        recorded_by=people.leader,
    )
    services.readiness_sync_full(trigger="test")
    client.force_login(people.leader)

    html = client.get(unit_url(world.north_station)).content.decode()

    assert "</svg> Ready</span>" in html
    assert "status-icon-ready" in html
    assert "Targets reached: the index is at the threshold and every gate is met." in html


def test_handed_over_units_are_shown_as_such_and_still_measured(client, world, people):
    HandoverDecision.objects.create(
        unit=world.north_station,
        decision=HandoverDecision.Decision.HANDED_OVER,
        decided_on=today() - datetime.timedelta(days=3),
        recorded_by=people.admin,
    )
    client.force_login(people.leader)

    html = client.get(unit_url(world.north_station)).content.decode()
    day = date_format(today() - datetime.timedelta(days=3), "DATE_FORMAT")
    assert f"Handed over on {day}; still measured." in html
    assert "<strong>49%</strong>" in html
    district = client.get(unit_url(world.north_district)).content.decode()
    row = district.split(f'href="{unit_url(world.north_station)}"', 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge">Handed over</span>' in row

    HandoverDecision.objects.create(
        unit=world.north_station,
        decision=HandoverDecision.Decision.DEFERRED,
        decided_on=today(),
        recorded_by=people.admin,
    )
    assert "Handed over" not in client.get(unit_url(world.north_station)).content.decode()


def test_unit_page_links_the_briefing_and_the_joint_records(client, world, people):
    client.force_login(people.leader)
    pk = world.north_station.pk

    html = client.get(unit_url(world.north_station)).content.decode()

    assert f'href="/readiness/units/{pk}/briefing.pdf">Handover briefing (PDF)</a>' in html
    assert f'href="/readiness/units/{pk}/assessments/">Joint assessments</a>' in html
    assert f'href="/readiness/units/{pk}/handover/">Handover decisions</a>' in html
    assert 'href="/readiness/manage/">Requirement profiles</a>' in client.get(OVERVIEW).content.decode()


def test_pages_only_answer_get(client, world, people):
    client.force_login(people.leader)
    assert client.post(OVERVIEW).status_code == 405
    assert client.post(unit_url(world.north_station)).status_code == 405


def test_unit_not_computed_yet(client, world, people):
    new = UnitFactory(parent=world.north_district, code="N1-NEW", name="New Post")
    client.force_login(people.leader)

    html = client.get(unit_url(new)).content.decode()

    assert "Not computed yet" in html
    assert "</svg> Not measured</span>" in html
    assert "No index recorded yet." in html


# 11:02 UTC is 2:02 p.m. in the site's time zone of these tests (Nairobi, UTC+3, no summer time).
COMPUTED = datetime.datetime(2026, 3, 2, 11, 2, tzinfo=datetime.UTC)


@pytest.fixture
def computed_at_2_02(world, settings):
    """The figures as computed at 2:02 p.m. (the last full reconciliation; the rows it found
    right kept the time they last changed, the day before)."""
    settings.TIME_ZONE = "Africa/Nairobi"
    UnitReadiness.objects.update(computed_at=COMPUTED - datetime.timedelta(days=1))
    SyncState.objects.update(last_full_at=COMPUTED)
    return world


def mark(unit, *, minutes: int) -> None:
    DirtyUnit.objects.create(unit=unit, marked_at=COMPUTED + datetime.timedelta(minutes=minutes))


def one_line(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html)


FIGURES_COMPUTED = (
    '<p class="muted">Figures computed on <time datetime="2026-03-02T14:02:00+03:00">2 March 2026, 14:02</time></p>'
)


def test_pages_say_when_their_figures_were_computed_and_nothing_waits(client, computed_at_2_02, people):
    mark(computed_at_2_02.north_station, minutes=-1)  # counted by the reconciliation at 2:02
    client.force_login(people.leader)

    for url in (OVERVIEW, unit_url(computed_at_2_02.north_station)):
        html = one_line(client.get(url).content.decode())
        assert FIGURES_COMPUTED in html
        assert "Newer records are waiting" not in html
    freshness = html.split('id="freshness-heading"', 1)[1].split("</dl>", 1)[0]
    assert (
        '<dt>Figures computed</dt><dd><time datetime="2026-03-02T14:02:00+03:00">2 March 2026, 14:02</time></dd>'
    ) in freshness


def test_newer_records_marked_in_the_subtree_are_said_to_be_waiting(client, computed_at_2_02, people):
    world = computed_at_2_02
    mark(world.north_station, minutes=1)
    mark(world.south_station, minutes=3)
    client.force_login(people.leader)
    waiting_since = (
        '<p class="notice" role="status">Newer records are waiting to be counted (since'
        ' <time datetime="2026-03-02T14:{}:00+03:00">2 March 2026, 14:{}</time>).</p>'
    )

    nation = one_line(client.get(OVERVIEW).content.decode())
    north = one_line(client.get(unit_url(world.north)).content.decode())
    south_station = one_line(client.get(unit_url(world.south_station)).content.decode())
    north_station = one_line(client.get(unit_url(world.north_station)).content.decode())

    assert waiting_since.format("03", "03") in nation  # the earliest mark of the whole tree
    assert waiting_since.format("03", "03") in north
    assert waiting_since.format("05", "05") in south_station
    assert waiting_since.format("03", "03") in north_station
    assert FIGURES_COMPUTED in north_station


def test_a_mark_outside_the_unit_leaves_its_page_current(client, computed_at_2_02, people):
    mark(computed_at_2_02.south_station, minutes=3)
    client.force_login(people.leader)

    html = client.get(unit_url(computed_at_2_02.north)).content.decode()

    assert "Newer records are waiting" not in html


def test_a_unit_recomputed_after_the_reconciliation_shows_its_own_time(client, computed_at_2_02, people):
    station = computed_at_2_02.north_station
    UnitReadiness.objects.filter(unit=station).update(computed_at=COMPUTED + datetime.timedelta(minutes=5))
    mark(station, minutes=4)  # counted by the update at 2:07
    client.force_login(people.leader)

    html = one_line(client.get(unit_url(station)).content.decode())

    assert (
        '<p class="muted">Figures computed on <time datetime="2026-03-02T14:07:00+03:00">2 March 2026, 14:07</time></p>'
    ) in html
    assert "Newer records are waiting" not in html


def test_unit_csv_exports_competencies_and_units(client, world, people):
    client.force_login(people.leader)

    competencies = client.get(unit_url(world.north_station), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(competencies.content.decode())))
    assert competencies["Content-Disposition"] == 'attachment; filename="readiness-n1-st-competencies.csv"'
    assert rows[0] == [
        "Code",
        "Competency",
        "Headcount",
        "Certified",
        "Coverage (%)",
        "Target (%)",
        "Met",
        "Gate",
        "Women",
        "Women certified",
        "Men",
        "Men certified",
    ]
    assert len(rows) == 15
    hr = next(row for row in rows if row[0] == "HR")
    assert hr == ["HR", "Human rights in policing", "2", "2", "100.0", "80.0", "yes", "", "2", "2", "0", "0"]

    units = client.get(unit_url(world.north), {"format": "csv", "table": "units"})
    rows = list(csv.reader(io.StringIO(units.content.decode())))
    assert [row[1] for row in rows[1:]] == ["Kora District"]


def test_unit_names_are_escaped(client, world, people):
    world.north_station.name = '<script>alert("x")</script>'
    world.north_station.save()
    client.force_login(people.leader)

    html = client.get(unit_url(world.north_station)).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


# Fixed query counts ------------------------------------------------------------------------


def add_children(parent, count: int, *, with_officers: bool) -> None:
    for number in range(count):
        child = UnitFactory(parent=parent, code=f"{parent.code}-{number}", name=f"Post {number}")
        if with_officers:
            OfficerFactory(unit=child)


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# Each page counts one query for the newer records waiting (``selectors.readiness_freshness``):
# the overview went from 11 to 12; the area page takes one more too and stays within its 18.
@pytest.mark.parametrize(("page", "most"), [("overview", 12), ("area", 18)])
def test_pages_cost_a_fixed_number_of_queries(client, world, people, page, most, django_assert_max_num_queries):
    """3 then 30 units below, areas among them, with officers: the same number of queries
    (session, user, roles, notifications included)."""
    parent = world.nation if page == "overview" else world.north_district
    url = OVERVIEW if page == "overview" else unit_url(world.north_district)
    areas = [UnitFactory(parent=parent, code=f"A{n}", name=f"Area {n}", unit_type=Unit.Type.AREA) for n in range(1)]
    add_children(areas[0], 2, with_officers=True)
    services.readiness_sync_full(trigger="test")
    services.snapshots_take()
    client.force_login(people.leader)
    few = queries_of(client, url)

    for n in range(1, 28):
        area = UnitFactory(parent=parent, code=f"B{n}", name=f"More {n}", unit_type=Unit.Type.AREA)
        add_children(area, 1, with_officers=True)
    services.readiness_sync_full(trigger="test")
    assert len(client.get(url).context["lines"]) >= 29

    assert queries_of(client, url) == few
    with django_assert_max_num_queries(most):
        client.get(url)


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl")])
def test_pages_render_in_every_language(client, world, people, language, direction):
    client.force_login(people.leader)
    client.cookies.load({"django_language": language})

    for url in (OVERVIEW, unit_url(world.nation), unit_url(world.north_station)):
        html = client.get(url).content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html
        assert 'dir="ltr" role="img"' in html or url == OVERVIEW  # charts stay left to right

"""Readiness benchmark on one database (``bench/readiness.py`` runs it on each).

    .venv/bin/python bench/readiness_run.py [--units 1000] [--officers 50000]
        [--certificates 500000] [--rounds 3] [--requests 200]

The database is the default one of ``DATABASE_URL`` (SQLite when it names none): the
Django test-database machinery creates a throwaway one and migrates it, a SQLite file in
a temporary directory (``LMS_VAR_DIR`` points there too, so nothing touches ``var/``) or
a database ``bench_readiness`` on the PostgreSQL server, dropped at the end.
``bench/readiness_world.py`` writes the world. Then, in one run, each pair alternating
over ``--rounds`` rounds (each figure the median of its rounds):

- ``full``: ``readiness.services.readiness_sync_full`` on the synced world (it recomputes
  everything and finds nothing to change), against ``full_baseline``: one raw
  ``INSERT ... SELECT ... GROUP BY`` writing the coverage table of every unit's own
  eligible officers x competency (headcount, certified; the requirement's population)
  into a scratch table. ``full_first`` is the first reconciliation (every row written).
  The bench checks that the scratch table, summed over subtrees, equals the stored metrics.
  On PostgreSQL the statement runs with JIT off, as ``readiness_sync_full`` does
  (the planner's estimate of the JSON expansion would have it compile the plan for seconds).
- ``event``: one new certificate for an officer of a station, then
  ``readiness.services.readiness_sync_units`` for that station (it recomputes the station
  and its ancestors), against ``event_baseline``: raw SQL recomputing the same coverage
  rows in a scratch copy of the subtree table: the station's own officers, then each
  ancestor from its own officers and its children's rows, deepest first, in one
  transaction. Checked against the stored metrics too.
- ``dashboard``: ``GET /api/v1/readiness/units/{id}/`` of that station for a national
  leader, against ``dashboard_baseline``: a view defined here, behind the same session
  and login check, answering the same stored rows (the unit's readiness row and its
  competency metrics) from one raw SELECT as JSON. ``--requests`` requests per round.
  Null when the API is not there.

Figures are wall-clock time; on SQLite, where the database works inside this process, the
CPU time of the process is printed in brackets and its ratios go in the JSON as
``*_cpu_ratio``: other load on the machine inflates them less. It prints the figures, then
one JSON line (seconds and ratios).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
BENCH_DATABASE = "bench_readiness"

import django  # noqa: E402

django.setup()

from django.contrib.auth.decorators import login_required  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import NoReverseMatch, include, path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from readiness_world import World, world_seed  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from courses.models import Course, CourseCompletion, CourseRelease, Enrollment  # noqa: E402
from lms import urls as project_urls  # noqa: E402
from organisations import services as organisation_services  # noqa: E402
from organisations.models import Officer, Role, Unit, User  # noqa: E402
from readiness import services  # noqa: E402
from readiness.compute import ancestor_ids  # noqa: E402
from readiness.models import CompetencyMetric, UnitReadiness  # noqa: E402

# The baselines -----------------------------------------------------------------------------

SCRATCH_TABLES = ("bench_coverage", "bench_subtree")


def _competency_rows() -> str:
    """FROM-clause fragment: one row per competency code (``j.value``) of each certificate ``c``."""
    if connection.vendor == "postgresql":
        return "certificates_certificate c CROSS JOIN LATERAL jsonb_array_elements_text(c.competencies) j(value)"
    return "certificates_certificate c, json_each(c.competencies) j"


# Which officers of a unit a competency counts: its type's profile (else the default one).
POPULATION = """
    LEFT JOIN readiness_requirementprofile own_profile ON own_profile.unit_type = u.unit_type
    JOIN readiness_requirementprofile default_profile ON default_profile.unit_type = ''
    CROSS JOIN readiness_competency k
    LEFT JOIN readiness_requirement r
           ON r.profile_id = COALESCE(own_profile.id, default_profile.id) AND r.competency_id = k.code
"""
IN_POPULATION = """
    o.is_active AND o.vetting_status <> 'excluded'
    AND (r.id IS NULL OR r.population = 'all'
         OR (r.population = 'commanders' AND o.is_commander)
         OR (r.population = 'position' AND o.position = r.position))
"""


def full_baseline_sql() -> str:
    """Every unit's own eligible officers x competency: headcount and certified (one statement)."""
    return f"""
        INSERT INTO bench_coverage (unit_id, competency, headcount, certified)
        SELECT o.unit_id, k.code, COUNT(*), COUNT(held.officer_id)
        FROM organisations_officer o
        JOIN organisations_unit u ON u.id = o.unit_id
        {POPULATION}
        LEFT JOIN (
            SELECT DISTINCT c.officer_id, j.value AS code FROM {_competency_rows()}
            WHERE c.status = 'valid' AND (c.expires_on IS NULL OR c.expires_on >= %s)
        ) held ON held.officer_id = o.id AND held.code = k.code
        WHERE {IN_POPULATION}
        GROUP BY o.unit_id, k.code
    """


def unit_subtree_sql() -> str:
    """One unit's subtree rows: its own eligible officers (their valid certificates found
    through the officer index) plus its children's rows."""
    return f"""
        INSERT INTO bench_subtree (unit_id, competency, headcount, certified)
        SELECT %s, code, SUM(headcount), SUM(certified) FROM (
            SELECT k.code AS code, COUNT(*) AS headcount, COUNT(held.officer_id) AS certified
            FROM organisations_officer o
            JOIN organisations_unit u ON u.id = o.unit_id
            {POPULATION}
            LEFT JOIN (
                SELECT DISTINCT c.officer_id, j.value AS code FROM {_competency_rows()}
                WHERE c.officer_id IN (SELECT id FROM organisations_officer WHERE unit_id = %s)
                  AND c.status = 'valid' AND (c.expires_on IS NULL OR c.expires_on >= %s)
            ) held ON held.officer_id = o.id AND held.code = k.code
            WHERE o.unit_id = %s AND {IN_POPULATION}
            GROUP BY k.code
            UNION ALL
            SELECT s.competency, s.headcount, s.certified
            FROM bench_subtree s JOIN organisations_unit child ON child.id = s.unit_id
            WHERE child.parent_id = %s
        ) parts
        GROUP BY code
    """


def scratch_create() -> None:
    with connection.cursor() as cursor:
        for table in SCRATCH_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (unit_id integer NOT NULL, competency varchar(10) NOT NULL,"
                " headcount integer NOT NULL, certified integer NOT NULL)"
            )
        cursor.execute("CREATE INDEX bench_subtree_unit ON bench_subtree (unit_id)")


def full_baseline() -> "Timing":
    """The one INSERT ... SELECT ... GROUP BY (the scratch table emptied before, untimed)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_coverage")

    def insert() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL jit = off")  # as readiness_sync_full does
            cursor.execute(full_baseline_sql(), [timezone.localdate()])

    return timed(insert)


def subtree_table_fill() -> None:
    """The subtree table from the coverage table (not timed: the event baseline's start)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_subtree")
        cursor.execute(
            """
            INSERT INTO bench_subtree (unit_id, competency, headcount, certified)
            SELECT a.id, c.competency, SUM(c.headcount), SUM(c.certified)
            FROM organisations_unit a
            JOIN organisations_unit u ON u.path LIKE a.path || '%%'
            JOIN bench_coverage c ON c.unit_id = u.id
            GROUP BY a.id, c.competency
            """
        )


def event_baseline(chain: list[int]) -> "Timing":
    """Recompute the subtree rows of ``chain`` (the station first, the nation last)."""
    today = timezone.localdate()
    sql = unit_subtree_sql()
    placeholders = ", ".join(["%s"] * len(chain))

    def recompute() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM bench_subtree WHERE unit_id IN ({placeholders})", chain)
            for unit_id in chain:
                cursor.execute(sql, [unit_id, unit_id, today, unit_id, unit_id])

    return timed(recompute)


def scratch_agrees(table: str, unit_ids: list[int] | None = None) -> bool:
    """Whether the scratch table (summed over subtrees for ``bench_coverage``) gives the
    stored metrics' headcount and certified (rows of zeros aside)."""
    if table == "bench_coverage":
        query = """
            SELECT a.id, c.competency, SUM(c.headcount), SUM(c.certified)
            FROM organisations_unit a
            JOIN organisations_unit u ON u.path LIKE a.path || '%%'
            JOIN bench_coverage c ON c.unit_id = u.id
            GROUP BY a.id, c.competency
        """
    else:
        query = "SELECT unit_id, competency, headcount, certified FROM bench_subtree"
    with connection.cursor() as cursor:
        cursor.execute(query)
        scratch = {(unit, code): (headcount, certified) for unit, code, headcount, certified in cursor.fetchall()}
    stored = {
        (unit, code): (headcount, certified)
        for unit, code, headcount, certified in CompetencyMetric.objects.filter(headcount__gt=0).values_list(
            "unit_id", "competency_id", "headcount", "certified"
        )
    }
    if unit_ids is not None:
        scratch = {key: value for key, value in scratch.items() if key[0] in unit_ids}
        stored = {key: value for key, value in stored.items() if key[0] in unit_ids}
    scratch = {key: value for key, value in scratch.items() if value[0]}
    return scratch == stored


# The dashboard baseline: the same stored rows from one raw SELECT ---------------------------

MINIMAL_SELECT = """
    SELECT u.id, u.code, u.name, u.unit_type, r."index", r.status, r.computed_at,
           r.training_score, r.vetting_score, r.women_score, r.assessment_score, r.gates,
           r.eligible, r.eligible_women, r.units_ready, r.units_assessed, r.vetting_unknown,
           m.competency_id, k.name, m.headcount, m.certified, m.headcount_women, m.certified_women,
           m.target, m.is_gate
    FROM organisations_unit u
    JOIN readiness_unitreadiness r ON r.unit_id = u.id
    JOIN readiness_competencymetric m ON m.unit_id = u.id
    JOIN readiness_competency k ON k.code = m.competency_id
    WHERE u.id = %s
    ORDER BY k."order", k.code
"""


@login_required
def minimal_unit_view(request, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(MINIMAL_SELECT, [pk])
        rows = cursor.fetchall()
    if not rows:
        return JsonResponse({"detail": "Not found."}, status=404)
    first = rows[0]
    gates = first[11] if isinstance(first[11], list) else json.loads(first[11])
    competencies = []
    for row in rows:
        code, name, headcount, certified, women, certified_women, target, is_gate = row[17:]
        coverage = certified / headcount if headcount else None
        target = None if target is None else float(target)
        competencies.append(
            {
                "code": code,
                "name": name,
                "headcount": headcount,
                "certified": certified,
                "coverage": coverage,
                "target": target,
                "met": None if target is None else (coverage or 0) >= target,
                "is_gate": bool(is_gate),
                "headcount_women": women,
                "certified_women": certified_women,
            }
        )
    return JsonResponse(
        {
            "unit": {"id": first[0], "code": first[1], "name": first[2], "type": first[3]},
            "index": first[4],
            "status": first[5],
            "as_of": first[6],
            "components": dict(zip(("training", "vetting", "women", "assessment"), first[7:11], strict=True)),
            "gates": gates,
            "eligible": first[12],
            "eligible_women": first[13],
            "units_ready": first[14],
            "units_assessed": first[15],
            "vetting_unknown": first[16],
            "competencies": competencies,
        }
    )


def _has_unit_api() -> bool:
    try:
        reverse("api-readiness-unit", args=[1])
    except NoReverseMatch:
        return False
    return True


bench_urls = types.ModuleType("bench_readiness_urls")
bench_urls.urlpatterns = [
    path("bench/readiness/units/<int:pk>/", minimal_unit_view, name="bench-readiness-minimal"),
    *project_urls.urlpatterns,
]
sys.modules[bench_urls.__name__] = bench_urls
with override_settings(ROOT_URLCONF=bench_urls.__name__):
    if not _has_unit_api() and find_spec("readiness.api_urls"):  # the project's include may come later
        bench_urls.urlpatterns.append(path("api/v1/", include("readiness.api_urls")))


# Measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Seconds of wall clock, and of CPU time of this process: on SQLite that is all the
    work (the database runs in the process) and other load on the machine does not inflate
    it as it does wall time; on PostgreSQL it leaves out the server's share."""

    wall: float
    cpu: float

    def per(self, count: int) -> "Timing":
        return Timing(self.wall / count, self.cpu / count)


def timed(function: Callable[[], object]) -> Timing:
    began, began_cpu = time.perf_counter(), time.process_time()
    function()
    return Timing(time.perf_counter() - began, time.process_time() - began_cpu)


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


def requests_time(client: Client, url: str, count: int) -> Timing:
    """Per request."""

    def requests() -> None:
        for _ in range(count):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")

    return timed(requests).per(count)


class NewCertificates:
    """One more valid certificate at a time for officers of ``station`` who lack one of a
    course's competencies, written as issuing would (enrolment, completion, certificate)."""

    def __init__(self, world: World, station: int):
        self.world = world
        self.station = station
        self.courses = list(Course.objects.filter(pk__in=world.course_ids).order_by("pk"))
        self.releases = dict(CourseRelease.objects.values_list("course_id", "pk"))
        self.officers = list(
            Officer.objects.filter(unit_id=station, is_active=True)
            .exclude(vetting_status=Officer.VettingStatus.EXCLUDED)
            .order_by("pk")
        )
        self.serial = Certificate.objects.count()

    def issue(self) -> tuple[Officer, Course]:
        taken = set(Enrollment.objects.filter(officer__in=self.officers).values_list("officer_id", "course_id"))
        held = {
            (officer_id, code)
            for officer_id, codes in Certificate.objects.filter(
                officer__in=self.officers, status=Certificate.Status.VALID
            ).values_list("officer_id", "competencies")
            for code in codes
        }
        for officer in self.officers:
            for course in self.courses:
                new = [code for code in course.competencies if (officer.pk, code) not in held]
                if (officer.pk, course.pk) not in taken and new:
                    return self._write(officer, course), course
        raise SystemExit(f"No officer of station {self.station} lacks a course any more.")

    @transaction.atomic
    def _write(self, officer: Officer, course: Course) -> Officer:
        now = timezone.now()
        release = self.releases[course.pk]
        enrollment = Enrollment.objects.create(
            course=course, officer=officer, release_id=release, status=Enrollment.Status.COMPLETED, completed_at=now
        )
        completion = CourseCompletion.objects.create(
            enrollment=enrollment,
            course=course,
            officer=officer,
            release_id=release,
            completed_at=now,
            competencies=course.competencies,
        )
        self.serial += 1
        Certificate.objects.create(
            code=f"BENCH-N{self.serial:013d}",
            completion=completion,
            officer=officer,
            course=course,
            issuer=self.world.mission,
            serial=self.serial,
            holder_name=officer.full_name,
            holder_service_number=officer.service_number,
            course_code=course.code,
            course_title=course.title,
            competencies=course.competencies,
            issuer_name=self.world.mission.name,
            issued_at=now,
            pdf="certificates/bench.pdf",
            pdf_sha256="0" * 64,
        )
        return officer


def pick_station(world: World) -> int:
    """A station in the middle of the tree, of median size."""
    sizes = sorted(
        (Officer.objects.filter(unit_id=unit_id).count(), unit_id)
        for unit_id in world.station_ids[len(world.station_ids) // 2 :][:20]
    )
    return sizes[len(sizes) // 2][1]


def ratio(measured: Timing, baseline: Timing) -> tuple[float, float | None]:
    """Wall-clock ratio, and the CPU-time ratio on SQLite (on PostgreSQL the server's share
    of the work is not in this process's CPU time, so that ratio would mean nothing)."""
    cpu = measured.cpu / baseline.cpu if connection.vendor == "sqlite" else None
    return measured.wall / baseline.wall, cpu


def bracket(value: float | None, scale: float = 1) -> str:
    """`` [value]`` for a CPU figure on SQLite, else nothing."""
    return "" if value is None or connection.vendor != "sqlite" else f" [{value * scale:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--officers", type=int, default=50_000)
    parser.add_argument("--certificates", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="requests per round and view")
    arguments = parser.parse_args()
    vendor = connection.vendor
    print(f"Readiness benchmark on {vendor} (wall clock; on SQLite, CPU time of this process in brackets)", flush=True)

    seed = time.perf_counter()
    world = world_seed(units=arguments.units, officers=arguments.officers, certificates=arguments.certificates)
    seed_seconds = time.perf_counter() - seed
    print(
        f"  world: {world.unit_count:,} units, {world.officer_count:,} officers, {len(world.course_ids)} courses,"
        f" {world.completion_count:,} completions, {world.certificate_count:,} certificates"
        f" (written in {seed_seconds:.1f} s)",
        flush=True,
    )

    # Full reconciliation against the one raw statement.
    scratch_create()
    runs: list = []
    full_first = timed(lambda: runs.append(services.readiness_sync_full(trigger="bench: first")))
    full_baseline()  # warm-up: the same pages cached for both
    full_rounds, baseline_rounds = [], []
    for _ in range(arguments.rounds):
        baseline_rounds.append(full_baseline())
        full_rounds.append(timed(lambda: runs.append(services.readiness_sync_full(trigger="bench"))))
    full, full_base = median(full_rounds), median(baseline_rounds)
    full_ratio, full_cpu_ratio = ratio(full, full_base)
    full_agrees = scratch_agrees("bench_coverage")
    print(f"  full reconciliation, first     {full_first.wall:8.3f} s  ({runs[0].rows_changed:,} rows written)")
    statuses = Counter(
        UnitReadiness.objects.exclude(unit__unit_type__in=services.ROLLUP_TYPES).values_list("status", flat=True)
    )
    print(f"  assessed units by status: {dict(sorted(statuses.items()))}")
    print(
        f"  full reconciliation            {full.wall:8.3f} s {bracket(full.cpu)}"
        f" (rows changed per round: {[run.rows_changed for run in runs[1:]]})"
    )
    print(
        f"  raw INSERT ... SELECT GROUP BY {full_base.wall:8.3f} s {bracket(full_base.cpu)} -> full_ratio"
        f" {full_ratio:.2f}{bracket(full_cpu_ratio)} (target <= 3; the baseline agrees with the metrics:"
        f" {full_agrees})",
        flush=True,
    )

    # One event-driven update against raw SQL recomputing the same rows.
    station = pick_station(world)
    chain = list(reversed(ancestor_ids(Unit.objects.get(pk=station).path)))
    subtree_table_fill()
    certificates = NewCertificates(world, station)
    for _ in range(2):  # warm-up
        certificates.issue()
        services.readiness_sync_units(unit_ids=[station], trigger="bench: warm-up")
        event_baseline(chain)
    event_rounds, event_baseline_rounds, runs = [], [], []
    for _ in range(max(arguments.rounds, 5)):
        certificates.issue()
        event_rounds.append(timed(lambda: runs.append(services.readiness_sync_units(unit_ids=[station]))))
        event_baseline_rounds.append(event_baseline(chain))
    event, event_base = median(event_rounds), median(event_baseline_rounds)
    event_ratio, event_cpu_ratio = ratio(event, event_base)
    event_agrees = scratch_agrees("bench_subtree", chain)
    full_after_events = services.readiness_sync_full(trigger="bench: check").rows_changed
    with CaptureQueriesContext(connection) as captured:
        services.readiness_sync_units(unit_ids=[station], trigger="bench: queries")
    event_queries = len(captured)
    print(
        f"  event-driven update            {event.wall * 1000:8.2f} ms{bracket(event.cpu, 1000)} (station {station} and"
        f" {len(chain) - 1} ancestors; rows changed per round: {[run.rows_changed for run in runs]};"
        f" {event_queries} queries)"
    )
    print(
        f"  raw SQL, the same rows         {event_base.wall * 1000:8.2f} ms{bracket(event_base.cpu, 1000)}"
        f" -> event_ratio {event_ratio:.2f}{bracket(event_cpu_ratio)} (target <= 3;"
        f" the baseline agrees: {event_agrees};"
        f" a full reconciliation afterwards changed {full_after_events} rows)",
        flush=True,
    )

    # The unit API against a minimal view of the same stored rows.
    api = minimal = dashboard_ratio = dashboard_cpu_ratio = api_queries = minimal_queries = None
    if _has_unit_api():
        leader = User.objects.create_user(username="bench.leader", password="Bench-Pass-2026")
        organisation_services.role_grant(user=leader, role=Role.LEADERSHIP, unit=Unit.objects.get(pk=world.nation_id))
        client = Client()
        client.force_login(leader)
        api_url = reverse("api-readiness-unit", args=[station])
        minimal_url = reverse("bench-readiness-minimal", args=[station])
        answers = {}
        for name, url in (("api", api_url), ("minimal", minimal_url)):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            answers[name] = (response.json(), len(captured))
        api_queries, minimal_queries = answers["api"][1], answers["minimal"][1]

        def figures(answer: dict) -> tuple:
            lines = [(line["code"], line["headcount"], line["certified"]) for line in answer["competencies"]]
            return answer["index"], answer["status"], lines

        if figures(answers["api"][0]) != figures(answers["minimal"][0]):
            raise SystemExit("The API and the minimal view answer different figures.")
        for url in (api_url, minimal_url):  # warm-up
            requests_time(client, url, 30)
        api_rounds, minimal_rounds = [], []
        for _ in range(arguments.rounds):
            api_rounds.append(requests_time(client, api_url, arguments.requests))
            minimal_rounds.append(requests_time(client, minimal_url, arguments.requests))
        api, minimal = median(api_rounds), median(minimal_rounds)
        dashboard_ratio, dashboard_cpu_ratio = ratio(api, minimal)
        print(
            f"  unit API                       {api.wall * 1000:8.2f} ms{bracket(api.cpu, 1000)} per request"
            f" ({api_queries} queries)"
        )
        print(
            f"  minimal view, one raw SELECT   {minimal.wall * 1000:8.2f} ms{bracket(minimal.cpu, 1000)} per request"
            f" ({minimal_queries} queries) -> dashboard_ratio {dashboard_ratio:.2f}{bracket(dashboard_cpu_ratio)}"
            " (target <= 3)"
        )
    else:
        print("  unit API: not there (readiness.api_urls); dashboard_ratio null")

    def rounded(value: float | None, digits: int = 3) -> float | None:
        return None if value is None else round(value, digits)

    print(
        json.dumps(
            {
                "database": vendor,
                "units": world.unit_count,
                "officers": world.officer_count,
                "courses": len(world.course_ids),
                "completions": world.completion_count,
                "certificates": world.certificate_count,
                "seed_seconds": round(seed_seconds, 1),
                "full_ratio": rounded(full_ratio),
                "event_ratio": rounded(event_ratio),
                "dashboard_ratio": rounded(dashboard_ratio),
                "full_cpu_ratio": rounded(full_cpu_ratio),
                "event_cpu_ratio": rounded(event_cpu_ratio),
                "dashboard_cpu_ratio": rounded(dashboard_cpu_ratio),
                "full_first_seconds": rounded(full_first.wall, 4),
                "full_seconds": rounded(full.wall, 4),
                "full_baseline_seconds": rounded(full_base.wall, 4),
                "event_seconds": rounded(event.wall, 5),
                "event_baseline_seconds": rounded(event_base.wall, 5),
                "event_queries": event_queries,
                "dashboard_seconds": rounded(api and api.wall, 5),
                "dashboard_baseline_seconds": rounded(minimal and minimal.wall, 5),
                "dashboard_queries": api_queries,
                "dashboard_baseline_queries": minimal_queries,
                "baselines_agree": full_agrees and event_agrees,
                "full_after_events_rows_changed": full_after_events,
            }
        )
    )


if __name__ == "__main__":
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(ROOT_URLCONF=bench_urls.__name__, DEBUG=False):
            main()
    finally:
        connection.close()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(VAR_DIR, ignore_errors=True)

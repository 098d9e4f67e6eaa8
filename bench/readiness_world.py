"""A national police the size of the readiness benchmark, written at COPY speed.

For ``bench/readiness_run.py`` (Django is set up there before this module is imported):
``world_seed`` writes one police service of ``units`` units (nation -> 10 regions -> 5
districts each -> stations, community policing, SGBV and border units in every district;
regional public-order, SGBV and intelligence units; national specialised units), officers
spread over them unevenly (headquarters and specialised units larger), 40 published
courses over the 14 competencies, and ``certificates`` certificates, each with its
enrolment and completion record: mostly valid, some revoked, some superseded by a reissue
(the replacement, valid, counts among the certificates), some expired (marked, or lapsed
by date before the nightly task marks them). How much each unit has trained varies, and
its vetting and joint-assessment ratings with it (two units in three were assessed), so
units land across the whole range from not ready to ready.

Rows go in with explicit ids through ``COPY`` on PostgreSQL and ``executemany`` in one
transaction on SQLite; the sequences are reset afterwards, so the services can write more.
Everything is drawn from one seeded ``random.Random``: the same arguments give the same
world.
"""

import datetime
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from certificates.models import Certificate
from courses.models import Course, CourseCompletion, CourseRelease, Enrollment
from organisations.models import Officer, Organisation, PoliceService, Unit, User
from readiness.models import Competency, JointAssessment

REGIONS = 10
DISTRICTS_PER_REGION = 5
NATIONAL_UNITS = [
    (Unit.Type.MARITIME, "Maritime Police"),
    (Unit.Type.INTELLIGENCE, "National Intelligence Service"),
    (Unit.Type.TRAINING_CENTRE, "Police Training Centre"),
    (Unit.Type.TRANSNATIONAL_CRIME, "Transnational Crime Unit"),
    (Unit.Type.PUBLIC_ORDER, "Rapid Intervention Unit"),
    (Unit.Type.SGBV, "National Women and Children Protection Unit"),
    (Unit.Type.BORDER_POST, "Airport Border Police"),
    (Unit.Type.COMMUNITY_POLICING, "National Community Policing Directorate"),
    (Unit.Type.INTELLIGENCE, "Criminal Intelligence Directorate"),
]
REGIONAL_UNITS = [
    (Unit.Type.PUBLIC_ORDER, "Public Order Unit"),
    (Unit.Type.SGBV, "Protection Unit"),
    (Unit.Type.INTELLIGENCE, "Intelligence Office"),
]
DISTRICT_SPECIALISED = [
    (Unit.Type.COMMUNITY_POLICING, "Community Policing Unit"),
    (Unit.Type.SGBV, "Women and Children Desk"),
    (Unit.Type.BORDER_POST, "Border Post"),
]
# Officers per unit, relative: headquarters and national units are large, stations vary.
SIZE = {"national": 300, "region": 40, "district": 15, "national_unit": 400, "regional_unit": 80}
STATION_SIZE = (20, 80)
# Vetting: a unit's share of finally certified officers follows its training level (from
# about half to nearly all); the others are spread over the earlier stages and exclusion.
OTHER_VETTING = [
    (Officer.VettingStatus.PROVISIONALLY_CERTIFIED, 35),
    (Officer.VettingStatus.SCREENED, 15),
    (Officer.VettingStatus.REGISTERED, 15),
    (Officer.VettingStatus.UNKNOWN, 25),
    (Officer.VettingStatus.EXCLUDED, 10),
]
POSITIONS = ["", "", "", "", "Investigator", "Records officer", "Community liaison officer", "Driver"]
COURSE_COUNT = 40
SUPERSEDED_SHARE = 0.05  # of completions: the original superseded, its replacement valid
REVOKED_SHARE = 0.02
LAPSED_UNMARKED_SHARE = 0.1  # of expired ones: past their date, not yet marked by the nightly task
GIVEN = ["Aïcha", "João", "Maria", "Tomás", "Fatima", "Abel", "Rosa", "Domingos", "Ana", "Zé", "Inês", "Hugo"]
FAMILY = ["da Costa", "Soares", "Guterres", "Belo", "Pereira", "Alves", "Ximenes", "Amaral", "Freitas", "Sarmento"]


@dataclass(frozen=True)
class World:
    service: PoliceService
    mission: Organisation
    author: User
    nation_id: int
    station_ids: list[int]
    unit_count: int
    officer_count: int
    course_ids: list[int]
    completion_count: int
    certificate_count: int


@dataclass
class _Unit:
    id: int
    parent_id: int | None
    path: str
    depth: int
    code: str
    name: str
    unit_type: str
    size: float
    training: float  # 0-1: how much of the catalogue its officers have completed


class _Writer:
    """Rows of one table in bulk, in the representation the database expects."""

    def __init__(self):
        self.is_postgresql = connection.vendor == "postgresql"

    def moment(self, value: datetime.datetime) -> object:
        if self.is_postgresql:
            return value
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")

    def day(self, value: datetime.date | None) -> object:
        if value is None or self.is_postgresql:
            return value
        return value.isoformat()

    def flag(self, value: bool) -> object:
        return value if self.is_postgresql else int(value)

    def write(self, model, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        count = 0
        with connection.cursor() as cursor:
            if self.is_postgresql:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 20000:
                        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", batch)
                    count += len(batch)
        return count


def _tree(units: int, rng: random.Random) -> list[_Unit]:
    """The units in creation order (parents first), ids from 1."""
    tree: list[_Unit] = []

    def add(parent: _Unit | None, code: str, name: str, unit_type: str, size: float) -> _Unit:
        unit_id = len(tree) + 1
        path = (parent.path if parent else "") + f"{unit_id:07d}/"
        training = rng.betavariate(2.2, 1.6) if unit_type not in (Unit.Type.NATIONAL, Unit.Type.AREA) else 0.5
        unit = _Unit(
            unit_id, parent.id if parent else None, path, path.count("/") - 1, code, name, unit_type, size, training
        )
        tree.append(unit)
        return unit

    nation = add(None, "HQ", "National Police Headquarters", Unit.Type.NATIONAL, SIZE["national"])
    regions = [
        add(nation, f"R{number:02d}", f"Region {number}", Unit.Type.AREA, SIZE["region"])
        for number in range(1, REGIONS + 1)
    ]
    districts = [
        add(region, f"{region.code}-D{number}", f"{region.name}, District {number}", Unit.Type.AREA, SIZE["district"])
        for region in regions
        for number in range(1, DISTRICTS_PER_REGION + 1)
    ]
    for number, (unit_type, name) in enumerate(NATIONAL_UNITS, start=1):
        add(nation, f"NU{number:02d}", name, unit_type, SIZE["national_unit"])
    for region in regions:
        for number, (unit_type, name) in enumerate(REGIONAL_UNITS, start=1):
            add(region, f"{region.code}-U{number}", f"{region.name} {name}", unit_type, SIZE["regional_unit"])
    # The rest are the districts' stations and specialised units, dealt round the districts.
    remaining = units - len(tree)
    if remaining < len(districts):
        raise ValueError(f"{units} units are too few for the tree's {len(tree) + len(districts)} fixed ones.")
    for number in range(remaining):
        district = districts[number % len(districts)]
        index = number // len(districts)
        if index < len(DISTRICT_SPECIALISED):
            unit_type, name = DISTRICT_SPECIALISED[index]
        else:
            unit_type, name = Unit.Type.STATION, f"Station {index - len(DISTRICT_SPECIALISED) + 1}"
        add(
            district,
            f"{district.code}-S{index + 1:02d}",
            f"{district.name} {name}",
            unit_type,
            rng.uniform(*STATION_SIZE),
        )
    return tree


def _courses(mission: Organisation, author: User, rng: random.Random, now: datetime.datetime) -> list[Course]:
    """40 published courses, one to three competencies each, every competency by several;
    a third carry a validity (their certificates expire)."""
    codes = list(Competency.objects.order_by("order").values_list("code", flat=True))
    courses = []
    for number in range(COURSE_COUNT):
        first = codes[number % len(codes)]
        others = rng.sample([code for code in codes if code != first], rng.choice([0, 1, 1, 2]))
        courses.append(
            Course(
                code=f"{first}-{100 + number}",
                title=f"{first} course {number + 1}",
                owner=mission,
                competencies=[first, *others],
                validity_months=24 if number % 3 == 0 else None,
                status=Course.Status.PUBLISHED,
                created_by=author,
            )
        )
    courses = Course.objects.bulk_create(courses)
    CourseRelease.objects.bulk_create(
        CourseRelease(course=course, number=1, published_at=now - datetime.timedelta(days=5 * 365), published_by=author)
        for course in courses
    )
    return courses


def _joint_assessments(tree: list[_Unit], author: User, rng: random.Random, today: datetime.date) -> None:
    """Two of three assessed units had a joint assessment this year; the better trained,
    the better rated (0 not met, 1 partly, 2 met)."""
    assessments = []
    for unit in tree:
        if unit.unit_type in (Unit.Type.NATIONAL, Unit.Type.AREA) or rng.random() > 2 / 3:
            continue
        ratings = [min(2, max(0, round(unit.training * 2 + rng.uniform(-0.6, 0.6)))) for _ in range(4)]
        assessments.append(
            JointAssessment(
                unit_id=unit.id,
                assessed_on=today - datetime.timedelta(days=rng.randint(1, 300)),
                logistics=ratings[0],
                command_stability=ratings[1],
                human_rights_compliance=ratings[2],
                community_acceptance=ratings[3],
                evidence="Field visit by the joint assessment team.",
                recorded_by=author,
            )
        )
    JointAssessment.objects.bulk_create(assessments)


def _reset_sequences(models: list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@transaction.atomic
def world_seed(*, units: int = 1000, officers: int = 50_000, certificates: int = 500_000, seed: int = 2026) -> World:
    """Write the world (see the module docstring); returns what the benchmark needs of it."""
    rng = random.Random(seed)
    writer = _Writer()
    now = timezone.now()
    today = timezone.localdate()
    service = PoliceService.objects.create(
        code="BNP", name="Bench National Police", country="Kessara", area_level_names=["Region", "District"]
    )
    mission = Organisation.objects.create(
        acronym="UNBM", name="United Nations Bench Mission", kind=Organisation.Kind.MISSION
    )
    author = User.objects.create_user(username="bench.author")

    tree = _tree(units, rng)
    writer.write(
        Unit,
        ["id", "service_id", "parent_id", "code", "name", "unit_type", "path", "depth", "is_active"],
        (
            (u.id, service.pk, u.parent_id, u.code, u.name, u.unit_type, u.path, u.depth, writer.flag(True))
            for u in tree
        ),
    )

    # Officers: the first of each unit commands it; a few leave, a few are excluded by vetting.
    weights = [unit.size for unit in tree]
    homes = sorted(rng.choices(range(len(tree)), weights=weights, k=officers - len(tree))) + list(range(len(tree)))
    homes.sort()
    vetting_values = [value for value, _ in OTHER_VETTING]
    vetting_weights = [weight for _, weight in OTHER_VETTING]
    officer_units: list[_Unit] = []
    officer_rows = []
    created = writer.moment(now - datetime.timedelta(days=3 * 365))
    previous = None
    for number, home in enumerate(homes, start=1):
        unit = tree[home]
        officer_units.append(unit)
        is_commander = home != previous or rng.random() < 0.03
        previous = home
        is_active = rng.random() > 0.03
        officer_rows.append(
            (
                number,
                service.pk,
                f"BNP-{number:06d}",
                rng.choice(GIVEN),
                rng.choice(FAMILY),
                Officer.Sex.FEMALE if rng.random() < 0.18 else Officer.Sex.MALE,
                "Inspector" if is_commander else "Constable",
                unit.id,
                rng.choice(POSITIONS),
                writer.flag(is_commander),
                Officer.VettingStatus.FINALLY_CERTIFIED
                if rng.random() < 0.5 + 0.48 * unit.training
                else rng.choices(vetting_values, weights=vetting_weights)[0],
                writer.flag(is_active),
                None if is_active else writer.day(today - datetime.timedelta(days=rng.randint(1, 700))),
                "",
                "",
                None,
                created,
                created,
            )
        )
    writer.write(
        Officer,
        [
            *("id", "service_id", "service_number", "given_name", "family_name", "sex", "rank", "unit_id"),
            *("position", "is_commander", "vetting_status", "is_active", "left_on", "email", "phone", "user_id"),
            *("created_at", "updated_at"),
        ],
        officer_rows,
    )
    del officer_rows

    courses = _courses(mission, author, rng, now)
    releases = dict(CourseRelease.objects.values_list("course_id", "pk"))
    _joint_assessments(tree, author, rng, today)

    # Completions: each officer completed a share of the catalogue that follows their unit's
    # training level; the whole is scaled so that completions plus replacements make
    # ``certificates`` rows.
    completions_wanted = round(certificates / (1 + SUPERSEDED_SHARE))
    mean_training = sum(unit.training for unit in officer_units) / len(officer_units)
    scale = completions_wanted / (mean_training * len(officer_units))
    pairs: list[tuple[int, int]] = []
    course_indexes = range(len(courses))
    for officer_id, unit in enumerate(officer_units, start=1):
        count = min(len(courses), max(0, round(unit.training * scale + rng.uniform(-2, 2))))
        pairs.extend((officer_id, course) for course in rng.sample(course_indexes, count))
    rng.shuffle(pairs)
    taken = set(pairs)
    while len(pairs) < completions_wanted:  # rounding: top up at random
        pair = (rng.randint(1, len(officer_units)), rng.randrange(len(courses)))
        if pair not in taken:
            taken.add(pair)
            pairs.append(pair)
    del pairs[completions_wanted:], taken
    superseded_count = certificates - len(pairs)

    completion_rows, enrollment_rows, certificate_rows = [], [], []
    serial = 0
    horizon = 4 * 365 * 24 * 3600
    for completion_id, (officer_id, course_index) in enumerate(pairs, start=1):
        course = courses[course_index]
        completed_at = now - datetime.timedelta(seconds=rng.randint(3600, horizon))
        valid_until = (completed_at + datetime.timedelta(days=730)).date() if course.validity_months else None
        moment = writer.moment(completed_at)
        competencies = json.dumps(course.competencies)
        release_id = releases[course.pk]
        enrollment_rows.append(
            (completion_id, course.pk, officer_id, release_id, moment, Enrollment.Status.COMPLETED, moment)
        )
        completion_rows.append(
            (
                completion_id,
                completion_id,
                course.pk,
                officer_id,
                release_id,
                moment,
                competencies,
                writer.day(valid_until),
            )
        )
        status, changed_at = Certificate.Status.VALID, None
        if valid_until is not None and valid_until < today:
            if rng.random() > LAPSED_UNMARKED_SHARE:
                status = Certificate.Status.EXPIRED
                changed_at = datetime.datetime.combine(valid_until, datetime.time(0, 20), tzinfo=datetime.UTC)
        elif rng.random() < REVOKED_SHARE:
            status = Certificate.Status.REVOKED
            changed_at = completed_at + datetime.timedelta(days=rng.randint(1, 60))
        versions = [(status, changed_at, completed_at)]
        if completion_id <= superseded_count:  # pairs are shuffled: these are anywhere
            reissued_at = completed_at + datetime.timedelta(days=rng.randint(1, 90))
            versions = [(Certificate.Status.SUPERSEDED, reissued_at, completed_at), (status, changed_at, reissued_at)]
        replaces = None
        for version_status, version_changed, issued_at in versions:
            serial += 1
            certificate_rows.append(
                (
                    serial,
                    f"BENCH-{serial:014d}",
                    completion_id,
                    replaces,
                    officer_id,
                    course.pk,
                    mission.pk,
                    serial,
                    "Bench Holder",
                    f"BNP-{officer_id:06d}",
                    course.code,
                    course.title,
                    "",
                    '["en"]',
                    competencies,
                    "[]",
                    mission.name,
                    writer.moment(issued_at),
                    writer.day(valid_until),
                    "certificates/bench.pdf",
                    "0" * 64,
                    version_status,
                    writer.moment(version_changed) if version_changed else None,
                    "",
                )
            )
            replaces = serial
    writer.write(
        Enrollment,
        ["id", "course_id", "officer_id", "release_id", "enrolled_at", "status", "completed_at"],
        enrollment_rows,
    )
    del enrollment_rows
    writer.write(
        CourseCompletion,
        ["id", "enrollment_id", "course_id", "officer_id", "release_id", "completed_at", "competencies", "valid_until"],
        completion_rows,
    )
    del completion_rows
    writer.write(
        Certificate,
        [
            *("id", "code", "completion_id", "replaces_id", "officer_id", "course_id", "issuer_id", "serial"),
            *("holder_name", "holder_service_number", "course_code", "course_title", "course_title_translated"),
            *("languages", "competencies", "signatories", "issuer_name", "issued_at", "expires_on", "pdf"),
            *("pdf_sha256", "status", "status_changed_at", "status_reason"),
        ],
        certificate_rows,
    )
    del certificate_rows
    _reset_sequences([Unit, Officer, Enrollment, CourseCompletion, Certificate])
    with connection.cursor() as cursor:  # what autovacuum (PostgreSQL) or PRAGMA optimize would do
        cursor.execute("ANALYZE")
    return World(
        service=service,
        mission=mission,
        author=author,
        nation_id=tree[0].id,
        station_ids=[unit.id for unit in tree if unit.unit_type == Unit.Type.STATION],
        unit_count=len(tree),
        officer_count=len(officer_units),
        course_ids=[course.pk for course in courses],
        completion_count=len(pairs),
        certificate_count=serial,
    )

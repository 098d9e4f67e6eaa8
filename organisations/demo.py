"""Demo data: the fictional Republic of Kessara and its national police, for exploring the platform.

Kessara is a made-up coastal state where French, Arabic and English are spoken, supported
by a made-up UN mission (MINUSKE). Nothing here describes a real country, person or unit.
The world is data in ``organisations/demo_data/`` (its README describes the files), read by
``world_read``: the service, units, partners, named officers and demo accounts as written,
and the rules from which the rest of the roster is drawn.

``seed()`` runs a list of small steps inside one transaction, so a run either seeds
everything or nothing:

1. ``service_seed``: the Kessara National Police (code ``KNP``); it creates the context
   that the other steps share;
2. ``units_seed``: the national headquarters, 3 regions, 6 districts, national specialised
   units and local units (31 in all, through ``services.unit_create``);
3. ``organisations_seed``: the UN mission and the partners UNDP, UNODC, AU and EU;
4. ``officers_seed``: 600 officers in one ``bulk_create``;
5. ``users_seed``: the demo accounts and their roles;
6. every step named in ``settings.DEMO_SEED_STEPS`` (see below);

and then, after the commit, delivers every pending outbox event in this process, so that
nothing seeded is still queued when a newcomer takes their first actions. The seed's own
deliveries are not handed to the broker (``deliveries_held``): a worker would find them
done. What the handlers ask for in turn goes out as usual (readiness: one coalesced update).

**Idempotent.** Everything is looked up by its natural key (service code, unit code,
service number, acronym, username) and only what is missing is created; nothing that
exists is updated, so a second run writes nothing and whatever a person changed during a
demo stays as they left it. Generation is deterministic (``random.Random`` seeded per
step), so a run on a partly seeded database fills in exactly the rows a fresh run would.

**Passwords.** A demo account gets ``DEMO_PASSWORD`` when it is created. A re-run leaves
passwords alone (a re-run changes nothing); ``seed(reset_passwords=True)``
(``seed_demo --reset-passwords``) sets them back to ``DEMO_PASSWORD`` and reactivates the
accounts. Seeded officers are a starting roster, not people joining the service, so no
``officer.joined`` events are recorded for them.

**Never in production.** ``seed()`` refuses unless ``settings.DEMO_SEED_ALLOWED`` is true
(the production settings set it to false): the password is public.

**Extending the seed from a higher app.** organisations must not import courses,
assessments, certificates or readiness, so those apps add their demo data through the
setting ``DEMO_SEED_STEPS``, a list of dotted paths to callables that take the
``DemoContext`` and run, in order, after the steps above and in the same transaction::

    # courses/demo.py
    def courses_seed(context) -> None:
        rng = context.random("courses")  # deterministic, independent of other steps
        station = context.units["R1-D1-ST1"]
        trainee = context.users["demo.trainee"]
        ...  # look up by natural key, create only what is missing
        context.created["courses"] += created
        context.totals["courses"] = Course.objects.count()
        context.log(f"courses: {created} new")

    # lms/settings/base.py
    DEMO_SEED_STEPS = ["courses.demo.courses_seed", "certificates.demo.certificates_seed"]

A step that issues certificates through services that record outbox events needs nothing
more: the events are delivered in-process at the end of ``seed()``.
"""

import csv
import datetime
import functools
import random
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import import_string

from lms.events.services import deliveries_held, deliveries_run_pending
from organisations import services
from organisations.identity import service_number_key
from organisations.models import Officer, Organisation, PoliceService, Unit, User
from organisations.roster import roster_parse
from organisations.selectors import service_numbers_q

DEMO_PASSWORD = "Demo-Pass-2026"
RANDOM_SEED = 2026
DATA = Path(__file__).resolve().parent / "demo_data"

SERVICE_NUMBER_FORMAT = "NP-{:06d}"
FIRST_GENERATED_SERVICE_NUMBER = 101  # 1-100 are kept for the named officers (officers.csv)


class DemoSeedRefused(Exception):
    """Demo data must never reach a production database: its passwords are public."""


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


# The world as data --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    unit_type: str
    parent: str | None
    size: int  # officers, the commander included


@dataclass(frozen=True)
class NamedOfficer:
    """An officer written out by hand because a demo account belongs to them."""

    service_number: str
    given_name: str
    family_name: str
    sex: str
    rank: str
    unit: str
    position: str = ""
    is_commander: bool = False
    vetting_status: str = Officer.VettingStatus.FINALLY_CERTIFIED


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    grants: tuple[tuple[str, str | None], ...] = ()  # (role, unit code or None for the platform)
    officer: str = ""  # service number of the officer this account belongs to
    is_superuser: bool = False


@dataclass(frozen=True)
class World:
    """The demo as ``demo_data/`` describes it."""

    service: dict  # ``PoliceService`` fields, ``code`` first
    units: tuple[UnitSpec, ...]  # parents first
    organisations: tuple[dict, ...]  # ``acronym``, ``name``, ``kind``, ``supports_service``
    officers: tuple[NamedOfficer, ...]
    users: tuple[DemoUser, ...]
    roster: dict  # how the other officers are drawn (``roster.toml``)
    names: dict  # naming traditions and where they are common (``names.toml``)


@functools.cache
def world_read(directory: Path = DATA) -> World:
    """Read the demo's world from its data folder (once per process: it does not change)."""
    kessara = _toml(directory / "kessara.toml")
    with (directory / "units.csv").open(encoding="utf-8", newline="") as handle:
        units = tuple(
            UnitSpec(row["code"], row["name"], row["unit_type"], row["parent"] or None, int(row["officers"]))
            for row in csv.DictReader(handle)
        )
    officers = {officer.service_number: officer for officer in _officers_read(directory / "officers.csv")}
    return World(
        service=kessara["service"],
        units=units,
        organisations=tuple(kessara["organisations"]),
        officers=tuple(officers.values()),
        users=tuple(_user(entry, officers.get(entry.get("officer", ""))) for entry in kessara["users"]),
        roster=_toml(directory / "roster.toml"),
        names=_toml(directory / "names.toml"),
    )


def _toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _officers_read(path: Path) -> list[NamedOfficer]:
    """The named officers, a roster file read by the roster import's own reader."""
    parsed = roster_parse(path.read_bytes())
    if parsed.errors:
        raise ValueError(f"{path}: {parsed.errors}")
    return [NamedOfficer(row.service_number, unit=row.unit_code, **row.values) for row in parsed.rows]


def _user(entry: dict, officer: NamedOfficer | None) -> DemoUser:
    """A demo account; one that belongs to an officer takes the officer's names."""
    return DemoUser(
        username=entry["username"],
        first_name=officer.given_name if officer else entry["first_name"],
        last_name=officer.family_name if officer else entry["last_name"],
        grants=tuple((grant["role"], grant.get("unit")) for grant in entry.get("grants", ())),
        officer=entry.get("officer", ""),
        is_superuser=entry.get("is_superuser", False),
    )


# The run -----------------------------------------------------------------------------------


@dataclass
class DemoContext:
    """What the steps share. Higher apps' steps receive it too (see the module docstring).

    ``units`` and ``users`` map unit codes and usernames of the demo to their rows;
    ``created`` counts rows created by this run and ``totals`` rows present at its end,
    both by kind, for the summary; ``notes`` are lines that ``seed_demo`` prints after it
    whatever the verbosity (a link to try first).
    """

    service: PoliceService
    stdout: Writer | None = None
    reset_passwords: bool = False
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    created: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    notes: list[str] = field(default_factory=list)  # printed after the summary: where to start

    def random(self, step: str) -> random.Random:
        return step_random(step)

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def summary(self) -> str:
        totals = ", ".join(f"{count} {kind}" for kind, count in self.totals.items())
        created = ", ".join(f"{self.created[kind]} {kind}" for kind in self.totals)
        return (
            f"Demo data for {self.service.name}: {totals} (created by this run: {created}); "
            f"{self.delivered} background deliveries run."
        )


Step = Callable[[DemoContext], None]


def step_random(step: str) -> random.Random:
    """A generator for one step, so that adding a step never reshuffles another's data."""
    return random.Random(f"{RANDOM_SEED}:{step}")


def seed(*, stdout: Writer | None = None, reset_passwords: bool = False) -> DemoContext:
    """Seed the demo (idempotent), then deliver every pending outbox event in this process.

    Raises ``DemoSeedRefused`` before writing anything when ``settings.DEMO_SEED_ALLOWED``
    is false, and ``ImportError`` when a path in ``settings.DEMO_SEED_STEPS`` is wrong.
    All steps share one transaction: on any error nothing is written.
    """
    if not getattr(settings, "DEMO_SEED_ALLOWED", False):
        raise DemoSeedRefused("Demo data is disabled by settings.DEMO_SEED_ALLOWED (production settings).")
    extra_steps: list[Step] = [import_string(path) for path in getattr(settings, "DEMO_SEED_STEPS", [])]
    # Held: the deliveries are run here, so no message for them is left in the broker.
    with deliveries_held(), transaction.atomic():
        context = service_seed(stdout=stdout, reset_passwords=reset_passwords)
        for step in (units_seed, organisations_seed, officers_seed, users_seed, *extra_steps):
            step(context)
    # After the commit, so that a handler sees committed rows and its work commits on its own.
    context.delivered = deliveries_run_pending()
    return context


def service_seed(*, stdout: Writer | None = None, reset_passwords: bool = False) -> DemoContext:
    fields = dict(world_read().service)
    service, created = PoliceService.objects.get_or_create(code=fields.pop("code"), defaults=fields)
    context = DemoContext(service=service, stdout=stdout, reset_passwords=reset_passwords)
    context.created["police services"] += created
    context.log(f"Police service {service.code}: {'created' if created else 'already there'}")
    return context


def units_seed(context: DemoContext) -> None:
    """Create the missing units of the world, parents first, through ``services.unit_create``."""
    specs = world_read().units
    units = {unit.code: unit for unit in Unit.objects.filter(service=context.service)}
    created = 0
    for spec in specs:
        if spec.code not in units:
            units[spec.code] = services.unit_create(
                service=context.service,
                code=spec.code,
                name=spec.name,
                unit_type=spec.unit_type,
                parent=units[spec.parent] if spec.parent else None,
            )
            created += 1
    context.units = {spec.code: units[spec.code] for spec in specs}
    context.created["units"] += created
    context.totals["units"] = len(units)
    context.log(f"Units: {created} new, {len(units)} in all")


def organisations_seed(context: DemoContext) -> None:
    """The UN mission supporting the demo service, and the partners that co-own training."""
    created = 0
    for spec in world_read().organisations:
        _, is_new = Organisation.objects.get_or_create(
            acronym=spec["acronym"],
            defaults={
                "name": spec["name"],
                "kind": spec["kind"],
                "police_service": context.service if spec["supports_service"] else None,
            },
        )
        created += is_new
    context.created["organisations"] += created
    context.totals["organisations"] = Organisation.objects.count()
    context.log(f"Organisations: {created} new")


def officers_seed(context: DemoContext) -> None:
    """Create the officers of ``roster()`` whose service numbers are not taken yet, in one insert."""
    numbers = Officer.objects.filter(service=context.service).values_list("service_number", flat=True)
    existing = {service_number_key(number) for number in numbers}
    missing = []
    for row in roster(context.random("officers")):
        if service_number_key(row["service_number"]) not in existing:
            unit = context.units[row.pop("unit")]
            missing.append(Officer(service=context.service, unit=unit, **row))
    Officer.objects.bulk_create(missing, batch_size=500)
    context.created["officers"] += len(missing)
    context.totals["officers"] = Officer.objects.filter(service=context.service).count()
    context.log(f"Officers: {len(missing)} new, {context.totals['officers']} in all")


def users_seed(context: DemoContext) -> None:
    """Make sure every demo account exists, holds its roles and is linked to its officer.

    Existing accounts are left as they are (password included) unless ``reset_passwords``.
    """
    hashed = _PasswordHash()
    demo_users = world_read().users
    existing = User.objects.in_bulk([demo.username for demo in demo_users], field_name="username")
    created = 0
    for demo in demo_users:
        user = existing.get(demo.username)
        if user is None:
            user = User.objects.create(
                username=demo.username,
                first_name=demo.first_name,
                last_name=demo.last_name,
                password=hashed.value,
                is_superuser=demo.is_superuser,
                is_staff=demo.is_superuser,
            )
            created += 1
        elif context.reset_passwords:
            user.password = hashed.value
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        for role, unit_code in demo.grants:
            services.role_grant(user=user, role=role, unit=context.units[unit_code] if unit_code else None)
        if demo.officer:
            _officer_link(context, user=user, service_number=demo.officer)
        context.users[demo.username] = user
    context.created["users"] += created
    context.totals["users"] = len(demo_users)
    context.log(f"Demo users: {created} new" + (", passwords reset" if context.reset_passwords else ""))


class _PasswordHash:
    """Hash the demo password once per run, and only if an account needs it: hashing is
    deliberately slow, and the password is public anyway, so accounts may share the salt."""

    _value: str | None = None

    @property
    def value(self) -> str:
        if self._value is None:
            self._value = make_password(DEMO_PASSWORD)
        return self._value


def _officer_link(context: DemoContext, *, user: User, service_number: str) -> None:
    officer = Officer.objects.get(service_numbers_q([service_number]), service=context.service)
    if officer.user_id == user.pk:
        return
    if officer.user_id is not None or Officer.objects.filter(user=user).exists():
        context.log(f"Left as it is: {user.username} or officer {service_number} is linked to someone else")
        return
    officer.user = user
    officer.save(update_fields=["user", "updated_at"])


# The roster ---------------------------------------------------------------------------------


def roster(rng: random.Random) -> list[dict]:
    """Every demo officer as field values (``unit`` is a unit code), in a fixed order: the
    named officers as written, the others drawn by the rules of ``roster.toml``.

    Depends only on ``rng``'s seed, never on the database, so that runs agree.
    """
    world = world_read()
    named_by_unit: dict[str, list[NamedOfficer]] = {}
    for named in world.officers:
        named_by_unit.setdefault(named.unit, []).append(named)
    draw = _Draw(rng, world)
    rows: list[dict] = []
    number = FIRST_GENERATED_SERVICE_NUMBER
    for spec in world.units:
        named_here = named_by_unit.get(spec.code, [])
        rows.extend(_named_row(officer) for officer in named_here)
        members: list[dict] = []
        commander = next((_named_row(officer) for officer in named_here if officer.is_commander), None)
        if commander is None:
            commander = draw.commander(spec)
            members.append(commander)
        while len(members) + len(named_here) < spec.size:
            members.append(draw.member(spec))
        draw.positions_hand_out(spec, members, highest_rank=draw.ranks.index(commander["rank"]) - 1)
        for row in members:
            row["service_number"] = SERVICE_NUMBER_FORMAT.format(number)
            number += 1
        rows.extend(members)
    return rows


def _named_row(officer: NamedOfficer) -> dict:
    return {
        "service_number": officer.service_number,
        "given_name": officer.given_name,
        "family_name": officer.family_name,
        "sex": officer.sex,
        "rank": officer.rank,
        "unit": officer.unit,
        "position": officer.position,
        "is_commander": officer.is_commander,
        "vetting_status": officer.vetting_status,
    }


class _Draw:
    """Draws officers for a unit by the world's rules (``roster.toml``, ``names.toml``)."""

    def __init__(self, rng: random.Random, world: World):
        self.rng = rng
        self.rules = world.roster
        self.names = world.names
        self.root = next(spec.code for spec in world.units if spec.parent is None)
        self.ranks = [rank["rank"] for rank in self.rules["ranks"]]  # lowest first

    def person(self, spec: UnitSpec, female_share: float) -> dict:
        region = spec.code.split("-")[0] if spec.code.startswith("R") else "national"
        tradition = self.weighted(self.names["mix"][region])
        sex = Officer.Sex.FEMALE if self.rng.random() < female_share else Officer.Sex.MALE
        names = self.names["traditions"][tradition]
        return {
            "given_name": self.rng.choice(names[sex]),
            "family_name": self.rng.choice(names["family"]),
            "sex": sex,
            "unit": spec.code,
        }

    def commander(self, spec: UnitSpec) -> dict:
        commander = self.rules["commanders"][spec.unit_type]
        if spec.unit_type == Unit.Type.AREA:
            commander = commander[spec.code.count("-")]  # regions, then districts
        elif spec.unit_type == Unit.Type.SGBV:
            commander = commander["national" if spec.parent == self.root else "local"]
        # Fewer women command than serve, except in protection units (mostly led by women).
        share = self.rules["female_share"][spec.unit_type] * (1.0 if spec.unit_type == Unit.Type.SGBV else 0.6)
        return {
            **self.person(spec, share),
            "rank": commander["rank"],
            "position": commander["title"],
            "is_commander": True,
            "vetting_status": self.weighted(self.rules["commander_vetting"]),
        }

    def member(self, spec: UnitSpec) -> dict:
        staff = spec.unit_type in (Unit.Type.NATIONAL, Unit.Type.AREA)
        weights = [rank["headquarters_staff" if staff else "rank_and_file"] for rank in self.rules["ranks"]]
        row = {
            **self.person(spec, self.rules["female_share"][spec.unit_type]),
            "rank": self.rng.choices(self.ranks, weights=weights)[0],
            "position": "",
            "is_commander": False,
            "vetting_status": self.weighted(self.rules["vetting"]),
        }
        if self.rng.random() < self.rules["share_who_left"]:
            start, end = self.rules["left_between"]
            row["is_active"] = False
            row["left_on"] = start + datetime.timedelta(days=self.rng.randrange((end - start).days))
        return row

    def positions_hand_out(self, spec: UnitSpec, members: list[dict], *, highest_rank: int) -> None:
        """Give the unit's positions to active members who command nothing, and keep every
        member's rank (index in ``ranks``) at most ``highest_rank``: below their commander's."""
        ranks = self.ranks
        others = [row for row in members if not row["is_commander"]]
        for row in others:
            row["rank"] = ranks[min(ranks.index(row["rank"]), highest_rank)]
        candidates = [row for row in others if row.get("is_active", True)]
        senior = min(ranks.index(self.rules["senior_position_minimum_rank"]), highest_rank)
        senior_words = tuple(self.rules["senior_position_words"])
        positions = self.rules["positions"][spec.unit_type]
        for position, row in zip(positions, self.rng.sample(candidates, len(candidates)), strict=False):
            row["position"] = position
            if position.startswith(senior_words):
                row["rank"] = ranks[max(ranks.index(row["rank"]), senior)]

    def weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

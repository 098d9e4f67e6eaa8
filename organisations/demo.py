"""Demo data: the fictional Republic of Kessara and its national police, for exploring the platform.

Kessara is a made-up coastal state where French, Arabic and English are spoken, supported
by a made-up UN mission (MINUSKE). Nothing here describes a real country, person or unit.

``seed()`` runs a list of small steps inside one transaction, so a run either seeds
everything or nothing:

1. ``service_seed``: the Kessara National Police (code ``KNP``); it creates the context
   that the other steps share;
2. ``units_seed``: the national headquarters, 3 regions, 6 districts, national specialised
   units and local units (31 in all, through ``services.unit_create``);
3. ``organisations_seed``: the UN mission and the partners UNDP, UNODC, AU and EU;
4. ``officers_seed``: 600 officers in one ``bulk_create``;
5. ``users_seed``: the demo accounts (``DEMO_USERS``) and their roles;
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

import datetime
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import import_string

from lms.events.services import deliveries_held, deliveries_run_pending
from organisations import services
from organisations.identity import service_number_key
from organisations.models import Officer, Organisation, PoliceService, Role, Unit, User
from organisations.selectors import service_numbers_q

DEMO_PASSWORD = "Demo-Pass-2026"
RANDOM_SEED = 2026

SERVICE_CODE = "KNP"
SERVICE_NAME = "Kessara National Police"
COUNTRY = "Republic of Kessara"
AREA_LEVEL_NAMES = ["Region", "District"]
ROOT_CODE = "HQ"

SERVICE_NUMBER_FORMAT = "NP-{:06d}"
FIRST_GENERATED_SERVICE_NUMBER = 101  # 1-100 are kept for the named officers below


class DemoSeedRefused(Exception):
    """Demo data must never reach a production database: its passwords are public."""


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


# The organisation tree ------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    unit_type: str
    parent: str | None
    size: int  # officers, the commander included


T = Unit.Type
UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("HQ", "National Police Headquarters", T.NATIONAL, None, 20),
    # National specialised units hang directly under the national root.
    UnitSpec("PTC", "National Police Training Centre, Lamordé", T.TRAINING_CENTRE, "HQ", 24),
    UnitSpec("TCU", "Transnational Crime Unit", T.TRANSNATIONAL_CRIME, "HQ", 16),
    UnitSpec("POU", "Public Order Unit", T.PUBLIC_ORDER, "HQ", 60),
    UnitSpec("MAR", "Maritime Police", T.MARITIME, "HQ", 26),
    UnitSpec("INT", "Criminal Intelligence Service", T.INTELLIGENCE, "HQ", 14),
    UnitSpec("WCPU", "Women and Children Protection Unit", T.SGBV, "HQ", 14),
    # Northern Region: desert borders, mostly Arabic-speaking.
    UnitSpec("R1", "Northern Region", T.AREA, "HQ", 6),
    UnitSpec("R1-D1", "Bir Tamsa District", T.AREA, "R1", 6),
    UnitSpec("R1-D1-ST1", "Bir Tamsa Central Police Station", T.STATION, "R1-D1", 36),
    UnitSpec("R1-D1-BP1", "Ras el-Oued Border Post", T.BORDER_POST, "R1-D1", 18),
    UnitSpec("R1-D1-CP1", "Bir Tamsa Community Policing Unit", T.COMMUNITY_POLICING, "R1-D1", 14),
    UnitSpec("R1-D2", "Ouadi Kessa District", T.AREA, "R1", 6),
    UnitSpec("R1-D2-ST1", "Ouadi Kessa Police Station", T.STATION, "R1-D2", 30),
    UnitSpec("R1-D2-BP1", "Tin-Aguel Border Post", T.BORDER_POST, "R1-D2", 18),
    # Central Region: the capital, Port-Kessar.
    UnitSpec("R2", "Central Region", T.AREA, "HQ", 6),
    UnitSpec("R2-D1", "Port-Kessar District", T.AREA, "R2", 6),
    UnitSpec("R2-D1-ST1", "Port-Kessar Central Police Station", T.STATION, "R2-D1", 48),
    UnitSpec("R2-D1-ST2", "Grand Marché Police Station", T.STATION, "R2-D1", 36),
    UnitSpec("R2-D1-SGBV1", "Port-Kessar SGBV Desk", T.SGBV, "R2-D1", 12),
    UnitSpec("R2-D1-CP1", "Port-Kessar Community Policing Unit", T.COMMUNITY_POLICING, "R2-D1", 14),
    UnitSpec("R2-D2", "Lamordé District", T.AREA, "R2", 6),
    UnitSpec("R2-D2-ST1", "Lamordé Police Station", T.STATION, "R2-D2", 34),
    UnitSpec("R2-D2-CP1", "Lamordé Community Policing Unit", T.COMMUNITY_POLICING, "R2-D2", 14),
    # Coastal Region: English- and Portuguese-speaking minorities along the coast.
    UnitSpec("R3", "Coastal Region", T.AREA, "HQ", 6),
    UnitSpec("R3-D1", "Baie-Lumière District", T.AREA, "R3", 6),
    UnitSpec("R3-D1-ST1", "Baie-Lumière Police Station", T.STATION, "R3-D1", 36),
    UnitSpec("R3-D1-SGBV1", "Baie-Lumière Women and Children Protection Desk", T.SGBV, "R3-D1", 12),
    UnitSpec("R3-D2", "Kanoumba District", T.AREA, "R3", 6),
    UnitSpec("R3-D2-ST1", "Kanoumba Police Station", T.STATION, "R3-D2", 32),
    UnitSpec("R3-D2-BP1", "Kanoumba Land Border Post", T.BORDER_POST, "R3-D2", 18),
)

ORGANISATIONS: tuple[tuple[str, str, str, bool], ...] = (
    # acronym, name, kind, supports the demo police service
    (
        "MINUSKE",
        "United Nations Multidimensional Integrated Stabilization Mission in Kessara",
        Organisation.Kind.MISSION,
        True,
    ),
    ("UNDP", "United Nations Development Programme", Organisation.Kind.UN_AGENCY, False),
    ("UNODC", "United Nations Office on Drugs and Crime", Organisation.Kind.UN_AGENCY, False),
    ("AU", "African Union", Organisation.Kind.REGIONAL, False),
    ("EU", "European Union", Organisation.Kind.REGIONAL, False),
)


# People -----------------------------------------------------------------------------------

RANKS = (
    "Constable",
    "Corporal",
    "Sergeant",
    "Inspector",
    "Chief Inspector",
    "Superintendent",
    "Chief Superintendent",
    "Commissioner",
    "Inspector-General",
)
RANK_WEIGHTS_RANK_AND_FILE = (48, 20, 16, 10, 4, 2, 0, 0, 0)
RANK_WEIGHTS_HEADQUARTERS_STAFF = (0, 4, 26, 34, 20, 12, 4, 0, 0)  # national, regional, district staff

V = Officer.VettingStatus
VETTING_WEIGHTS = {
    V.FINALLY_CERTIFIED: 52,
    V.PROVISIONALLY_CERTIFIED: 22,
    V.SCREENED: 10,
    V.REGISTERED: 7,
    V.UNKNOWN: 6,
    V.EXCLUDED: 3,
}
COMMANDER_VETTING_WEIGHTS = {V.FINALLY_CERTIFIED: 85, V.PROVISIONALLY_CERTIFIED: 15}
SHARE_WHO_LEFT = 0.025
LEFT_BETWEEN = (datetime.date(2024, 7, 1), datetime.date(2026, 1, 31))

# Share of women by unit type: higher in protection and community work, as in Liberia's
# women-and-children protection units; low in public order and maritime units.
FEMALE_SHARE = {
    T.NATIONAL: 0.25,
    T.AREA: 0.2,
    T.STATION: 0.23,
    T.COMMUNITY_POLICING: 0.35,
    T.SGBV: 0.7,
    T.BORDER_POST: 0.12,
    T.TRANSNATIONAL_CRIME: 0.2,
    T.PUBLIC_ORDER: 0.08,
    T.MARITIME: 0.1,
    T.INTELLIGENCE: 0.25,
    T.TRAINING_CENTRE: 0.3,
}

# Rank and title of the one commander of each unit.
COMMANDERS = {
    T.NATIONAL: ("Inspector-General", "Inspector-General of Police"),
    T.TRAINING_CENTRE: ("Chief Superintendent", "Director of the Police Training Centre"),
    T.TRANSNATIONAL_CRIME: ("Superintendent", "Unit commander"),
    T.PUBLIC_ORDER: ("Chief Superintendent", "Unit commander"),
    T.MARITIME: ("Superintendent", "Unit commander"),
    T.INTELLIGENCE: ("Superintendent", "Head of service"),
    T.STATION: ("Chief Inspector", "Station commander"),
    T.COMMUNITY_POLICING: ("Inspector", "Unit commander"),
    T.BORDER_POST: ("Inspector", "Post commander"),
}
AREA_COMMANDERS = {1: ("Commissioner", "Regional commander"), 2: ("Chief Superintendent", "District commander")}
NATIONAL_SGBV_COMMANDER = ("Superintendent", "Unit commander")
LOCAL_SGBV_COMMANDER = ("Inspector", "Desk officer in charge")

# Positions handed to some members of each unit (besides its commander).
POSITIONS = {
    T.NATIONAL: (
        "Deputy Inspector-General",
        "Director of Operations",
        "Director of Administration",
        "Director of Training",
        "Gender adviser",
        "Human rights adviser",
        "Inspector of conduct and discipline",
    ),
    T.AREA: ("Deputy commander", "Operations officer", "Gender focal point", "Human resources officer"),
    T.STATION: (
        "Deputy station commander",
        "SGBV focal point",
        "Community liaison officer",
        "Gender focal point",
        "Human rights focal point",
        "Records officer",
        "Duty officer",
    ),
    T.COMMUNITY_POLICING: ("Community liaison officer", "Community liaison officer", "Youth outreach officer"),
    T.SGBV: ("SGBV focal point", "Child protection officer", "Investigator", "Psychosocial referral officer"),
    T.BORDER_POST: ("Deputy post commander", "Immigration officer", "Document examiner"),
    T.TRANSNATIONAL_CRIME: ("Investigator", "Investigator", "Intelligence analyst", "INTERPOL liaison officer"),
    T.PUBLIC_ORDER: (
        "Deputy commander",
        "Platoon commander",
        "Platoon commander",
        "Platoon commander",
        "Logistics officer",
    ),
    T.MARITIME: ("Deputy commander", "Coxswain", "Coxswain", "Boarding officer"),
    T.INTELLIGENCE: ("Intelligence analyst", "Intelligence analyst", "Records officer"),
    T.TRAINING_CENTRE: (
        "Deputy director",
        "Chief instructor",
        "Instructor",
        "Instructor",
        "Instructor",
        "Instructor",
        "Curriculum officer",
    ),
}
SENIOR_POSITIONS_MINIMUM_RANK = "Inspector"  # deputies, directors, chief instructors, platoon commanders
SENIOR_POSITION_WORDS = ("Deputy", "Director", "Chief instructor", "Platoon commander")

# Naming traditions: given names by sex and family names. Arabic names appear both in
# Arabic script and in the French-style Latin transliteration used on many Sahel rosters.
NAMES = {
    "francophone": {
        "M": (
            "Zéphirin", "Aboubacar", "Mamadou", "Ousmane", "Souleymane", "Issouf", "Désiré", "Théodore",
            "Hervé", "Jean-Baptiste", "Boureima", "Adama", "Idrissa", "Séraphin", "Clément", "Honoré",
            "Abdoulaye", "Yacouba", "Éric", "Gédéon", "Innocent", "Prosper", "Aimé", "Sékou", "Lassina",
            "Félicien", "Amadou", "Cheick", "Noël", "Bénoît",
        ),
        "F": (
            "Aïcha", "Mariam", "Fatoumata", "Awa", "Aminata", "Rokia", "Hortense", "Clémence", "Béatrice",
            "Joséphine", "Salimata", "Kadiatou", "Ramatou", "Nafissatou", "Mireille", "Édith", "Solange",
            "Géraldine", "Bintou", "Djénéba", "Odile", "Ange-Marie", "Chantal", "Estelle", "Léocadie",
        ),
        "family": (
            "Kaboré", "Ouédraogo", "N'Diaye", "Traoré", "Diallo", "Koné", "Coulibaly", "Sawadogo", "Zongo",
            "Tchakounté", "Mbarga", "Ngoma", "Mabiala", "Bamba", "Diarra", "Keïta", "Sanogo", "Zoungrana",
            "Yaméogo", "Dembélé", "Touré", "Sissoko", "Kouyaté", "Ilboudo", "Nikièma", "N'Guessan",
            "Kouassi", "Tshibangu", "Mukendi", "Ékambi", "Bâ", "Cissé", "Maïga", "Tiendrébéogo", "Goïta",
        ),
    },
    "arabic_script": {
        "M": (
            "محمد", "أحمد", "عبد الله", "يوسف", "إبراهيم", "عمر", "خالد", "حسن", "علي", "مصطفى", "عثمان",
            "صالح", "آدم", "إسماعيل", "طارق", "بشير", "عبد الرحمن", "موسى", "إدريس", "حامد",
        ),
        "F": (
            "فاطمة", "عائشة", "مريم", "خديجة", "زينب", "آمنة", "حليمة", "سعاد", "نور", "سلمى", "هدى", "رقية",
            "ليلى",
        ),
        "family": (
            "الحسن", "التجاني", "الأمين", "عبد الرحيم", "محمود", "إدريس", "الطيب", "النور", "بابكر", "الفاضل",
            "الشريف", "الصادق", "يعقوب", "العربي", "الحاج", "أبكر", "الزهراء", "سليمان", "حمدان",
        ),
    },
    "arabic_latin": {
        "M": (
            "Mahamat", "Abakar", "Youssouf", "Hassane", "Oumar", "Moussa", "Brahim", "Abdelkerim", "Ali",
            "Saleh", "Idriss", "Adoum", "Khalil", "Djibrine", "Ahmat",
        ),
        "F": (
            "Achta", "Fatimé", "Zénaba", "Halimé", "Khadidja", "Amina", "Hawa", "Mariam", "Asma", "Nafissa",
            "Souad", "Leïla",
        ),
        "family": (
            "Mahamat", "Abakar", "Ousmane", "Hassaballah", "Djibrine", "Ahmat", "Brahim", "El-Hadj",
            "Abdelaziz", "Ben Salem", "Ould Cheikh", "Haroun", "Adoum", "Chérif", "Bichara",
        ),
    },
    "english": {
        "M": (
            "Emmanuel", "Samuel", "Joseph", "Patrick", "Benjamin", "Daniel", "Isaac", "George", "Peter",
            "Moses", "Augustine", "Francis",
        ),
        "F": (
            "Grace", "Mercy", "Esther", "Comfort", "Patience", "Florence", "Rebecca", "Janet", "Ruth",
            "Mary", "Beatrice", "Victoria",
        ),
        "family": (
            "Johnson", "Kamara", "Koroma", "Sesay", "Mensah", "Doe", "Williams", "Tarawally", "Bangura",
            "Nelson", "Taylor", "Harris", "Boakye", "Mensah-Bonsu",
        ),
    },
    "lusophone": {
        "M": (
            "João", "António", "Manuel", "Domingos", "Armindo", "Bento", "Eusébio", "Joaquim", "Agostinho",
            "Zacarias",
        ),
        "F": ("Conceição", "Fátima", "Luísa", "Rosária", "Amélia", "Graça", "Esperança", "Natércia", "Inês"),
        "family": (
            "da Silva", "Gomes", "Mendes", "Correia", "Fernandes", "Sanhá", "Embaló", "Có", "Djaló",
            "Cabral", "Gonçalves", "Vaz",
        ),
    },
}  # fmt: skip

# Which naming traditions are common where, by region code ("" = national units).
NAME_MIX = {
    "": {"francophone": 50, "arabic_latin": 15, "arabic_script": 12, "english": 13, "lusophone": 10},
    "R1": {"francophone": 35, "arabic_latin": 30, "arabic_script": 35},
    "R2": {"francophone": 60, "arabic_latin": 10, "arabic_script": 8, "english": 12, "lusophone": 10},
    "R3": {"francophone": 40, "english": 30, "lusophone": 20, "arabic_latin": 10},
}


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
    vetting_status: str = V.FINALLY_CERTIFIED


STATION_COMMANDER = NamedOfficer(
    "NP-000001", "Zéphirin", "N'Diaye", "M", "Chief Inspector", "R1-D1-ST1", "Station commander", True
)
TRAINEE = NamedOfficer("NP-000002", "Aïcha", "Kaboré", "F", "Constable", "R1-D1-ST1")
NAMED_OFFICERS = (STATION_COMMANDER, TRAINEE)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    grants: tuple[tuple[str, str | None], ...] = ()  # (role, unit code or None for the platform)
    officer: str = ""  # service number of the officer this account belongs to
    is_superuser: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo.admin", "Demo", "Administrator", grants=((Role.ADMIN, None),), is_superuser=True),
    DemoUser("demo.trainer", "Hélène", "Mbeki-Laurent", grants=((Role.TRAINER, ROOT_CODE),)),
    DemoUser("demo.trainer.north", "Abdelkerim", "Hassaballah", grants=((Role.TRAINER, "R1"),)),
    DemoUser("demo.leader", "Samuel", "Okonkwo", grants=((Role.LEADERSHIP, ROOT_CODE),)),
    DemoUser("demo.trainee", TRAINEE.given_name, TRAINEE.family_name, officer=TRAINEE.service_number),
    DemoUser(
        "demo.commander",
        STATION_COMMANDER.given_name,
        STATION_COMMANDER.family_name,
        officer=STATION_COMMANDER.service_number,
    ),
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
    service, created = PoliceService.objects.get_or_create(
        code=SERVICE_CODE,
        defaults={"name": SERVICE_NAME, "country": COUNTRY, "area_level_names": AREA_LEVEL_NAMES},
    )
    context = DemoContext(service=service, stdout=stdout, reset_passwords=reset_passwords)
    context.created["police services"] += created
    context.log(f"Police service {service.code}: {'created' if created else 'already there'}")
    return context


def units_seed(context: DemoContext) -> None:
    """Create the missing units of ``UNITS``, parents first, through ``services.unit_create``."""
    units = {unit.code: unit for unit in Unit.objects.filter(service=context.service)}
    created = 0
    for spec in UNITS:
        if spec.code not in units:
            units[spec.code] = services.unit_create(
                service=context.service,
                code=spec.code,
                name=spec.name,
                unit_type=spec.unit_type,
                parent=units[spec.parent] if spec.parent else None,
            )
            created += 1
    context.units = {spec.code: units[spec.code] for spec in UNITS}
    context.created["units"] += created
    context.totals["units"] = len(units)
    context.log(f"Units: {created} new, {len(units)} in all")


def organisations_seed(context: DemoContext) -> None:
    """The UN mission supporting the demo service, and the partners that co-own training."""
    created = 0
    for acronym, name, kind, supports_service in ORGANISATIONS:
        _, is_new = Organisation.objects.get_or_create(
            acronym=acronym,
            defaults={"name": name, "kind": kind, "police_service": context.service if supports_service else None},
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
    existing = User.objects.in_bulk([demo.username for demo in DEMO_USERS], field_name="username")
    created = 0
    for demo in DEMO_USERS:
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
    context.totals["users"] = len(DEMO_USERS)
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
    """Every demo officer as field values (``unit`` is a unit code), in a fixed order.

    Depends only on ``rng``'s seed, never on the database, so that runs agree.
    """
    named_by_unit: dict[str, list[NamedOfficer]] = {}
    for named in NAMED_OFFICERS:
        named_by_unit.setdefault(named.unit, []).append(named)
    rows: list[dict] = []
    number = FIRST_GENERATED_SERVICE_NUMBER
    for spec in UNITS:
        named = named_by_unit.get(spec.code, [])
        rows.extend(_named_row(officer) for officer in named)
        members: list[dict] = []
        commander = next((_named_row(officer) for officer in named if officer.is_commander), None)
        if commander is None:
            commander = _commander_row(rng, spec)
            members.append(commander)
        while len(members) + len(named) < spec.size:
            members.append(_member_row(rng, spec))
        _positions_hand_out(rng, spec, members, highest_rank=RANKS.index(commander["rank"]) - 1)
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


def _person(rng: random.Random, spec: UnitSpec, female_share: float) -> dict:
    mix = NAME_MIX[spec.code.split("-")[0] if spec.code.startswith("R") else ""]
    tradition = rng.choices(list(mix), weights=list(mix.values()))[0]
    sex = Officer.Sex.FEMALE if rng.random() < female_share else Officer.Sex.MALE
    names = NAMES[tradition]
    return {
        "given_name": rng.choice(names[sex]),
        "family_name": rng.choice(names["family"]),
        "sex": sex,
        "unit": spec.code,
    }


def _commander_row(rng: random.Random, spec: UnitSpec) -> dict:
    if spec.unit_type == T.AREA:
        rank, title = AREA_COMMANDERS[spec.code.count("-") + 1]
    elif spec.unit_type == T.SGBV:
        rank, title = NATIONAL_SGBV_COMMANDER if spec.parent == ROOT_CODE else LOCAL_SGBV_COMMANDER
    else:
        rank, title = COMMANDERS[spec.unit_type]
    # Fewer women command than serve, except in protection units (mostly led by women).
    female_share = FEMALE_SHARE[spec.unit_type] * (1.0 if spec.unit_type == T.SGBV else 0.6)
    return {
        **_person(rng, spec, female_share),
        "rank": rank,
        "position": title,
        "is_commander": True,
        "vetting_status": _weighted(rng, COMMANDER_VETTING_WEIGHTS),
    }


def _member_row(rng: random.Random, spec: UnitSpec) -> dict:
    staff = spec.unit_type in (T.NATIONAL, T.AREA)
    weights = RANK_WEIGHTS_HEADQUARTERS_STAFF if staff else RANK_WEIGHTS_RANK_AND_FILE
    row = {
        **_person(rng, spec, FEMALE_SHARE[spec.unit_type]),
        "rank": rng.choices(RANKS, weights=weights)[0],
        "position": "",
        "is_commander": False,
        "vetting_status": _weighted(rng, VETTING_WEIGHTS),
    }
    if rng.random() < SHARE_WHO_LEFT:
        start, end = LEFT_BETWEEN
        row["is_active"] = False
        row["left_on"] = start + datetime.timedelta(days=rng.randrange((end - start).days))
    return row


def _positions_hand_out(rng: random.Random, spec: UnitSpec, members: list[dict], *, highest_rank: int) -> None:
    """Give the unit's positions to active members who command nothing, and keep every
    member's rank (``RANKS`` index) at most ``highest_rank``: below their commander's."""
    others = [row for row in members if not row["is_commander"]]
    for row in others:
        row["rank"] = RANKS[min(RANKS.index(row["rank"]), highest_rank)]
    candidates = [row for row in others if row.get("is_active", True)]
    senior = min(RANKS.index(SENIOR_POSITIONS_MINIMUM_RANK), highest_rank)
    for position, row in zip(POSITIONS[spec.unit_type], rng.sample(candidates, len(candidates)), strict=False):
        row["position"] = position
        if position.startswith(SENIOR_POSITION_WORDS):
            row["rank"] = RANKS[max(RANKS.index(row["rank"]), senior)]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]

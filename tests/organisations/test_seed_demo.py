"""The demo seed: what it builds, that a second run changes nothing, and that production refuses it."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lms.audit.models import AuditEntry
from lms.events.models import Delivery, Event
from lms.events.services import event_record
from organisations import demo
from organisations.models import Officer, Organisation, PoliceService, Role, RoleGrant, Unit, User
from organisations.selectors import user_roles

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
LATIN_DIACRITICS = re.compile(r"[À-ÖØ-öø-ÿ]")
SENIOR_RANKS = {"Inspector", "Chief Inspector", "Superintendent", "Chief Superintendent", "Commissioner"}
DEMO_USERNAMES = ["demo.admin", "demo.trainer", "demo.trainer.north", "demo.leader", "demo.trainee", "demo.commander"]

received_events: list[str] = []


def step_record(context) -> None:
    """An extra step as a higher app would write one: it reads the context and records an event."""
    event_record(
        name="demo.test_step",
        payload={"units": len(context.units), "trainee": context.users["demo.trainee"].officer.service_number},
    )
    context.totals["test rows"] = 1


def step_fail(context) -> None:
    raise RuntimeError("a later step failed")


def handler_remember(event) -> None:
    received_events.append(event.name)


@pytest.fixture
def seeded(db, settings):
    settings.DEMO_SEED_STEPS = []  # this app's steps alone; higher apps test their own
    return demo.seed()


def snapshot() -> dict:
    """Everything the seed writes, as comparable values."""
    return {
        "services": list(PoliceService.objects.values_list("code", "name", "area_level_names")),
        "units": list(Unit.objects.values_list("code", "name", "unit_type", "path", "depth", "parent__code")),
        "organisations": list(Organisation.objects.values_list("acronym", "name", "kind", "police_service__code")),
        "officers": list(Officer.objects.order_by("service_number").values_list()),
        "users": list(User.objects.order_by("username").values_list()),
        "grants": list(RoleGrant.objects.order_by("pk").values_list("user__username", "role", "unit__code")),
        "audit entries": AuditEntry.objects.count(),
        "events": Event.objects.count(),
    }


def test_the_service_has_three_regions_six_districts_and_thirty_one_units(seeded):
    service = PoliceService.objects.get()
    root = Unit.objects.get(parent=None)
    units = Unit.objects.filter(service=service)

    assert (service.code, service.name, service.country) == ("KNP", "Kessara National Police", "Republic of Kessara")
    assert service.area_level_names == ["Region", "District"]
    assert (root.code, root.unit_type) == ("HQ", Unit.Type.NATIONAL)
    assert list(units.filter(depth=1, unit_type=Unit.Type.AREA).values_list("code", flat=True)) == ["R1", "R2", "R3"]
    assert units.filter(depth=2, unit_type=Unit.Type.AREA).count() == 6
    assert units.count() == 31
    assert set(units.values_list("unit_type", flat=True)) == set(Unit.Type.values)
    assert list(units.filter(parent=root).exclude(unit_type=Unit.Type.AREA).values_list("code", flat=True)) == [
        "PTC",
        "TCU",
        "POU",
        "MAR",
        "INT",
        "WCPU",
    ]
    assert all(unit.path.startswith(unit.parent.path) for unit in units.exclude(parent=None).select_related("parent"))
    assert Unit.objects.get(code="R1-D2").level_name == "District"


def test_every_unit_has_one_active_commander_of_senior_rank(seeded):
    commanders = Officer.objects.filter(is_commander=True).select_related("unit")
    unit_codes = [spec.code for spec in demo.world_read().units]

    assert sorted(commander.unit.code for commander in commanders) == sorted(unit_codes)
    assert all(commander.is_active for commander in commanders)
    assert commanders.get(unit__code="HQ").rank == "Inspector-General"
    assert {commander.rank for commander in commanders.exclude(unit__code="HQ")} <= SENIOR_RANKS
    assert commanders.get(unit__code="R1-D1-ST1").position == "Station commander"


def test_the_roster_is_600_officers_with_a_realistic_mix(seeded):
    officers = Officer.objects.all()
    women = officers.filter(sex=Officer.Sex.FEMALE).count()
    vetting = {status: officers.filter(vetting_status=status).count() for status in Officer.VettingStatus.values}
    left = officers.filter(is_active=False)

    assert officers.count() == 600
    assert 0.20 <= women / 600 <= 0.35
    assert all(re.fullmatch(r"NP-\d{6}", number) for number in officers.values_list("service_number", flat=True))
    assert (
        vetting[Officer.VettingStatus.FINALLY_CERTIFIED] + vetting[Officer.VettingStatus.PROVISIONALLY_CERTIFIED] > 400
    )
    assert all(vetting[status] > 0 for status in Officer.VettingStatus.values)
    assert 5 <= left.count() <= 30
    assert left.filter(left_on=None).count() == 0
    assert officers.filter(is_active=True).exclude(left_on=None).count() == 0
    assert officers.filter(position="SGBV focal point").count() >= 5
    assert officers.filter(position="Community liaison officer").count() >= 5


def test_names_come_in_arabic_script_and_with_diacritics(seeded):
    names = list(Officer.objects.values_list("given_name", "family_name"))

    in_arabic_script = [name for name in names if ARABIC_SCRIPT.search(name[0]) and ARABIC_SCRIPT.search(name[1])]
    with_diacritics = [name for name in names if LATIN_DIACRITICS.search(name[0] + name[1])]
    assert len(in_arabic_script) >= 30
    assert len(with_diacritics) >= 100
    assert Officer.objects.filter(family_name="N'Diaye").exists()
    assert ("Aïcha", "Kaboré") in names


def test_the_mission_supports_the_service_and_partners_have_their_kinds(seeded):
    organisations = Organisation.objects.values_list("acronym", "kind", "police_service__code")

    assert sorted(organisations) == [
        ("AU", Organisation.Kind.REGIONAL, None),
        ("EU", Organisation.Kind.REGIONAL, None),
        ("MINUSKE", Organisation.Kind.MISSION, "KNP"),
        ("UNDP", Organisation.Kind.UN_AGENCY, None),
        ("UNODC", Organisation.Kind.UN_AGENCY, None),
    ]


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_demo_users_sign_in_with_the_demo_password(seeded, client, username):
    assert client.login(username=username, password="Demo-Pass-2026") is True


def test_demo_admin_is_a_superuser_with_the_admin_role(seeded):
    admin = User.objects.get(username="demo.admin")

    assert (admin.is_superuser, admin.is_staff) == (True, True)
    assert list(admin.role_grants.values_list("role", "unit")) == [(Role.ADMIN, None)]
    assert user_roles(admin).scopes == {Role.ADMIN: None}


def test_demo_trainee_is_an_active_finally_certified_officer_in_a_station(seeded):
    officer = User.objects.get(username="demo.trainee").officer

    assert (officer.service_number, officer.given_name, officer.family_name) == ("NP-000002", "Aïcha", "Kaboré")
    assert officer.is_active is True
    assert officer.vetting_status == Officer.VettingStatus.FINALLY_CERTIFIED
    assert officer.is_commander is False
    assert (officer.unit.code, officer.unit.unit_type) == ("R1-D1-ST1", Unit.Type.STATION)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("demo.trainer", {Role.TRAINER: ["HQ"]}),
        ("demo.trainer.north", {Role.TRAINER: ["R1"]}),
        ("demo.leader", {Role.LEADERSHIP: ["HQ"]}),
        ("demo.trainee", {Role.TRAINEE: ["R1-D1-ST1"]}),
        ("demo.commander", {Role.TRAINEE: ["R1-D1-ST1"], Role.LEADERSHIP: ["R1-D1-ST1"]}),
    ],
)
def test_demo_users_hold_their_roles_over_their_subtrees(seeded, username, expected):
    roles = user_roles(User.objects.get(username=username))

    assert {role: [unit.code for unit in units] for role, units in roles.scopes.items()} == expected


def test_the_command_prints_a_summary(db, settings):
    settings.DEMO_SEED_STEPS = []  # this app's steps alone; higher apps test their own
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert out.getvalue() == (
        "Demo data for Kessara National Police: 31 units, 5 organisations, 600 officers, 6 users "
        "(created by this run: 31 units, 5 organisations, 600 officers, 6 users); 0 background deliveries run.\n"
    )


def test_a_second_run_creates_nothing_and_changes_nothing(db, settings):
    settings.DEMO_SEED_STEPS = []  # this app's steps alone; higher apps test their own
    call_command("seed_demo", stdout=StringIO())
    before = snapshot()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert snapshot() == before
    assert "(created by this run: 0 units, 0 organisations, 0 officers, 0 users)" in out.getvalue()


def test_a_run_fills_in_exactly_what_is_missing(seeded):
    before = officer_rows()
    Officer.objects.filter(service_number__in=["NP-000150", "NP-000420"]).delete()
    User.objects.filter(username="demo.trainer.north").delete()

    context = demo.seed()

    assert officer_rows() == before
    assert (context.created["officers"], context.created["users"]) == (2, 1)
    trainer = User.objects.get(username="demo.trainer.north")
    assert [unit.code for unit in user_roles(trainer).scopes[Role.TRAINER]] == ["R1"]


def officer_rows() -> list[dict]:
    """Officers without what differs when a row is created again (id and timestamps)."""
    return list(
        Officer.objects.order_by("service_number").values(
            *(
                field.attname
                for field in Officer._meta.concrete_fields
                if field.attname not in ("id", "created_at", "updated_at")
            )
        )
    )


def test_a_run_keeps_changed_passwords_unless_asked_to_reset_them(seeded, client):
    trainee = User.objects.get(username="demo.trainee")
    trainee.set_password("Changed-During-Demo-1")
    trainee.is_active = False
    trainee.save()

    call_command("seed_demo", stdout=StringIO())

    assert client.login(username="demo.trainee", password="Changed-During-Demo-1") is False  # still inactive
    trainee.refresh_from_db()
    assert (trainee.check_password("Changed-During-Demo-1"), trainee.is_active) == (True, False)

    call_command("seed_demo", "--reset-passwords", stdout=StringIO())

    assert client.login(username="demo.trainee", password="Demo-Pass-2026") is True


def test_the_command_refuses_when_demo_data_is_not_allowed(db, settings):
    settings.DEMO_SEED_ALLOWED = False

    with pytest.raises(CommandError) as refusal:
        call_command("seed_demo", stdout=StringIO())

    assert str(refusal.value) == "Demo data is disabled by settings.DEMO_SEED_ALLOWED (production settings)."

    assert PoliceService.objects.count() == 0
    assert Unit.objects.count() == 0
    assert Officer.objects.count() == 0
    assert Organisation.objects.count() == 0
    assert User.objects.count() == 0


def test_steps_from_settings_run_after_ours_and_their_background_work_is_finished(db, settings):
    settings.DEMO_SEED_STEPS = ["tests.organisations.test_seed_demo.step_record"]
    settings.LMS_EVENT_HANDLERS = {"demo.test_step": ["tests.organisations.test_seed_demo.handler_remember"]}
    received_events.clear()

    context = demo.seed()

    event = Event.objects.get(name="demo.test_step")
    assert event.payload == {"units": 31, "trainee": "NP-000002"}
    assert list(Delivery.objects.values_list("status", flat=True)) == [Delivery.Status.DONE]
    assert received_events == ["demo.test_step"]
    assert context.delivered == 1
    assert context.totals["test rows"] == 1


def test_a_failing_step_leaves_nothing_written(db, settings):
    settings.DEMO_SEED_STEPS = ["tests.organisations.test_seed_demo.step_fail"]

    with pytest.raises(RuntimeError, match="a later step failed"):
        demo.seed()

    assert PoliceService.objects.count() == 0
    assert Unit.objects.count() == 0
    assert Officer.objects.count() == 0
    assert User.objects.count() == 0


def test_the_roster_does_not_depend_on_the_database():
    first = demo.roster(demo.step_random("officers"))
    second = demo.roster(demo.step_random("officers"))

    assert first == second
    assert len({row["service_number"] for row in first}) == 600

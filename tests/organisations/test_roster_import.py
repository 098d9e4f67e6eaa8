"""Roster import: the service, the API, the page and the management command.

Every refused file or request also checks that nothing was written (``footprint`` and
``officer_snapshot`` before and after).
"""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from lms.audit.models import AuditEntry
from lms.events.models import Event
from organisations import services
from organisations.models import Officer, RosterImport, Transfer
from organisations.roster import COLUMNS, RosterImportError, RosterImportResult, roster_import
from tests.factories import OfficerFactory, PoliceServiceFactory, UnitFactory

HEADER = ["service_number", "given_name", "family_name", "sex", "rank", "unit_code"]
ALL_COLUMNS = [*HEADER, "position", "is_commander", "vetting_status", "email", "phone"]
UNKNOWN_COLUMN = "Unknown column. The columns are: " + ", ".join(COLUMNS) + "."
# Fixed whatever the row count on PostgreSQL (also with the outbox deliveries of
# readiness's handlers). On SQLite, Django splits bulk statements at
# 999 parameters (about 50 officers or 140 deliveries per INSERT), so 400 rows take 29; a
# query per row would take hundreds.
QUERY_LIMIT = 32


def csv_bytes(rows: list[dict], columns: list[str] = HEADER, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def lines(*text: str) -> bytes:
    return ("\n".join(text) + "\n").encode()


def row_of(officer: Officer, **changes) -> dict:
    """A roster row that matches the officer as stored, with ``changes``."""
    row = {
        "service_number": officer.service_number,
        "given_name": officer.given_name,
        "family_name": officer.family_name,
        "sex": officer.sex,
        "rank": officer.rank,
        "unit_code": officer.unit.code,
    }
    return row | changes


def tree_rows(tree) -> list[dict]:
    return [row_of(officer) for officer in tree.north_officers + tree.south_officers]


def footprint() -> dict:
    return {
        "officers": Officer.objects.count(),
        "transfers": Transfer.objects.count(),
        "events": Event.objects.count(),
        "audit": AuditEntry.objects.count(),
        "imports": RosterImport.objects.count(),
    }


def officer_snapshot() -> list[dict]:
    return list(Officer.objects.order_by("pk").values())


def run(tree, data: bytes, actor=None, **kwargs) -> RosterImportResult:
    return roster_import(service=tree.service, data=data, file_name="roster.csv", actor=actor, **kwargs)


def numbers(officers) -> list[str]:
    return sorted(officer.service_number for officer in officers)


# A good import -------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_officers_with_events_audit_and_a_record(tree, people):
    data = csv_bytes(
        [
            {
                "service_number": "NP-90001",
                "given_name": "Amina",
                "family_name": "Diallo",
                "sex": "F",
                "rank": "Sergeant",
                "unit_code": "N1-ST",
                "position": "Desk officer",
                "is_commander": "yes",
                "vetting_status": "screened",
                "email": "amina.diallo@police.example",
                "phone": "+221 77 000 00 01",
            },
            {
                "service_number": "NP-90002",
                "given_name": "Jean",
                "family_name": "Dupont",
                "sex": "male",
                "rank": "Constable",
                "unit_code": "S1-ST",
            },
        ],
        columns=ALL_COLUMNS,
    )

    result = run(tree, data, actor=people.admin)

    record = RosterImport.objects.get()
    assert result == RosterImportResult(
        import_id=record.pk,
        rows=2,
        created=2,
        updated=0,
        transferred=0,
        unchanged=0,
        missing=numbers(tree.north_officers + tree.south_officers),
    )
    assert (record.service, record.file_name, record.imported_by) == (tree.service, "roster.csv", people.admin)
    assert (record.rows, record.created, record.updated, record.transferred, record.unchanged, record.missing) == (
        2,
        2,
        0,
        0,
        0,
        4,
    )
    amina = Officer.objects.get(service_number="NP-90001")
    jean = Officer.objects.get(service_number="NP-90002")
    assert Officer.objects.filter(service_number="NP-90001").values(
        "service_id",
        "given_name",
        "family_name",
        "sex",
        "rank",
        "unit_id",
        "position",
        "is_commander",
        "vetting_status",
        "email",
        "phone",
        "is_active",
    ).get() == {
        "service_id": tree.service.pk,
        "given_name": "Amina",
        "family_name": "Diallo",
        "sex": "F",
        "rank": "Sergeant",
        "unit_id": tree.north_station.pk,
        "position": "Desk officer",
        "is_commander": True,
        "vetting_status": "screened",
        "email": "amina.diallo@police.example",
        "phone": "+221 77 000 00 01",
        "is_active": True,
    }
    assert (jean.sex, jean.position, jean.is_commander, jean.vetting_status, jean.email) == (
        "M",
        "",
        False,
        "unknown",
        "",
    )
    assert list(Event.objects.values_list("name", "payload")) == [
        ("officer.joined", {"officer_id": amina.pk, "unit_id": tree.north_station.pk}),
        ("officer.joined", {"officer_id": jean.pk, "unit_id": tree.south_station.pk}),
    ]
    entry = AuditEntry.objects.get(action="roster.officer_created", target_id=str(jean.pk))
    assert (entry.action, entry.actor, entry.before, entry.reason) == (
        "roster.officer_created",
        people.admin,
        None,
        "roster file: roster.csv",
    )
    assert entry.after == {
        "service_number": "NP-90002",
        "given_name": "Jean",
        "family_name": "Dupont",
        "sex": "M",
        "rank": "Constable",
        "unit": tree.south_station.pk,
        "position": "",
        "is_commander": False,
        "vetting_status": "unknown",
        "email": "",
        "phone": "",
    }
    assert Transfer.objects.count() == 0


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(tree, people):
    rows = [
        *tree_rows(tree),
        {
            "service_number": "NP-90001",
            "given_name": "Amina",
            "family_name": "Diallo",
            "sex": "F",
            "rank": "Sergeant",
            "unit_code": "N1-ST",
        },
    ]
    rows[0] |= {"unit_code": "S1-ST", "vetting_status": "excluded", "is_commander": "1"}
    data = csv_bytes(rows, columns=[*HEADER, "is_commander", "vetting_status"])
    first = run(tree, data, actor=people.admin)
    before, snapshot = footprint(), officer_snapshot()

    second = run(tree, data, actor=people.admin)

    assert (first.created, first.updated, first.transferred, first.unchanged) == (1, 1, 1, 3)
    assert second == RosterImportResult(
        import_id=RosterImport.objects.order_by("-pk").first().pk,
        rows=5,
        created=0,
        updated=0,
        transferred=0,
        unchanged=5,
        missing=[],
    )
    assert officer_snapshot() == snapshot
    assert footprint() == before | {"imports": before["imports"] + 1}


@pytest.mark.django_db
def test_a_unit_change_is_a_transfer_with_its_event(tree, people):
    moved = tree.north_officers[1]
    rows = [row_of(moved, unit_code="S1-ST")]

    result = run(tree, csv_bytes(rows), actor=people.admin)

    assert (result.updated, result.transferred, result.unchanged) == (1, 1, 0)
    moved.refresh_from_db()
    assert moved.unit == tree.south_station
    transfer = Transfer.objects.get()
    assert (transfer.officer, transfer.from_unit, transfer.to_unit) == (moved, tree.north_station, tree.south_station)
    assert (transfer.effective_on, transfer.recorded_by, transfer.note) == (
        timezone.localdate(),
        people.admin,
        "Roster import: roster.csv",
    )
    assert list(Event.objects.values_list("name", "payload")) == [
        ("officer.transferred", services.transfer_payload(transfer))
    ]
    assert Event.objects.get().payload == {
        "officer_id": moved.pk,
        "from_unit_id": tree.north_station.pk,
        "to_unit_id": tree.south_station.pk,
    }
    entry = AuditEntry.objects.get(action__startswith="roster.")
    assert (entry.action, entry.before, entry.after) == (
        "roster.officer_updated",
        {"unit": tree.north_station.pk},
        {"unit": tree.south_station.pk},
    )


@pytest.mark.django_db
def test_vetting_and_command_changes_are_announced_and_audited_field_by_field(tree, people):
    officer = tree.north_officers[0]
    rows = [row_of(officer, rank="Inspector", is_commander="true", vetting_status="excluded")]

    result = run(tree, csv_bytes(rows, columns=[*HEADER, "is_commander", "vetting_status"]), actor=people.admin)

    assert (result.updated, result.transferred) == (1, 0)
    assert list(Event.objects.values_list("name", "payload")) == [
        ("officer.vetting_changed", {"officer_id": officer.pk}),
        ("officer.command_changed", {"officer_id": officer.pk, "unit_id": tree.north_station.pk}),
    ]
    entry = AuditEntry.objects.get(action__startswith="roster.")
    assert (entry.action, entry.actor, entry.before, entry.after) == (
        "roster.officer_updated",
        people.admin,
        {"rank": "Constable", "is_commander": False, "vetting_status": "finally_certified"},
        {"rank": "Inspector", "is_commander": True, "vetting_status": "excluded"},
    )


@pytest.mark.django_db
def test_empty_optional_cells_keep_the_current_values(tree):
    officer = tree.north_officers[0]
    Officer.objects.filter(pk=officer.pk).update(is_commander=True, position="Chief", email="c@police.example")
    rows = [row_of(officer, position="", is_commander="", vetting_status="", email="", phone="")]

    result = run(tree, csv_bytes(rows, columns=ALL_COLUMNS))

    assert (result.updated, result.unchanged) == (0, 1)
    assert Officer.objects.filter(pk=officer.pk).values_list(
        "is_commander", "position", "email", "vetting_status"
    ).get() == (True, "Chief", "c@police.example", "finally_certified")


@pytest.mark.django_db
def test_officers_missing_from_the_file_are_reported_not_deleted(tree, people):
    result = run(tree, csv_bytes([row_of(officer) for officer in tree.north_officers]), actor=people.admin)

    assert result.missing == numbers(tree.south_officers)
    assert (result.unchanged, RosterImport.objects.get().missing) == (2, 2)
    assert Officer.objects.filter(is_active=True).count() == 4
    assert (Event.objects.count(), AuditEntry.objects.filter(action__startswith="roster.").count()) == (0, 0)


@pytest.mark.django_db
def test_an_officer_who_left_and_reappears_is_reactivated(tree, people):
    officer = tree.north_officers[0]
    services.officer_leave(officer=officer, left_on=timezone.localdate())
    before = footprint()

    result = run(tree, csv_bytes([row_of(officer)]), actor=people.admin)

    officer.refresh_from_db()
    assert (officer.is_active, officer.left_on) == (True, None)
    assert (result.updated, result.created, result.missing) == (
        1,
        0,
        numbers(tree.north_officers[1:] + tree.south_officers),
    )
    assert footprint() == before | {"events": before["events"] + 1, "audit": before["audit"] + 1, "imports": 1}
    assert Event.objects.order_by("-pk").first().payload == {"officer_id": officer.pk, "unit_id": tree.north_station.pk}
    entry = AuditEntry.objects.get(action="roster.officer_updated")
    assert (entry.before, entry.after) == (
        {"is_active": False, "left_on": timezone.localdate().isoformat()},
        {"is_active": True, "left_on": None},
    )


@pytest.mark.django_db
def test_names_in_any_script_survive_normalised_to_nfc(api_client, tree, people):
    rows = [
        {"service_number": "NP-A1", "given_name": "فاطمة", "family_name": "  الزهراء ", "sex": "F", "rank": "رقيب"},
        {
            "service_number": "NP-A2",
            "given_name": "Jose\u0301",
            "family_name": "Nuñez-Lœw",
            "sex": "m",
            "rank": "Brigadier",
        },
        {
            "service_number": "NP-A3",
            "given_name": "Zoë",
            "family_name": "N'Guessan",
            "sex": "FEMALE",
            "rank": "Adjudant",
        },
    ]
    data = csv_bytes([row | {"unit_code": "N1-ST"} for row in rows])

    run(tree, data, actor=people.admin)

    stored = {o.service_number: (o.given_name, o.family_name, o.rank) for o in Officer.objects.filter(rank__gt="")}
    assert stored["NP-A1"] == ("فاطمة", "الزهراء", "رقيب")
    assert stored["NP-A2"] == ("Jos\u00e9", "Nuñez-Lœw", "Brigadier")
    assert stored["NP-A3"] == ("Zoë", "N'Guessan", "Adjudant")
    assert stored["NP-A1"][0].encode() == b"\xd9\x81\xd8\xa7\xd8\xb7\xd9\x85\xd8\xa9"
    api_client.force_authenticate(people.admin)
    listed = api_client.get("/api/v1/officers/", {"search": "NP-A1"}).json()["results"]
    assert [(o["given_name"], o["family_name"]) for o in listed] == [("فاطمة", "الزهراء")]


@pytest.mark.django_db
def test_french_excel_file_with_bom_semicolons_and_loose_headers(tree):
    text = (
        "\ufeffService Number ; Given name;FAMILY-NAME;Sex;Rank;Unit Code;Vetting Status;Is Commander\r\n"
        "NP-F1;Aïssata;Koné;f;Adjudant-chef;S1-ST;Finally certified;Yes\r\n"
        ";;;;;;;\r\n"
    )

    result = run(tree, text.encode())

    officer = Officer.objects.get(service_number="NP-F1")
    assert (officer.given_name, officer.family_name, officer.sex, officer.rank) == (
        "Aïssata",
        "Koné",
        "F",
        "Adjudant-chef",
    )
    assert (officer.unit, officer.vetting_status, officer.is_commander) == (
        tree.south_station,
        "finally_certified",
        True,
    )
    assert (result.rows, result.created) == (1, 1)


@pytest.mark.django_db
def test_dry_run_counts_and_writes_nothing(tree):
    before, snapshot = footprint(), officer_snapshot()
    rows = [
        row_of(tree.north_officers[0], unit_code="S1-ST"),
        row_of(tree.north_officers[1]) | {"service_number": "NEW-1"},
    ]

    result = run(tree, csv_bytes(rows), dry_run=True)

    assert result == RosterImportResult(
        import_id=None,
        rows=2,
        created=1,
        updated=1,
        transferred=1,
        unchanged=0,
        missing=numbers(tree.north_officers[1:] + tree.south_officers),
    )
    assert (footprint(), officer_snapshot()) == (before, snapshot)


# Refused files: every error at once, nothing written -----------------------------------------

GOOD = "NP-1,Awa,Ba,F,Constable,N1-ST"
HEAD = ",".join(HEADER)

BAD_FILES = {
    "wrong columns": (
        lines("id,name,grade", "1,Awa,Constable"),
        [{"row": 1, "field": name, "message": UNKNOWN_COLUMN} for name in ("id", "name", "grade")]
        + [{"row": 1, "field": name, "message": "This required column is missing."} for name in HEADER],
    ),
    "missing column": (
        lines("service_number,given_name,family_name,sex,unit_code", "NP-1,Awa,Ba,F,N1-ST"),
        [{"row": 1, "field": "rank", "message": "This required column is missing."}],
    ),
    "misspelt optional column, repeated column": (
        lines(HEAD + ",vetting_stauts,Rank", GOOD + ",screened,Constable"),
        [
            {"row": 1, "field": "vetting_stauts", "message": UNKNOWN_COLUMN},
            {"row": 1, "field": "rank", "message": "This column appears twice."},
        ],
    ),
    "duplicate service numbers": (
        lines(
            HEAD,
            GOOD,
            "NP-2,Ali,Sow,M,Constable,N1-ST",
            "NP-1,Awa,Ba,F,Constable,S1-ST",
            "NP-1,Awa,Ba,F,Sergeant,N1-ST",
        ),
        [
            {"row": 4, "field": "service_number", "message": "Service number NP-1 already appears on row 2."},
            {"row": 5, "field": "service_number", "message": "Service number NP-1 already appears on row 2."},
        ],
    ),
    "unknown unit": (
        lines(HEAD, GOOD, "NP-2,Ali,Sow,M,Constable,XX-99"),
        [{"row": 3, "field": "unit_code", "message": "No unit has this code in the police service."}],
    ),
    "bad sex": (
        lines(HEAD, "NP-1,Awa,Ba,X,Constable,N1-ST"),
        [{"row": 2, "field": "sex", "message": "Write F or M (female or male)."}],
    ),
    "bad vetting status and commander flag": (
        lines(HEAD + ",vetting_status,is_commander", GOOD + ",cleared,maybe"),
        [
            {
                "row": 2,
                "field": "is_commander",
                "message": "Write yes or no, or leave empty. Accepted: yes/no, true/false, 1/0, oui/non, vrai/faux, "
                "نعم/لا.",
            },
            {
                "row": 2,
                "field": "vetting_status",
                "message": "Unknown vetting status. Write one of: unknown, registered, screened, "
                "provisionally_certified, finally_certified, excluded.",
            },
        ],
    ),
    "empty file": (b"", [{"row": 0, "field": None, "message": "The file is empty."}]),
    "only blank lines and a BOM": (
        b"\xef\xbb\xbf \r\n\r\n",
        [{"row": 0, "field": None, "message": "The file is empty."}],
    ),
    "header only": (
        lines(HEAD),
        [{"row": 0, "field": None, "message": "The file has a header but no officer rows."}],
    ),
    "not UTF-8": (
        lines(HEAD, GOOD).replace(b"Awa", "Aw\u00e9".encode("latin-1")),
        [
            {
                "row": 0,
                "field": None,
                "message": "The file is not UTF-8 text (first wrong byte on line 2). Save it as “CSV UTF-8”.",
            }
        ],
    ),
    "UTF-16": (
        "\n".join([HEAD, GOOD]).encode("utf-16"),
        [{"row": 0, "field": None, "message": "The file is UTF-16 text. In the spreadsheet, save it as “CSV UTF-8”."}],
    ),
    "binary junk": (
        bytes(range(256)) * 8,
        [{"row": 0, "field": None, "message": "The file holds binary data: it is not a CSV text file."}],
    ),
    "too long values": (
        lines(
            HEAD + ",phone",
            f"{'9' * 51},Awa,Ba,F,Constable,N1-ST,",
            f"NP-2,{'A' * 151},Ba,F,Constable,N1-ST,{'1' * 41}",
        ),
        [
            {"row": 2, "field": "service_number", "message": "At most 50 characters; this value has 51."},
            {"row": 3, "field": "given_name", "message": "At most 150 characters; this value has 151."},
            {"row": 3, "field": "phone", "message": "At most 40 characters; this value has 41."},
        ],
    ),
    "malformed e-mail": (
        lines(HEAD + ",email", GOOD + ",awa.ba@", "NP-2,Ali,Sow,M,Constable,N1-ST,ali sow@police.example"),
        [
            {"row": 2, "field": "email", "message": "This is not a valid e-mail address."},
            {"row": 3, "field": "email", "message": "This is not a valid e-mail address."},
        ],
    ),
    "blank required values and a short line": (
        lines(HEAD, "NP-1, ,Ba,F,,N1-ST", "NP-2,Ali,Sow,M,Constable"),
        [
            {"row": 2, "field": "given_name", "message": "This value is required."},
            {"row": 2, "field": "rank", "message": "This value is required."},
            {"row": 3, "field": None, "message": "This line has 5 values but the header has 6 columns."},
        ],
    ),
    "a value under an unnamed column": (
        lines(HEAD + ",", GOOD + ",", "NP-2,Ali,Sow,M,Constable,N1-ST,note"),
        [{"row": 3, "field": None, "message": "Column 7 has a value but no name in the header."}],
    ),
    "every row error at once, in file order": (
        lines(HEAD, "NP-1,Awa,Ba,Q,Constable,XX", GOOD, "NP-3,Ali,Sow,M,Constable,N1-ST", "NP-1,Awa,Ba,F,,N1-ST"),
        [
            {"row": 2, "field": "sex", "message": "Write F or M (female or male)."},
            {"row": 2, "field": "unit_code", "message": "No unit has this code in the police service."},
            {"row": 3, "field": "service_number", "message": "Service number NP-1 already appears on row 2."},
            {"row": 5, "field": "service_number", "message": "Service number NP-1 already appears on row 2."},
            {"row": 5, "field": "rank", "message": "This value is required."},
        ],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_every_error_and_nothing_written(tree, people, data, expected):
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, data, actor=people.admin)

    assert refused.value.errors == expected
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_closed_unit_is_refused(tree):
    tree.south_station.is_active = False
    tree.south_station.save()
    before = footprint()

    with pytest.raises(RosterImportError) as refused:
        run(tree, lines(HEAD, "NP-1,Awa,Ba,F,Constable,S1-ST"))

    assert refused.value.errors == [{"row": 2, "field": "unit_code", "message": "This unit is closed."}]
    assert footprint() == before


@pytest.mark.django_db
@override_settings(ROSTER_IMPORT_MAX_BYTES=100)
def test_a_file_over_the_size_limit_is_refused_before_reading(tree):
    before = footprint()

    with pytest.raises(RosterImportError) as refused:
        run(tree, b"\xff" * 101)

    assert refused.value.errors == [
        {"row": 0, "field": None, "message": "The file is larger than 100\xa0bytes. Split it into smaller files."}
    ]
    assert footprint() == before


# Identity: service numbers however typed, direction marks, row numbers, yes and no ----------

LRM, RLM, RLE, RLO, PDF = "\u200e", "\u200f", "\u202b", "\u202e", "\u202c"
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"
ZWNJ, ZWJ = "\u200c", "\u200d"


@pytest.mark.django_db
def test_two_rows_naming_one_officer_however_typed_are_refused_naming_both(tree, people):
    before, snapshot = footprint(), officer_snapshot()
    data = lines(
        HEAD,
        GOOD,
        "FT-0502,Awa,Ba,F,Constable,N1-ST",
        "NP-2,Ali,Sow,M,Constable,N1-ST",
        f"{LRM}FT-0502{RLM},Awa,Ba,F,Sergeant,N1-ST",
        "NP-3,Ida,Ka,F,Constable,N1-ST",
        " ft-0502\u00a0,Awa,Ba,F,Constable,S1-ST",
    )

    with pytest.raises(RosterImportError) as refused:
        run(tree, data, actor=people.admin)

    assert refused.value.errors == [
        {"row": 5, "field": "service_number", "message": "Service number FT-0502 already appears on row 3."},
        {
            "row": 7,
            "field": "service_number",
            "message": "Service number ft-0502 already appears on row 3 as FT-0502: case and spaces do not count, "
            "so both rows name one officer.",
        },
    ]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_row_naming_an_existing_officer_in_another_case_updates_them(tree, people):
    officer = tree.north_officers[0]
    stored = officer.service_number
    typed = f" {stored.lower()}\u00a0{RLM}"
    rows = [row_of(officer, service_number=typed, rank="Inspector"), *tree_rows(tree)[1:]]

    result = run(tree, csv_bytes(rows), actor=people.admin)

    assert (result.rows, result.created, result.updated, result.unchanged, result.missing) == (4, 0, 1, 3, [])
    assert Officer.objects.count() == 4
    officer.refresh_from_db()
    assert (officer.service_number, officer.rank) == (stored, "Inspector")
    entry = AuditEntry.objects.get(action__startswith="roster.")
    assert (entry.action, entry.target_id, entry.before, entry.after) == (
        "roster.officer_updated",
        str(officer.pk),
        {"rank": "Constable"},
        {"rank": "Inspector"},
    )


@pytest.mark.django_db
def test_an_officer_stored_in_lower_case_is_matched_and_keeps_their_number(tree):
    Officer.objects.filter(pk=tree.south_officers[0].pk).update(service_number="kp-0042")
    officer = Officer.objects.get(pk=tree.south_officers[0].pk)

    result = run(tree, csv_bytes([row_of(officer, service_number="KP-0042")]))

    assert (result.created, result.unchanged) == (0, 1)
    assert numbers([officer]) == ["kp-0042"]
    assert result.missing == numbers(tree.north_officers + tree.south_officers[1:])
    assert Officer.objects.filter(service_number__iexact="kp-0042").count() == 1


@pytest.mark.django_db
def test_direction_marks_are_stripped_and_joiners_kept(tree, people):
    rows = [
        {
            "service_number": f"{LRI}NP-B1{PDI}",
            "given_name": f"{RLM}محمد{RLM}",
            "family_name": f"{RLE}خانه{ZWNJ}ای{PDF}",
            "sex": "M",
            "rank": f"{RLO}رقيب{PDF}",
            "unit_code": f"{LRM}N1-ST",
            "position": f"{RLI}Chef de poste{PDI} ({ZWJ}گ)",
        }
    ]

    run(tree, csv_bytes(rows, columns=[*HEADER, "position"]), actor=people.admin)

    assert Officer.objects.filter(service_number="NP-B1").values_list(
        "given_name", "family_name", "rank", "position", "unit"
    ).get() == ("محمد", f"خانه{ZWNJ}ای", "رقيب", f"Chef de poste ({ZWJ}گ)", tree.north_station.pk)


@pytest.mark.django_db
def test_row_numbers_are_the_spreadsheets_after_a_cell_with_line_breaks(tree, people):
    before = footprint()
    text = (
        HEAD + ",position\r\n"
        'NP-1,Awa,Ba,F,Constable,N1-ST,"Desk officer\nnight shift\nweekends"\r\n'
        "\r\n"
        "NP-2,Ali,Sow,X,Constable,N1-ST,\r\n"
        'NP-3,"Ida\nMarie",Ka,F,Constable,ZZ,\r\n'
        "NP-4,Oumar,Diop,M,Constable,N1-ST\r\n"
    )

    with pytest.raises(RosterImportError) as refused:
        run(tree, text.encode(), actor=people.admin)

    assert refused.value.errors == [
        {"row": 4, "field": "sex", "message": "Write F or M (female or male)."},
        {"row": 5, "field": "unit_code", "message": "No unit has this code in the police service."},
        {"row": 6, "field": None, "message": "This line has 6 values but the header has 7 columns."},
    ]
    assert footprint() == before


YES_AND_NO = {
    "NP-Y1": ("OUI", True),
    "NP-Y2": (" non ", False),
    "NP-Y3": ("Vrai", True),
    "NP-Y4": ("FAUX", False),
    "NP-Y5": ("نعم", True),
    "NP-Y6": (f"{RLM}لا{RLM}", False),
    "NP-Y7": ("\ufefb", False),  # لا written with the Arabic ligature
    "NP-Y8": ("Yes", True),
    "NP-Y9": ("0", False),
}


@pytest.mark.django_db
def test_yes_and_no_in_english_french_and_arabic(tree, people):
    template = row_of(tree.north_officers[0])
    rows = [template | {"service_number": number, "is_commander": word} for number, (word, _) in YES_AND_NO.items()]

    result = run(tree, csv_bytes(rows, columns=[*HEADER, "is_commander"]), actor=people.admin)

    assert result.created == 9
    stored = Officer.objects.filter(service_number__startswith="NP-Y").values_list("service_number", "is_commander")
    assert dict(stored) == {number: value for number, (_word, value) in YES_AND_NO.items()}


# Scope -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trainer_cannot_import_into_another_region(tree, people):
    before, snapshot = footprint(), officer_snapshot()
    data = lines(HEAD, "NP-1,Awa,Ba,F,Constable,S1-ST", "NP-2,Ali,Sow,M,Constable,N1-ST", "NP-3,Ida,Ka,F,Constable,N")

    with pytest.raises(RosterImportError) as refused:
        run(tree, data, actor=people.trainer_south)

    assert refused.value.errors == [
        {"row": 3, "field": "unit_code", "message": "This unit is outside your scope."},
        {"row": 4, "field": "unit_code", "message": "This unit is outside your scope."},
    ]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainer_cannot_pull_an_officer_from_another_region(tree, people):
    before, snapshot = footprint(), officer_snapshot()
    data = csv_bytes([row_of(tree.south_officers[0], unit_code="N1-ST")])

    with pytest.raises(RosterImportError) as refused:
        run(tree, data, actor=people.trainer_north)

    assert refused.value.errors == [
        {"row": 2, "field": "service_number", "message": "This officer serves in a unit outside your scope."}
    ]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainer_imports_their_region_and_sees_only_its_missing_officers(tree, people):
    rows = [row_of(tree.north_officers[0]), {"service_number": "NP-N9"} | row_of(tree.north_officers[0])]
    rows[1]["service_number"] = "NP-N9"

    result = run(tree, csv_bytes(rows), actor=people.trainer_north)

    assert (result.created, result.unchanged, result.missing) == (1, 1, [tree.north_officers[1].service_number])
    assert RosterImport.objects.get().imported_by == people.trainer_north


# Query count -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [20, 200])
def test_the_number_of_queries_does_not_grow_with_the_rows(tree, people, count, django_assert_max_num_queries):
    existing = OfficerFactory.create_batch(count, unit=tree.north_station)
    rows = [row_of(officer, unit_code="S1-ST", vetting_status="screened") for officer in existing]
    rows += [row_of(officer, service_number=f"NEW-{index}") for index, officer in enumerate(existing)]
    data = csv_bytes(rows, columns=[*HEADER, "vetting_status"])

    with django_assert_max_num_queries(QUERY_LIMIT):
        result = run(tree, data, actor=people.admin)
    with django_assert_max_num_queries(QUERY_LIMIT):
        again = run(tree, data, actor=people.admin)

    assert (result.created, result.updated, result.transferred) == (count, count, count)
    assert (again.unchanged, Event.objects.count()) == (2 * count, 3 * count)
    assert AuditEntry.objects.filter(action__startswith="roster.").count() == 2 * count


# API ---------------------------------------------------------------------------------------


def upload(data: bytes, name: str = "roster.csv") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.mark.django_db
def test_api_imports_and_answers_the_counts(api_client, tree, people):
    api_client.force_authenticate(people.trainer_north)
    data = csv_bytes(
        [row_of(tree.north_officers[0], unit_code="N1"), row_of(tree.north_officers[0], service_number="X1")]
    )

    response = api_client.post("/api/v1/officers/import/", {"file": upload(data)}, format="multipart")

    assert response.status_code == 200
    assert response.json() == {
        "import_id": RosterImport.objects.get().pk,
        "rows": 2,
        "created": 1,
        "updated": 1,
        "transferred": 1,
        "unchanged": 0,
        "missing": [tree.north_officers[1].service_number],
    }


@pytest.mark.django_db
def test_api_answers_400_with_every_error(api_client, tree, people):
    api_client.force_authenticate(people.admin)
    before, snapshot = footprint(), officer_snapshot()

    response = api_client.post(
        "/api/v1/officers/import/",
        {"file": upload(lines(HEAD, "NP-1,Awa,Ba,W,Constable,N1-ST", "NP-2,Ali,Sow,M,Constable,ZZ"))},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"row": 2, "field": "sex", "message": "Write F or M (female or male)."},
            {"row": 3, "field": "unit_code", "message": "No unit has this code in the police service."},
        ]
    }
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_api_refuses_junk_just_over_5_mb_by_its_size(api_client, tree, people):
    # A body over 5 MB and the form around it is refused before it is read (413,
    # tests/security_hardening/test_request_bodies.py); one a little smaller reaches the roster.
    api_client.force_authenticate(people.admin)
    before = footprint()

    response = api_client.post(
        "/api/v1/officers/import/", {"file": upload(b"\x00\xff junk" * (5 * 1024 * 1024 // 7 + 1))}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"row": 0, "field": None, "message": "The file is larger than 5.0\xa0MB. Split it into smaller files."}
        ]
    }
    assert footprint() == before


@pytest.mark.django_db
def test_api_without_a_file_answers_a_field_error(api_client, tree, people):
    api_client.force_authenticate(people.admin)
    before = footprint()

    response = api_client.post("/api/v1/officers/import/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"file": ["No file was submitted."]}
    assert footprint() == before


@pytest.mark.django_db
def test_api_needs_a_service_when_there_are_several(api_client, tree, people):
    other = PoliceServiceFactory(code="OTH", name="Other Police")
    UnitFactory(service=other, code="N1-ST")
    api_client.force_authenticate(people.admin)
    data = lines(HEAD, GOOD)
    before = footprint()

    ambiguous = api_client.post("/api/v1/officers/import/", {"file": upload(data)}, format="multipart")
    unknown = api_client.post("/api/v1/officers/import/", {"file": upload(data), "service": 999999}, format="multipart")
    named = api_client.post("/api/v1/officers/import/", {"file": upload(data), "service": other.pk}, format="multipart")

    assert (ambiguous.status_code, ambiguous.json()) == (
        400,
        {"service": ["Several police services are within your scope: name one."]},
    )
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"service": ["No police service with this id within your scope."]},
    )
    assert named.status_code == 200
    assert Officer.objects.get(service_number="NP-1").service == other
    assert footprint()["officers"] == before["officers"] + 1


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [(None, 401), ("trainee", 403), ("leader", 403), ("admin", 200)])
def test_api_is_for_trainers_and_admins(api_client, tree, people, who, status):
    if who:
        api_client.force_authenticate(getattr(people, who))
    before = footprint()

    response = api_client.post("/api/v1/officers/import/", {"file": upload(lines(HEAD, GOOD))}, format="multipart")

    assert response.status_code == status
    if status != 200:
        assert footprint() == before


@pytest.mark.django_db
def test_schema_describes_the_multipart_upload_and_both_answers():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/officers/import/"]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    request = schema["components"]["schemas"]["OfficerImportInputRequest"]
    assert request["required"] == ["file"]
    assert request["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": "CSV, UTF-8, comma or semicolon separated.",
    }
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OfficerImportResult"
    }
    # Row errors, or DRF's field errors for a missing file or an unknown service.
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/OfficerImportErrors"},
            {"$ref": "#/components/schemas/ValidationError"},
        ]
    }


# Management command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_and_prints_the_counts(tree, tmp_path):
    path = tmp_path / "national.csv"
    path.write_bytes(csv_bytes([*tree_rows(tree)[:3], row_of(tree.north_officers[0], service_number="NP-C1")]))
    out = io.StringIO()

    call_command("import_roster", str(path), "--service", "NNP", stdout=out)

    record = RosterImport.objects.get()
    assert out.getvalue().splitlines() == [
        f"Imported national.csv into NNP (import #{record.pk}).",
        "rows 4, created 1, updated 0, transferred 0, unchanged 3, missing 1",
        f"Active officers missing from the file: {tree.south_officers[1].service_number}",
    ]
    assert (record.imported_by, record.file_name) == (None, "national.csv")


@pytest.mark.django_db
def test_command_dry_run_writes_nothing(tree, tmp_path):
    path = tmp_path / "national.csv"
    path.write_bytes(csv_bytes([row_of(tree.north_officers[0], service_number="NP-C1")]))
    out = io.StringIO()
    before = footprint()

    call_command("import_roster", str(path), "--dry-run", stdout=out)

    assert out.getvalue().splitlines()[:2] == [
        "Dry run of national.csv into NNP: nothing was written.",
        "rows 1, created 1, updated 0, transferred 0, unchanged 0, missing 4",
    ]
    assert footprint() == before


@pytest.mark.django_db
def test_command_fails_with_the_reason_then_every_error(tree, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(lines(HEAD, "NP-1,Awa,Ba,W,Constable,N1-ST", "NP-2,Ali,Sow,M,Constable,ZZ"))
    before = footprint()

    with pytest.raises(CommandError) as failed:
        call_command("import_roster", str(path))

    assert failed.value.returncode == 1
    assert str(failed.value).splitlines() == [
        "bad.csv was not imported: 2 error(s); nothing was written.",
        "row 2, sex: Write F or M (female or male).",
        "row 3, unit_code: No unit has this code in the police service.",
    ]
    assert footprint() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.csv"], "Cannot read missing.csv: No such file or directory"),
        (["missing.csv", "--service", "NOPE"], "No police service has the code 'NOPE'."),
    ],
)
def test_command_fails_on_a_bad_path_or_service(tree, tmp_path, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(CommandError, match=message) as failed:
        call_command("import_roster", *arguments)

    assert failed.value.returncode == 1


@pytest.mark.django_db
def test_command_needs_a_service_when_there_are_several(tree, tmp_path):
    PoliceServiceFactory(code="OTH")
    path = tmp_path / "roster.csv"
    path.write_bytes(lines(HEAD, GOOD))

    with pytest.raises(CommandError, match="Several police services exist; name one with --service: NNP, OTH"):
        call_command("import_roster", str(path))


# Page --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [(None, 302), ("trainee", 403), ("leader", 403), ("trainer_north", 200)])
def test_page_is_for_trainers_and_admins(client, tree, people, who, status):
    if who:
        client.force_login(getattr(people, who))
    before = footprint()

    shown = client.get("/roster/import/")
    posted = client.post("/roster/import/", {"file": upload(lines(HEAD, GOOD))})

    assert (shown.status_code, posted.status_code) == (status, status)
    if status != 200:
        assert footprint() == before


@pytest.mark.django_db
def test_page_shows_a_labelled_csv_upload_form(client, tree, people):
    client.force_login(people.trainer_north)

    body = client.get("/roster/import/").content.decode()

    assert 'enctype="multipart/form-data"' in body
    assert '<label for="id_file">Roster file (CSV)</label>' in body
    assert 'accept=".csv,text/csv"' in body
    assert "service_number, given_name, family_name, sex, rank, unit_code" in body
    assert 'href="/roster/import/"' in body  # the navigation link
    assert "style=" not in body
    assert "<script" not in body


@pytest.mark.django_db
def test_page_shows_the_summary_and_missing_officers(client, tree, people):
    client.force_login(people.trainer_north)
    data = csv_bytes([row_of(tree.north_officers[0]), row_of(tree.north_officers[0], service_number="NP-W1")])

    response = client.post("/roster/import/", {"file": upload(data)})

    assert response.status_code == 200
    assert response.context["result"].created == 1
    body = response.content.decode()
    assert "The roster was imported" in body
    assert f"<li>{tree.north_officers[1].service_number}</li>" in body


@pytest.mark.django_db
def test_page_lists_every_error_and_writes_nothing(client, tree, people):
    client.force_login(people.trainer_north)
    before = footprint()

    response = client.post("/roster/import/", {"file": upload(lines(HEAD, "NP-1,Awa,Ba,F,Constable,S1-ST"))})

    assert response.status_code == 200
    assert response.context["errors"] == [
        {"row": 2, "field": "unit_code", "message": "This unit is outside your scope."}
    ]
    body = response.content.decode()
    assert "The file was not imported: 1 problem to correct. Nothing was changed." in body
    assert "<td>unit_code</td><td>This unit is outside your scope.</td>" in body
    assert footprint() == before


@pytest.mark.django_db
def test_page_without_a_file_shows_a_form_error(client, tree, people):
    client.force_login(people.admin)

    response = client.post("/roster/import/", {})

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["This field is required."]}
    assert RosterImport.objects.count() == 0


@pytest.mark.django_db
def test_unit_page_links_to_the_import_for_trainers_only(client, tree, people):
    client.force_login(people.trainer_north)
    trainer_page = client.get(f"/units/{tree.north.pk}/").content.decode()
    client.force_login(people.leader)
    leader_page = client.get(f"/units/{tree.north.pk}/").content.decode()

    assert 'href="/roster/import/"' in trainer_page
    assert 'href="/roster/import/"' not in leader_page

"""Roster import benchmark: a 10,000-officer roster over about 30 units.

    .venv/bin/python bench/import_roster.py [--rows 10000]

Measures, in one run on a throwaway database:

- ``import``: the first import of the file (every officer created), through
  ``organisations.roster.roster_import``, exactly as the API and the command call it;
- ``reimport``: the same file again (every row unchanged, nothing written);
- ``update``: a file moving one officer in ten to another unit and changing their vetting
  status (transfers, events and audit entries);
- ``baseline``: the least work that loads the same rows: parse the CSV and
  ``Officer.objects.bulk_create`` them, with no validation, no events and no audit.

It prints the figures, then one JSON line. The database is never the developer's: the
Django test-database machinery creates a fresh one and migrates it, a SQLite file in a
temporary directory (``LMS_VAR_DIR`` points there too, so nothing touches ``var/``), or,
when ``DATABASE_URL`` names a PostgreSQL server, a database called ``bench_roster`` on it,
dropped at the end.
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["LMS_TEST_SQLITE"] = str(VAR_DIR / "bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from organisations import services  # noqa: E402
from organisations.models import Officer, PoliceService, Unit  # noqa: E402
from organisations.roster import roster_import  # noqa: E402

# (given names female, given names male, family names) per naming tradition.
NAMES = {
    "arabic": (
        ["فاطمة", "عائشة", "مريم", "خديجة", "زينب", "أمينة"],
        ["محمد", "أحمد", "عمر", "يوسف", "إبراهيم", "عبد الله"],
        ["الحسن", "بن علي", "الزهراء", "المنصور", "السيد", "العمري"],
    ),
    "french": (
        ["Aïssata", "Hélène", "Mariétou", "Françoise", "Noëlle", "Béatrice"],
        ["Jérôme", "François", "Cédric", "Honoré", "Stéphane", "Anaël"],
        ["Koné", "Traoré", "Lefèvre", "Ndiaye", "Diabaté", "Faÿ"],
    ),
    "english": (
        ["Grace", "Mary", "Esther", "Joy", "Patience", "Ruth"],
        ["John", "Samuel", "Peter", "Emmanuel", "David", "Joseph"],
        ["Okafor", "Mensah", "Johnson", "Adeyemi", "Kamara", "O'Neill"],
    ),
    "swahili": (
        ["Neema", "Amani", "Zawadi", "Rehema", "Imani", "Furaha"],
        ["Baraka", "Juma", "Hamisi", "Salim", "Jabari", "Tumaini"],
        ["Mwangi", "Otieno", "Wanjiru", "Kiprono", "Mutua", "Achieng"],
    ),
}
RANKS = ["Constable", "Corporal", "Sergeant", "Inspector", "Chief Inspector", "Superintendent"]
POSITIONS = ["", "", "Desk officer", "Patrol officer", "Investigator", "SGBV focal point", "Community liaison"]
COLUMNS = [
    "service_number",
    "given_name",
    "family_name",
    "sex",
    "rank",
    "unit_code",
    "position",
    "is_commander",
    "vetting_status",
    "email",
    "phone",
]
STATION_TYPES = [
    Unit.Type.STATION,
    Unit.Type.STATION,
    Unit.Type.STATION,
    Unit.Type.COMMUNITY_POLICING,
    Unit.Type.SGBV,
    Unit.Type.BORDER_POST,
    Unit.Type.PUBLIC_ORDER,
    Unit.Type.TRANSNATIONAL_CRIME,
    Unit.Type.STATION,
]


def build_tree(code: str) -> list[str]:
    """A service with a headquarters, 3 regions and 27 units (31 in all); the unit codes."""
    service = PoliceService.objects.create(code=code, name=f"{code} National Police", country="Numara")
    nation = services.unit_create(service=service, code="HQ", name="Headquarters", unit_type=Unit.Type.NATIONAL)
    codes = ["HQ"]
    for region_number in range(1, 4):
        region = services.unit_create(
            service=service, parent=nation, code=f"R{region_number}", name=f"Region {region_number}", unit_type="area"
        )
        codes.append(region.code)
        for unit_number, unit_type in enumerate(STATION_TYPES, start=1):
            unit = services.unit_create(
                service=service,
                parent=region,
                code=f"R{region_number}-U{unit_number:02d}",
                name=f"Unit {region_number}.{unit_number}",
                unit_type=unit_type,
            )
            codes.append(unit.code)
    return codes


def roster_rows(count: int, unit_codes: list[str], rng: random.Random) -> list[dict]:
    traditions = list(NAMES)
    commanders: set[str] = set()
    rows = []
    for number in range(1, count + 1):
        female_names, male_names, family_names = NAMES[traditions[number % len(traditions)]]
        is_female = rng.random() < 0.35
        unit_code = rng.choice(unit_codes)
        is_commander = unit_code not in commanders
        commanders.add(unit_code)
        rows.append(
            {
                "service_number": f"BN-{number:06d}",
                "given_name": rng.choice(female_names if is_female else male_names),
                "family_name": rng.choice(family_names),
                "sex": "F" if is_female else "M",
                "rank": rng.choice(RANKS),
                "unit_code": unit_code,
                "position": rng.choice(POSITIONS),
                "is_commander": "yes" if is_commander else "no",
                "vetting_status": rng.choice(Officer.VettingStatus.values[1:]),
                "email": f"officer{number}@police.example" if rng.random() < 0.3 else "",
                "phone": f"+999 {rng.randrange(10**7, 10**8)}" if rng.random() < 0.6 else "",
            }
        )
    return rows


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def baseline_load(data: bytes, service: PoliceService) -> int:
    """Parse and bulk-create, nothing else: the floor any import stands on."""
    with transaction.atomic():
        unit_ids = dict(Unit.objects.filter(service=service).values_list("code", "pk"))
        officers = [
            Officer(
                service=service,
                service_number=row["service_number"],
                given_name=row["given_name"],
                family_name=row["family_name"],
                sex=row["sex"],
                rank=row["rank"],
                unit_id=unit_ids[row["unit_code"]],
                position=row["position"],
                is_commander=row["is_commander"] == "yes",
                vetting_status=row["vetting_status"] or Officer.VettingStatus.UNKNOWN,
                email=row["email"],
                phone=row["phone"],
            )
            for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        ]
        Officer.objects.bulk_create(officers, batch_size=1000)
    return len(officers)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    unit_codes = build_tree("BNP")
    build_tree("BASE")
    rows = roster_rows(arguments.rows, unit_codes, rng)
    data = csv_bytes(rows)
    changed = [dict(row) for row in rows]
    for row in changed[::10]:
        row["unit_code"] = rng.choice([code for code in unit_codes if code != row["unit_code"]])
        row["vetting_status"] = Officer.VettingStatus.REGISTERED
    changed_data = csv_bytes(changed)
    service = PoliceService.objects.get(code="BNP")

    loaded, baseline_seconds = timed(baseline_load, data, PoliceService.objects.get(code="BASE"))
    first, import_seconds = timed(roster_import, service=service, data=data, file_name="bench.csv", actor=None)
    again, reimport_seconds = timed(roster_import, service=service, data=data, file_name="bench.csv", actor=None)
    update, update_seconds = timed(
        roster_import, service=service, data=changed_data, file_name="bench-changed.csv", actor=None
    )
    if not (loaded == first.created == again.unchanged == arguments.rows and update.transferred == len(rows[::10])):
        raise SystemExit(f"Unexpected results: {loaded}, {first}, {again}, {update}")

    vendor = connection.vendor
    ratio = import_seconds / baseline_seconds
    print(f"Roster import benchmark on {vendor}: {arguments.rows:,} officers, {len(unit_codes)} units")
    print(f"  file size              {len(data) / 1024:,.0f} KiB")
    print(f"  baseline (parse + bulk_create, no checks)  {baseline_seconds:6.2f} s")
    print(f"  first import (all created)                 {import_seconds:6.2f} s  ({ratio:.1f} x baseline)")
    print(f"  re-import (all unchanged, nothing written) {reimport_seconds:6.2f} s")
    print(f"  import moving 1 in 10 (transfers, events)  {update_seconds:6.2f} s  ({update.updated:,} updated)")
    print(
        json.dumps(
            {
                "rows": arguments.rows,
                "database": vendor,
                "import_seconds": round(import_seconds, 3),
                "reimport_seconds": round(reimport_seconds, 3),
                "update_seconds": round(update_seconds, 3),
                "baseline_seconds": round(baseline_seconds, 3),
                "ratio": round(ratio, 2),
            }
        )
    )


if __name__ == "__main__":
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = "bench_roster"
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(VAR_DIR, ignore_errors=True)

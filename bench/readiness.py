"""Readiness benchmark: sync and dashboard against raw-SQL baselines, on SQLite and PostgreSQL.

    .venv/bin/python bench/readiness.py [--only sqlite|postgresql] [--units 1000]
        [--officers 50000] [--certificates 500000] [--rounds 3] [--requests 200]

Runs ``bench/readiness_run.py`` (read its docstring for what is measured and against
what) once on SQLite and once on PostgreSQL, each in a process of its own on a throwaway
database: a world of 50,000 officers in 1,000 units (nation -> 10 regions -> 50 districts
-> stations and specialised units), 40 courses over the 14 competencies and 500,000
certificates with their completion records. Figures, each the median of its rounds:

- ``full_ratio`` = ``readiness_sync_full`` / one raw ``INSERT ... SELECT ... GROUP BY``
  of the same coverage table (target: at most 3);
- ``event_ratio`` = ``readiness_sync_units`` for one station after one new certificate /
  raw SQL recomputing the same rows (target: at most 3);
- ``dashboard_ratio`` = ``GET /api/v1/readiness/units/{id}/`` / a minimal view through the
  same middleware answering the same stored rows from one raw SELECT (target: at most 3).

PostgreSQL is ``DATABASE_URL`` when it names one, else postgres://postgres@127.0.0.1:5432/;
the PostgreSQL figures are null when no server answers. It prints each run's figures,
then one JSON line: the SQLite figures under their names, PostgreSQL's prefixed ``pg_``,
and the raw seconds of both.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

HERE = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
RATIOS = ("full_ratio", "event_ratio", "dashboard_ratio")
TARGET = 3


def postgres_url() -> str | None:
    """The PostgreSQL server to use, if one answers (its URL), else None."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    maintenance = urlsplit(url)._replace(scheme="postgresql", path="/postgres").geturl()
    try:
        psycopg.connect(maintenance, connect_timeout=3).close()
    except psycopg.Error:
        return None
    return url


def run(database_url: str | None, options: list[str]) -> dict:
    """One run of readiness_run.py, its output passed through; returns its JSON line."""
    environment = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    if database_url:
        environment["DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, str(HERE / "readiness_run.py"), *options],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    last = ""
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.strip():
            last = line
    if process.wait() != 0:
        raise SystemExit(f"bench/readiness_run.py failed ({process.returncode}).")
    return json.loads(last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--officers", type=int, default=50_000)
    parser.add_argument("--certificates", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    options = [
        *("--units", str(arguments.units), "--officers", str(arguments.officers)),
        *("--certificates", str(arguments.certificates), "--rounds", str(arguments.rounds)),
        *("--requests", str(arguments.requests)),
    ]

    result: dict = {}
    if arguments.only != "postgresql":
        result |= run(None, options)
    url = postgres_url() if arguments.only != "sqlite" else None
    if url:
        result |= {f"pg_{name}": value for name, value in run(url, options).items()}
    else:
        result |= {f"pg_{name}": None for name in RATIOS}
        if arguments.only != "sqlite":
            print("PostgreSQL: no server answers; pg_* figures are null.")

    print("Readiness benchmark summary (target: every ratio <= 3)")
    for prefix, name in (("", "SQLite"), ("pg_", "PostgreSQL")):
        figures = ", ".join(f"{ratio} {result.get(prefix + ratio)}" for ratio in RATIOS)
        print(f"  {name:<11} {figures}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Benchmark: what bringing the hub's database to its schema costs at start, against the code of
another checkout (the baseline) measured in the same run.

`hub.db.migrate` is timed on SQLite for: a new, empty database (what `kiosk-hub init` and
every hub test do), one already at the latest schema (every later start), a database of
schema 1 (tests/data/hub_v1.sql) upgraded to the latest, and the same with REPORTS more
reports (the upgrade rebuilds the reports table on SQLite). Each code runs in its own
processes (PYTHONPATH set to its checkout first): `first` is the first call in a new process
(a hub starting), `again` the median of ROUNDS later calls in that process (a test run
opening many hubs); `import` is the time to import hub.db. Where the code has hub.schema
(Alembic), a new database is also built by running every revision, the choice hub.schema
did not make (it creates the tables and stamps the latest revision).

Run: PYTHONPATH=. .venv/bin/python bench/hub_migrate.py --baseline DIR [--rounds 5]
     [--reports 20000]
     (DIR: e.g. `mkdir /tmp/base && git archive main | tar -x -C /tmp/base`)
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
V1_DUMP = REPO / "tests" / "data" / "hub_v1.sql"


def _v1_database(path: Path, reports: int) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(V1_DUMP.read_text(encoding="utf-8"))
        db.executemany(
            "INSERT INTO reports (kiosk_id, uuid, body_sha256, received, created, ref_code, "
            "status_token, lang, service_code, description, status) VALUES ('jod-rynek', ?, "
            "'ab', '2026-11-20T10:00:00+00:00', '2026-11-20T09:59:00+00:00', '7KQ-4XM', 'tok', "
            "'pl', 'streetlight', 'Nie świeci latarnia przy ul. Młyńskiej 4', 'open')",
            ((str(uuid.uuid4()),) for _ in range(reports)),
        )


def _timed(make, run) -> float:
    """Seconds `run(engine)` takes on the engine `make()` returns (made beforehand)."""
    engine = make()
    try:
        start = time.perf_counter()
        run(engine)
        return time.perf_counter() - start
    finally:
        engine.dispose()


def child(case: str, rounds: int, reports: int) -> dict:
    """Run in a process whose hub package is the code measured: prints its figures."""
    start = time.perf_counter()
    from hub import db

    imported = time.perf_counter() - start
    tmp = Path(tempfile.mkdtemp(prefix="hub-migrate-"))
    counter = iter(range(10_000))

    def new() -> object:
        return db.make_engine(f"sqlite:///{tmp / f'{next(counter)}.db'}")

    def v1(extra: int):
        def make() -> object:
            path = tmp / f"{next(counter)}.db"
            _v1_database(path, extra)
            return db.make_engine(f"sqlite:///{path}")

        return make

    def latest() -> object:
        engine = new()
        db.migrate(engine)
        return engine

    run = db.migrate
    make = {"new": new, "latest": latest, "v1": v1(0), "v1_big": v1(reports), "revisions": new}
    make = make[case]
    if case == "revisions":
        from hub.schema import upgrade_to

        def run(engine) -> None:
            with db.transaction(engine) as conn:
                upgrade_to(conn, db.metadata)

    times = [_timed(make, run) for _ in range(rounds + 1)]
    return {"import": imported, "first": times[0], "again": statistics.median(times[1:])}


def measure(code: Path, case: str, rounds: int, reports: int) -> dict | None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            case,
            "--rounds",
            str(rounds),
            "--reports",
            str(reports),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        if "No module named 'hub.schema'" in done.stderr:
            return None
        raise SystemExit(f"{code} {case}: {done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rounds, args.reports)))
        return
    codes = {"this": REPO}
    if args.baseline:
        codes = {"baseline": args.baseline.resolve(), **codes}
    cases = {
        "new database": "new",
        "database at the latest schema (a restart)": "latest",
        "schema 1 upgraded": "v1",
        f"schema 1 + {args.reports} reports upgraded": "v1_big",
        "new database, every revision": "revisions",
    }
    print(f"{'':44} {'code':9} {'import ms':>10} {'first ms':>10} {'again ms':>10}")
    for label, case in cases.items():
        for name, code in codes.items():
            figures = measure(code, case, args.rounds, args.reports)
            if figures is None:
                continue
            print(
                f"{label:44} {name:9} {figures['import'] * 1000:10.1f} "
                f"{figures['first'] * 1000:10.1f} {figures['again'] * 1000:10.1f}"
            )


if __name__ == "__main__":
    main()

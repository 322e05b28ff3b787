"""Five years of national volume on PostgreSQL (DOMAIN.md section 10), filled from SQL in minutes.

    createdb -h 127.0.0.1 -U postgres national
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/national .venv/bin/python bench/national.py

It empties the database (it refuses one it did not fill, unless --force), migrates it, seeds the demo (its
organisations, personas and cases, so every persona signs in as in development), then adds the nation with
`INSERT ... SELECT generate_series`: 43 forces of 12 teams (the demo's Northshire and Westshire among them, so a force
holds about 1/43 of the cases and a team about 1/500), 8 officers a team, 100 providers (the demo's two among
them, serving Northshire) with a manager and three caseworkers each, two providers with two services each in every
force's directory, and per --cases (1.2 million by default):

- 1.5 people a case (each cautioned person, and a victim for half the cases), special-category rows for the people
  cautioned;
- cases over five years: those of the last 16 weeks mostly live (issued), older ones completed, closed or ended for
  non-compliance; 18% conditional cautions, 82% community resolutions (the national mix);
- an offence, two conditions, a screening, a needs assessment and a signed document per case given;
- 11 timeline events a case on average (13 million), one referral for most cases (1 million) with three
  appointments (2.9 million), flags (open on a fifth of the live cases), a message per referral, three decision
  facts per case with the person's age band, sex and ethnicity apart.

Two of officer-north's live cases are marked for the page benchmark: one with 12 events, one with 200. Prints the
time each step took and the row counts. `--cases 100000` gives the smaller data the growth table compares with.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app, demo  # noqa: E402
from app.extensions import db  # noqa: E402

FORCES, TEAMS, OFFICERS, PROVIDERS = 43, 12, 8, 100
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan", "Evans",
            "Thomas", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Green", "Edwards",
            "Hall", "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott"]
GIVEN = ["Alex", "Sam", "Jordan", "Chris", "Jamie", "Charlie", "Robin", "Kim", "Lee", "Pat", "Morgan", "Casey"]
COUNTED = ("people", "cases", "conditions", "timeline_events", "referrals", "appointments", "flags", "notifications",
           "decision_facts", "caution_documents")

SQL = Path(__file__).with_suffix(".sql")  # the steps, each headed "-- step: <name>"


def steps() -> list[tuple[str, list[str]]]:
    """The SQL file's steps: each a name and its statements."""
    found = []
    for chunk in SQL.read_text().split("-- step: ")[1:]:
        name, _, body = chunk.partition("\n")
        body = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("--"))
        found.append((name.strip(), [s.strip() for s in body.split(";") if s.strip()]))
    return found


def _params(n: int, now, p0: int, c0: int) -> dict:
    return {"n": n, "now": now, "forces": FORCES, "teams": TEAMS, "officers": OFFICERS, "providers": PROVIDERS,
            "given": list(GIVEN), "surnames": list(SURNAMES), "p0": p0, "c0": c0,
            "identity": demo.IDENTITY,
            "screening": '{"admits": true, "consents": true, "evidence_sufficient": true, "should_be_given": true}',
            "needs": '{"alcohol": "medium", "drugs": "none", "finance_debt": "low"}'}


def fill(n: int) -> None:
    now = db.session.scalar(text("SELECT now()"))
    p0 = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM people"))
    c0 = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM cases"))
    params = _params(n, now, p0, c0)
    started = time.perf_counter()
    for name, statements in steps():
        t = time.perf_counter()
        for statement in statements:
            used = {k: v for k, v in params.items() if f":{k}" in statement}
            db.session.execute(text(statement), used)
        db.session.commit()
        print(f"  {name:<66} {time.perf_counter() - t:7.1f} s", flush=True)
    t = time.perf_counter()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"  {'ANALYZE':<66} {time.perf_counter() - t:7.1f} s")
    print(f"  {'in all':<66} {time.perf_counter() - started:7.1f} s")


def counts() -> None:
    found = db.session.execute(text("SELECT relname, n_live_tup FROM pg_stat_user_tables")).all()
    for table, rows in sorted((t, r) for t, r in found if t in COUNTED):
        print(f"  {table:<20} {rows:>12,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_200_000)
    parser.add_argument("--force", action="store_true", help="empty a database this script did not fill")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (postgresql+psycopg://...): this fills it from SQL.")
    os.environ.setdefault("RESOLVE_INSTANCE", str(Path(tempfile.gettempdir()) / "resolve-national"))
    app = create_app("development")
    with app.app_context():
        filled_here = db.session.execute(text(
            "SELECT to_regclass('users') IS NULL OR EXISTS (SELECT 1 FROM users WHERE issuer = 'bench') "
            "OR NOT EXISTS (SELECT 1 FROM users)")).scalar()
        if not filled_here and not args.force:
            sys.exit("This database holds users this script did not make: use another, or --force to empty it.")
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        demo.seed()
        db.session.commit()
        print(f"Filling {args.cases:,} cases ...", flush=True)
        fill(args.cases)
        counts()


if __name__ == "__main__":
    main()

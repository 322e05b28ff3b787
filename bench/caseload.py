"""Caseload query speed at scale.

Fills a database with N cases spread over forces and teams (bulk inserts, no ORM objects), then times the
caseload page query for an officer, a supervisor and a coordinator, with and without filters and search.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/caseload.py --cases 200000

It refuses to run on a database that already holds cases unless --reuse is given (then it only measures).
Prints the median and 95th percentile of each query over --repeat runs. Figures go in notes, never in tests.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text
from werkzeug.datastructures import MultiDict

from app import access, create_app
from app.auth.models import User
from app.cases.models import Case
from app.cases.queries import CaseloadFilters, caseload
from app.extensions import db
from app.organisations.models import Membership, Organisation, OrgKind, Role, Team
from app.people.models import Person

FORCES, TEAMS_PER_FORCE = 43, 12
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan",
            "Evans", "Thomas", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Green"]


def fill(n: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    forces = [Organisation(kind=OrgKind.POLICE_FORCE, code=f"F{i:02d}", name=f"Force {i}") for i in range(FORCES)]
    db.session.add_all(forces)
    db.session.flush()
    teams = [Team(organisation_id=f.id, name=f"Team {j}") for f in forces for j in range(TEAMS_PER_FORCE)]
    db.session.add_all(teams)
    db.session.flush()
    officers = []
    for t in teams:
        for k in range(8):
            u = User(issuer="bench", subject=f"o-{t.id}-{k}", kind="staff", display_name=f"Officer {t.id}-{k}")
            db.session.add(u)
            officers.append((u, t))
    db.session.flush()
    db.session.execute(insert(Membership), [
        {"user_id": u.id, "organisation_id": t.organisation_id, "team_id": t.id, "role": Role.OFFICER,
         "active": True, "created_at": now, "updated_at": now} for u, t in officers])
    batch = 20_000
    statuses = ["draft", "screening", "ready", "issued", "issued", "issued", "completed", "completed", "closed"]
    for start in range(0, n, batch):
        size = min(batch, n - start)
        people = [{"public_id": uuid.uuid4(), "given_name": f"Name{rng.randrange(5000)}",
                   "family_name": rng.choice(SURNAMES) + str(rng.randrange(300)), "interpreter_needed": False,
                   "created_at": now, "updated_at": now} for _ in range(size)]
        ids = db.session.execute(insert(Person).returning(Person.id), people).scalars().all()
        rows = []
        for i, pid in enumerate(ids):
            officer, team = officers[rng.randrange(len(officers))]
            changed = now - timedelta(days=rng.randrange(5 * 365), minutes=rng.randrange(1440))
            rows.append({
                "public_id": uuid.uuid4(), "reference": f"RES-B{start + i:09d}", "regime": "current_practice",
                "disposal_type": "adult_conditional_caution", "status": rng.choice(statuses),
                "force_id": team.organisation_id, "team_id": team.id, "officer_id": officer.id,
                "offender_id": pid, "offence_summary": "Theft", "created_at": changed, "updated_at": changed,
                "deadline": (changed + timedelta(weeks=16)).date(),
            })
        db.session.execute(insert(Case), rows)
        db.session.commit()
        print(f"  {start + size:,} cases", flush=True)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, int(len(runs) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("RESOLVE_INSTANCE", str(Path(tempfile.gettempdir()) / "resolve-bench"))
    app = create_app("development")
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        existing = db.session.scalar(select(func.count()).select_from(Case))
        if existing and not args.reuse:
            sys.exit(f"the database already holds {existing:,} cases; use --reuse to measure them")
        if not existing:
            print(f"Filling {args.cases:,} cases ...")
            fill(args.cases)
        total = db.session.scalar(select(func.count()).select_from(Case))
        busiest = db.session.execute(
            select(Case.officer_id, func.count()).group_by(Case.officer_id).order_by(func.count().desc()).limit(1)
        ).first()
        officer = db.session.get(User, busiest[0])
        membership = officer.membership
        supervisor = type("U", (), {})  # a stand-in with the supervisor's scope: same force and team
        supervisor.membership = type("M", (), {"role": Role.SUPERVISOR, "organisation_id": membership.organisation_id,
                                              "team_id": membership.team_id})()
        supervisor.role, supervisor.is_authenticated = Role.SUPERVISOR, True
        coordinator = type("U", (), {})
        coordinator.membership = type("M", (), {"role": Role.COORDINATOR,
                                                "organisation_id": membership.organisation_id, "team_id": None})()
        coordinator.role, coordinator.is_authenticated = Role.COORDINATOR, True
        today = date.today()
        print(f"{db.engine.dialect.name}: {total:,} cases; busiest officer has {busiest[1]:,}")
        scenarios = [
            ("officer, page 1", officer, {}),
            ("officer, needs attention", officer, {"attention": "1"}),
            ("supervisor (team), page 1", supervisor, {}),
            ("supervisor, search 'smith'", supervisor, {"q": "smith"}),
            ("coordinator (force), page 1", coordinator, {}),
            ("coordinator, page 40", coordinator, {"page": "40"}),
            ("coordinator, status issued, due in 14 days", coordinator, {"status": "issued", "due": "14"}),
            ("coordinator, search 'patel1'", coordinator, {"q": "patel1"}),
            ("coordinator, search by reference", coordinator, {"q": "RES-B00001"}),
            ("coordinator, sort by surname", coordinator, {"sort": "name"}),
        ]
        for label, user, params in scenarios:
            base = access.visible_cases(user)
            if user is officer:
                base = base.where(Case.officer_id == officer.id)
            filters = CaseloadFilters.from_args(MultiDict(params))

            def run(base=base, filters=filters):
                caseload(base, filters, today, 14)
                db.session.rollback()

            p50, p95 = timed(run, args.repeat)
            print(f"  {label:<45} median {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()

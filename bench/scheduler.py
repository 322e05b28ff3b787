"""The scheduler's national day on PostgreSQL: planning reminders, the compliance sweep and the dispatcher.

    .venv/bin/python bench/scheduler.py                      # creates database bench_scheduler, drops it after
    .venv/bin/python bench/scheduler.py --url postgresql+psycopg://postgres@127.0.0.1:5432/mine --cases 15000

How the day is built. The demo's organisations and personas are seeded, then ONE case is built through the
services (tests/factories.py, as the suite builds them): issued ten days ago, the person's email address corrected
after issue with email as their channel, the rehabilitative condition referred to Fresh Start and accepted, one
appointment booked seven days ago. That case is then copied in bulk with INSERT ... SELECT: its person, the case,
its offences and conditions, and (for --appointments of them) its referral and one appointment. A copy changes
only what identifies it (ids, public ids, the reference, the email address), the case's deadline (spread from
tomorrow to 16 weeks after the issue, so some fall in each reminder's window) and the appointment's time (--tomorrow
of them tomorrow, the rest over the next 8 days). Each copy is a state the services reach: the same case, issued
on the same day with another deadline, booked for another time. What is not copied is history nobody in the
scheduler reads (timeline events, the audit chain, the caution document) and the outbox rows the booking wrote:
the copies look like appointments booked before reminders existed, which is the sweep's largest job.

Then, with the clock set to 9am today (London), it times `plan-reminders` (`app.notifications.jobs.plan_reminders`
and a commit), the compliance sweep `raise-flags` if a job of that name is registered, and, with the clock at
10:05, the dispatcher sending the day's due emails to an aiosmtpd server on loopback (in its own process). Prints
rows, seconds and statements beside the goals: the day planned in 5 s or less, 200 messages a second or more.
Figures go in the README's notes, never in tests.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from app import clock, create_app, demo
from app.extensions import db
from app.jobs.registry import JOBS, load
from app.notifications import dispatch, jobs
from app.notifications.models import Notification, NotificationStatus
from app.notifications.smtp import SmtpChannel

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_scheduler"
SERVER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.smtp_server import SmtpServer
server = SmtpServer().start()
print(server.port, flush=True)
sys.stdin.read()
print(len(server.received()), flush=True)
"""


@contextmanager
def counted():
    """Counts the statements sent on this process's engine while inside."""
    seen = {"n": 0}

    def count(*_):
        seen["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def profiled(run):
    """BENCH_PROFILE=1 prints where the time went (cProfile, top 25 by cumulative time)."""
    if not os.environ.get("BENCH_PROFILE"):
        return run()
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(run)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return result


def columns(table: str) -> list[str]:
    return [c.name for c in db.metadata.tables[table].columns if c.name != "id"]


def copy(table: str, source: str, pairs: str, overrides: dict[str, str], returning: str, params: dict) -> list:
    """INSERT a copy of the `source` rows of `table` for each (g, ...) row of `pairs`, with `overrides`."""
    cols = columns(table)
    chosen = ", ".join(overrides.get(c, f"t.{c}") for c in cols)
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {chosen} FROM {table} t CROSS JOIN {pairs} "  # noqa: S608
           f"WHERE {source} RETURNING {returning}")
    return db.session.execute(text(sql), params).all()


def build(cases: int, appointments: int, tomorrow: int, now: datetime) -> None:
    from tests import factories as f

    rng = random.Random(7)
    demo.seed()
    db.session.commit()
    issued_on = (now - timedelta(days=10)).astimezone(clock.LONDON).date()
    case = f.issued(on=issued_on)
    with clock.frozen(now - timedelta(days=7)):
        f.by_email(case, "person0@example.org")
        sent = f.accepted(case)
        template = f.appointment(sent, f.at(8, 10))
    db.session.commit()
    person_id, case_id, referral_id, appointment_id = case.offender_id, case.id, sent.id, template.id
    today = now.astimezone(clock.LONDON).date()
    last = issued_on + timedelta(weeks=16)
    gs = list(range(1, cases + 1))

    people = copy("people", "t.id = :src", "unnest(CAST(:gs AS int[])) AS m(g)",
                  {"public_id": "gen_random_uuid()", "email": "'person' || m.g || '@example.org'"},
                  "id, email", {"src": person_id, "gs": gs})
    person_of = {int(email.removeprefix("person").split("@")[0]): pid for pid, email in people}
    deadlines = [today + timedelta(days=rng.randint(1, (last - today).days)) for _ in gs]
    made = copy("cases", "t.id = :src", "unnest(CAST(:gs AS int[]), CAST(:pids AS int[]), CAST(:ds AS date[])) "
                "AS m(g, pid, deadline)",
                {"public_id": "gen_random_uuid()", "reference": "'RES-S' || lpad(m.g::text, 7, '0')",
                 "offender_id": "m.pid", "deadline": "m.deadline"},
                "id, reference", {"src": case_id, "gs": gs, "pids": [person_of[g] for g in gs], "ds": deadlines})
    case_of = {int(ref.removeprefix("RES-S")): cid for cid, ref in made}
    cids = [case_of[g] for g in gs]
    pairs = "unnest(CAST(:gs AS int[]), CAST(:cids AS int[])) AS m(g, cid)"
    for (offence_id,) in db.session.execute(text("SELECT id FROM case_offences WHERE case_id = :c"), {"c": case_id}):
        copy("case_offences", "t.id = :src", pairs, {"public_id": "gen_random_uuid()", "case_id": "m.cid"}, "id",
             {"src": offence_id, "gs": gs, "cids": cids})
    condition_of = {}
    for (condition_id,) in db.session.execute(text("SELECT id FROM conditions WHERE case_id = :c"), {"c": case_id}):
        rows = copy("conditions", "t.id = :src", pairs, {"public_id": "gen_random_uuid()", "case_id": "m.cid"},
                    "id, case_id", {"src": condition_id, "gs": gs, "cids": cids})
        if condition_id == sent.condition_id:
            condition_of = {cid: new for new, cid in rows}
    referred = cids[:appointments]
    referrals = copy("referrals", "t.id = :src",
                     "unnest(CAST(:cids AS int[]), CAST(:conds AS int[])) AS m(cid, cond)",
                     {"public_id": "gen_random_uuid()", "case_id": "m.cid", "condition_id": "m.cond"},
                     "id, case_id",
                     {"src": referral_id, "cids": referred, "conds": [condition_of[c] for c in referred]})
    person_by_case = {case_of[g]: person_of[g] for g in gs}
    starts = []
    for i in range(len(referrals)):
        ahead = 1 if i < tomorrow else rng.randint(2, 8)
        starts.append(f.at(ahead, rng.randint(9, 16), rng.choice((0, 15, 30, 45))))
    copy("appointments", "t.id = :src",
         "unnest(CAST(:rids AS int[]), CAST(:pids AS int[]), CAST(:starts AS timestamptz[])) AS m(rid, pid, s)",
         {"public_id": "gen_random_uuid()", "referral_id": "m.rid", "person_id": "m.pid", "starts_at": "m.s",
          "ends_at": "m.s + (t.ends_at - t.starts_at)"}, "id",
         {"src": appointment_id, "rids": [r for r, _ in referrals], "pids": [person_by_case[c] for _, c in referrals],
          "starts": starts})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed_job(label: str, run) -> float:
    with counted() as seen:
        started = time.perf_counter()
        rows = profiled(run)
        db.session.commit()
        seconds = time.perf_counter() - started
    print(f"  {label:<22} {rows:>7,} rows  {seconds:6.2f} s  {seen['n']:>6,} statements", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help=f"an existing PostgreSQL database (default: {DEFAULT_URL}, made and dropped)")
    parser.add_argument("--cases", type=int, default=15_000)
    parser.add_argument("--appointments", type=int, default=5_000)
    parser.add_argument("--tomorrow", type=int, default=3_000)
    parser.add_argument("--dispatchers", type=int, default=1, help="dispatcher processes (1: this process)")
    parser.add_argument("--keep", action="store_true", help="keep the database made for the run")
    args = parser.parse_args()
    url = make_url(args.url or DEFAULT_URL)
    made = args.url is None
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    if made:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}"')
            conn.execute(f'CREATE DATABASE "{url.database}"')
    os.environ.setdefault("RESOLVE_INSTANCE", str(Path(tempfile.gettempdir()) / "resolve-bench"))
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)})
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            if db.session.scalar(text("SELECT count(*) FROM cases")) and made:
                sys.exit("the database is not empty")
            now = datetime.combine(clock.today(), datetime.min.time().replace(hour=9), tzinfo=clock.LONDON)
            with clock.frozen(now):
                print(f"Building {args.cases:,} issued cases and {args.appointments:,} appointments "
                      f"({args.tomorrow:,} tomorrow) ...", flush=True)
                started = time.perf_counter()
                build(args.cases, args.appointments, args.tomorrow, now)
                print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
                load()
                day = timed_job("plan-reminders", lambda: jobs.plan_reminders(app))
                if "raise-flags" in JOBS:
                    day += timed_job("raise-flags", lambda: JOBS["raise-flags"].func(app))
                else:
                    print("  raise-flags            not registered (app.compliance.jobs defines no such job): skipped")
                print(f"  the day: {day:.2f} s (goal: 5 s or less)")
            measure_dispatch(now + timedelta(hours=1, minutes=5), args.dispatchers,
                             url.render_as_string(hide_password=False))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if made and not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.database}"')


def measure_dispatch(at: datetime, processes: int, url: str) -> None:
    """The day's due messages sent to a loopback SMTP server, by this process or by `processes` dispatchers in
    their own processes (`python -m tests.job_worker dispatch`, which is `flask jobs run-once dispatch`)."""
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(ROOT)], stdin=subprocess.PIPE,  # noqa: S603
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        with clock.frozen(at):
            due = db.session.scalar(select(func.count()).select_from(Notification).where(
                Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= clock.now(),
                Notification.medium == "email"))
            db.session.rollback()
            started, statements = time.perf_counter(), "statements not counted in other processes"
            if processes == 1:
                channel = SmtpChannel(host="127.0.0.1", port=port, security="none", username=None, password=None,
                                      sender="Resolve <no-reply@resolve.invalid>")
                with counted() as seen:
                    profiled(lambda: dispatch.dispatch(channel))
                channel.close()
                statements = f"{seen['n']:,} statements"
            else:
                env = os.environ | {"RESOLVE_ENV": "test", "TEST_DATABASE_URL": url,
                                    "RESOLVE_TEST_CLOCK": at.isoformat(), "NOTIFICATION_CHANNEL": "smtp",
                                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none"}
                workers = [subprocess.Popen([sys.executable, "-m", "tests.job_worker", "dispatch"],
                                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(processes)]
                for worker in workers:
                    worker.wait()
            seconds = time.perf_counter() - started
        server.stdin.close()
        received = int(server.stdout.readline())
    finally:
        server.wait(10)
    print(f"  dispatch, {processes} process(es): {due:,} due emails, {received:,} received in {seconds:.2f} s: "
          f"{received / seconds:.0f} messages/s (goal: 200 or more), {statements}", flush=True)


if __name__ == "__main__":
    main()

"""The scheduler's jobs in several OS processes at once, on PostgreSQL (where claims are `FOR UPDATE SKIP LOCKED`):
dispatchers sharing 10,000 messages, one killed mid-run, lose none and repeat only what the dead one held; planners
running together write each reminder once. Each process is `python -m tests.job_worker JOB`, which is what
`flask jobs run-once JOB` does, with the clock set through RESOLVE_TEST_CLOCK."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.models import User
from app.extensions import db
from app.jobs.models import JobRun
from app.notifications import services, timings
from app.notifications.models import Audience, Notification, NotificationStatus
from app.notifications.smtp import SmtpChannel
from app.referrals.models import Appointment
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="several processes claiming rows at once needs PostgreSQL "
                                       "(SQLite serialises them); set TEST_DATABASE_URL")
MESSAGES, DISPATCHERS, KILL_AFTER = 10_000, 4, 1_000
SENT = NotificationStatus.SENT


@pytest.fixture
def start(tmp_path):
    """start(job, at, name, **env) -> the job running in its own process with the clock at `at`; any still
    running when the test ends is killed."""
    started = []

    def run(job: str, at, name: str, **env) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process, in finish)
        process = subprocess.Popen([sys.executable, "-m", "tests.job_worker", job], cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT,
                                   env=os.environ | {"RESOLVE_ENV": "test", "RESOLVE_TEST_CLOCK": at.isoformat()} | env)
        process.log = log
        started.append(process)
        return process

    yield run
    for process in started:
        finish(process, timeout=0)


def finish(process: subprocess.Popen, timeout: float = 300) -> int:
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        if timeout:
            raise
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.log.close()
    return process.returncode


def output(process) -> str:
    return Path(process.log.name).read_text()


def _wait_for(condition, timeout: float, what) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what()}")
        time.sleep(0.05)


def _sending() -> set[tuple[str, str]]:
    return set(db.session.execute(select(Notification.claim, Notification.key)
                                  .where(Notification.status == NotificationStatus.SENDING)).all())


def test_dispatchers_in_four_processes_one_killed_lose_nothing(app, demo_data, smtp_server, start):
    smtp = {"NOTIFICATION_CHANNEL": "smtp", "SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port),
            "SMTP_SECURITY": "none", "SMTP_USERNAME": "", "SMTP_PASSWORD": ""}
    written_at = clock.now()
    with app.app_context(), clock.frozen(written_at):
        # The dispatcher's input, written straight into the outbox: 10,000 bookings through the services would
        # take minutes and test the planner, not the dispatcher. Staff messages, so each has a real recipient.
        users = db.session.scalars(select(User.id).where(User.email.is_not(None), User.active)).all()
        rows = [services.row(f"load:{i:05d}", audience=Audience.STAFF, template="outcome_due", medium="email",
                             personalisation={"day": "Tuesday 1 December 2026", "time": "10am",
                                              "link": "http://127.0.0.1/referrals/x"}, user_id=users[i % len(users)])
                for i in range(MESSAGES)]
        assert services.write(rows) == MESSAGES
        db.session.commit()

    running = written_at + timedelta(minutes=1)
    workers = [start("dispatch", running, f"dispatch-{i}", **smtp) for i in range(DISPATCHERS)]
    victim = workers[0]
    _wait_for(lambda: len(smtp_server.received()) >= KILL_AFTER or victim.poll() is not None, 60,
              lambda: f"{KILL_AFTER} messages ({len(smtp_server.received())} came): {output(victim)}")
    assert victim.poll() is None, output(victim)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    with app.app_context():
        held_at_kill = _sending()
        db.session.rollback()
        for worker in workers[1:]:
            assert finish(worker) == 0, output(worker)
        finish(victim)
        # What is still `sending` now is what the killed process held: its last claim, never finished.
        left = _sending()
        killed_claims = {claim for claim, _ in left}
        assert len(killed_claims) <= 1
        killed_keys = {key for claim, key in held_at_kill if claim in killed_claims}
        assert {key for _, key in left} == killed_keys
        db.session.rollback()

    # After the lease, one more dispatcher finds the dead one's messages and sends them again (SMTP cannot say
    # whether it took them).
    after_lease = running + timedelta(seconds=timings.get().lease_seconds + 300)
    last = start("dispatch", after_lease, "dispatch-last", **smtp)
    assert finish(last) == 0, output(last)

    with app.app_context():
        statuses = dict(db.session.execute(select(Notification.status, func.count())
                                           .where(Notification.key.startswith("load:"))
                                           .group_by(Notification.status)).all())
        assert statuses == {SENT: MESSAGES}
        sent_keys = db.session.scalars(select(Notification.key).where(Notification.medium == "email",
                                                                       Notification.status == SENT)).all()
        db.session.rollback()
    received = Counter(m.message_id for m in smtp_server.received())
    assert set(received) == {SmtpChannel.message_id(key) for key in sent_keys}  # nothing lost, nothing extra
    repeated = {mid: n for mid, n in received.items() if n > 1}
    print(f"\n{MESSAGES:,} messages, {DISPATCHERS} dispatchers, one killed holding {len(killed_keys)}: "
          f"{sum(repeated.values()) - len(repeated)} received twice")
    # At least once: only a message the killed process held can arrive twice, with the same Message-ID.
    assert set(repeated) <= {SmtpChannel.message_id(key) for key in killed_keys}
    assert sum(n - 1 for n in repeated.values()) <= len(killed_keys)


FAMILIES = ["Lee", "Khan", "Patel", "Jones"]  # the course takes 6 new referrals a week
DAYS_AHEAD = {2: 1, 4: 3, 8: 7}  # appointments this many days ahead -> the reminder due tomorrow (days before)


def test_three_planners_at_once_write_each_reminder_once(app, demo_data, start):
    with app.app_context():
        booked_at = f.at(0, 9)
        with clock.frozen(booked_at):
            planned_at = f.at(1, 9, 30)
            # 300 appointments for 4 people (25 a day, half-hourly from 7am), booked today at 9am before they
            # gave an email address: the booking wrote no reminders, so the planner writes them. At 9:30 tomorrow
            # each has one reminder due that day at 10am: the day before for those in 2 days, 3 days before for
            # those in 4, 7 for those in 8.
            expected, send_at = {}, timings.get().send_at
            for family in FAMILIES:
                case = f.issued(family=family)
                sent = f.accepted(case)
                for ahead, before in DAYS_AHEAD.items():
                    for slot in range(25):
                        a = f.appointment(sent, f.at(ahead, 7 + slot // 2, 30 * (slot % 2)), minutes=30)
                        expected[a.id] = (before, timings.at_london(
                            (a.starts_at - timedelta(days=before)).astimezone(clock.LONDON).date(), send_at))
                f.by_email(case, f"{family.lower()}@example.com")
            db.session.commit()
    assert len(expected) == 300

    planners = [start("plan-reminders", planned_at, f"plan-{i}") for i in range(3)]
    for planner in planners:
        assert finish(planner) == 0, output(planner)

    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job == "plan-reminders")).all()
        assert [run.error for run in runs] == [None] * 3
        found = db.session.execute(select(Notification.appointment_id, Notification.personalisation,
                                          Notification.next_attempt_at, Notification.key)
                                   .join(Appointment, Appointment.id == Notification.appointment_id)
                                   .where(Notification.template == "appointment_reminder")).all()
        assert sum(run.rows for run in runs) == len(found)
        db.session.rollback()
    assert len({row.key for row in found}) == len(found)
    assert {row.appointment_id: (row.personalisation["days"], row.next_attempt_at) for row in found} == expected
    assert len(found) == len(expected)

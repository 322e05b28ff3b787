"""The scheduler's jobs. Session rows are the sign-in machinery's own records, not case data: the purge test writes
them directly, each in a state a real session can be in (a session is touched only while it is live, so it is never
seen after its expiry), at exact distances from the limits with the clock stopped."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import UserSession
from app.extensions import db
from app.jobs import scheduler

pytestmark = pytest.mark.calendar  # the purge reads the clock: CI runs these again at hostile moments


def _session(key: str, *, age: timedelta, idle: timedelta, lifetime: timedelta):
    now = clock.now()
    assert idle <= age and age - idle < lifetime, f"{key}: no session is seen after it expires"
    return UserSession(id=key, data={}, created_at=now - age, last_seen_at=now - idle,
                       expires_at=now - age + lifetime)


def test_purge_sessions_removes_idle_and_expired_and_keeps_live_ones(app, ctx):
    idle_limit = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    lifetime = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    minute = timedelta(minutes=1)
    with clock.frozen(clock.now()):
        db.session.add_all([
            _session("live", age=timedelta(hours=1), idle=idle_limit - minute, lifetime=lifetime),
            _session("idle-to-the-limit", age=timedelta(hours=1), idle=idle_limit, lifetime=lifetime),
            _session("idle", age=timedelta(hours=1), idle=idle_limit + minute, lifetime=lifetime),
            # Kept in use (seen 10 minutes ago) until past its absolute limit: expired, though not idle.
            _session("expired", age=lifetime + 5 * minute, idle=10 * minute, lifetime=lifetime),
            _session("expiring-now", age=lifetime, idle=10 * minute, lifetime=lifetime),
        ])
        db.session.commit()

        assert scheduler.run_once(app, "purge-sessions") == 3
        assert sorted(db.session.scalars(select(UserSession.id))) == ["idle-to-the-limit", "live"]
        # Safe to run twice: nothing more to do the second time.
        assert scheduler.run_once(app, "purge-sessions") == 0


def test_jobs_cli_runs_one_job_and_rejects_unknown_names(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["jobs", "run-once", "purge-sessions"])
    assert ok.exit_code == 0, ok.output
    assert "purge-sessions: 0 row(s)" in ok.output
    bad = runner.invoke(args=["jobs", "run-once", "no-such-job"])
    assert bad.exit_code != 0
    assert "no job called 'no-such-job'" in bad.output

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.auth.models import UserSession
from app.extensions import db
from app.jobs import scheduler


def _session(key: str, *, age: timedelta, idle: timedelta, lifetime: timedelta = timedelta(hours=12)):
    now = clock.now()
    return UserSession(id=key, data={}, created_at=now - age, last_seen_at=now - idle,
                       expires_at=now - age + lifetime)


def test_purge_sessions_removes_idle_and_expired_and_keeps_live_ones(app, ctx):
    idle_limit = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    db.session.add_all([
        _session("live", age=timedelta(hours=1), idle=idle_limit - timedelta(minutes=1)),
        _session("idle", age=timedelta(hours=1), idle=idle_limit + timedelta(minutes=1)),
        _session("expired", age=timedelta(hours=13), idle=timedelta(minutes=1)),
    ])
    db.session.commit()

    assert scheduler.run_once(app, "purge-sessions") == 2
    assert db.session.scalars(select(UserSession.id)).all() == ["live"]
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

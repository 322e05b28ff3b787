"""Jobs are registered by their domains; each run is recorded (start, end, rows, error) and `flask jobs status`
says which job is overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.jobs import registry, scheduler
from app.jobs.models import JobRun
from tests.notifications.helpers import london

AT = london(2027, 6, 1, 9, 0)


def test_each_domain_registers_its_jobs():
    assert {"purge-sessions", "plan-reminders", "dispatch", "raise-flags"} <= set(scheduler.JOBS)


def test_a_run_is_recorded_and_a_failed_one_with_its_error(app, ctx):
    with clock.frozen(AT):
        scheduler.run_once(app, "purge-sessions")

    def broken(app):
        raise RuntimeError("the database went away")

    registry.JOBS["broken"] = registry.Job("broken", broken, 5)
    try:
        with clock.frozen(AT), pytest.raises(RuntimeError):
            scheduler.run_once(app, "broken")
    finally:
        del registry.JOBS["broken"]
    done, failed = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
    assert (done.job, done.rows, done.error, done.started_at, done.ended_at) == ("purge-sessions", 0, None, AT, AT)
    assert failed.error == "RuntimeError: the database went away" and failed.rows is None


def test_status_marks_a_job_overdue_after_two_of_its_intervals(app, ctx):
    with clock.frozen(AT):
        scheduler.run_once(app, "dispatch")
    minutes = registry.JOBS["dispatch"].minutes
    with clock.frozen(AT + timedelta(minutes=2 * minutes)):
        status = {s.job.name: s for s in registry.statuses()}
        assert not status["dispatch"].overdue and status["purge-sessions"].overdue  # never run
    with clock.frozen(AT + timedelta(minutes=2 * minutes, seconds=1)):
        assert {s.job.name: s for s in registry.statuses()}["dispatch"].overdue


def test_flask_jobs_status_prints_each_job(app, ctx):
    with clock.frozen(AT):
        scheduler.run_once(app, "purge-sessions")
    result = app.test_cli_runner().invoke(args=["jobs", "status"])
    assert result.exit_code == 0
    assert "purge-sessions" in result.output and "0 row(s)" in result.output and "dispatch" in result.output
    assert "never run  OVERDUE" in result.output

"""The scheduler process.

`flask jobs run` starts a BlockingScheduler in its own process; web workers never do (a development setting
may run it in a background thread for `make run`). Jobs are plain functions calling services, registered by their
domains (app/jobs/registry.py); each is safe to run twice and in several processes at once. Each run is recorded
in `job_runs`.
"""

from __future__ import annotations

import contextlib
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app import clock
from app.extensions import db
from app.jobs.registry import JOBS, load, started

log = logging.getLogger(__name__)
load()


def run_once(app, name: str) -> int:
    """Run one job now, recording the run; a failed run is recorded with its error and raised again."""
    with app.app_context():
        run = started(name, clock.now())
        db.session.commit()
        run_id = run.id
        try:
            count = JOBS[name].func(app)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            _finish(run_id, None, f"{type(exc).__name__}: {exc}"[:500])
            log.exception("job %s failed", name)
            raise
        _finish(run_id, count, None)
        log.info("job %s done: %s row(s)", name, count)
        return count


def _finish(run_id: int, rows: int | None, error: str | None) -> None:
    from app.jobs.models import JobRun

    run = db.session.get(JobRun, run_id)
    run.ended_at, run.rows, run.error = clock.now(), rows, error
    db.session.commit()


def _safe_run(app, name: str) -> None:
    # A failure is recorded in job_runs and logged by run_once; the scheduler keeps going.
    with contextlib.suppress(Exception):
        run_once(app, name)


def _add_jobs(scheduler, app) -> None:
    for name, job in JOBS.items():
        scheduler.add_job(_safe_run, args=(app, name), id=name, coalesce=True, max_instances=1, **job.trigger)


def run_forever(app) -> None:
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    _add_jobs(scheduler, app)
    log.info("scheduler started with %d job(s)", len(JOBS))
    scheduler.start()


def start_in_background(app) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=app.config["TIMEZONE"], daemon=True)
    _add_jobs(scheduler, app)
    scheduler.start()
    return scheduler

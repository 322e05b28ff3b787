"""The one schedule table and the scheduler process.

`flask jobs run` starts a BlockingScheduler in its own process; web workers never do (a development setting
may run it in a background thread for `make run`). Jobs are plain functions calling services, safe to run twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import delete

from app import clock
from app.auth.models import UserSession
from app.extensions import db

log = logging.getLogger(__name__)


def purge_sessions(app) -> int:
    """Delete sessions past their absolute expiry or idle for longer than the idle limit."""
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    now = clock.now()
    result = db.session.execute(
        delete(UserSession).where((UserSession.expires_at <= now) | (UserSession.last_seen_at < now - idle)))
    return result.rowcount


# name -> (function, trigger arguments)
JOBS = {
    "purge-sessions": (purge_sessions, {"trigger": "interval", "minutes": 15}),
}


def run_once(app, name: str) -> int:
    func, _ = JOBS[name]
    with app.app_context():
        count = func(app)
        db.session.commit()
        log.info("job %s done: %s row(s)", name, count)
        return count


def _add_jobs(scheduler, app) -> None:
    for name, (_, trigger) in JOBS.items():
        scheduler.add_job(run_once, args=(app, name), id=name, coalesce=True, max_instances=1, **trigger)


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

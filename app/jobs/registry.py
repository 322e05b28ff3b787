"""Jobs, registered by the domains that own them (each domain's `jobs.py`), and the record of their runs."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.jobs.models import JobRun

DOMAINS = ("app.auth.jobs", "app.notifications.jobs", "app.compliance.jobs", "app.victims.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    func: object  # func(app) -> rows done
    minutes: int  # runs every this many minutes

    @property
    def trigger(self) -> dict:
        return {"trigger": "interval", "minutes": self.minutes}


JOBS: dict[str, Job] = {}


def job(name: str, *, minutes: int):
    def register(func):
        JOBS[name] = Job(name, func, minutes)
        return func
    return register


def load() -> dict[str, Job]:
    for module in DOMAINS:
        importlib.import_module(module)
    return JOBS


@dataclass(frozen=True)
class Status:
    job: Job
    last: JobRun | None

    @property
    def overdue(self) -> bool:
        """Not run, or not finished a run, within two of its intervals."""
        if self.last is None or self.last.ended_at is None:
            return self.last is None or self.last.started_at < clock.now() - timedelta(minutes=2 * self.job.minutes)
        return self.last.ended_at < clock.now() - timedelta(minutes=2 * self.job.minutes)


def statuses() -> list[Status]:
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    runs = {run.job: run for run in db.session.scalars(select(JobRun).join(latest, latest.c.id == JobRun.id))}
    return [Status(job, runs.get(name)) for name, job in sorted(load().items())]


def started(name: str, at: datetime) -> JobRun:
    run = JobRun(job=name, started_at=at)
    db.session.add(run)
    return run


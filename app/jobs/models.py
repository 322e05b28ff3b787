"""One row per job run: when it started and ended, how much it did, and what went wrong."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    rows: Mapped[int | None]
    # The exception's class and message: jobs never put personal data in their exceptions' text.
    error: Mapped[str | None] = mapped_column(String(500))

"""The timeline event: one row per thing that happened on a case, with the parties who may see it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import JSONDocument
from app.extensions import db


class TimelineEvent(db.Model):
    """One event on a case's shared timeline; each party's view is a filter on the visibility flags."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_events_case_time", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(48))
    summary: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    visible_police: Mapped[bool] = mapped_column(default=True)
    visible_provider: Mapped[bool] = mapped_column(default=False)
    visible_offender: Mapped[bool] = mapped_column(default=False)
    visible_victim: Mapped[bool] = mapped_column(default=False)
    # The referral an event belongs to: providers see only the events of their own referrals.
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    # A correction names the event it corrects; that event stays, shown as corrected.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_events.id"))

    actor: Mapped[User | None] = relationship()

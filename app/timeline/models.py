"""The timeline event: one row per thing that happened on a case, with the parties who may see it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import JSONDocument
from app.extensions import db


class Audience(enum.IntFlag):
    """Who may read an event: a bit each, stored as one integer (a case's events are read by case first, so the
    bit test needs no index of its own)."""

    POLICE = 1
    PROVIDER = 2  # the provider of the event's referral only
    OFFENDER = 4  # the person cautioned
    VICTIM = 8  # every victim of the case, or only the event's `victim_id`
    SCRUTINY = 16  # the scrutiny panel: anonymised wording

    @property
    def word(self) -> str:
        """The audience's name in templates: "police", "provider", ..."""
        return (self.name or "").lower()


class TimelineEvent(db.Model):
    """One event on a case's shared timeline: its kind and what its wording needs (`detail`); the words each
    audience reads come from the template for its kind (app/timeline/wording.py)."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_events_case_time", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    audiences: Mapped[int] = mapped_column(default=int(Audience.POLICE))
    # With VICTIM: the one victim (a person) who sees the event; none, every victim of the case.
    victim_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The referral an event belongs to: providers see only the events of their own referrals.
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    # A correction names the event it corrects; that event stays, shown as corrected.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_events.id"))

    actor: Mapped[User | None] = relationship()

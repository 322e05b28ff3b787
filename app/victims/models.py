"""What a victim is owed after each key decision (Victims' Code right 7), and their restorative justice interest."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case, CaseVictim
from app.db import PublicIdMixin
from app.extensions import db

# How an update reached the victim: by the outbox, on their page, or by the officer (recorded by them).
GIVEN_BY_OFFICER = {"phone": "By phone", "in_person": "In person", "post": "By letter", "email": "By email",
                    "sms": "By text message"}


class VictimUpdate(PublicIdMixin, db.Model):
    """One key decision owed to one opted-in victim: due by `due_on`; given when `given_at` is set."""

    __tablename__ = "victim_updates"
    __table_args__ = (Index("ix_victim_updates_given_due", "given_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One update per decision per victim: "<decision>:<case>:<case victim>". Writing it again is a no-op.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_victim_id: Mapped[int] = mapped_column(ForeignKey("case_victims.id"), index=True)
    decision: Mapped[str] = mapped_column(String(32))  # caution_given, case_closed, non_compliance, completed
    decided_on: Mapped[date]
    due_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(16))  # the victim's choice when the decision was made
    # The outbox row that carries it (email or text message), if one could be written.
    message_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    given_at: Mapped[datetime | None]
    given_how: Mapped[str | None] = mapped_column(String(16))  # portal, email, sms, phone, in_person, post
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    case_victim: Mapped[CaseVictim] = relationship()
    given_by: Mapped[User | None] = relationship()

    def late_on(self, day: date) -> bool:
        return self.given_at is None and self.due_on < day


class RestorativeInterest(db.Model):
    """A victim said they are interested in restorative justice: once per victim per case."""

    __tablename__ = "restorative_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_victim_id: Mapped[int] = mapped_column(ForeignKey("case_victims.id"), unique=True)
    said_at: Mapped[datetime]

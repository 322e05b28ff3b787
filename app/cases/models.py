"""Cases, their victims and their timeline."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import PublicIdMixin, TimestampMixin, str_enum
from app.extensions import db
from app.organisations.models import Organisation, Team
from app.people.models import Person


class CaseStatus(StrEnum):
    DRAFT = "draft"
    SCREENING = "screening"
    READY = "ready"
    ISSUED = "issued"
    COMPLETED = "completed"
    NON_COMPLIANCE = "non_compliance"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


class Case(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_officer_status", "officer_id", "status"),
        Index("ix_cases_team_status", "team_id", "status"),
        Index("ix_cases_force_status", "force_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    regime: Mapped[str] = mapped_column(String(32))  # a rule pack's id
    disposal_type: Mapped[str] = mapped_column(String(48))  # a disposal type within that pack
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"), default=CaseStatus.DRAFT)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    offender_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    offence_summary: Mapped[str | None] = mapped_column(String(300))
    deadline: Mapped[date | None]

    force: Mapped[Organisation] = relationship()
    team: Mapped[Team] = relationship()
    officer: Mapped[User] = relationship()
    offender: Mapped[Person] = relationship()
    victims: Mapped[list[CaseVictim]] = relationship(back_populates="case", order_by="CaseVictim.id")


class CaseVictim(db.Model):
    __tablename__ = "case_victims"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    enhanced_rights: Mapped[bool] = mapped_column(default=False)
    updates_opted_in: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="victims")
    person: Mapped[Person] = relationship()


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
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    visible_police: Mapped[bool] = mapped_column(default=True)
    visible_provider: Mapped[bool] = mapped_column(default=False)
    visible_offender: Mapped[bool] = mapped_column(default=False)
    visible_victim: Mapped[bool] = mapped_column(default=False)

    actor: Mapped[User | None] = relationship()


class ReferenceCounter(db.Model):
    """The last case number given out in each year, for references like RES-2026-000123."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)

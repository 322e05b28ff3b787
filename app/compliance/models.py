"""Flags: a possible non-compliance, or something stopping the case from going as agreed, that a person must look
at. A flag never records a breach: it closes itself when its cause goes, or waits for a human decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.db import PublicIdMixin, str_enum
from app.extensions import db


class FlagKind(StrEnum):
    MISSED_APPOINTMENT = "missed_appointment"
    OUTCOME_NOT_RECORDED = "outcome_not_recorded"
    REFERRAL_NOT_ACCEPTED = "referral_not_accepted"
    CONDITION_OVERDUE = "condition_overdue"
    DEADLINE_PASSED = "deadline_passed"
    NOT_REACHING = "not_reaching"  # reminders are not reaching the person
    VICTIM_UPDATE_LATE = "victim_update_late"  # a victim's update not given by its Victims' Code date


class FlagStatus(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"  # its cause went (the outcome was recorded, the referral accepted ...)


class Flag(PublicIdMixin, db.Model):
    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_case_status", "case_id", "status"),
                      Index("ix_flags_status_kind", "status", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # One flag per cause: e.g. "missed_appointment:<appointment>". Raising it again is a no-op.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[FlagKind] = mapped_column(str_enum(FlagKind, "flag_kind"))
    reason: Mapped[str] = mapped_column(String(300))  # in words, for the officer; nothing the officer may not see
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("conditions.id"))
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    raised_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    cleared_because: Mapped[str | None] = mapped_column(String(300))

    case: Mapped[Case] = relationship()

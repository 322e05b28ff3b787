"""Flags: a possible non-compliance, or something stopping the case from going as agreed, that a person must look
at. A flag never records a breach: it closes itself when its cause goes, or waits for a human decision."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case
from app.db import JSONDocument, PublicIdMixin, str_enum
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
    DECIDED = "decided"  # a person decided on it (app/compliance/decisions.py); open again if a supervisor returns it


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


class DecisionStatus(StrEnum):
    TAKEN = "taken"
    AWAITING_APPROVAL = "awaiting_approval"  # the pack says a supervisor approves it first
    RETURNED = "returned"  # the supervisor sent it back: it has no effect, and the flag is open again


class ComplianceDecision(PublicIdMixin, db.Model):
    """The officer's decision on a flag: did the person fail without a reasonable excuse, and what follows. Kept
    with the person's explanation (or the dated attempts to get one) and the evidence seen."""

    __tablename__ = "compliance_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id"), index=True)
    explanation: Mapped[str | None] = mapped_column(String(4000))  # the person's, in the officer's words
    attempts: Mapped[list] = mapped_column(JSONDocument, default=list)  # [{"on": date, "how": ...}] to get one
    evidence: Mapped[str] = mapped_column(String(2000))  # what was seen ("medical note seen"), never health detail
    decision: Mapped[str] = mapped_column(String(32))  # one of packs.NON_COMPLIANCE_DECISIONS
    reason: Mapped[str] = mapped_column(String(2000))
    status: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus, "decision_status"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approval_comment: Mapped[str | None] = mapped_column(String(2000))

    case: Mapped[Case] = relationship()
    flag: Mapped[Flag | None] = relationship()
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])


class FactKind(StrEnum):
    """The decision points MI and disproportionality reports count (DOMAIN.md section 9)."""

    ELIGIBILITY = "eligibility"  # value: eligible, not_eligible
    DISPOSAL = "disposal"  # the disposal given, at issue
    CONDITION = "condition"  # each condition set at issue: its type (restrictive.<kind> for a restriction)
    FLAG = "flag"  # value: the flag's kind
    COMPLIANCE_DECISION = "compliance_decision"  # value: the decision taken on a flag
    OUTCOME = "outcome"  # how the case ended: completed, closed:<reason>, prosecution ...


class DecisionFact(PublicIdMixin, db.Model):
    """One decision, as it stood when it was taken: append-only (PostgreSQL refuses updates and deletes), written in
    the decision's transaction. No name, no contact: the person's age band, sex and ethnicity are kept apart in
    `DecisionFactPerson`, as special-category data is. A report counts these rows by force, quarter and kind."""

    __tablename__ = "decision_facts"
    __table_args__ = (Index("ix_decision_facts_force_kind_quarter", "force_id", "kind", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # the decision maker's team
    kind: Mapped[FactKind] = mapped_column(str_enum(FactKind, "fact_kind"))
    value: Mapped[str] = mapped_column(String(64))
    regime: Mapped[str] = mapped_column(String(32))  # the rule pack's id ...
    pack_version: Mapped[str] = mapped_column(String(16))  # ... and the version the case is decided under
    disposal_type: Mapped[str] = mapped_column(String(48))
    decided_on: Mapped[date]
    quarter: Mapped[str] = mapped_column(String(6))  # e.g. 2026Q4, so a quarter's counts are one index range
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # none: the system (a flag's sweep)


class DecisionFactPerson(db.Model):
    """The person's age band, sex and ethnicity at the moment of one decision (special-category, kept apart)."""

    __tablename__ = "decision_fact_people"

    # The fact's public id, made by the writer: both rows go in one statement each, whatever the number of facts.
    fact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision_facts.public_id"), primary_key=True)
    age_band: Mapped[str | None] = mapped_column(String(8))
    sex: Mapped[str | None] = mapped_column(String(16))
    ethnicity_self_defined: Mapped[str | None] = mapped_column(String(64))
    ethnicity_officer_observed: Mapped[str | None] = mapped_column(String(8))

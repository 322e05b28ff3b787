"""Flags: a possible non-compliance, or something stopping the case from going as agreed, that a person must look
at. A flag never records a breach: it closes itself when its cause goes, or waits for a human decision."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Approval, Case
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
    PENALTY_UNPAID = "penalty_unpaid"  # a financial penalty not paid by its date: registrable as a fine


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
    WITHDRAWN = "withdrawn"  # varied conditions the person did not sign: nothing changed, the flag is open again


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
    penalty_pounds: Mapped[int | None]  # a financial penalty's amount, when that is the decision
    status: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus, "decision_status"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approval_comment: Mapped[str | None] = mapped_column(String(2000))

    case: Mapped[Case] = relationship()
    flag: Mapped[Flag | None] = relationship()
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])

    def set_aside(self, status: DecisionStatus) -> None:
        """Returned by a supervisor, or a variation not agreed: the decision has no effect, and its flag is open
        again for another decision."""
        self.status = status
        if self.flag is not None:
            self.flag.status, self.flag.cleared_at, self.flag.cleared_because = FlagStatus.OPEN, None, None


class VariationStatus(StrEnum):
    PROPOSED = "proposed"  # being agreed with the person: nothing in force has changed yet
    SIGNED = "signed"  # the person signed the new version: its conditions and deadline are in force
    WITHDRAWN = "withdrawn"  # not agreed: nothing changed


class Variation(PublicIdMixin, db.Model):
    """Conditions varied after a decision on a flag, with the person's consent (CJA 2003 s.23A; PCSC 2022 ss.104,
    111). Its conditions are proposed (`Condition.standing`) until the person signs the next version of the caution
    document; then the conditions it changes or removes end, kept as history, and the new deadline holds."""

    __tablename__ = "variations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("compliance_decisions.id"), unique=True)
    # The case's id while proposed, else none: at most one variation of a case is being agreed at a time.
    open_for_case: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[VariationStatus] = mapped_column(str_enum(VariationStatus, "variation_status"),
                                                    default=VariationStatus.PROPOSED)
    previous_deadline: Mapped[date]
    deadline: Mapped[date]
    extension_reason: Mapped[str | None] = mapped_column(String(2000))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # signed or withdrawn
    withdrawn_because: Mapped[str | None] = mapped_column(String(2000))

    case: Mapped[Case] = relationship()
    decision: Mapped[ComplianceDecision] = relationship()
    # A later deadline's approvals by a supervisor (also the case's, where the approvals page finds them).
    approvals: Mapped[list[Approval]] = relationship(order_by="Approval.id", viewonly=True)


class FinancialPenalty(PublicIdMixin, db.Model):
    """A community caution's financial penalty for failing its conditions without a reasonable excuse (PCSC 2022
    Part 6), at most the amount the pack holds, payable by a date. Unpaid, it is registrable as a fine: the
    officer produces the registration certificate's data."""

    __tablename__ = "financial_penalties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("compliance_decisions.id"))
    amount_pounds: Mapped[int]
    imposed_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    paid_on: Mapped[date | None]
    payment_evidence: Mapped[str | None] = mapped_column(String(2000))
    payment_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    local_justice_area: Mapped[str | None] = mapped_column(String(200))
    certificate_on: Mapped[date | None]  # when the registration certificate's data were produced
    certificate_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    decision: Mapped[ComplianceDecision] = relationship()


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

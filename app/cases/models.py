"""Cases: the person, offences, victims and their views, screening, needs, approvals, conditions and the signed
document."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, exists, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import JSONDocument, PublicIdMixin, TimestampMixin, str_enum
from app.errors import InvalidTransition
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


class ClosureReason(StrEnum):
    """Why a case was closed before a caution was given."""

    NOT_ELIGIBLE = "not_eligible"
    NO_FURTHER_ACTION = "no_further_action"
    SENT_FOR_CHARGE = "sent_for_charge"
    YOUTH_PROCESS = "youth_process"

    @property
    def label(self) -> str:
        return CLOSURE_LABELS[self]


CLOSURE_LABELS = {
    ClosureReason.NOT_ELIGIBLE: "Not eligible for a caution",
    ClosureReason.NO_FURTHER_ACTION: "No further action",
    ClosureReason.SENT_FOR_CHARGE: "Sent for a charging decision",
    ClosureReason.YOUTH_PROCESS: "Goes to the youth process (the person is under 18)",
}


# The one state machine for a case: status -> statuses it may move to.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.DRAFT: frozenset({CaseStatus.SCREENING, CaseStatus.CLOSED}),
    CaseStatus.SCREENING: frozenset({CaseStatus.DRAFT, CaseStatus.READY, CaseStatus.CLOSED}),
    CaseStatus.READY: frozenset({CaseStatus.SCREENING, CaseStatus.ISSUED, CaseStatus.CLOSED}),
    CaseStatus.ISSUED: frozenset({CaseStatus.COMPLETED, CaseStatus.NON_COMPLIANCE}),
    CaseStatus.NON_COMPLIANCE: frozenset({CaseStatus.ISSUED, CaseStatus.CLOSED}),
    CaseStatus.COMPLETED: frozenset(),
    CaseStatus.CLOSED: frozenset(),
}


class Case(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_officer_status", "officer_id", "status"),
        Index("ix_cases_team_status", "team_id", "status"),
        Index("ix_cases_force_status", "force_id", "status"),
        # The caseload's default order within each scope: most recently changed first.
        Index("ix_cases_officer_updated", "officer_id", "updated_at"),
        Index("ix_cases_team_updated", "team_id", "updated_at"),
        Index("ix_cases_force_updated", "force_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    regime: Mapped[str] = mapped_column(String(32))  # a rule pack's id
    # The version of the regime's rules the case's latest decision (opening, screening, issue) was made under.
    pack_version: Mapped[str] = mapped_column(String(16))
    disposal_type: Mapped[str] = mapped_column(String(48))  # a disposal type within that pack
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"), default=CaseStatus.DRAFT)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    offender_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    offence_summary: Mapped[str | None] = mapped_column(String(300))
    issued_on: Mapped[date | None]
    deadline: Mapped[date | None]
    deadline_extension_reason: Mapped[str | None] = mapped_column(String(2000))
    # Pre-issue checklist (s.98-99): each item recorded as it is confirmed.
    evidence_decided_by: Mapped[str | None] = mapped_column(String(16))  # officer or prosecutor
    evidence_decision_maker: Mapped[str | None] = mapped_column(String(200))
    # The officer recorded that the offence has no victims (so the victims task is done with none listed).
    no_victims: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The rest of the pre-issue checklist (admission, consent, explanation, warning), confirmed before signing.
    pre_issue: Mapped[dict | None] = mapped_column(JSONDocument)
    # Closed before issue: why, the officer's note, when and by whom (app/cases/closure.py).
    closure_reason: Mapped[ClosureReason | None] = mapped_column(str_enum(ClosureReason, "closure_reason"))
    closure_note: Mapped[str | None] = mapped_column(String(2000))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How an issued case ended (completed, or a non-compliance outcome): the Home Office outcome code from its pack.
    outcome_code: Mapped[str | None] = mapped_column(String(8))
    ended_on: Mapped[date | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def move_to(self, status: CaseStatus) -> None:
        """Change status along the state machine, or refuse with a message a person can act on."""
        if status not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"This case is {self.status.label.lower()}, so it cannot be moved to "
                                    f"{status.label.lower()}.")
        self.status = status

    @property
    def editable(self) -> bool:
        """Details, screening, needs, victims' views and conditions can change only before the caution is issued."""
        return self.status in (CaseStatus.DRAFT, CaseStatus.SCREENING, CaseStatus.READY)

    force: Mapped[Organisation] = relationship()
    team: Mapped[Team] = relationship()
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    offender: Mapped[Person] = relationship()
    victims: Mapped[list[CaseVictim]] = relationship(back_populates="case", order_by="CaseVictim.id",
                                                     cascade="all, delete-orphan")
    offences: Mapped[list[CaseOffence]] = relationship(order_by="CaseOffence.id", cascade="all, delete-orphan")
    # The conditions in force (or, before issue, being set). A variation never edits one: it ends it and adds its
    # replacement, so `condition_history` keeps every condition the case ever had.
    conditions: Mapped[list[Condition]] = relationship(
        primaryjoin="and_(Case.id == Condition.case_id, Condition.standing == 'current')", order_by="Condition.id",
        cascade="all, delete-orphan")
    condition_history: Mapped[list[Condition]] = relationship(order_by="Condition.id", viewonly=True)
    # Decisions are kept: a new screening or needs assessment is a new row, and the latest is the current one.
    screenings: Mapped[list[Screening]] = relationship(order_by="Screening.id", cascade="all")
    needs_assessments: Mapped[list[NeedsAssessment]] = relationship(order_by="NeedsAssessment.id", cascade="all")
    approvals: Mapped[list[Approval]] = relationship(back_populates="case", order_by="Approval.id",
                                                     cascade="all, delete-orphan")
    documents: Mapped[list[CautionDocument]] = relationship(order_by="CautionDocument.id", cascade="all")

    @property
    def screening(self) -> Screening | None:
        return self.screenings[-1] if self.screenings else None

    @property
    def needs(self) -> NeedsAssessment | None:
        return self.needs_assessments[-1] if self.needs_assessments else None

    @property
    def document(self) -> CautionDocument | None:
        """The signed caution document in force: the one signed at issue, or the latest version a variation of the
        conditions made. Earlier versions are kept, each as it was signed."""
        return self.documents[-1] if self.documents else None

    def latest_approvals(self) -> dict[str, Approval]:
        """The latest approval of each kind."""
        return {a.kind: a for a in self.approvals}


class CaseVictim(db.Model):
    __tablename__ = "case_victims"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    enhanced_rights: Mapped[bool] = mapped_column(default=False)
    updates_opted_in: Mapped[bool] = mapped_column(default=False)
    update_channel: Mapped[str | None] = mapped_column(String(16))  # portal, email, sms

    case: Mapped[Case] = relationship(back_populates="victims")
    person: Mapped[Person] = relationship()
    view: Mapped[VictimView | None] = relationship(cascade="all, delete-orphan")


class ReferenceCounter(db.Model):
    """The last case number given out in each year, for references like RES-2026-000123."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Offence(db.Model):
    """The offence catalogue (config/offences.yaml), kept in the database so cases can refer to it."""

    __tablename__ = "offences"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    mode_of_trial: Mapped[str] = mapped_column(String(16))  # summary, either_way, indictable_only
    exclusion_group: Mapped[str | None] = mapped_column(String(48))  # e.g. bladed_article (rule packs name groups)
    legislation: Mapped[str | None] = mapped_column(String(200))
    # Kinds of offence a rule pack has guidance for (hate_crime, domestic_abuse): shown to the officer.
    flags: Mapped[list] = mapped_column(JSONDocument, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class CaseOffence(db.Model):
    __tablename__ = "case_offences"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    offence_id: Mapped[int] = mapped_column(ForeignKey("offences.id"))
    committed_on: Mapped[date]
    location: Mapped[str] = mapped_column(String(300))

    offence: Mapped[Offence] = relationship(lazy="joined")


class Screening(TimestampMixin, db.Model):
    """One eligibility screening: every answer as given, the result and the reasons in words. A case keeps every
    screening it had; the latest is the current one."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    answers: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    eligible: Mapped[bool | None]
    reasons: Mapped[list] = mapped_column(JSONDocument, default=list)
    needs_approval: Mapped[list] = mapped_column(JSONDocument, default=list)  # approval kinds the pack requires
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pack_id: Mapped[str] = mapped_column(String(32))  # the rules it was judged under
    pack_version: Mapped[str] = mapped_column(String(16))


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class Approval(db.Model):
    """A decision the rule pack says a supervisor must approve (e.g. exceptional circumstances)."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_status_case", "status", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[ApprovalStatus] = mapped_column(str_enum(ApprovalStatus, "approval_status"),
                                                   default=ApprovalStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(String(2000))
    pack_version: Mapped[str] = mapped_column(String(16))  # the rules under which it was asked for
    # A later deadline in a variation of the conditions after issue (none: asked for before issue).
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("variations.id"))

    case: Mapped[Case] = relationship(back_populates="approvals")
    variation: Mapped[Variation | None] = relationship()  # noqa: F821  (app.compliance.models)


class NeedsAssessment(TimestampMixin, db.Model):
    """One needs assessment; a case keeps every one it had, and the latest is the current one."""

    __tablename__ = "needs_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    levels: Mapped[dict] = mapped_column(JSONDocument, default=dict)  # domain -> none / low / medium / high
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VictimView(TimestampMixin, db.Model):
    """The record of seeking one victim's views (s.100(3)-(5); Victims' Code right 6)."""

    __tablename__ = "victim_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_victim_id: Mapped[int] = mapped_column(ForeignKey("case_victims.id"), unique=True)
    attempts: Mapped[list] = mapped_column(JSONDocument, default=list)  # [{"on": date, "method": ..., "outcome": ...}]
    could_not_contact: Mapped[bool] = mapped_column(default=False)
    views: Mapped[str | None] = mapped_column(String(4000))
    remedy_requested: Mapped[str | None] = mapped_column(String(500))
    remedy_declined_reason: Mapped[str | None] = mapped_column(String(2000))
    taken_into_account: Mapped[str | None] = mapped_column(String(4000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Standing(StrEnum):
    """Where a condition stands. A signed variation ends the conditions it changes or removes and brings in their
    replacements; until the person signs it, those are only proposed."""

    CURRENT = "current"  # in force (before issue: being set)
    PROPOSED = "proposed"  # in a variation the person has not signed yet
    ENDED = "ended"  # ended by a signed variation: kept as the history of what the person agreed to


class Condition(TimestampMixin, db.Model):
    __tablename__ = "conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))  # a condition type the pack allows
    subtype: Mapped[str | None] = mapped_column(String(32))  # restrictive: no_contact, not_enter, activity, conduct
    purpose: Mapped[str | None] = mapped_column(String(16))  # rehabilitative, reparative or punitive
    details: Mapped[str] = mapped_column(String(2000))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    amount_pounds: Mapped[int | None]
    due_on: Mapped[date]
    # The victim whose requested community remedy action this condition is, if it is one.
    remedy_for_id: Mapped[int | None] = mapped_column(ForeignKey("case_victims.id"))
    # When the officer last decided it (added, changed or confirmed): the victims' views must come before.
    decided_at: Mapped[datetime]
    # After issue: what a provider's end-of-service report said (completed, ended_early), or what the officer
    # recorded with the evidence seen (completed, not_done), and when.
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_on: Mapped[date | None]
    outcome_evidence: Mapped[str | None] = mapped_column(String(2000))
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    standing: Mapped[Standing] = mapped_column(str_enum(Standing, "condition_standing"), default=Standing.CURRENT,
                                               server_default=Standing.CURRENT.value)
    # A variation's: the variation that proposed it, the condition it replaces (none: an added one), and the
    # variation that ends it (set when a removal or change is proposed; the end takes effect once signed).
    # (use_alter: variations -> decisions -> flags -> conditions is a cycle, so these links are added last)
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("variations.id", use_alter=True))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("conditions.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("variations.id", use_alter=True))

    __mapper_args__ = {"version_id_col": version}

    remedy_for: Mapped[CaseVictim | None] = relationship()
    replaces: Mapped[Condition | None] = relationship(remote_side=[id], foreign_keys=[replaces_id])

    @classmethod
    def any_open(cls):
        """SQL, correlated to the case: a condition in force with no outcome yet."""
        return exists().where(cls.case_id == Case.id, cls.outcome.is_(None), cls.standing == Standing.CURRENT)


class CautionDocument(db.Model):
    """The exact text the person signed, with its hash. Written once; never changed. Version 1 is signed at issue;
    each signed variation of the conditions adds the next version, which supersedes the one before."""

    __tablename__ = "caution_documents"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("variations.id"))  # none: signed at issue
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime]
    signed_at: Mapped[datetime]
    signed_by_name: Mapped[str] = mapped_column(String(200))
    witnessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pack_version: Mapped[str] = mapped_column(String(16))  # the rules the caution was given under
    administered_by: Mapped[str] = mapped_column(String(24))  # who gave it: a rank the pack allows

    witnessed_by: Mapped[User] = relationship()

"""Referrals to providers, their appointments (1:1 or in group sessions), attendance and progress notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.models import Case, Condition
from app.db import JSONDocument, PublicIdMixin, TimestampMixin, str_enum
from app.errors import InvalidTransition
from app.extensions import db
from app.organisations.models import Organisation, Service


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


REFERRAL_TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED,
                                        ReferralStatus.ENDED_EARLY}),
    ReferralStatus.IN_PROGRESS: frozenset({ReferralStatus.COMPLETED, ReferralStatus.ENDED_EARLY}),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.ENDED_EARLY: frozenset(),
}
# The longest "what to bring" note: a short list the person can read on a phone (and a text can carry).
WHAT_TO_BRING_MAX = 200
OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
WORKING_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)


class Referral(PublicIdMixin, TimestampMixin, db.Model):
    """One referral of a cautioned person to a provider's service, for one condition.

    `dataset` is the referral dataset as sent: the only facts about the person and the case a provider sees.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_provider_status", "provider_id", "status"),
        Index("ix_referrals_service_sent", "service_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("conditions.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, "referral_status"),
                                                   default=ReferralStatus.SENT)
    dataset: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    # A restorative referral the victim agreed to: the one kind whose dataset may mention the victim.
    victim_agreed: Mapped[bool] = mapped_column(default=False, server_default=false())
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime]
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(2000))
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(2000))
    end_summary: Mapped[str | None] = mapped_column(String(4000))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship()
    condition: Mapped[Condition] = relationship()
    service: Mapped[Service] = relationship(lazy="joined")
    provider: Mapped[Organisation] = relationship()
    caseworker: Mapped[User | None] = relationship(foreign_keys=[caseworker_id])
    referred_by: Mapped[User] = relationship(foreign_keys=[referred_by_id])
    appointments: Mapped[list[Appointment]] = relationship(back_populates="referral",
                                                           order_by="Appointment.starts_at")
    notes: Mapped[list[ProgressNote]] = relationship(order_by="ProgressNote.written_at.desc()")

    def move_to(self, status: ReferralStatus) -> None:
        if status not in REFERRAL_TRANSITIONS[self.status]:
            raise InvalidTransition(f"This referral is {self.status.label.lower()}, so it cannot be "
                                    f"{status.label.lower()}.")
        self.status = status

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def person_name(self) -> str:
        return self.dataset.get("person", {}).get("name", "")


class GroupSession(PublicIdMixin, TimestampMixin, db.Model):
    """A session several people attend (e.g. a workshop); each participant has an appointment in it."""

    __tablename__ = "group_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(300))
    # Given to every place in the session as it is booked.
    what_to_bring: Mapped[str | None] = mapped_column(String(WHAT_TO_BRING_MAX))

    appointments: Mapped[list[Appointment]] = relationship(back_populates="group_session",
                                                           order_by="Appointment.id")


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Appointment(PublicIdMixin, TimestampMixin, db.Model):
    """One session for one person: 1:1, or their place in a group session. Versioned: a second writer working
    from an older version gets a conflict, never a silent overwrite."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_referral_start", "referral_id", "starts_at"),
                      Index("ix_appointments_outcome", "outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    group_session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    # The person (the case's offender), so double bookings are one indexed query.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16))  # a delivery mode from config/services.yaml
    place: Mapped[str | None] = mapped_column(String(300))
    # Shown to the person (their page, reminders, calendar): never anything they would not see anyway.
    what_to_bring: Mapped[str | None] = mapped_column(String(WHAT_TO_BRING_MAX))
    status: Mapped[AppointmentStatus] = mapped_column(str_enum(AppointmentStatus, "appointment_status"),
                                                      default=AppointmentStatus.BOOKED)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cancelled_by_party: Mapped[str | None] = mapped_column(String(16))  # person, provider, police
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(2000))
    outcome: Mapped[str | None] = mapped_column(String(32))  # a code from config/attendance.yaml
    outcome_note: Mapped[str | None] = mapped_column(String(2000))
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_at: Mapped[datetime | None]
    # Booked after the session was held (a past session recorded within the configured limit).
    entered_late: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    referral: Mapped[Referral] = relationship(back_populates="appointments")
    # Every outcome recorded, oldest first; the appointment's own outcome columns hold the latest.
    outcome_history: Mapped[list[OutcomeRecord]] = relationship(order_by="OutcomeRecord.id",
                                                                back_populates="appointment")
    group_session: Mapped[GroupSession | None] = relationship(back_populates="appointments")
    changes: Mapped[list[AppointmentChange]] = relationship(order_by="AppointmentChange.id")
    outcome_by: Mapped[User | None] = relationship(foreign_keys=[outcome_by_id])
    # The person's requests to change it, oldest first (at most one open).
    rearrange_requests: Mapped[list[RearrangeRequest]] = relationship(order_by="RearrangeRequest.id",
                                                                      back_populates="appointment")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def key(self) -> str:
        """A short opaque key for the appointment's form fields and page anchors."""
        return self.public_id.hex[:12]


class AppointmentChange(db.Model):
    """A rescheduled appointment's history: when it was, when it moved to, who asked and why."""

    __tablename__ = "appointment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[str] = mapped_column(String(16))  # person, provider, police
    reason: Mapped[str] = mapped_column(String(2000))
    old_starts_at: Mapped[datetime]
    old_ends_at: Mapped[datetime]
    new_starts_at: Mapped[datetime]
    new_ends_at: Mapped[datetime]


class OutcomeRecord(db.Model):
    """One attendance outcome as recorded, with its own note: a correction adds a record, never edits one."""

    __tablename__ = "appointment_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))  # a code from config/attendance.yaml
    note: Mapped[str | None] = mapped_column(String(2000))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    # The timeline event that announced it, so a correction can name the event it corrects.
    timeline_event_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_events.id"))

    appointment: Mapped[Appointment] = relationship(back_populates="outcome_history")
    recorded_by: Mapped[User] = relationship(lazy="joined")


class ProgressNote(PublicIdMixin, db.Model):
    """What the provider tells the police about progress: attendance and engagement, never session content."""

    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(String(4000))

    author: Mapped[User] = relationship()


class RearrangeStatus(StrEnum):
    OPEN = "open"
    REARRANGED = "rearranged"
    DECLINED = "declined"


class RearrangeRequest(PublicIdMixin, TimestampMixin, db.Model):
    """The person cautioned asks to change one of their appointments; the provider's caseworker decides: moves it
    (the request closes when the appointment moves) or declines with an answer the person reads."""

    __tablename__ = "rearrange_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    # The appointment's id while the request is open, NULL once decided: the database itself keeps it to one open
    # request per appointment, even for two requests racing.
    open_for_id: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[RearrangeStatus] = mapped_column(str_enum(RearrangeStatus, "rearrange_status"),
                                                    default=RearrangeStatus.OPEN)
    reason: Mapped[str] = mapped_column(String(2000))
    suits: Mapped[str | None] = mapped_column(String(500))  # times that suit them, in their words
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(2000))  # why not, for the person to read

    appointment: Mapped[Appointment] = relationship(back_populates="rearrange_requests")
    referral: Mapped[Referral] = relationship()

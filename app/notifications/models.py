"""The outbox: one row per message to one recipient, written in the same transaction as the change that caused
it and sent later by the dispatcher. The key makes writing it twice a no-op (one reminder per appointment per
offset), so every job that writes here is safe to run twice or in several processes at once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import JSONDocument, PublicIdMixin, str_enum
from app.extensions import db


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Audience(StrEnum):
    OFFENDER = "offender"  # the person cautioned
    VICTIM = "victim"
    STAFF = "staff"  # an officer, a supervisor or a caseworker (a user)


class Notification(PublicIdMixin, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),
                      Index("ix_notifications_case_created", "case_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "notification_audience"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # The provider whose appointment or referral the message is about: it may see the message listed.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    medium: Mapped[str] = mapped_column(String(8))  # email, sms or in_app
    template: Mapped[str] = mapped_column(String(64))  # templates/messages/<template>.<medium>.txt
    # Only what the message shows, for its recipient: never the other party's details.
    personalisation: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(str_enum(NotificationStatus, "notification_status"),
                                                       default=NotificationStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claim: Mapped[str | None] = mapped_column(String(32), index=True)  # the dispatcher run holding it
    claimed_at: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(16))  # what sent it: outbox, smtp, notify
    reference: Mapped[str | None] = mapped_column(String(100), index=True)  # the channel's id for it
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]  # in-app messages: when the user saw it

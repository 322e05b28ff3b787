"""Sign-in identities and server-side sessions."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSONDocument, PublicIdMixin, TimestampMixin, str_enum
from app.extensions import db
from app.organisations.models import Membership, Role


class User(UserMixin, PublicIdMixin, TimestampMixin, db.Model):
    """One sign-in identity, keyed by the issuer and the subject the issuer gave it."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # "staff" or "public": which kind of provider signs them in
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # Staff only: a work phone and working hours they record themselves, shown to the people they work with.
    work_phone: Mapped[str | None] = mapped_column(String(32))
    work_hours: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None]
    # The language they chose for the portal and for what it sends them ("en" or "cy"; None: not chosen).
    locale: Mapped[str | None] = mapped_column(String(8))

    memberships: Mapped[list[Membership]] = relationship(
        primaryjoin="and_(User.id == Membership.user_id, Membership.active)", viewonly=True,
        order_by="Membership.id",
    )

    def get_id(self) -> str:
        return str(self.public_id)

    @property
    def is_active(self) -> bool:
        return self.active

    @cached_property
    def membership(self) -> Membership | None:
        """The membership this user works under (staff hold one active membership each)."""
        return self.memberships[0] if self.memberships else None

    @property
    def role(self) -> Role | None:
        """A member of staff's role. A member of the public has none: their party is decided per case, by
        the person records invitations linked them to (Person.user_id)."""
        return self.membership.role if self.membership and self.kind == "staff" else None

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None


class UserSession(db.Model):
    """A server-side session. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    data: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PublicInvitation(PublicIdMixin, db.Model):
    """An invitation for the person cautioned or one victim of a case to link a sign-in identity to their person
    record. Only a hash of the code is kept; redeeming it also needs a second fact (their date of birth, or a
    code sent to the contact point on the case), and wrong answers lock it."""

    __tablename__ = "public_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    party: Mapped[Role] = mapped_column(str_enum(Role, "invitation_party"))  # offender or victim
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_by: Mapped[str] = mapped_column(String(16))  # print, email or sms
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    wrong_answers: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None]
    # The one-time code sent to the contact point, when the person asked for one (hashed), and until when.
    contact_code_hash: Mapped[str | None] = mapped_column(String(64))
    contact_code_expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person", lazy="joined")
    case = relationship("Case")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    def state(self, now: datetime) -> str:
        """usable, or why not: used, revoked, locked, expired."""
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.locked_at:
            return "locked"
        return "expired" if now >= self.expires_at else "usable"


class DevIdpCode(db.Model):
    """An authorisation code of the development identity provider, kept here so that every web process knows it.

    Only the code's SHA-256 is stored. A redeemed code is marked used rather than deleted, so that a replay is
    refused and its nonce stays known until the row expires and is purged.
    """

    __tablename__ = "dev_idp_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str | None] = mapped_column(String(255), index=True)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    vot: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class DevIdpIdentity(db.Model):
    """Someone new to the development identity provider: one stable subject per (lower-cased) email address."""

    __tablename__ = "dev_idp_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]

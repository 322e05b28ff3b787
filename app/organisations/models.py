"""Police forces and providers, their teams, and who works where in which role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSONDocument, PublicIdMixin, TimestampMixin, str_enum
from app.extensions import db


class OrgKind(StrEnum):
    POLICE_FORCE = "police_force"
    PROVIDER = "provider"
    SCRUTINY_PANEL = "scrutiny_panel"


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"
    PROVIDER_MANAGER = "provider_manager"
    CASEWORKER = "caseworker"
    SCRUTINY = "scrutiny"
    # Members of the public have no membership; their role comes from the person record they are linked to.
    OFFENDER = "offender"
    VICTIM = "victim"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OFFICER: "Police officer",
    Role.SUPERVISOR: "Police supervisor",
    Role.COORDINATOR: "OOCD coordinator",
    Role.PROVIDER_MANAGER: "Provider manager",
    Role.CASEWORKER: "Caseworker",
    Role.SCRUTINY: "Scrutiny panel member",
    Role.OFFENDER: "Person cautioned",
    Role.VICTIM: "Victim",
}
POLICE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.COORDINATOR})
PROVIDER_ROLES = frozenset({Role.PROVIDER_MANAGER, Role.CASEWORKER})
STAFF_ROLES = POLICE_ROLES | PROVIDER_ROLES | {Role.SCRUTINY}


class Organisation(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    teams: Mapped[list[Team]] = relationship(back_populates="organisation", order_by="Team.name")


class Team(PublicIdMixin, db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="teams")


class Membership(TimestampMixin, db.Model):
    """A user's role at one organisation (and, for police, in one team)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")


class Service(PublicIdMixin, TimestampMixin, db.Model):
    """A provider's service in a police force's directory. Deactivated, never deleted: referrals refer to it."""

    __tablename__ = "services"
    __table_args__ = (Index("ix_services_force_active", "force_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # whose directory lists it
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(48))  # a key of config/services.yaml categories
    description: Mapped[str | None] = mapped_column(String(2000))
    areas: Mapped[list] = mapped_column(JSONDocument, default=list)  # postcode districts or local authority names
    sex: Mapped[str] = mapped_column(String(16), default="any")  # any, female, male
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    delivery_modes: Mapped[list] = mapped_column(JSONDocument, default=list)
    weekly_capacity: Mapped[int]  # new referrals a week
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)

    provider: Mapped[Organisation] = relationship(foreign_keys=[provider_id], lazy="joined")

    def serves_area(self, postcode: str | None) -> bool:
        """No areas listed: everywhere. Otherwise the postcode's district (e.g. NT1) or its area (NT) is listed."""
        if not self.areas:
            return True
        if not postcode:
            return False
        district = postcode.upper().split()[0] if " " in postcode.strip() else postcode.upper()[:-3]
        area = district.rstrip("0123456789")
        listed = {a.upper() for a in self.areas}
        return district in listed or area in listed

    def suits(self, age: int | None, sex: str | None) -> bool:
        """Who it is for: unknown facts never exclude anyone (the provider checks on acceptance)."""
        if age is not None and ((self.min_age is not None and age < self.min_age)
                                or (self.max_age is not None and age > self.max_age)):
            return False
        return not (self.sex != "any" and sex in ("female", "male") and sex != self.sex)


class StaffInvitation(PublicIdMixin, db.Model):
    """A single-use, expiring invitation to work at an organisation in a role. The link carries a random token;
    only its SHA-256 is kept here. Redeemed by the first sign-in that holds it (app/organisations/staff.py)."""

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "invitation_role"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the installer's command
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")

    def status(self, now: datetime) -> str:
        """pending, used, revoked or expired (the words of the refusal page's reasons)."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "pending"

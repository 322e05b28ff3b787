"""Police forces and providers, their teams, and who works where in which role."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import PublicIdMixin, TimestampMixin, str_enum
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

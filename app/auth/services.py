"""Deciding who someone is at sign-in. Identity is settled here, once, from a validated ID token."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock
from app.audit import services as audit
from app.auth import invitations
from app.auth.models import User
from app.extensions import db
from app.people.models import Person


class SignInRefused(Exception):
    """The identity is genuine but has no place in Resolve (no membership, or not linked to a case)."""


def sign_in(provider, claims: dict, invitation: dict | None = None) -> User:
    """Find or create the user for (issuer, subject), redeem the invitation they hold (if any), and check they
    may use the portal. Flushes; no commit. Raises SignInRefused, or invitations.Refused."""
    issuer, subject = provider.identity_issuer, claims["sub"]  # claims["iss"] was checked against the provider
    user = db.session.scalars(select(User).where(User.issuer == issuer, User.subject == subject)
                              .options(joinedload(User.memberships))).unique().one_or_none()
    if user is None:
        user = User(issuer=issuer, subject=subject, kind=provider.kind,
                    display_name=claims.get("name") or "Signed-in user", email=claims.get("email"))
        db.session.add(user)
        db.session.flush()
        audit.record("user.create", actor=user, obj=user, detail={"provider": provider.name})
    elif claims.get("name"):
        user.display_name = claims["name"]
    if invitation:
        invitations.redeem(invitation, user, provider)
    if getattr(provider, "roles_claim", None) and user.membership is not None:
        _role_from_claims(provider, claims, user)
    if user.kind != provider.kind or not user.active or not _has_a_place(user):
        audit.record("auth.sign_in_refused", actor=user, obj=user,
                     detail={"provider": provider.name, "reason": "no_access"})
        raise SignInRefused
    user.last_sign_in_at = clock.now()
    audit.record("auth.sign_in", actor=user, obj=user, detail={"provider": provider.name})
    return user


def _has_a_place(user: User) -> bool:
    """Staff: a membership. The public: a person record an invitation linked them to."""
    if user.kind == "public":
        return db.session.scalar(select(Person.id).where(Person.user_id == user.id).limit(1)) is not None
    return user.role is not None


def _role_from_claims(provider, claims: dict, user: User) -> None:
    """The provider's roles claim, mapped, decides the role of the user's membership (the first mapped value that
    is a role of the membership's organisation). No such value: the membership keeps its role."""
    from app.access import ROLES_AT
    from app.organisations.models import Role
    from app.organisations.staff import refresh

    membership = user.membership
    values = claims.get(provider.roles_claim)
    values = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    allowed = ROLES_AT.get(membership.organisation.kind, ())
    mapped = [Role(provider.role_map[v]) for v in values if isinstance(v, str) and v in provider.role_map]
    role = next((r for r in mapped if r in allowed), None)
    if role is None or role is membership.role:
        return
    audit.record("staff.role_changed", actor=user, obj=membership.organisation,
                 detail={"user": str(user.public_id), "role": role.value, "was": membership.role.value,
                         "because": "roles_claim"})
    membership.role = role
    if role not in (Role.OFFICER, Role.SUPERVISOR):
        membership.team_id = None
    db.session.flush()
    refresh(user)


def sign_in_failed(provider_name: str, reason: str) -> None:
    """A security event: the sign-in could not be trusted. Only the reason code is kept, never a token."""
    audit.record("auth.sign_in_failed", purpose="security", detail={"provider": provider_name, "reason": reason})


def sign_out(user) -> None:
    audit.record("auth.sign_out", actor=user, obj=user)

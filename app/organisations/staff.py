"""Staff administration: invitations (single-use, expiring, redeemed at sign-in), roles, teams, disabling and
enabling accounts, provider organisations. Every change is an audit row on the organisation, whose detail names
only opaque ids: the staff history page reads those rows back. Flushes; never commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app import access, clock
from app.audit import services as audit
from app.auth import invitations
from app.auth.models import User
from app.auth.sessions import end_all_sessions_for
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.formats import long_date
from app.notifications import services as outbox
from app.notifications.models import Audience
from app.organisations.models import ROLE_LABELS, Membership, Organisation, OrgKind, Role, StaffInvitation, Team

TEAMED = (Role.OFFICER, Role.SUPERVISOR)  # police roles that work in a team
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link(token: str) -> str:
    return f"{current_app.config['PORTAL_URL']}/staff-invitations/{token}"


def _record(action: str, org: Organisation, by, **detail) -> None:
    audit.record(f"staff.{action}", actor=by, obj=org, detail={k: v for k, v in detail.items() if v is not None})


def _id(obj) -> str | None:
    return str(obj.public_id) if obj is not None else None


def check_place(org: Organisation, role: Role | None, team: Team | None, by=None) -> None:
    """The role must be one of the organisation's kind (and one `by` may give there); police officers and
    supervisors work in a team of the force; nobody else is in a team."""
    allowed = access.ROLES_AT.get(org.kind, ()) if by is None else access.may_give(by, org)
    problems = []
    if role not in allowed:
        problems.append(Problem("role", f"Choose a role for {org.name}: "
                                        f"{', '.join(ROLE_LABELS[r].lower() for r in allowed) or 'none'}."))
    if team is not None and team.organisation_id != org.id:
        problems.append(Problem("team", f"Choose one of {org.name}'s teams."))
    elif role in TEAMED and team is None:
        problems.append(Problem("team", "Choose the team they will work in."))
    if problems:
        raise RuleViolation(problems)


# --- invitations -------------------------------------------------------------------------------------------------


def invite(*, organisation: Organisation, role: Role, email: str, team: Team | None = None,
           name: str | None = None, by: User | None) -> tuple[StaffInvitation, str]:
    """A new invitation and its token (shown once, in the email and to whoever asked). A pending invitation to
    the same address at the same organisation is revoked: the new one replaces it."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise RuleViolation([Problem("email", "Enter an email address in the correct format, like "
                                              "name@example.com")])
    check_place(organisation, role, team, by)
    now = clock.now()
    for old in db.session.scalars(select(StaffInvitation).where(
            StaffInvitation.organisation_id == organisation.id, StaffInvitation.email == email,
            StaffInvitation.used_at.is_(None), StaffInvitation.revoked_at.is_(None),
            StaffInvitation.expires_at > now)):
        _revoke(old, by, reissued=True)
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation(
        organisation=organisation, team=team if role in TEAMED else None, role=role, email=email,
        name=(name or "").strip() or None, token_hash=token_hash(token), created_by_id=getattr(by, "id", None),
        created_at=now, expires_at=now + timedelta(days=current_app.config["STAFF_INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    outbox.write([outbox.row(f"staff-invitation:{invitation.public_id}:email", audience=Audience.STAFF,
                             template="staff_invitation", medium="email", personalisation={
        "email": email, "name": invitation.name, "organisation": organisation.name,
        "team": invitation.team.name if invitation.team else None, "role": role.label,
        "inviter": by.display_name if by else None, "link": link(token),
        "expires": long_date(invitation.expires_at.astimezone(clock.LONDON).date())})])
    _record("invited", organisation, by, invitation=_id(invitation), role=role.value, team=_id(invitation.team))
    return invitation, token


def _pending(invitation: StaffInvitation) -> None:
    status = invitation.status(clock.now())
    if status != "pending":
        raise InvalidTransition(f"This invitation has been {status if status != 'expired' else 'left to expire'}, "
                                "so it cannot be changed. Send a new one instead.")


def _revoke(invitation: StaffInvitation, by, *, reissued: bool = False) -> None:
    invitation.revoked_at = clock.now()
    outbox.cancel_pending(key_prefix=f"staff-invitation:{invitation.public_id}:")
    _record("invitation_revoked", invitation.organisation, by, invitation=_id(invitation),
            because="reissued" if reissued else None)


def revoke(invitation: StaffInvitation, *, by) -> None:
    _pending(invitation)
    _revoke(invitation, by)
    db.session.flush()


def reissue(invitation: StaffInvitation, *, by) -> tuple[StaffInvitation, str]:
    """A new link for the same person and place (pending or expired; a used invitation is done with)."""
    if invitation.used_at is not None:
        raise InvalidTransition("This invitation has been used, so there is nothing to send again.")
    return invite(organisation=invitation.organisation, role=invitation.role, email=invitation.email,
                  team=invitation.team, name=invitation.name, by=by)


def by_token(token: str) -> StaffInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(StaffInvitation).where(StaffInvitation.token_hash == token_hash(token)))


@invitations.redeemer("staff")
def redeem(token: str, user: User, provider) -> None:
    """The sign-in holding this invitation: bind the identity to a membership, once. Every refusal is raised
    before anything changes."""
    invitation = by_token(token)
    if invitation is None:
        raise invitations.Refused("unknown")
    if (status := invitation.status(clock.now())) != "pending":
        raise invitations.Refused(status)
    if user.kind != "staff":
        raise invitations.Refused("wrong_provider")
    if not user.active:
        raise invitations.Refused("disabled")
    if user.membership is not None:
        raise invitations.Refused("already_staff")
    # Claimed in one statement, so two sign-ins racing for the same link cannot both have it.
    claimed = db.session.execute(update(StaffInvitation).where(
        StaffInvitation.id == invitation.id, StaffInvitation.used_at.is_(None),
        StaffInvitation.revoked_at.is_(None)).values(used_at=clock.now(), used_by_id=user.id)
        .execution_options(synchronize_session="fetch")).rowcount
    if not claimed:
        raise invitations.Refused("used")
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.organisation_id == invitation.organisation_id,
        Membership.role == invitation.role))
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=invitation.organisation_id, role=invitation.role)
        db.session.add(membership)
    membership.team_id, membership.active = invitation.team_id, True
    if invitation.name and user.display_name == "Signed-in user":
        user.display_name = invitation.name
    db.session.flush()
    refresh(user)
    _record("joined", invitation.organisation, user, invitation=_id(invitation), user=_id(user),
            role=invitation.role.value, team=_id(invitation.team))


def refresh(user: User) -> None:
    """Forget the user's loaded memberships (the role they work under changed in this transaction)."""
    db.session.expire(user, ["memberships"])
    user.__dict__.pop("membership", None)


# --- staff -------------------------------------------------------------------------------------------------------


def _not_self(user: User, by) -> None:
    if by is not None and user.id == by.id:
        raise RuleViolation("You cannot change your own account: ask another coordinator or manager.")


def change(user: User, membership: Membership, *, role: Role, team: Team | None, by) -> None:
    """Change someone's role, or move them to another team (each change audited on its own)."""
    _not_self(user, by)
    org = membership.organisation
    check_place(org, role, team, by)
    team = team if role in TEAMED else None
    if role is not membership.role:
        _record("role_changed", org, by, user=_id(user), role=role.value, was=membership.role.value)
        membership.role = role
    if (team.id if team else None) != membership.team_id:
        _record("team_moved", org, by, user=_id(user), team=_id(team), was=_id(membership.team))
        membership.team = team
    db.session.flush()
    refresh(user)


def set_enabled(user: User, membership: Membership, enabled: bool, *, by) -> None:
    """Disabling ends every session of theirs at once; they cannot sign in until enabled again."""
    _not_self(user, by)
    if user.active == enabled:
        return
    user.active = enabled
    if not enabled:
        end_all_sessions_for(user.id)
    db.session.flush()
    _record("enabled" if enabled else "disabled", membership.organisation, by, user=_id(user))


def add_team(org: Organisation, name: str, *, by) -> Team:
    name = name.strip()
    if org.kind is not OrgKind.POLICE_FORCE:
        raise RuleViolation("Only police forces have teams.")
    if db.session.scalar(select(Team.id).where(Team.organisation_id == org.id, db.func.lower(Team.name)
                                               == name.lower())):
        raise RuleViolation([Problem("name", f"{org.name} already has a team called {name}.")])
    team = Team(organisation_id=org.id, name=name)
    db.session.add(team)
    db.session.flush()
    _record("team_added", org, by, team=_id(team))
    return team


def organisation_code(name: str) -> str:
    """A short unused code from the name's initials (Northshire Police: NP, then NP2 ...)."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    base = ("".join(w[0] for w in words).upper() or "ORG")[:12]
    code, n = base, 1
    while db.session.scalar(select(Organisation.id).where(Organisation.code == code)):
        n += 1
        code = f"{base}{n}"
    return code


def add_organisation(kind: OrgKind, name: str, *, code: str | None = None, by) -> Organisation:
    name = name.strip()
    if db.session.scalar(select(Organisation.id).where(db.func.lower(Organisation.name) == name.lower())):
        raise RuleViolation([Problem("name", f"There is already an organisation called {name}.")])
    code = (code or "").strip().upper() or organisation_code(name)
    if db.session.scalar(select(Organisation.id).where(Organisation.code == code)):
        raise RuleViolation([Problem("code", f"The code {code} is already used.")])
    org = Organisation(kind=kind, name=name, code=code)
    db.session.add(org)
    db.session.flush()
    audit.record("organisation.create", actor=by, obj=org, detail={"kind": kind.value})
    return org


def force_named(name: str, code: str | None = None) -> Organisation:
    """The police force of that name, added if there is none (the installer's first command)."""
    found = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.POLICE_FORCE,
                                                         db.func.lower(Organisation.name) == name.strip().lower()))
    return found or add_organisation(OrgKind.POLICE_FORCE, name, code=code, by=None)


# --- the history -------------------------------------------------------------------------------------------------

HISTORY = 200  # rows shown, newest first


def history(org: Organisation, limit: int = HISTORY) -> list[dict]:
    """The organisation's staff changes, read back from the audit log: who did what, to whom, when."""
    from app.audit.models import AuditEvent

    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "organisations", AuditEvent.object_id == str(org.public_id),
        AuditEvent.action.startswith("staff.")).order_by(AuditEvent.seq.desc()).limit(limit)).all()
    wanted = {r.detail.get(k) for r in rows for k in ("user", "team", "was") if r.detail.get(k)}
    users = {u.id: u for u in db.session.scalars(select(User).where(
        (User.id.in_({r.actor_id for r in rows if r.actor_id})) | User.public_id.in_(_uuids(wanted))))}
    by_public = {str(u.public_id): u for u in users.values()}
    teams = {str(t.public_id): t.name for t in db.session.scalars(select(Team).where(
        Team.public_id.in_(_uuids(wanted))))}
    invited = {str(i.public_id): i for i in db.session.scalars(select(StaffInvitation).where(
        StaffInvitation.public_id.in_(_uuids({r.detail.get("invitation") for r in rows}))))}
    found = []
    for r in rows:
        d = r.detail
        who = by_public.get(d.get("user"))
        invitation = invited.get(d.get("invitation"))
        found.append({"at": r.occurred_at, "action": r.action.removeprefix("staff."),
                      "actor": users[r.actor_id].display_name if r.actor_id in users else "Installer",
                      "who": who.display_name if who else (invitation.email if invitation else ""),
                      "role": ROLE_LABELS[Role(d["role"])] if d.get("role") else None,
                      "was": ROLE_LABELS[Role(d["was"])] if d.get("was") in Role._value2member_map_
                      else teams.get(d.get("was")), "team": teams.get(d.get("team")),
                      "because": d.get("because")})
    return found


def _uuids(values) -> list:
    import uuid

    out = []
    for v in values:
        try:
            out.append(uuid.UUID(str(v)))
        except ValueError:
            continue
    return out

"""Every authorisation rule in one place.

- `can_<verb>_<noun>(user, obj)`: predicates, used by templates to hide actions and by the loaders.
- `<noun>_or_404(...)`: load and authorise in one step; what you may not see looks exactly like what does not exist.
- `visible_<nouns>(user)`: the filters every list is built on.
"""

from __future__ import annotations

import uuid

from flask import abort
from sqlalchemy import Select, false, select

from app.cases.models import Case, CaseVictim, TimelineEvent
from app.extensions import db
from app.organisations.models import POLICE_ROLES, PROVIDER_ROLES, Role


def role(user) -> Role | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def is_police(user) -> bool:
    return role(user) in POLICE_ROLES


def is_provider(user) -> bool:
    return role(user) in PROVIDER_ROLES


def _police_case_filter(user):
    """Which cases a police user may open: officers and supervisors their team's, coordinators the force's."""
    m = user.membership
    if m.role is Role.COORDINATOR:
        return Case.force_id == m.organisation_id
    return (Case.force_id == m.organisation_id) & (Case.team_id == m.team_id)


def visible_cases(user) -> Select:
    """Cases the user may see in the police view of a case (providers gain theirs with referrals)."""
    if is_police(user):
        return select(Case).where(_police_case_filter(user))
    return select(Case).where(false())


def own_cases(user) -> Select:
    """A member of the public's own cases: as the person cautioned, or as a victim."""
    if role(user) is Role.OFFENDER:
        return select(Case).where(Case.offender_id == user.person_id)
    if role(user) is Role.VICTIM:
        return select(Case).join(CaseVictim).where(CaseVictim.person_id == user.person_id)
    return select(Case).where(false())


def can_view_case(user, case: Case) -> bool:
    if not is_police(user):
        return False
    m = user.membership
    if case.force_id != m.organisation_id:
        return False
    return m.role is Role.COORDINATOR or case.team_id == m.team_id


def case_or_404(public_id, need: str = "view") -> Case:
    from flask_login import current_user

    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        abort(404)
    case = db.session.scalar(select(Case).where(Case.public_id == key))
    checks = {"view": can_view_case}
    if case is None or not checks[need](current_user, case):
        abort(404)
    return case


def visible_timeline(user, case: Case) -> Select:
    """The case's timeline events this user's party may see, newest first."""
    q = select(TimelineEvent).where(TimelineEvent.case_id == case.id).order_by(
        TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
    party = role(user)
    if party in POLICE_ROLES:
        return q.where(TimelineEvent.visible_police)
    if party is Role.OFFENDER and case.offender_id == user.person_id:
        return q.where(TimelineEvent.visible_offender)
    if party is Role.VICTIM:
        is_victim = select(CaseVictim.id).where(CaseVictim.case_id == case.id,
                                                CaseVictim.person_id == user.person_id).exists()
        return q.where(TimelineEvent.visible_victim, is_victim)
    return q.where(false())


def can_view_special_category(user, case: Case) -> bool:
    """Ethnicity, sex and health: police who may see the case, never providers or the public."""
    return can_view_case(user, case)

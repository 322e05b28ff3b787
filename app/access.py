"""Every authorisation rule in one place.

- `can_<verb>_<noun>(user, obj)`: predicates, used by templates to hide actions and by the loaders.
- `<noun>_or_404(...)`: load and authorise in one step; what you may not see looks exactly like what does not exist.
- `visible_<nouns>(user)`: the filters every list is built on.
"""

from __future__ import annotations

import uuid

from flask import abort
from sqlalchemy import Select, false, select

from app.cases.models import (
    Approval,
    ApprovalStatus,
    Case,
    CaseOffence,
    CaseVictim,
    Condition,
    InvalidTransition,
    TimelineEvent,
)
from app.extensions import db
from app.organisations.models import POLICE_ROLES, PROVIDER_ROLES, Membership, Organisation, Role, Service


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
    """A member of the public's own cases: as the person cautioned, or as a victim. Only once the caution has
    been given: the public see nothing of a case still being prepared."""
    issued = Case.issued_on.is_not(None)
    if role(user) is Role.OFFENDER:
        return select(Case).where(Case.offender_id == user.person_id, issued)
    if role(user) is Role.VICTIM:
        return select(Case).join(CaseVictim).where(CaseVictim.person_id == user.person_id, issued)
    return select(Case).where(false())


def can_view_case(user, case: Case) -> bool:
    if not is_police(user):
        return False
    m = user.membership
    if case.force_id != m.organisation_id:
        return False
    return m.role is Role.COORDINATOR or case.team_id == m.team_id


def _in_team(user, case: Case) -> bool:
    m = user.membership
    return case.force_id == m.organisation_id and case.team_id == m.team_id


def may_work_on_case(user, case: Case) -> bool:
    """The officer in charge, or an officer or supervisor of the case's team (whatever the case's status)."""
    if role(user) not in (Role.OFFICER, Role.SUPERVISOR):
        return False
    return case.officer_id == user.id or _in_team(user, case)


def can_edit_case(user, case: Case) -> bool:
    """May change the case's details, screening, needs, victims' views and conditions: only before issue."""
    return may_work_on_case(user, case) and case.editable


def can_open_case(user) -> bool:
    return role(user) in (Role.OFFICER, Role.SUPERVISOR) and user.membership.team_id is not None


def can_approve(user, case: Case) -> bool:
    """Supervisor decisions (exceptional circumstances, extensions ...): a supervisor of the case's team."""
    return role(user) is Role.SUPERVISOR and _in_team(user, case)


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        abort(404)


def _one_or_404(query: Select, public_id_column, public_id):
    """The row of `query` (already limited to what the user may see) with that opaque id. A malformed id and a
    row the user may not see both end in the same 404 as a row that does not exist."""
    found = db.session.scalar(query.where(public_id_column == _uuid_or_404(public_id)))
    if found is None:
        abort(404)
    return found


def case_or_404(public_id, need: str = "view") -> Case:
    """Load a case the current user may see. need="edit": one they may also change; a case they may work on but
    that is past changing (issued, closed) is refused with a message, since they can see it."""
    from flask_login import current_user

    case = _one_or_404(select(Case), Case.public_id, public_id)
    if not can_view_case(current_user, case):
        abort(404)
    if need == "edit":
        if not may_work_on_case(current_user, case):
            abort(403)
        if not case.editable:
            raise InvalidTransition(f"This case is {case.status.label.lower()}, so it can no longer be changed.")
    elif need != "view":
        raise ValueError(need)
    return case


def case_offence_or_404(case: Case, public_id) -> CaseOffence:
    return _one_or_404(select(CaseOffence).where(CaseOffence.case_id == case.id), CaseOffence.public_id, public_id)


def case_victim_or_404(case: Case, person_public_id) -> CaseVictim:
    """A victim of this case, named in URLs by their person's opaque id."""
    from app.people.models import Person

    return _one_or_404(select(CaseVictim).join(Person, CaseVictim.person_id == Person.id)
                       .where(CaseVictim.case_id == case.id), Person.public_id, person_public_id)


def condition_or_404(case: Case, public_id) -> Condition:
    return _one_or_404(select(Condition).where(Condition.case_id == case.id), Condition.public_id, public_id)


def visible_approvals(user) -> Select:
    """Pending decisions for a supervisor's team, oldest first."""
    if role(user) is not Role.SUPERVISOR:
        return select(Approval).where(false())
    m = user.membership
    return (select(Approval).join(Case, Approval.case_id == Case.id)
            .where(Approval.status == ApprovalStatus.PENDING, Case.force_id == m.organisation_id,
                   Case.team_id == m.team_id)
            .order_by(Approval.requested_at, Approval.id))


def approval_or_404(public_id) -> Approval:
    """A pending approval the current user may decide; anything else looks like it does not exist."""
    from flask_login import current_user

    return _one_or_404(visible_approvals(current_user), Approval.public_id, public_id)


def visible_timeline(user, case: Case) -> Select:
    """The case's timeline events this user's party may see, newest first."""
    q = select(TimelineEvent).where(TimelineEvent.case_id == case.id).order_by(
        TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
    party = role(user)
    if party in POLICE_ROLES:
        return q.where(TimelineEvent.visible_police)
    if party in PROVIDER_ROLES:
        # Only events of the provider's own referrals (and, for a caseworker, of those assigned to them).
        from app.referrals.models import Referral

        theirs = visible_referrals(user).where(Referral.case_id == case.id).with_only_columns(Referral.id)
        return q.where(TimelineEvent.visible_provider, TimelineEvent.referral_id.in_(theirs))
    if case.issued_on is None and party in (Role.OFFENDER, Role.VICTIM):
        return q.where(false())  # nothing of a case still being prepared
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


# --- the provider directory -------------------------------------------------------------------------------------


def can_manage_directory(user) -> bool:
    """The OOCD coordinator manages their force's provider directory."""
    return role(user) is Role.COORDINATOR


def visible_services(user) -> Select:
    """Services in the directory of the user's force: the coordinator's to manage, officers' to refer to."""
    if not is_police(user):
        return select(Service).where(false())
    return select(Service).where(Service.force_id == user.membership.organisation_id)


def service_or_404(public_id) -> Service:
    from flask_login import current_user

    return _one_or_404(visible_services(current_user), Service.public_id, public_id)


def provider_staff(user, provider: Organisation) -> Select:
    """A provider's staff and their roles, for the coordinator (users with an active membership there)."""
    from app.auth.models import User

    if not can_manage_directory(user):
        return select(User, Membership).where(false())
    return (select(User, Membership).join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == provider.id, Membership.active, User.active)
            .order_by(Membership.role, User.display_name))


# --- referrals, appointments and group sessions -------------------------------------------------------------------


def visible_referrals(user) -> Select:
    """Police: referrals of the cases they may see. A provider manager: their organisation's referrals. A
    caseworker: only the referrals assigned to them. Nobody else: none."""
    from app.referrals.models import Referral

    party = role(user)
    if party in POLICE_ROLES:
        return select(Referral).join(Case, Referral.case_id == Case.id).where(_police_case_filter(user))
    if party is Role.PROVIDER_MANAGER:
        return select(Referral).where(Referral.provider_id == user.membership.organisation_id)
    if party is Role.CASEWORKER:
        return select(Referral).where(Referral.provider_id == user.membership.organisation_id,
                                      Referral.caseworker_id == user.id)
    return select(Referral).where(false())


def can_refer(user, case: Case) -> bool:
    """The case's team refers, once the caution has been issued."""
    from app.cases.models import CaseStatus

    return may_work_on_case(user, case) and case.status is CaseStatus.ISSUED


def can_decide_referral(user, referral) -> bool:
    """Accept or decline: a manager of the provider it was sent to."""
    return role(user) is Role.PROVIDER_MANAGER and referral.provider_id == user.membership.organisation_id


def can_work_on_referral(user, referral) -> bool:
    """Book, record attendance, write notes, report the end: the assigned caseworker or a manager of the
    provider, while the referral is accepted or in progress."""
    from app.referrals.models import WORKING_STATUSES

    if referral.status not in WORKING_STATUSES or not is_provider(user):
        return False
    if referral.provider_id != user.membership.organisation_id:
        return False
    return role(user) is Role.PROVIDER_MANAGER or referral.caseworker_id == user.id


def referral_or_404(public_id, need: str = "view"):
    """need="view": any visible referral; "decide": a manager of its provider; "work": the assigned caseworker or
    a manager, while it is open for work (a finished one is refused in words)."""
    from flask_login import current_user

    from app.referrals.models import Referral

    found = _one_or_404(visible_referrals(current_user), Referral.public_id, public_id)
    if need == "decide":
        if not can_decide_referral(current_user, found):
            abort(404 if not is_provider(current_user) else 403)
    elif need == "work":
        if not is_provider(current_user):
            abort(404)
        if not can_work_on_referral(current_user, found):
            raise InvalidTransition(f"This referral is {found.status.label.lower()}, so nothing more can be "
                                    "recorded on it.")
    elif need != "view":
        raise ValueError(need)
    return found


def appointment_or_404(public_id, need: str = "view"):
    """An appointment of a visible referral; need="work": one the user may book, change or record."""
    from flask_login import current_user

    from app.referrals.models import Appointment, Referral

    theirs = visible_referrals(current_user).with_only_columns(Referral.id)
    found = _one_or_404(select(Appointment).where(Appointment.referral_id.in_(theirs)), Appointment.public_id,
                        public_id)
    if need == "work":
        referral_or_404(found.referral.public_id, need="work")
    return found


def visible_group_sessions(user) -> Select:
    """A provider manager: their organisation's sessions. A caseworker: the sessions they run."""
    from app.referrals.models import GroupSession

    if role(user) is Role.PROVIDER_MANAGER:
        return select(GroupSession).where(GroupSession.provider_id == user.membership.organisation_id)
    if role(user) is Role.CASEWORKER:
        return select(GroupSession).where(GroupSession.provider_id == user.membership.organisation_id,
                                          GroupSession.facilitator_id == user.id)
    return select(GroupSession).where(false())


def group_session_or_404(public_id):
    from flask_login import current_user

    from app.referrals.models import GroupSession

    return _one_or_404(visible_group_sessions(current_user), GroupSession.public_id, public_id)

"""The staff administration rules, and who decides after issue: part of app/access.py, which imports them from
here (for room only; import them from app.access, never from this module): who manages whose staff, which roles
they may give, the lists and loaders of the staff pages; and who may record how a caution's conditions went and
end the case (the officer in charge, their team's supervisor, the force's coordinator; never a provider).

- An OOCD coordinator manages their own force's teams and staff (officers, supervisors, coordinators), adds
  provider organisations and invites providers' managers.
- A provider manager manages their own organisation's staff (managers and caseworkers).
- Nobody else, and nobody for another force or provider: those pages and objects do not exist for them.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false, or_, select

from app.access import _one_or_404, _uuid_or_404, case_scope, role
from app.auth.models import User
from app.extensions import db
from app.organisations.models import Membership, Organisation, OrgKind, Role, StaffInvitation, Team

__all__ = [
    "ROLES_AT",
    "can_approve_compliance",
    "can_decide_compliance",
    "can_decide_on_case",
    "can_edit_work_contact",
    "can_manage_providers",
    "can_manage_staff",
    "case_flag_or_404",
    "compliance_decision_or_404",
    "managed_organisation",
    "may_give",
    "penalty_or_404",
    "provider_to_staff_or_404",
    "staff_invitation_or_404",
    "staff_member_or_404",
    "supervision_scope",
    "variation_condition_or_404",
    "variation_or_404",
    "visible_invitations",
    "visible_staff",
    "visible_teams",
]

# The roles each kind of organisation's staff may hold, in the order the forms offer them.
ROLES_AT = {OrgKind.POLICE_FORCE: (Role.OFFICER, Role.SUPERVISOR, Role.COORDINATOR),
            OrgKind.PROVIDER: (Role.PROVIDER_MANAGER, Role.CASEWORKER)}
_MANAGERS = {Role.COORDINATOR: OrgKind.POLICE_FORCE, Role.PROVIDER_MANAGER: OrgKind.PROVIDER}


def managed_organisation(user) -> Organisation | None:
    """The organisation whose staff this user manages: a coordinator's force, a provider manager's provider."""
    kind = _MANAGERS.get(role(user))
    org = user.membership.organisation if kind else None
    return org if org is not None and org.kind is kind else None


def can_manage_staff(user) -> bool:
    return managed_organisation(user) is not None


def can_manage_providers(user) -> bool:
    """Adds provider organisations and invites their managers: the OOCD coordinator."""
    return role(user) is Role.COORDINATOR and can_manage_staff(user)


def may_give(user, org: Organisation) -> tuple[Role, ...]:
    """The roles this user may invite someone to, or give, at `org`: any of its kind's roles at their own
    organisation; a provider's manager role at a provider, for a coordinator; none otherwise."""
    own = managed_organisation(user)
    if own is not None and org.id == own.id:
        return ROLES_AT[org.kind]
    if org.kind is OrgKind.PROVIDER and can_manage_providers(user):
        return (Role.PROVIDER_MANAGER,)
    return ()


def visible_staff(user) -> Select:
    """(User, Membership) of everyone with an active membership at the organisation the user manages, disabled
    accounts included (they can be enabled again)."""
    org = managed_organisation(user)
    query = (select(User, Membership).join(Membership, Membership.user_id == User.id)
             .where(Membership.active).order_by(User.display_name, User.id))
    return query.where(Membership.organisation_id == org.id) if org else query.where(false())


def staff_member_or_404(public_id) -> tuple[User, Membership]:
    found = db.session.execute(visible_staff(current_user).where(
        User.public_id == _uuid_or_404(public_id))).first()
    if found is None:
        abort(404)
    return found[0], found[1]


def can_edit_work_contact(user, target: User) -> bool:
    """A member of staff edits their own work contact details; their organisation's coordinator or manager may
    edit theirs too (as the staff pages let them). Members of the public have none."""
    if getattr(user, "kind", None) != "staff" or role(user) is None:
        return False
    if target.id == user.id:
        return True
    org = managed_organisation(user)
    return org is not None and db.session.scalar(select(Membership.id).where(
        Membership.user_id == target.id, Membership.organisation_id == org.id, Membership.active).limit(1)) is not None


def visible_teams(user) -> Select:
    org = managed_organisation(user)
    where = (Team.organisation_id == org.id) if org is not None and org.kind is OrgKind.POLICE_FORCE else false()
    return select(Team).where(where).order_by(Team.name)


def visible_invitations(user) -> Select:
    """Invitations to the organisation the user manages; for a coordinator also those to providers that someone
    at their force sent. Newest first."""
    org = managed_organisation(user)
    if org is None:
        return select(StaffInvitation).where(false())
    where = StaffInvitation.organisation_id == org.id
    if can_manage_providers(user):
        colleagues = select(Membership.user_id).where(Membership.organisation_id == org.id)
        where = or_(where, StaffInvitation.created_by_id.in_(colleagues)
                    & (StaffInvitation.role == Role.PROVIDER_MANAGER))
    return select(StaffInvitation).where(where).order_by(StaffInvitation.created_at.desc(), StaffInvitation.id)


def staff_invitation_or_404(public_id) -> StaffInvitation:
    return _one_or_404(visible_invitations(current_user), StaffInvitation.public_id, public_id)


def provider_to_staff_or_404(public_id) -> Organisation:
    """A provider organisation whose manager a coordinator may invite."""
    from flask import abort
    if not can_manage_providers(current_user):
        abort(404)
    return _one_or_404(select(Organisation).where(Organisation.kind == OrgKind.PROVIDER), Organisation.public_id,
                       public_id)



# --- decisions after issue ------------------------------------------------------------------------------------------


def _decides_on(user, case) -> bool:
    """The officer in charge, a supervisor of the case's team, or the force's coordinator."""
    if (scope := case_scope(user)) is None or not scope.holds(case):
        return False
    return (case.officer_id == user.id or role(user) is Role.COORDINATOR
            or (role(user) is Role.SUPERVISOR and user.membership.team_id == case.team_id))


def can_decide_compliance(user, case) -> bool:
    """Record a condition done or not, confirm completion, decide on a flag, vary the conditions with the person:
    those who decide on the case, while the caution is in force."""
    return case.status.value == "issued" and _decides_on(user, case)


def can_decide_on_case(user, case) -> bool:
    """The case's flags and decisions, and its financial penalty: those who decide on it, whatever its status."""
    return _decides_on(user, case)


def penalty_or_404(case):
    """The case's financial penalty, for those who manage it; for anyone else (or with none) it does not exist."""
    from app.compliance.models import FinancialPenalty

    found = db.session.scalars(select(FinancialPenalty).where(FinancialPenalty.case_id == case.id)).first()
    if found is None or not can_decide_on_case(current_user, case):
        abort(404)
    return found


def variation_or_404(case, public_id):
    """A variation of the case's conditions, with the decision it came from and the approvals it asked for."""
    from sqlalchemy.orm import joinedload

    from app.compliance.models import Variation

    return _one_or_404(select(Variation).where(Variation.case_id == case.id).options(
        joinedload(Variation.decision), joinedload(Variation.approvals)), Variation.public_id, public_id)


def variation_condition_or_404(variation, public_id):
    """A condition a variation may change or remove: one in force on its case, or one of its own proposals."""
    from app.cases.models import Condition, Standing

    return _one_or_404(select(Condition).where(Condition.case_id == variation.case_id, or_(
        Condition.standing == Standing.CURRENT, Condition.variation_id == variation.id)),
        Condition.public_id, public_id)


def can_approve_compliance(user, case) -> bool:
    """A decision the pack sends for approval: a supervisor of the case's team."""
    scope = case_scope(user)
    return (role(user) is Role.SUPERVISOR and scope is not None and scope.holds(case)
            and user.membership.team_id == case.team_id)


def case_flag_or_404(case, public_id):
    from app.compliance.models import Flag

    return _one_or_404(select(Flag).where(Flag.case_id == case.id), Flag.public_id, public_id)


def compliance_decision_or_404(case, public_id):
    from app.compliance.models import ComplianceDecision

    return _one_or_404(select(ComplianceDecision).where(ComplianceDecision.case_id == case.id),
                       ComplianceDecision.public_id, public_id)


def supervision_scope(user):
    """The team a supervisor oversees after issue (their own); None for anyone else."""
    return case_scope(user) if role(user) is Role.SUPERVISOR and user.membership.team_id else None

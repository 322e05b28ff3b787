"""Every authorisation rule in one place.

- `can_<verb>_<noun>(user, obj)`: predicates, used by templates to hide actions and by the loaders.
- `<noun>_or_404(...)`: load and authorise in one step; what you may not see looks exactly like what does not exist.
- `visible_<nouns>(user)`: the filters every list is built on.

The police scope (which cases a police user may see, and which a team works on) is defined once, as a `Scope`
that both filters queries and checks a loaded case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.cases.models import Approval, ApprovalStatus, Case, CaseStatus, CaseVictim
from app.cases.queries import CASE_PAGE, CASE_REFER, CASE_VARY, CASE_WORK  # noqa: F401  (routes load with access.CASE_*)
from app.errors import InvalidTransition
from app.extensions import db
from app.organisations.models import POLICE_ROLES, PROVIDER_ROLES, Membership, Organisation, OrgKind, Role, Service
from app.people.models import SpecialCategory
from app.referrals.models import WORKING_STATUSES, Appointment, AppointmentStatus, GroupSession, Referral
from app.timeline import queries as timeline
from app.timeline.models import Audience


def role(user) -> Role | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def is_police(user) -> bool:
    return role(user) in POLICE_ROLES


def is_provider(user) -> bool:
    return role(user) in PROVIDER_ROLES


def require(allowed: bool) -> None:
    """A page only some roles have: to anyone else it does not exist."""
    if not allowed:
        abort(404)


# --- the police scope ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A police force, and one of its teams (None: the whole force)."""

    force_id: int
    team_id: int | None

    def holds(self, case: Case) -> bool:
        return case.force_id == self.force_id and (self.team_id is None or case.team_id == self.team_id)

    def clause(self):
        where = Case.force_id == self.force_id
        return where if self.team_id is None else where & (Case.team_id == self.team_id)


def case_scope(user) -> Scope | None:
    """The cases a police user may see: a coordinator the force's, officers and supervisors their team's (an
    officer or supervisor in no team: none)."""
    if role(user) is Role.COORDINATOR:
        return Scope(user.membership.organisation_id, None)
    return _team(user)


def _team(user) -> Scope | None:
    """The team an officer or supervisor works in (a coordinator works in none)."""
    if role(user) not in (Role.OFFICER, Role.SUPERVISOR) or user.membership.team_id is None:
        return None
    return Scope(user.membership.organisation_id, user.membership.team_id)


def _in(scope: Scope | None, case: Case) -> bool:
    return scope is not None and scope.holds(case)


# --- cases --------------------------------------------------------------------------------------------------------

def visible_cases(user) -> Select:
    """Cases the user may see in the police view of a case (providers gain theirs with referrals)."""
    scope = case_scope(user)
    return select(Case).where(scope.clause() if scope else false())


def caseload(user) -> Select:
    """The cases on a police user's home page: an officer's own, a supervisor's team's, a coordinator's force's."""
    if role(user) is Role.OFFICER:
        return visible_cases(user).where(Case.officer_id == user.id)
    return visible_cases(user)


def can_view_case(user, case: Case) -> bool:
    return _in(case_scope(user), case)


def may_work_on_case(user, case: Case) -> bool:
    """The officer in charge, or an officer or supervisor of the case's team (whatever the case's status)."""
    if role(user) not in (Role.OFFICER, Role.SUPERVISOR):
        return False
    return case.officer_id == user.id or _in(_team(user), case)


def can_edit_case(user, case: Case) -> bool:
    """May change the case's details, screening, needs, victims' views and conditions: only before issue."""
    return may_work_on_case(user, case) and case.editable


def can_correct_contact_details(user, case: Case) -> bool:
    """After issue, the case's team may correct the person's and victims' contact details (never what was
    signed)."""
    return may_work_on_case(user, case) and case.issued_on is not None


def can_open_case(user) -> bool:
    return _team(user) is not None


def can_approve_any(user) -> bool:
    """Has a list of decisions to approve: a supervisor in a team."""
    return role(user) is Role.SUPERVISOR and _team(user) is not None


def can_view_special_category(user, case: Case) -> bool:
    """Ethnicity, sex and health: police who may see the case, never providers or the public."""
    return can_view_case(user, case)


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        abort(404)


def _one_or_404(query: Select, public_id_column, public_id):
    """The row of `query` (already limited to what the user may see) with that opaque id. A malformed id and a
    row the user may not see both end in the same 404 as a row that does not exist."""
    found = db.session.scalars(query.where(public_id_column == _uuid_or_404(public_id))).unique().first()
    if found is None:
        abort(404)
    return found


def _one_of(items, public_id, key=lambda item: item.public_id):
    """One of a loaded object's own items, by opaque id: anything else is not found."""
    wanted = _uuid_or_404(public_id)
    found = next((item for item in items if key(item) == wanted), None)
    if found is None:
        abort(404)
    return found


def case_or_404(public_id, need: str = "view", load=(), after_issue: str | None = None) -> Case:
    """Load a case the current user may see (with `load`'s parts). need="work": one they may work on (the task
    list); need="edit": one they may also change. A case they may work on but that is past changing (issued,
    closed) is refused with a message, since they can see it; except that a GET of an issued case's page is sent
    (303) to `after_issue` ("endpoint" or "endpoint#anchor"), the page that shows or corrects it now."""
    case = _one_or_404(visible_cases(current_user).options(*load), Case.public_id, public_id)
    if need in ("work", "edit"):
        if not may_work_on_case(current_user, case):
            abort(403)
        if need == "edit" and not case.editable:
            if after_issue and case.issued_on is not None and request.method == "GET":
                endpoint, _, anchor = after_issue.partition("#")
                abort(redirect(url_for(endpoint, case_id=case.public_id, _anchor=anchor or None), 303))
            raise InvalidTransition(f"This case is {case.status.label.lower()}, so it can no longer be changed.")
    elif need != "view":
        raise ValueError(need)
    return case


def document_case_or_404(public_id, *, sign: bool) -> Case:
    """The caution document's case: to sign, one the user may change; to read, one whose document is signed, or
    (before issue) one they may change."""
    if sign:
        return case_or_404(public_id, need="edit", load=CASE_WORK)
    case = case_or_404(public_id, load=CASE_WORK)
    if case.document is None and not can_edit_case(current_user, case):
        abort(404)
    return case


def team_to_open_cases_or_404():
    """The team a new case is opened in: the officer's or supervisor's own."""
    require(can_open_case(current_user))
    return current_user.membership.team


def case_offence_or_404(case: Case, public_id):
    return _one_of(case.offences, public_id)


def case_victim_or_404(case: Case, person_public_id) -> CaseVictim:
    """A victim of this case, named in URLs by their person's opaque id."""
    return _one_of(case.victims, person_public_id, key=lambda link: link.person.public_id)


def condition_or_404(case: Case, public_id):
    return _one_of(case.conditions, public_id)


def special_category_of(user, case: Case) -> SpecialCategory | None:
    """The person's special-category row, for a user who may see it (None otherwise, or when none is held)."""
    return db.session.get(SpecialCategory, case.offender_id) if can_view_special_category(user, case) else None


def visible_approvals(user) -> Select:
    """Pending decisions for a supervisor's team, oldest first, with what the supervisor reads of each case."""
    team = _team(user) if role(user) is Role.SUPERVISOR else None
    return (select(Approval).join(Case, Approval.case_id == Case.id)
            .where(Approval.status == ApprovalStatus.PENDING, team.clause() if team else false())
            .options(joinedload(Approval.case).options(joinedload(Case.offender), joinedload(Case.officer),
                                                       selectinload(Case.screenings)),
                     joinedload(Approval.variation))
            .order_by(Approval.requested_at, Approval.id))


def approval_or_404(public_id) -> Approval:
    """A pending approval the current user may decide; anything else looks like it does not exist."""
    return _one_or_404(visible_approvals(current_user), Approval.public_id, public_id)


def timeline_audience(user, case: Case | None = None) -> Audience | None:
    """Whose events, in whose words, the user reads on a case's timeline: staff by their role, a member of the
    public by the party they are in that case (no scrutiny role reaches a case yet)."""
    party = party_in(user, case) if is_public(user) else role(user)
    return (Audience.POLICE if party in POLICE_ROLES else Audience.PROVIDER if party in PROVIDER_ROLES
            else {Role.OFFENDER: Audience.OFFENDER, Role.VICTIM: Audience.VICTIM}.get(party))


def visible_timeline(user, case: Case) -> Select:
    """The case's events for the user's audience, newest first: a provider's of the referrals it may see, a
    victim's those for every victim and for them alone (the public's only once the caution is given)."""
    audience = timeline_audience(user, case)
    if audience is Audience.POLICE:
        mine = can_view_case(user, case)
    elif audience is Audience.PROVIDER:
        mine = timeline.REFERRAL.in_(visible_referrals(user).where(Referral.case_id == case.id)
                                     .with_only_columns(Referral.id))
    else:
        mine = timeline.for_victims(victim_ids(user, case)) if audience is Audience.VICTIM else true()
    return timeline.of_case(case.id, timeline.seen_by(audience), mine)


def visible_timelines(user, cases: list[Case]) -> Select:
    """Several cases' timelines in one statement: of each case, the events `visible_timeline` gives this user."""
    return timeline.of_cases([visible_timeline(user, case).whereclause for case in cases])


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
    return _one_or_404(visible_services(current_user), Service.public_id, public_id)


def visible_providers(user) -> Select:
    """Provider organisations a coordinator may list services for."""
    if not can_manage_directory(user):
        return select(Organisation).where(false())
    return select(Organisation).where(Organisation.kind == OrgKind.PROVIDER).order_by(Organisation.name)


def provider_or_404(public_id) -> Organisation:
    return _one_or_404(visible_providers(current_user), Organisation.public_id, public_id)


def provider_staff(user, providers: list[Organisation]) -> Select:
    """Providers' staff and their roles, for the coordinator (users with an active membership there)."""
    staff = (select(User, Membership).join(Membership, Membership.user_id == User.id)
             .where(Membership.organisation_id.in_([p.id for p in providers]), Membership.active, User.active)
             .order_by(Membership.role, User.display_name))
    return staff if can_manage_directory(user) else staff.where(false())


# --- referrals, appointments and group sessions -------------------------------------------------------------------


def visible_referrals(user) -> Select:
    """Police: referrals of the cases they may see. A provider manager: their organisation's referrals. A
    caseworker: only the referrals assigned to them. Nobody else: none."""
    party = role(user)
    if party in POLICE_ROLES:
        scope = case_scope(user)
        return select(Referral).join(Case, Referral.case_id == Case.id).where(scope.clause() if scope else false())
    if party is Role.PROVIDER_MANAGER:
        return select(Referral).where(Referral.provider_id == user.membership.organisation_id)
    if party is Role.CASEWORKER:
        return select(Referral).where(Referral.provider_id == user.membership.organisation_id,
                                      Referral.caseworker_id == user.id)
    return select(Referral).where(false())


def can_refer(user, case: Case) -> bool:
    """The case's team refers, once the caution has been issued."""
    return may_work_on_case(user, case) and case.status is CaseStatus.ISSUED


def can_decide_referrals(user) -> bool:
    """Receives new referrals for the organisation, to accept or decline: a provider manager."""
    return role(user) is Role.PROVIDER_MANAGER


def can_decide_referral(user, referral: Referral) -> bool:
    """Accept or decline: a manager of the provider it was sent to."""
    return can_decide_referrals(user) and referral.provider_id == user.membership.organisation_id


def can_work_on_referral(user, referral: Referral) -> bool:
    """Book, record attendance, write notes, report the end: the assigned caseworker or a manager of the
    provider, while the referral is accepted or in progress."""
    if referral.status not in WORKING_STATUSES or not is_provider(user):
        return False
    if referral.provider_id != user.membership.organisation_id:
        return False
    return role(user) is Role.PROVIDER_MANAGER or referral.caseworker_id == user.id


def can_change_appointment(user, appointment: Appointment) -> bool:
    """Move or cancel: a booked appointment with no outcome yet, by someone who may work on its referral."""
    return (appointment.status is AppointmentStatus.BOOKED and not appointment.outcome
            and can_work_on_referral(user, appointment.referral))


def referral_or_404(public_id, need: str = "view", load=()) -> Referral:
    """need="view": any visible referral; "decide": a manager of its provider; "work": the assigned caseworker or
    a manager, while it is open for work (a finished one is refused in words). `load`: eager-load options."""
    found = _one_or_404(visible_referrals(current_user).options(*load), Referral.public_id, public_id)
    if need == "decide":
        if not can_decide_referral(current_user, found):
            abort(404 if not is_provider(current_user) else 403)
    elif need == "work":
        _require_work(found)
    elif need != "view":
        raise ValueError(need)
    return found


def _require_work(referral: Referral) -> None:
    if not is_provider(current_user):
        abort(404)
    if not can_work_on_referral(current_user, referral):
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so nothing more can be "
                                "recorded on it.")


def appointment_or_404(public_id) -> Appointment:
    """An appointment of a visible referral, for someone who may work on that referral (move, cancel, record)."""
    theirs = visible_referrals(current_user).with_only_columns(Referral.id)
    found = _one_or_404(select(Appointment).where(Appointment.referral_id.in_(theirs))
                        .options(joinedload(Appointment.referral)), Appointment.public_id, public_id)
    _require_work(found.referral)
    return found


def visible_group_sessions(user) -> Select:
    """A provider manager: their organisation's sessions. A caseworker: the sessions they run."""
    if role(user) is Role.PROVIDER_MANAGER:
        return select(GroupSession).where(GroupSession.provider_id == user.membership.organisation_id)
    if role(user) is Role.CASEWORKER:
        return select(GroupSession).where(GroupSession.provider_id == user.membership.organisation_id,
                                          GroupSession.facilitator_id == user.id)
    return select(GroupSession).where(false())


def group_session_or_404(public_id, load=()) -> GroupSession:
    return _one_or_404(visible_group_sessions(current_user).options(*load), GroupSession.public_id, public_id)


# The rules of staff administration, of the public and their invitations, and of what the public ask for: one
# access module, in four files.
from app.access_public import *  # noqa: E402,F403  (all its __all__)
from app.access_public import is_public, party_in, victim_ids  # noqa: E402  (used above)
from app.access_requests import *  # noqa: E402,F403
from app.access_staff import *  # noqa: E402,F403

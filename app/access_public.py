"""The public's part of the access rules (re-exported by app/access.py): whose cases a member of the public
sees, and which party they are in each (decided per case, from the person records invitations linked them to);
and who may invite them."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import Select, exists, false, select, union
from sqlalchemy.orm import joinedload, selectinload

from app.access import _one_of, _one_or_404, may_work_on_case, require, role
from app.auth.models import PublicInvitation
from app.cases.models import Case, CaseStatus, CaseVictim
from app.extensions import db
from app.organisations.models import Role
from app.people.models import Person
from app.referrals.models import Appointment, Referral

__all__ = ["can_invite", "can_read_own_document", "can_record_victim_update", "can_see_late_victim_updates",
           "can_see_own_case", "can_see_victim_case", "can_subscribe_calendar", "is_public",
           "late_victim_updates_scope", "own_appointment_or_404", "own_appointments", "own_case_or_404", "own_cases",
           "party_in", "public_invitation_or_404", "victim_case_or_404", "victim_ids", "victim_update_or_404"]


def is_public(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.kind == "public"


def own_cases(user) -> Select:
    """A member of the public's cases: those where a person record linked to them is the person cautioned or a
    victim. Only once the caution has been given: the public see nothing of a case still being prepared."""
    if not is_public(user):
        return select(Case).where(false())
    mine = select(Person.id).where(Person.user_id == user.id)
    # One branch per party, each through its own index: an OR of the two would read every case in the country.
    cautioned = select(Case.id).where(Case.offender_id.in_(mine))
    as_victim = select(CaseVictim.case_id).where(CaseVictim.person_id.in_(mine))
    return select(Case).where(Case.issued_on.is_not(None), Case.id.in_(union(cautioned, as_victim)))


def party_in(user, case: Case) -> Role | None:
    """Which party a member of the public is in this case (its offender and victims loaded): decided per case."""
    if not is_public(user) or case.issued_on is None:
        return None
    if case.offender.user_id == user.id:
        return Role.OFFENDER
    return Role.VICTIM if victim_ids(user, case) else None


def victim_ids(user, case: Case) -> list[int]:
    return [link.person_id for link in case.victims if link.person.user_id == user.id]


def can_see_own_case(user, case: Case) -> bool:
    """The person cautioned sees their own case's page: what they must do, their appointments, who to contact."""
    return party_in(user, case) is Role.OFFENDER


def can_read_own_document(user, case: Case) -> bool:
    """The person cautioned reads the signed document of their own case; nobody else through this page."""
    return party_in(user, case) is Role.OFFENDER and case.document is not None


def own_case_or_404(public_id, load=()) -> Case:
    """A case in which the signed-in member of the public is the person cautioned (staff and victims: 404)."""
    case = _one_or_404(own_cases(current_user).options(joinedload(Case.offender), *load), Case.public_id, public_id)
    require(can_see_own_case(current_user, case))
    return case


def can_see_victim_case(user, case: Case) -> bool:
    """A victim sees their own page of the case: their updates, their choices, support. Never the person
    cautioned, staff, or a victim of another case."""
    return party_in(user, case) is Role.VICTIM


def victim_case_or_404(public_id, load=()) -> tuple[Case, CaseVictim]:
    """A case in which the signed-in member of the public is a victim, and their own victim record in it."""
    case = _one_or_404(own_cases(current_user).options(
        joinedload(Case.offender), selectinload(Case.victims).joinedload(CaseVictim.person), *load),
        Case.public_id, public_id)
    require(can_see_victim_case(current_user, case))
    return case, next(link for link in case.victims if link.person.user_id == current_user.id)


def can_record_victim_update(user, case: Case) -> bool:
    """The case's team records that they told a victim of a decision themselves (whatever the case's status:
    completion and closure are decisions a victim hears of too)."""
    return may_work_on_case(user, case)


def can_see_late_victim_updates(user) -> bool:
    """The OOCD coordinator watches the force's victim updates given late, or not yet."""
    return role(user) is Role.COORDINATOR


def late_victim_updates_scope(user):
    """The cases whose late victim updates the user's page lists: the coordinator's force's."""
    return Case.force_id == user.membership.organisation_id if can_see_late_victim_updates(user) else false()


def victim_update_or_404(case: Case, public_id, updates):
    """One of the case's victim updates (already loaded for the case), for its team."""
    require(can_record_victim_update(current_user, case))
    return _one_of(updates, public_id)


def can_invite(user, case: Case) -> bool:
    """The case's team invites the person cautioned and victims to the portal, while the caution runs."""
    return may_work_on_case(user, case) and case.status is CaseStatus.ISSUED


def public_invitation_or_404(case: Case, public_id) -> PublicInvitation:
    require(can_invite(current_user, case))
    return _one_or_404(select(PublicInvitation).where(PublicInvitation.case_id == case.id),
                       PublicInvitation.public_id, public_id)


def own_appointments(user) -> Select:
    """The appointments of a member of the public's own cases where they are the person cautioned (never a
    victim's view of someone else's), once the caution has been given: every status, cancelled ones too."""
    if not is_public(user):
        return select(Appointment).where(false())
    return (select(Appointment).join(Referral, Appointment.referral_id == Referral.id)
            .where(Referral.case_id.in_(_cautioned_in(user))))


def _cautioned_in(user) -> Select:
    return (select(Case.id).join(Person, Case.offender_id == Person.id)
            .where(Person.user_id == user.id, Case.issued_on.is_not(None)))


def can_subscribe_calendar(user) -> bool:
    """A calendar feed is for the person cautioned in at least one case (a victim has no appointments here)."""
    return is_public(user) and db.session.scalar(select(exists(_cautioned_in(user))))


def own_appointment_or_404(public_id) -> Appointment:
    """One of the signed-in person's own appointments (as the person cautioned), with its referral's service."""
    return _one_or_404(own_appointments(current_user).options(
        joinedload(Appointment.referral).joinedload(Referral.service)), Appointment.public_id, public_id)

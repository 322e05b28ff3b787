"""What needs the police's attention, and why: the rule that marks a case (used by the caseload's filter and its
row mark) and the reasons in words, with where to act, for the officer's home. The list costs the same few
statements whatever the caseload holds: the cases (at most LIMIT, with their waiting approval and declined referral),
then their open flags (app/compliance: missed appointments, outcomes not recorded, referrals not accepted in time,
conditions overdue ...), each with its reason in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import Select, and_, exists, or_, select, union
from sqlalchemy.orm import aliased, contains_eager

from app.cases.models import Approval, ApprovalStatus, Case, CaseStatus, Condition
from app.compliance.models import ComplianceDecision, DecisionStatus, FinancialPenalty, Flag, FlagKind, FlagStatus
from app.extensions import db
from app.formats import long_date
from app.people.models import Person
from app.referrals.models import Referral, ReferralStatus

LIMIT = 10  # the home shows this many; the rest are one link away (the caseload filtered to them)
_WAITING = (ApprovalStatus.PENDING, ApprovalStatus.RETURNED)


def _awaiting():
    return and_(ComplianceDecision.case_id == Case.id, ComplianceDecision.status == DecisionStatus.AWAITING_APPROVAL)


def _issued():
    return Case.status == CaseStatus.ISSUED


def _flaggable():
    """An issued case, or one ended for non-compliance (which keeps its unpaid penalty's and late updates' flags)."""
    return Case.status.in_((CaseStatus.ISSUED, CaseStatus.NON_COMPLIANCE))


def open_flag():
    """A case with an open flag: a missed appointment, an outcome not recorded, a referral not accepted in time, a
    condition overdue, a penalty unpaid ... (app/compliance): raised as they happen, or by the sweep as time
    passes."""
    return _flaggable() & exists().where(Flag.case_id == Case.id, Flag.status == FlagStatus.OPEN)


def _referred():
    """Ended by a referral for prosecution (a financial penalty needs attention only while its flag is open)."""
    return (Case.status == CaseStatus.NON_COMPLIANCE) & ~exists().where(FinancialPenalty.case_id == Case.id)


def missed_appointment():
    """An issued case with an open missed-appointment flag: an outcome that can count towards non-compliance was
    recorded (did not attend, late and refused entry ...: config/attendance.yaml), and the officer must decide."""
    return _issued() & exists().where(Flag.case_id == Case.id, Flag.status == FlagStatus.OPEN,
                                      Flag.kind == FlagKind.MISSED_APPOINTMENT)


def _declined_unreplaced():
    """A declined referral whose condition has no other referral since: the person must be referred elsewhere."""
    other = aliased(Referral)
    return and_(Referral.status == ReferralStatus.DECLINED,
                ~exists().where(other.condition_id == Referral.condition_id, other.id != Referral.id,
                                other.status != ReferralStatus.DECLINED))


def needs_attention(today: date, soon_days: int):
    """A case needs attention when a decision waits on someone, its deadline is close or passed, it has an open
    flag, or a referral was declined and not replaced. Row by row: for the few cases a page shows (to mark them);
    to find them among many, `attention_ids`."""
    waiting = exists().where(Approval.case_id == Case.id, Approval.status.in_(_WAITING))
    due_soon = _issued() & (Case.deadline <= today + timedelta(days=soon_days))
    declined = _issued() & exists().where(Referral.case_id == Case.id, _declined_unreplaced())
    return or_(waiting, due_soon, _referred(), open_flag(), declined,
               exists().where(_awaiting()))


def attention_ids(today: date, soon_days: int, within):
    """The cases `within` (a caseload's condition) that need attention, by the same rule as `needs_attention`, as a
    subquery of their ids and deadlines: one branch per reason, each through its own index (the few open flags,
    waiting approvals and decisions; the scope's issued and non-compliance cases by status), instead of testing
    every case of the scope for every reason. A force's list reads its few thousand candidates, not its 28,000
    cases."""
    ids = select(Case.id, Case.deadline).where(within)
    return union(
        ids.join(Approval, Approval.case_id == Case.id).where(Approval.status.in_(_WAITING)),
        ids.where(_issued(), Case.deadline <= today + timedelta(days=soon_days)),
        ids.where(_referred()),
        ids.join(Flag, Flag.case_id == Case.id).where(Flag.status == FlagStatus.OPEN, _flaggable()),
        ids.join(Referral, Referral.case_id == Case.id).where(_issued(), _declined_unreplaced()),
        ids.join(ComplianceDecision, ComplianceDecision.case_id == Case.id).where(
            ComplianceDecision.status == DecisionStatus.AWAITING_APPROVAL)).subquery()


@dataclass
class Item:
    case: Case
    # (reason in words, where to look, where to decide on it: a flag's decision page, else None)
    reasons: list[tuple[str, str, str | None]] = field(default_factory=list)


def attention_list(base: Select, today: date, soon_days: int) -> tuple[list[Item], bool]:
    """The cases of `base` that need attention, soonest deadline first, each with its reasons; and whether there
    are more than LIMIT. Two statements: the cases (with their waiting approval and declined referral as columns),
    then their open flags (each with its reason in words)."""
    approval = select(Approval.status).where(Approval.case_id == Case.id, Approval.status.in_(_WAITING)) \
        .order_by(Approval.status).limit(1).scalar_subquery()
    awaiting = select(ComplianceDecision.public_id).where(_awaiting()).order_by(ComplianceDecision.id) \
        .limit(1).scalar_subquery()
    declined = select(Condition.public_id).join(Referral, Referral.condition_id == Condition.id).where(
        Referral.case_id == Case.id, _declined_unreplaced()).order_by(Referral.id).limit(1).scalar_subquery()
    order = (Case.deadline.asc().nulls_last(), Case.id)
    # The first LIMIT + 1 by deadline, as ids: only those rows are joined to their people and given their reasons.
    found = attention_ids(today, soon_days, base.whereclause)
    first = select(found.c.id).order_by(found.c.deadline.asc().nulls_last(), found.c.id).limit(LIMIT + 1)
    rows = db.session.execute(
        base.add_columns(approval.label("approval"), declined.label("declined"), awaiting.label("awaiting"),
                         exists().where(FinancialPenalty.case_id == Case.id).label("penalised"))
        .where(Case.id.in_(first.scalar_subquery())).join(Person, Case.offender_id == Person.id)
        .options(contains_eager(Case.offender)).order_by(*order)).unique().all()
    more, rows = len(rows) > LIMIT, rows[:LIMIT]
    items = {row[0].id: Item(row[0]) for row in rows}
    flags = db.session.execute(
        select(Flag.case_id, Flag.kind, Flag.reason, Referral.public_id, Flag.public_id)
        .outerjoin(Referral, Referral.id == Flag.referral_id).join(Case, Case.id == Flag.case_id)
        .where(Flag.case_id.in_(list(items)), Flag.status == FlagStatus.OPEN, _flaggable())
        .order_by(Flag.raised_at, Flag.id)).all()
    deadline_flagged = {case_id for case_id, kind, *_ in flags if kind is FlagKind.DEADLINE_PASSED}

    for case, waiting, condition_id, decision_id, penalised in rows:
        item, show = items[case.id], url_for("cases.show", case_id=case.public_id)
        if waiting is not None:
            words = ("Approval returned: change and send it again" if waiting == ApprovalStatus.RETURNED
                     else "Waiting for a supervisor's approval")
            item.reasons.append((words, url_for("cases.tasks", case_id=case.public_id), None))
        if decision_id is not None:
            item.reasons.append(("A decision on a flag is waiting for a supervisor's approval", url_for(
                "cases.approve_decision", case_id=case.public_id, decision_id=decision_id), None))
        if case.status is CaseStatus.NON_COMPLIANCE and not penalised:
            item.reasons.append(("Referred for prosecution", show, None))
        elif case.status is CaseStatus.ISSUED and case.deadline and case.deadline < today:
            if case.id not in deadline_flagged:  # the flag says it, with the conditions still open
                item.reasons.append((f"Deadline passed on {long_date(case.deadline)}", show, None))
        elif case.status is CaseStatus.ISSUED and case.deadline and case.deadline <= today + timedelta(soon_days):
            item.reasons.append((f"Deadline on {long_date(case.deadline)}", show, None))
        if condition_id is not None and case.status is CaseStatus.ISSUED:
            item.reasons.append(("Referral declined: refer the person elsewhere",
                                 url_for("referrals.new", case_id=case.public_id, condition=condition_id), None))
    for case_id, kind, reason, referral_id, flag_id in flags:  # a flag about a referral or its appointment links there
        item = items[case_id]
        if kind is FlagKind.PENALTY_UNPAID:  # no decision: the penalty's page records a payment or the registration
            item.reasons.append((reason, url_for("cases.penalty", case_id=item.case.public_id), None))
            continue
        where = (url_for("referrals.show", referral_id=referral_id) if referral_id is not None
                 else url_for("cases.show", case_id=item.case.public_id))
        item.reasons.append((reason, where, url_for("cases.decide_flag", case_id=item.case.public_id,
                                                    flag_id=flag_id)))
    return list(items.values()), more

"""The supervisor's view of their team after issue: open flags oldest first with their age, decisions waiting for
their approval, and the decisions taken this month. Three statements whatever the team holds (each list capped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from app import clock
from app.cases.models import Case
from app.compliance.models import ComplianceDecision, DecisionStatus, Flag, FlagStatus
from app.extensions import db
from app.people.models import Person

LIMIT = 100  # each list shows this many, oldest first; the count says how many there are


@dataclass
class TeamView:
    flags: list[tuple[Flag, int]]  # each open flag and how many days it has been open
    open_flags: int
    waiting: list[ComplianceDecision]
    taken: list[tuple[str, int]]  # (decision, how many) this month


def team_view(scope) -> TeamView:
    today = clock.today()
    month_start = datetime.combine(today.replace(day=1), time(0), tzinfo=clock.LONDON)
    rows = db.session.execute(
        select(Flag, func.count().over()).join(Case, Case.id == Flag.case_id)
        .join(Person, Person.id == Case.offender_id)
        .where(Flag.status == FlagStatus.OPEN, scope.clause())
        .options(contains_eager(Flag.case).contains_eager(Case.offender))
        .order_by(Flag.raised_at, Flag.id).limit(LIMIT)).all()
    waiting = db.session.scalars(
        select(ComplianceDecision).join(Case, Case.id == ComplianceDecision.case_id)
        .where(ComplianceDecision.status == DecisionStatus.AWAITING_APPROVAL, scope.clause())
        .options(joinedload(ComplianceDecision.case).joinedload(Case.offender),
                 joinedload(ComplianceDecision.decided_by))
        .order_by(ComplianceDecision.decided_at, ComplianceDecision.id).limit(LIMIT)).all()
    taken = db.session.execute(
        select(ComplianceDecision.decision, func.count()).join(Case, Case.id == ComplianceDecision.case_id)
        .where(ComplianceDecision.status == DecisionStatus.TAKEN, ComplianceDecision.decided_at >= month_start,
               scope.clause())
        .group_by(ComplianceDecision.decision).order_by(ComplianceDecision.decision)).all()
    ages = [(f, (today - f.raised_at.astimezone(clock.LONDON).date()).days) for f, _ in rows]
    return TeamView(ages, rows[0][1] if rows else 0, list(waiting), [(d, n) for d, n in taken])

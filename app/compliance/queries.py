"""Reads of one case after issue: its open flags, the decisions taken on them, its variations of the conditions and
its financial penalty, for the case's flags and decisions page. Four statements, however many there are."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.models import Case
from app.compliance.models import ComplianceDecision, FinancialPenalty, Flag, FlagStatus, Variation, VariationStatus
from app.extensions import db


@dataclass(frozen=True)
class CaseDecisions:
    flags: list[Flag]  # open, oldest first
    decisions: list[ComplianceDecision]  # newest first
    variations: list[Variation]  # newest first
    penalty: FinancialPenalty | None

    @property
    def open_variation(self) -> Variation | None:
        return next((v for v in self.variations if v.status is VariationStatus.PROPOSED), None)


def case_decisions(case: Case) -> CaseDecisions:
    flags = db.session.scalars(select(Flag).where(Flag.case_id == case.id, Flag.status == FlagStatus.OPEN)
                               .order_by(Flag.raised_at, Flag.id)).all()
    decisions = db.session.scalars(select(ComplianceDecision).where(ComplianceDecision.case_id == case.id)
                                   .options(joinedload(ComplianceDecision.decided_by),
                                            joinedload(ComplianceDecision.flag))
                                   .order_by(ComplianceDecision.decided_at.desc(), ComplianceDecision.id.desc())).all()
    variations = db.session.scalars(select(Variation).where(Variation.case_id == case.id)
                                    .order_by(Variation.id.desc())).all()
    penalty = db.session.scalars(select(FinancialPenalty).where(FinancialPenalty.case_id == case.id)).first()
    return CaseDecisions(list(flags), list(decisions), list(variations), penalty)

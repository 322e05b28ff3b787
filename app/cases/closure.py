"""Closing a case before a caution is given: not eligible, no further action, sent for a charging decision, or
the youth process. The case keeps everything recorded on it; it leaves the officer's active caseload and its
timeline says why it closed."""

from __future__ import annotations

from app import clock
from app.audit import services as audit
from app.cases.models import ApprovalStatus, Case, CaseStatus, ClosureReason
from app.compliance import causes as flags
from app.compliance import facts
from app.compliance.models import FactKind
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.timeline.services import POLICE, SCRUTINY
from app.timeline.services import record as timeline
from app.victims import services as victims


def check_can_close(case: Case) -> None:
    """Only a case still being prepared closes here. After issue a case ends through its conditions (completed,
    or non-compliance)."""
    if case.status is CaseStatus.CLOSED:
        raise InvalidTransition(f"This case is already closed: {case.closure_reason.label.lower()}.")
    if not case.editable:
        raise InvalidTransition("The caution on this case has been given, so the case cannot be closed: it ends "
                                "when its conditions are completed or not complied with.")


def close_case(case: Case, *, reason: str, note: str | None, by) -> None:
    check_can_close(case)
    if reason not in ClosureReason._value2member_map_:
        raise RuleViolation(Problem("reason", "Choose why the case is being closed."))
    closure = ClosureReason(reason)
    # Decisions still waiting for a supervisor are withdrawn: nobody needs to decide them now.
    for pending in [a for a in case.approvals if a.status is ApprovalStatus.PENDING]:
        case.approvals.remove(pending)
    case.move_to(CaseStatus.CLOSED)
    case.closure_reason, case.closure_note = closure, (note or "").strip() or None
    case.closed_at, case.closed_by_id = clock.now(), by.id
    db.session.flush()
    timeline(case, "case_closed", to=POLICE | SCRUTINY, by=by, reason=closure.value, label=closure.label)
    audit.record("case.close", actor=by, obj=case, detail={"reason": closure.value})
    facts.record(case, FactKind.OUTCOME, f"closed:{closure.value}", by=by)
    flags.case_left_issue(case)
    victims.decision_made(case, "case_closed", by=by, reason=closure.value)

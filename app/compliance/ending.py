"""After issue: the officer records whether a condition the provider does not report on was done (unpaid work,
a restriction kept, an apology delivered), and confirms completion when every condition is done. Completion records
the disposal's Home Office outcome code from its pack and tells the person. Flushes; never commits."""

from __future__ import annotations

from datetime import date

from flask import current_app

from app import clock
from app.audit import services as audit
from app.cases.models import Case, CaseStatus, Condition
from app.cases.packs import disposal_of
from app.compliance import causes, variations
from app.compliance import facts as decision_facts
from app.compliance.models import FactKind
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.notifications import services as outbox
from app.notifications.models import Audience
from app.notifications.reminders import person_medium
from app.referrals.progress import NOT_DONE, ConditionStatus
from app.referrals.queries import conditions_of_case
from app.timeline.services import OFFENDER, POLICE, PROVIDER, SCRUTINY
from app.timeline.services import record as timeline
from app.victims import services as victims

RESULTS = {"completed": "Done", NOT_DONE: "Not done"}
NOT_ISSUED = "This case is not open: conditions can only be recorded while the caution is in force."


def _open(case: Case) -> None:
    if case.status is not CaseStatus.ISSUED:
        raise InvalidTransition(NOT_ISSUED)


def record_condition_result(case: Case, condition: Condition, *, result: str, evidence: str, on: date | None,
                            by) -> None:
    """Done or not done, on a day between the caution and today, with the evidence seen (required: the decision
    must be checkable). A condition recorded done stays done; one recorded not done can later be recorded done."""
    _open(case)
    problems = []
    if result not in RESULTS:
        problems.append(Problem("result", "Choose whether the condition was done."))
    if not (evidence or "").strip():
        problems.append(Problem("evidence", "Say what evidence you saw, for example a receipt or a note from "
                                            "the organisation."))
    if on is None:
        problems.append(Problem("on", "Enter the date it was done or found not done."))
    elif on > clock.today() or (case.issued_on and on < case.issued_on):
        problems.append(Problem("on", "The date must be between the day the caution was given and today."))
    if problems:
        raise RuleViolation(problems)
    if condition.outcome == "completed":
        raise InvalidTransition("This condition is already recorded as done.")
    condition.outcome, condition.outcome_on = result, on
    condition.outcome_evidence, condition.outcome_by_id = evidence.strip(), by.id
    db.session.flush()
    timeline(case, "condition_result", to=POLICE | OFFENDER | SCRUTINY, by=by, result=result,
             condition=str(condition.public_id), on=on.isoformat())
    audit.record("condition.result", actor=by, obj=case, detail={"condition": str(condition.public_id),
                                                                 "result": result})
    decision_facts.record(case, FactKind.COMPLIANCE_DECISION, f"condition_{result}", by=by)
    causes.condition_recorded(case, condition)


def can_complete(user, case: Case) -> bool:
    """Every condition is done (and there is at least one, or the caution had none)."""
    return case.status is CaseStatus.ISSUED and all(
        row.status is ConditionStatus.DONE for row in conditions_of_case(user, case))


def complete(case: Case, *, by) -> None:
    """The case is completed with its disposal's outcome code; the person is told, by their own channel."""
    _open(case)
    if variations.open_variation(case) is not None:
        raise InvalidTransition("A variation of the conditions is waiting for the person's signature: record it, "
                                "or withdraw the variation, first.")
    if not can_complete(by, case):
        raise InvalidTransition("Not every condition is done yet. Record each one first, or wait for the "
                                "organisation's report.")
    disposal = disposal_of(case)
    case.move_to(CaseStatus.COMPLETED)
    case.outcome_code, case.ended_on, case.ended_by_id = disposal.outcome_code, clock.today(), by.id
    db.session.flush()
    timeline(case, "case_completed", to=POLICE | PROVIDER | OFFENDER | SCRUTINY, by=by,
             noun=disposal.noun, outcome_code=disposal.outcome_code)
    victims.decision_made(case, "completed", by=by)  # each victim in their words, by the Victims' Code date
    audit.record("case.complete", actor=by, obj=case, detail={"outcome_code": disposal.outcome_code})
    decision_facts.record(case, FactKind.OUTCOME, "completed", by=by)
    causes.case_left_issue(case)
    person = case.offender
    if medium := person_medium(person):
        outbox.write([outbox.row(f"finished:{case.public_id}", audience=Audience.OFFENDER, template="case_finished",
                                 medium=medium, personalisation={"link": current_app.config["PORTAL_URL"]},
                                 person_id=person.id, case_id=case.id)])

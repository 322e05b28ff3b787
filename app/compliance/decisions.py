"""Deciding a flag: whether the person failed without a reasonable excuse is the officer's judgement, never the
system's (CJA 2003 s.24; PCSC 2022 s.105). The decision is kept with the person's explanation (or the dated
attempts to get one) and the evidence seen; what the pack marks goes to a supervisor first. What follows:

- excuse accepted: nothing changes; the person and the providers are told to carry on;
- conditions varied: a variation to agree with the person, in force once they sign it (variations.py);
- referral for prosecution (conditional and diversionary cautions): the case ends with that outcome, and a summary
  for the prosecutor is printable;
- a financial penalty (community cautions, only where the pack holds its amount): the case ends with that outcome,
  and the penalty is tracked until paid or registered (penalties.py).

Flushes; never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from app import clock
from app.audit import services as audit
from app.cases.models import Case, CaseStatus
from app.cases.packs import disposal_of
from app.compliance import causes, penalties, variations
from app.compliance import facts as decision_facts
from app.compliance.models import ComplianceDecision, DecisionStatus, FactKind, Flag, FlagStatus
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.timeline.services import OFFENDER, POLICE, SCRUTINY, tell_providers
from app.timeline.services import record as timeline
from app.victims import services as victims

WORDS = {"excuse_accepted": "Excuse accepted: no further action",
         "conditions_varied": "Vary the conditions, with the person's agreement",
         "refer_for_prosecution": "Refer for prosecution of the original offence",
         "financial_penalty": "Impose a financial penalty"}
# The person reads what followed, beside the police and scrutiny, once it takes effect (a variation: once signed).
ENDS_CASE = {"refer_for_prosecution": "referred_for_prosecution", "financial_penalty": "financial_penalty"}
VICTIM_OUTCOME = {"refer_for_prosecution": "The case has been sent to the prosecutor to decide whether to prosecute",
                  "financial_penalty": "A financial penalty was given for not doing what the conditions asked"}


def _available(case: Case, decision: str) -> bool:
    penalty = disposal_of(case).penalty
    return decision != "financial_penalty" or (penalty is not None and penalty.available)


def offered(case: Case) -> list[str]:
    return [d for d in disposal_of(case).non_compliance_decisions if _available(case, d)]


def not_available(case: Case) -> list[str]:
    """What the law allows for this disposal but its pack leaves unset (a penalty's amount, before regulations)."""
    return [d for d in disposal_of(case).non_compliance_decisions if not _available(case, d)]


def _check(case: Case, *, explanation, attempts, evidence, decision, reason, penalty_pounds) -> None:
    problems = []
    if decision not in offered(case):
        problems.append(Problem("decision", "Choose a decision from the list."))
    elif decision == "financial_penalty":
        problems += penalties.amount_problems(case, penalty_pounds)
    elif decision == "conditions_varied" and variations.open_variation(case) is not None:
        problems.append(Problem("decision", "A variation of the conditions is already being agreed with the person: "
                                            "finish it or withdraw it first."))
    if not (reason or "").strip():
        problems.append(Problem("reason", "Say why you decided this."))
    if not (evidence or "").strip():
        problems.append(Problem("evidence", "Say what evidence you saw, for example the organisation's note."))
    if not (explanation or "").strip() and not attempts:
        problems.append(Problem("explanation", "Record the person's explanation, or when and how you tried to "
                                               "get one."))
    for tried in attempts:
        if tried["on"] > clock.today() or (case.issued_on and tried["on"] < case.issued_on):
            problems.append(Problem("attempt_on", "The date you tried must be between the caution and today."))
    if problems:
        raise RuleViolation(problems)


def decide(case: Case, flag: Flag, *, explanation: str | None, attempts: list[dict], evidence: str,
           decision: str, reason: str, by, penalty_pounds: int | None = None) -> ComplianceDecision:
    """Record the decision on `flag`. Once per flag: the flag is claimed with one conditional UPDATE, so two
    officers deciding at once cannot both succeed."""
    if case.status is not CaseStatus.ISSUED:
        raise InvalidTransition("This case is not open, so no decision can be taken on it.")
    _check(case, explanation=explanation, attempts=attempts, evidence=evidence, decision=decision, reason=reason,
           penalty_pounds=penalty_pounds)
    claimed = db.session.execute(update(Flag).where(Flag.id == flag.id, Flag.status == FlagStatus.OPEN)
                                 .values(status=FlagStatus.DECIDED, cleared_at=clock.now(),
                                         cleared_because=f"decided: {decision}")).rowcount
    if not claimed:
        raise InvalidTransition("This flag has already been decided, or its cause went. See the case timeline.")
    approval = decision in disposal_of(case).non_compliance_approved_by_supervisor
    made = ComplianceDecision(case=case, flag=flag, explanation=(explanation or "").strip() or None,
                              attempts=[{"on": a["on"].isoformat(), "how": a["how"]} for a in attempts],
                              evidence=evidence.strip(), decision=decision, reason=reason.strip(),
                              status=DecisionStatus.AWAITING_APPROVAL if approval else DecisionStatus.TAKEN,
                              decided_by_id=by.id, decided_at=clock.now(),
                              penalty_pounds=penalty_pounds if decision == "financial_penalty" else None)
    db.session.add(made)
    db.session.flush()
    db.session.refresh(flag)
    audit.record("compliance.decide", actor=by, obj=case, detail={"decision": decision, "flag": str(flag.public_id),
                                                                  "status": made.status.value})
    if approval:
        timeline(case, "compliance_for_approval", to=POLICE | SCRUTINY, by=by, decision=decision)
    else:
        _take(case, made, by)
    return made


def approve(made: ComplianceDecision, *, approve: bool, comment: str | None, by) -> None:
    """The supervisor approves (it takes effect now) or returns it with a reason (the flag is open again)."""
    if made.status is not DecisionStatus.AWAITING_APPROVAL:
        raise InvalidTransition("This decision is not waiting for approval.")
    if made.decided_by_id == by.id:
        raise InvalidTransition("Another supervisor must approve a decision you took.")
    if not approve and not (comment or "").strip():
        raise RuleViolation(Problem("comment", "Say why you are returning it."))
    case = made.case
    if approve and case.status is not CaseStatus.ISSUED:
        raise InvalidTransition("This case is not open, so the decision cannot take effect.")
    made.approved_by_id, made.approved_at = by.id, clock.now()
    made.approval_comment = (comment or "").strip() or None
    audit.record(f"compliance.{'approve' if approve else 'return'}", actor=by, obj=case,
                 detail={"decision": made.decision})
    if approve:
        made.status = DecisionStatus.TAKEN
        _take(case, made, by)
        return
    made.set_aside(DecisionStatus.RETURNED)
    db.session.flush()
    timeline(case, "compliance_returned", to=POLICE | SCRUTINY, by=by, decision=made.decision)


def _take(case: Case, made: ComplianceDecision, by) -> None:
    if made.decision == "conditions_varied":  # the person reads of it once they sign the varied conditions
        timeline(case, "compliance_decided", to=POLICE | SCRUTINY, by=by, decision=made.decision, reason=made.reason)
        variations.start(case, made, by=by)
        return
    amount = {"amount": made.penalty_pounds} if made.penalty_pounds else {}
    timeline(case, "compliance_decided", to=POLICE | SCRUTINY | OFFENDER, by=by, decision=made.decision,
             reason=made.reason, **amount)
    tell_providers(case, "compliance_decided", by=by, decision=made.decision)
    decision_facts.record(case, FactKind.COMPLIANCE_DECISION, made.decision, by=by)
    if made.decision not in ENDS_CASE:
        return
    if (variation := variations.open_variation(case)) is not None:
        variations.withdraw(variation, because="The case ended with another decision.", by=by)
    case.move_to(CaseStatus.NON_COMPLIANCE)
    case.ended_on, case.ended_by_id = clock.today(), by.id
    db.session.flush()
    decision_facts.record(case, FactKind.OUTCOME, ENDS_CASE[made.decision], by=by)
    causes.case_left_issue(case)
    if made.decision == "financial_penalty":
        penalties.impose(case, made, made.penalty_pounds, by=by)
    victims.decision_made(case, "non_compliance", by=by, outcome=VICTIM_OUTCOME[made.decision])


def attempts_from(on: date | None, how: str | None) -> list[dict]:
    """The form's one dated attempt to reach the person, if given."""
    return [{"on": on, "how": (how or "").strip() or "not said"}] if on else []

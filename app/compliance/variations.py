"""Varying the conditions after a decision on a flag, with the person's consent (CJA 2003 s.23A; PCSC 2022 ss.104,
111). Nothing in force changes until the person signs the next version of the caution document. Until then the
variation holds proposals (conditions added, and replacements of those it changes) and marks those it removes.

Signing ends the conditions changed or removed (kept, as the case's condition history: never edited in place),
brings the proposals into force, moves a changed condition's referrals to its replacement and sets the new
deadline. Withdrawing (the person does not agree) changes nothing, and the flag is open again. Flushes; never
commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.audit import services as audit
from app.cases import readiness, rules
from app.cases.conditions import check_condition, condition_columns
from app.cases.document import caution_text, document_hash
from app.cases.models import Approval, ApprovalStatus, Case, CaseStatus, CautionDocument, Condition, Standing
from app.cases.packs import pack_of
from app.cases.readiness import DEADLINE_EXTENSION
from app.cases.services import check_rank
from app.compliance import causes
from app.compliance import facts as decision_facts
from app.compliance.models import (
    ComplianceDecision,
    DecisionStatus,
    FactKind,
    FlagKind,
    Variation,
    VariationStatus,
)
from app.compliance.services import clear_flags
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.formats import long_date
from app.notifications.services import cancel_pending
from app.referrals.models import OPEN_STATUSES, Referral
from app.timeline.services import OFFENDER, POLICE, SCRUTINY, tell_providers
from app.timeline.services import record as timeline

NOT_OPEN = "This variation is no longer being agreed: see the case's timeline."


def open_variation(case: Case) -> Variation | None:
    return db.session.scalars(select(Variation).where(Variation.open_for_case == case.id)).first()


def start(case: Case, made: ComplianceDecision, *, by) -> Variation:
    """The officer decided to vary the conditions: a variation to agree with the person, starting from the
    conditions and deadline in force."""
    if open_variation(case) is not None:
        raise InvalidTransition("A variation of this case's conditions is already being agreed: finish it or "
                                "withdraw it first.")
    variation = Variation(case=case, decision=made, open_for_case=case.id, previous_deadline=case.deadline,
                          deadline=case.deadline, proposed_by_id=by.id, proposed_at=clock.now())
    db.session.add(variation)
    db.session.flush()
    timeline(case, "variation_started", to=POLICE | SCRUTINY, by=by)
    audit.record("variation.start", actor=by, obj=case, detail={"variation": str(variation.public_id)})
    return variation


def proposals(variation: Variation) -> list[Condition]:
    return list(db.session.scalars(select(Condition).where(Condition.variation_id == variation.id,
                                                           Condition.standing == Standing.PROPOSED)
                                   .order_by(Condition.id)))


def with_conditions(variation: Variation) -> list[Condition]:
    """The proposals, read in one statement with the conditions in force (which become the case's, as loaded)."""
    rows = db.session.scalars(select(Condition).where(Condition.case_id == variation.case_id, or_(
        Condition.standing == Standing.CURRENT,
        and_(Condition.variation_id == variation.id, Condition.standing == Standing.PROPOSED)))
        .order_by(Condition.id)).all()
    set_committed_value(variation.case, "conditions", [c for c in rows if c.standing is Standing.CURRENT])
    return [c for c in rows if c.standing is Standing.PROPOSED]


def conditions_after(variation: Variation, proposed: list[Condition] | None = None) -> list[Condition]:
    """The conditions as they will stand once the person signs: those kept, and the proposals (a replacement in
    place of the condition it changes), in the order the case lists them."""
    proposed = proposals(variation) if proposed is None else proposed
    replaced = {p.replaces_id for p in proposed}
    kept = [c for c in variation.case.conditions if c.ended_by_id != variation.id and c.id not in replaced]
    return sorted(kept + proposed, key=lambda c: c.id)


def _open(variation: Variation) -> None:
    if variation.status is not VariationStatus.PROPOSED or variation.case.status is not CaseStatus.ISSUED:
        raise InvalidTransition(NOT_OPEN)


def _varied(variation: Variation, action: str, by, condition: Condition) -> None:
    db.session.flush()
    audit.record(f"variation.{action}", actor=by, obj=variation.case,
                 detail={"variation": str(variation.public_id), "condition": str(condition.public_id)})


def _unchangeable(condition: Condition) -> None:
    if condition.outcome == "completed":
        raise InvalidTransition("This condition is done, so it stays as it is.")


def check(variation: Variation, values: dict, condition: Condition | None = None,
          proposed: list[Condition] | None = None) -> None:
    """The rules for one condition added or changed, among the conditions as varied; writes nothing."""
    proposed = proposals(variation) if proposed is None else proposed
    replacing = (proposal_for(variation, condition, proposed) or condition) if condition is not None else None
    check_condition(variation.case, values, replacing, among=conditions_after(variation, proposed),
                    deadline=variation.deadline)


def proposal_for(variation: Variation, condition: Condition,
                 proposed: list[Condition] | None = None) -> Condition | None:
    """The proposal that changes `condition` (itself, if it is one), if any."""
    if condition.standing is Standing.PROPOSED:
        return condition
    proposed = proposals(variation) if proposed is None else proposed
    return next((p for p in proposed if p.replaces_id == condition.id), None)


def add(variation: Variation, values: dict, *, by) -> Condition:
    _open(variation)
    check(variation, values)
    condition = Condition(**condition_columns(variation.case, values), case_id=variation.case_id,
                          standing=Standing.PROPOSED, variation_id=variation.id)
    db.session.add(condition)
    _varied(variation, "add", by, condition)
    return condition


def change(variation: Variation, condition: Condition, values: dict, *, by) -> Condition:
    """A condition in force gets a proposed replacement (or its proposal is changed); a proposal is a draft until
    signed, so it is changed as it stands."""
    _open(variation)
    _unchangeable(condition)
    proposed = proposals(variation)
    check(variation, values, condition, proposed)
    proposal = proposal_for(variation, condition, proposed)
    if proposal is None:
        proposal = Condition(case_id=variation.case_id, standing=Standing.PROPOSED, variation_id=variation.id,
                             replaces_id=condition.id)
        db.session.add(proposal)
        condition.ended_by_id = None  # changed, so no longer removed
    for name, value in condition_columns(variation.case, values).items():
        setattr(proposal, name, value)
    _varied(variation, "change", by, proposal)
    return proposal


def remove(variation: Variation, condition: Condition, *, by) -> None:
    """A condition in force is marked to end when signed; a proposal is dropped (a change undone, or an added
    condition taken out)."""
    _open(variation)
    if condition.standing is Standing.PROPOSED:
        db.session.delete(condition)
        _varied(variation, "undo", by, condition)
        return
    _unchangeable(condition)
    working = db.session.scalar(select(Referral.id).where(
        Referral.condition_id == condition.id, Referral.status.in_(OPEN_STATUSES)))
    if working is not None:
        raise RuleViolation("This condition has a referral that is still open. Change the condition instead, or "
                            "ask the organisation to end the service before you remove it.")
    if (proposal := proposal_for(variation, condition)) is not None:
        db.session.delete(proposal)
    condition.ended_by_id = variation.id
    _varied(variation, "remove", by, condition)


def keep(variation: Variation, condition: Condition, *, by) -> None:
    """Undo a removal: the condition stays as it is."""
    _open(variation)
    condition.ended_by_id = None
    _varied(variation, "keep", by, condition)


def set_deadline(variation: Variation, deadline: date, reason: str | None, *, by) -> None:
    """A new deadline, counted from the day the caution was given: no later than the pack's maximum, and later than
    normal only with a reason (and a supervisor's approval where the pack asks for it)."""
    _open(variation)
    case, pack, today = variation.case, pack_of(variation.case), clock.today()
    problems = rules.check_deadline(pack, case.issued_on, deadline, reason)
    if deadline < today:
        problems.append(f"The new deadline must be today ({long_date(today)}) or later.")
    if problems:
        raise RuleViolation([Problem("deadline", p) for p in problems])
    extended = deadline > rules.normal_deadline(pack, case.issued_on)
    variation.deadline = deadline
    variation.extension_reason = ((reason or "").strip() or None) if extended else None
    _drop_pending_approval(variation)
    if extended and deadline > variation.previous_deadline and DEADLINE_EXTENSION in pack.approval_required:
        case.approvals.append(Approval(kind=DEADLINE_EXTENSION, requested_by_id=by.id, requested_at=clock.now(),
                                       pack_version=case.pack_version, variation_id=variation.id))
    db.session.flush()
    db.session.expire(variation, ["approvals"])
    audit.record("variation.deadline", actor=by, obj=case, detail={"variation": str(variation.public_id),
                                                                   "extended": extended})


def _drop_pending_approval(variation: Variation) -> None:
    """A later deadline set again, or the variation withdrawn: what was waiting for a supervisor is no longer asked."""
    case = variation.case
    for old in [a for a in case.approvals if a.variation_id == variation.id and a.status is ApprovalStatus.PENDING]:
        case.approvals.remove(old)


def approval_of(variation: Variation) -> Approval | None:
    return variation.approvals[-1] if variation.approvals else None


def problems(variation: Variation, proposed: list[Condition] | None = None) -> list[str]:
    """What stops the person signing the varied conditions now, in words; empty when they may."""
    case, pack = variation.case, pack_of(variation.case)
    proposed = proposals(variation) if proposed is None else proposed
    removed = [c for c in case.conditions if c.ended_by_id == variation.id]
    if not proposed and not removed and variation.deadline == variation.previous_deadline:
        return ["Nothing is varied yet: change, add or remove a condition, or set a new deadline."]
    after = conditions_after(variation, proposed)
    found = rules.check_conditions(pack, case.disposal_type, [readiness.condition_facts(c) for c in after],
                                   [co.offence.mode_of_trial for co in case.offences], case.issued_on,
                                   variation.deadline, readiness.remedy_requests(case))
    found += [f"A new or changed condition is due on {long_date(p.due_on)}, before today." for p in proposed
              if p.due_on < clock.today()]
    approval = approval_of(variation)
    if approval is not None and approval.status is ApprovalStatus.PENDING:
        found.append("The later deadline is waiting for a supervisor's approval.")
    elif approval is not None and approval.status is ApprovalStatus.RETURNED:
        found.append(f"A supervisor returned the later deadline: {approval.comment}. Set the deadline again.")
    return found


def text(variation: Variation, proposed: list[Condition] | None = None) -> str:
    """The next version of the caution document, with the conditions as varied."""
    return caution_text(variation.case, variation, conditions_after(variation, proposed))


def sign(variation: Variation, *, signed_by_name: str, shown_hash: str, administered_by: str,
         by) -> CautionDocument:
    """The person signed the next version in front of `by`: it supersedes the one before, and what it says is in
    force from now."""
    _open(variation)
    case = variation.case
    check_rank(case, administered_by)
    proposed = proposals(variation)
    if found := problems(variation, proposed):
        raise RuleViolation(found)
    signed_text = text(variation, proposed)
    if document_hash(signed_text) != shown_hash:
        raise RuleViolation("The document changed after it was shown (a condition or the deadline was changed). "
                            "Show it again, have it signed, and record the signature.")
    now, previous = clock.now(), case.document
    document = CautionDocument(text=signed_text, sha256=document_hash(signed_text), generated_at=now, signed_at=now,
                               signed_by_name=signed_by_name.strip(), witnessed_by_id=by.id,
                               pack_version=case.pack_version, administered_by=administered_by,
                               version=previous.version + 1, variation_id=variation.id)
    case.documents.append(document)
    ended = [c for c in case.conditions if c.ended_by_id == variation.id]
    for proposal in proposed:
        proposal.standing, proposal.decided_at = Standing.CURRENT, now
        if proposal.replaces is not None:
            ended.append(proposal.replaces)
            proposal.replaces.ended_by_id = variation.id
            db.session.execute(update(Referral).where(Referral.condition_id == proposal.replaces_id)
                               .values(condition_id=proposal.id))
    for condition in ended:
        condition.standing = Standing.ENDED
        causes.no_longer_overdue(condition, because="the condition was varied")
    old_deadline = case.deadline
    case.deadline, case.deadline_extension_reason = variation.deadline, variation.extension_reason
    variation.status, variation.open_for_case, variation.ended_at = VariationStatus.SIGNED, None, now
    db.session.flush()
    db.session.expire(case, ["conditions"])
    if case.deadline != old_deadline:
        cancel_pending(key_prefix=tuple(f"{kind}:{case.public_id}:{old_deadline.isoformat()}"  # the old deadline's
                                        for kind in ("deadline", "officer-deadline")))
    if case.deadline >= clock.today():
        clear_flags(case.id, kind=FlagKind.DEADLINE_PASSED, because="the deadline was varied")
    timeline(case, "conditions_varied", to=POLICE | OFFENDER | SCRUTINY, by=by, version=document.version,
             deadline=case.deadline.isoformat(), changed=len(proposed), removed=len(ended) - len(
                 [p for p in proposed if p.replaces_id]))
    tell_providers(case, "conditions_varied", by=by, deadline=case.deadline.isoformat())
    decision_facts.record(case, FactKind.COMPLIANCE_DECISION, "conditions_varied", by=by)
    audit.record("variation.sign", actor=by, obj=case, detail={"document_sha256": document.sha256,
                                                               "version": document.version})
    return document


def withdraw(variation: Variation, *, because: str, by) -> None:
    """Not agreed (or overtaken by another decision): nothing in force changes, the proposals go, and the flag
    that led to it is open again for another decision."""
    _open(variation)
    if not (because or "").strip():
        raise RuleViolation(Problem("because", "Say why the variation is withdrawn, for example that the person "
                                               "did not agree."))
    case = variation.case
    for proposal in proposals(variation):
        db.session.delete(proposal)
    for condition in case.conditions:
        if condition.ended_by_id == variation.id:
            condition.ended_by_id = None
    _drop_pending_approval(variation)
    variation.status, variation.open_for_case, variation.ended_at = VariationStatus.WITHDRAWN, None, clock.now()
    variation.withdrawn_because = because.strip()
    variation.decision.set_aside(DecisionStatus.WITHDRAWN)
    db.session.flush()
    timeline(case, "variation_withdrawn", to=POLICE | SCRUTINY, by=by, because=variation.withdrawn_because)
    audit.record("variation.withdraw", actor=by, obj=case, detail={"variation": str(variation.public_id)})

"""Use cases that change cases, from a new draft to an issued caution. Each writes timeline and audit entries,
flushes, and never commits; a rule it refuses raises RuleViolation with the problem tied to its form field."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.audit import services as audit
from app.cases import catalogue, packs, readiness, rules
from app.cases.document import caution_text, document_hash
from app.cases.models import (
    Approval,
    ApprovalStatus,
    Case,
    CaseOffence,
    CaseStatus,
    CaseVictim,
    CautionDocument,
    NeedsAssessment,
    ReferenceCounter,
    Screening,
    VictimView,
)
from app.cases.packs import disposal_of
from app.cases.readiness import DEADLINE_EXTENSION
from app.compliance import facts as decision_facts
from app.compliance.models import FactKind
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.people.models import Person, SpecialCategory
from app.timeline.services import OFFENDER, POLICE, SCRUTINY, VICTIM
from app.timeline.services import record as timeline
from app.victims import services as victims


def next_reference() -> str:
    """RES-<year>-<number>, numbered per year. The upsert serialises concurrent writers on the year's row."""
    year = clock.today().year
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(ReferenceCounter).values(year=year, last=0).on_conflict_do_nothing())
    number = db.session.execute(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1).returning(ReferenceCounter.last)
    ).scalar_one()
    return f"RES-{year}-{number:06d}"


# --- a new case and its details -----------------------------------------------------------------------------------


def start_case(*, officer, team, regime: str, disposal_type: str, given_name: str = "", family_name: str = "",
               person: Person | None = None) -> Case:
    """A new draft case, for a new person (by name) or for a person already known from an earlier case: the rest
    of the details follow on the task list."""
    pack = packs.in_force(regime, clock.today())
    if pack is None or disposal_type not in pack.disposal_types or not pack.disposal(disposal_type).available_on(
            clock.today()):
        raise RuleViolation(Problem("disposal", "Choose a disposal type from the list."))
    if person is None:
        person = Person(given_name=given_name.strip(), family_name=family_name.strip())
        db.session.add(person)
        db.session.flush()
        audit.record("person.create", actor=officer, obj=person, purpose="new case")
    case = Case(reference=next_reference(), regime=regime, pack_version=pack.version, disposal_type=disposal_type,
                status=CaseStatus.DRAFT,
                force_id=team.organisation_id, team_id=team.id, officer_id=officer.id, offender=person)
    db.session.add(case)
    db.session.flush()
    timeline(case, "case_opened", to=POLICE | SCRUTINY, by=officer, reference=case.reference)
    audit.record("case.create", actor=officer, obj=case)
    return case


def update_offender(case: Case, values: dict, special: dict | None, *, by) -> None:
    person = case.offender
    changed = sorted(k for k, v in values.items() if getattr(person, k) != v)
    for k, v in values.items():
        setattr(person, k, v)
    if special is not None:
        row = db.session.get(SpecialCategory, person.id)
        if row is None:
            row = SpecialCategory(person_id=person.id)
            db.session.add(row)
        if any(getattr(row, k) != v for k, v in special.items()):
            changed.append("special_category")
        for k, v in special.items():
            setattr(row, k, v)
    db.session.flush()
    timeline(case, "offender_updated", by=by)
    # Field names only: no personal data in the audit detail.
    audit.record("person.update", actor=by, obj=person, purpose=f"case {case.reference}", detail={"fields": changed})
    refresh_status(case, by=by)


def _offence_summary(case: Case) -> str | None:
    titles = [co.offence.title for co in case.offences]
    if not titles:
        return None
    return (titles[0] if len(titles) == 1 else f"{titles[0]} and {len(titles) - 1} more")[:300]


def add_offence(case: Case, *, code: str, committed_on: date, location: str, by) -> CaseOffence:
    offence = catalogue.find(code)
    if offence is None:
        raise RuleViolation(Problem("offence", "Choose an offence from the catalogue."))
    if committed_on > clock.today():
        raise RuleViolation(Problem("committed_on", "The date of the offence cannot be in the future."))
    link = CaseOffence(offence=offence, committed_on=committed_on, location=location.strip())
    case.offences.append(link)
    case.offence_summary = _offence_summary(case)
    db.session.flush()
    timeline(case, "offence_added", by=by, code=offence.code, title=offence.title)
    audit.record("case.offence_add", actor=by, obj=case, detail={"offence": offence.code})
    refresh_status(case, by=by)
    return link


def remove_offence(case: Case, link: CaseOffence, *, by) -> None:
    title, code = link.offence.title, link.offence.code
    case.offences.remove(link)
    case.offence_summary = _offence_summary(case)
    db.session.flush()
    timeline(case, "offence_removed", by=by, code=code, title=title)
    audit.record("case.offence_remove", actor=by, obj=case, detail={"offence": code})
    refresh_status(case, by=by)


def add_victim(case: Case, person: Person, *, enhanced_rights: bool, updates_opted_in: bool,
               update_channel: str | None, by) -> CaseVictim:
    link = CaseVictim(person=person, enhanced_rights=enhanced_rights, updates_opted_in=updates_opted_in,
                      update_channel=update_channel if updates_opted_in else None)
    case.victims.append(link)
    case.no_victims = False
    db.session.flush()
    timeline(case, "victim_added", by=by)
    audit.record("case.victim_add", actor=by, obj=case)
    refresh_status(case, by=by)
    return link


def add_new_victim(case: Case, person_values: dict, *, enhanced_rights: bool, updates_opted_in: bool,
                   update_channel: str | None, by) -> CaseVictim:
    person = Person(**person_values)
    db.session.add(person)
    db.session.flush()
    audit.record("person.create", actor=by, obj=person, purpose=f"victim on case {case.reference}")
    return add_victim(case, person, enhanced_rights=enhanced_rights, updates_opted_in=updates_opted_in,
                      update_channel=update_channel, by=by)


def remove_victim(case: Case, link: CaseVictim, *, by) -> None:
    for condition in case.conditions:
        if condition.remedy_for is link:
            condition.remedy_for = None  # it no longer answers anyone's request
    case.victims.remove(link)  # and their views with them
    db.session.flush()
    timeline(case, "victim_removed", by=by)
    audit.record("case.victim_remove", actor=by, obj=case)
    refresh_status(case, by=by)


def record_no_victims(case: Case, *, by) -> None:
    if case.victims:
        raise RuleViolation("This case has victims. Remove them first if they were added by mistake.")
    case.no_victims = True
    db.session.flush()
    timeline(case, "no_victims", by=by)
    audit.record("case.no_victims", actor=by, obj=case)
    refresh_status(case, by=by)


# --- eligibility, approvals, needs and victims' views ------------------------------------------------------------


def check_screening(case: Case, caution_date: date | None) -> None:
    """The rules the caution date must keep (the law in force, the person's age); writes nothing."""
    if caution_date is None or readiness.details_problems(case):
        return
    packs.decided_under(case, caution_date, "caution_date")
    if problem := readiness.age_problem(case, caution_date):
        raise RuleViolation(Problem("caution_date", problem))


def record_screening(case: Case, answers: dict, *, by) -> Screening:
    """Record every answer, the result and the reasons (a new screening each time: earlier ones are kept); ask a
    supervisor for the approvals the pack requires."""
    if problems := readiness.details_problems(case):
        raise InvalidTransition("Eligibility cannot be screened yet: " + " ".join(problems))
    caution_date = date.fromisoformat(answers["caution_date"])
    check_screening(case, caution_date)
    pack = packs.decided_under(case, caution_date, "caution_date")
    facts = readiness.screening_facts(case, answers, caution_date)
    result = rules.screen(pack, case.disposal_type, facts)
    screening = Screening(answers=answers, eligible=result.eligible,
                          reasons=list(result.reasons), needs_approval=list(result.approvals),
                          screened_by_id=by.id, pack_id=pack.id, pack_version=pack.version)
    case.screenings.append(screening)
    case.evidence_decided_by = answers.get("evidence_decided_by")
    case.evidence_decision_maker = answers.get("evidence_decision_maker")
    # Undecided requests from an earlier screening are replaced by this one's.
    for old in [a for a in case.approvals if a.status is ApprovalStatus.PENDING and a.kind != DEADLINE_EXTENSION]:
        case.approvals.remove(old)
    if result.eligible:
        for kind in result.approvals:
            case.approvals.append(Approval(kind=kind, requested_by_id=by.id, requested_at=clock.now(),
                                           pack_version=pack.version))
    db.session.flush()
    decision_facts.record(case, FactKind.ELIGIBILITY, "eligible" if result.eligible else "not_eligible", by=by)
    detail = {"eligible": result.eligible, "approvals": list(result.approvals)}
    timeline(case, "screened", to=POLICE | SCRUTINY, by=by, **detail)
    audit.record("case.screen", actor=by, obj=case, detail=detail)
    refresh_status(case, by=by)
    return screening


def decide_approval(approval: Approval, *, approve: bool, comment: str | None, by) -> None:
    if approval.status is not ApprovalStatus.PENDING:
        raise InvalidTransition("This decision has already been made.")
    if not approve and not (comment or "").strip():
        raise RuleViolation(Problem("comment", "Say why you are returning it."))
    case = approval.case
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED
    approval.decided_by_id, approval.decided_at = by.id, clock.now()
    approval.comment = (comment or "").strip() or None
    db.session.flush()
    label = readiness.APPROVAL_LABELS.get(approval.kind, approval.kind)
    timeline(case, f"approval_{approval.status.value}", to=POLICE | SCRUTINY, by=by, kind=approval.kind, label=label)
    audit.record(f"approval.{'approve' if approve else 'return'}", actor=by, obj=case, detail={"kind": approval.kind})
    refresh_status(case, by=by)


def record_needs(case: Case, levels: dict[str, str], *, by) -> NeedsAssessment:
    """A new assessment each time; earlier ones are kept."""
    assessment = NeedsAssessment(levels=dict(levels), assessed_by_id=by.id)
    case.needs_assessments.append(assessment)
    db.session.flush()
    timeline(case, "needs_assessed", by=by)
    audit.record("case.needs_assess", actor=by, obj=case)
    refresh_status(case, by=by)
    return assessment


def record_victim_view(case: Case, link: CaseVictim, values: dict, *, by) -> VictimView:
    view = link.view or VictimView()
    for k, v in values.items():
        setattr(view, k, v)
    view.recorded_by_id = by.id
    link.view = view
    db.session.flush()
    # The victim reads that their views were recorded; only the police read that they could not be reached.
    timeline(case, "victim_views", victim=None if view.could_not_contact else link.person, by=by,
             attempts=len(view.attempts or []), could_not_contact=view.could_not_contact)
    audit.record("case.victim_views", actor=by, obj=case, detail={"could_not_contact": view.could_not_contact})
    refresh_status(case, by=by)
    return view


# --- the state machine -------------------------------------------------------------------------------------------

_ORDER = [CaseStatus.DRAFT, CaseStatus.SCREENING, CaseStatus.READY]


def refresh_status(case: Case, *, by) -> None:
    """Move the case along the state machine to where its facts put it: draft until the details are complete,
    screening until everything for the caution is in place, then ready."""
    if not case.editable:
        return
    target = readiness.status_for(case)
    while case.status != target:
        up = _ORDER.index(target) > _ORDER.index(case.status)
        step = _ORDER[_ORDER.index(case.status) + (1 if up else -1)]
        case.move_to(step)
        timeline(case, "status_changed", by=by, status=step.value, up=up)
        audit.record("case.status", actor=by, obj=case, detail={"status": step.value})
    db.session.flush()


# --- issuing the caution -------------------------------------------------------------------------------------------


def check_issue(case: Case, *, deadline: date | None, extension_reason: str | None) -> None:
    """The rules for issuing today with this deadline; writes nothing. A deadline not given (or not a date) is
    not checked, so the issue form still shows the other problems with its own errors."""
    today = clock.today()
    problems = [Problem(None, p) for p in [readiness.age_problem(case, today)] if p]
    if deadline is not None:
        pack = packs.decided_under(case, today, None)
        late = rules.check_deadline(pack, today, deadline, extension_reason)
        problems += [Problem("deadline", p) for p in late]
        if not late:  # conditions are measured against a deadline that holds
            problems += [Problem(None, p) for p in readiness.condition_problems(case, today, deadline)]
    if problems:
        raise RuleViolation(problems)


def prepare_issue(case: Case, checklist: dict, *, deadline: date, extension_reason: str | None, by) -> None:
    """The pre-issue checklist and the deadline. Refused unless the case is ready; a later deadline needs a
    reason, and a supervisor's approval where the pack says so."""
    if case.status is not CaseStatus.READY:
        raise InvalidTransition(f"This case is {case.status.label.lower()}, so the caution cannot be issued yet. "
                                "Finish the tasks on the task list first.")
    check_issue(case, deadline=deadline, extension_reason=extension_reason)
    today = clock.today()
    pack = packs.decided_under(case, today, None)
    reason = (extension_reason or "").strip() or None
    extended = deadline > rules.normal_deadline(pack, today)
    case.deadline, case.deadline_extension_reason = deadline, reason if extended else None
    case.evidence_decided_by = checklist["evidence_decided_by"]
    case.evidence_decision_maker = checklist["evidence_decision_maker"]
    case.pre_issue = {k: v for k, v in checklist.items() if k not in ("evidence_decided_by",
                                                                      "evidence_decision_maker")} | {
        "confirmed_by": by.id, "confirmed_on": today.isoformat()}
    for old in [a for a in case.approvals if a.kind == DEADLINE_EXTENSION and a.status is ApprovalStatus.PENDING]:
        case.approvals.remove(old)
    if extended and DEADLINE_EXTENSION in pack.approval_required:
        case.approvals.append(Approval(kind=DEADLINE_EXTENSION, requested_by_id=by.id, requested_at=clock.now(),
                                       pack_version=pack.version))
    db.session.flush()
    timeline(case, "pre_issue_checked", by=by, extended=extended)
    audit.record("case.pre_issue", actor=by, obj=case, detail={"extended": extended})


RANK_WORDS = {"constable": "a police officer", "sergeant_or_above": "a police officer of sergeant rank or above",
              "dpp_authorised": "a person the DPP authorised"}


def check_rank(case: Case, administered_by: str) -> None:
    """Whoever gives it (or varies it) must be of a rank the pack allows (a conditional caution: sergeant or above,
    or DPP-authorised)."""
    allowed = disposal_of(case).administered_by
    if administered_by not in allowed:
        raise RuleViolation(Problem("administered_by", f"A {disposal_of(case).label.lower()} is given by "
                                    + " or ".join(RANK_WORDS[r] for r in allowed) + ": ask one to give it."))


def record_signature(case: Case, *, signed_by_name: str, shown_hash: str, administered_by: str,
                     by) -> CautionDocument:
    """Store the exact text signed and its hash (never changed afterwards), and issue the caution. Whoever gives
    it must be of a rank the pack allows (a conditional caution: sergeant or above, or DPP-authorised)."""
    if case.status is not CaseStatus.READY:
        case.move_to(CaseStatus.ISSUED)  # raises InvalidTransition with the status in words
    if blockers := readiness.issue_blockers(case):
        raise RuleViolation(blockers)
    check_rank(case, administered_by)
    text = caution_text(case)
    if document_hash(text) != shown_hash:
        raise RuleViolation("The caution document changed after it was shown (something on the case was edited). "
                            "Show the document again, have it signed, and record the signature.")
    today, now = clock.today(), clock.now()
    problems = [p for p in [readiness.age_problem(case, today)] if p] + readiness.ready_problems(case)
    if problems:
        raise RuleViolation(problems)
    document = CautionDocument(text=text, sha256=document_hash(text), generated_at=now, signed_at=now,
                               signed_by_name=signed_by_name.strip(), witnessed_by_id=by.id,
                               pack_version=case.pack_version, administered_by=administered_by)
    case.documents.append(document)
    case.issued_on = today
    case.move_to(CaseStatus.ISSUED)
    db.session.flush()
    disposal = disposal_of(case)
    timeline(case, "caution_issued", to=POLICE | OFFENDER | VICTIM | SCRUTINY, by=by, document=document.sha256,
             disposal=disposal.label, noun=disposal.noun, on=today.isoformat())
    timeline(case, "conditions_set", to=POLICE | OFFENDER | SCRUTINY, by=by, count=len(case.conditions),
             deadline=case.deadline.isoformat())
    decision_facts.record(case, FactKind.DISPOSAL, case.disposal_type, by=by)
    decision_facts.record(case, FactKind.CONDITION, [f"{c.type}.{c.subtype}" if c.subtype else c.type
                                            for c in case.conditions], by=by)
    audit.record("case.issue", actor=by, obj=case, detail={"document_sha256": document.sha256})
    victims.decision_made(case, "caution_given", by=by, on=today)
    return document

"""Use cases that change cases. They flush, write timeline and audit entries, and never commit."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.audit import services as audit
from app.cases import rules
from app.cases.models import (
    Approval,
    ApprovalStatus,
    Case,
    CaseOffence,
    CaseStatus,
    CaseVictim,
    CautionDocument,
    Condition,
    InvalidTransition,
    NeedsAssessment,
    Offence,
    ReferenceCounter,
    Screening,
    TimelineEvent,
    VictimView,
)
from app.cases.rules import MODES_OF_TRIAL
from app.extensions import db
from app.people.models import Person, SpecialCategory


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


def add_event(case: Case, kind: str, summary: str, *, by=None, detail: dict | None = None, provider=False,
              offender=False, victim=False, referral=None) -> TimelineEvent:
    """Add a timeline event. Police always see it; the flags say which other parties may (a provider only when the
    event belongs to one of its referrals)."""
    event = TimelineEvent(case_id=case.id, occurred_at=clock.now(), actor_id=getattr(by, "id", None), kind=kind,
                          summary=summary, detail=detail or {}, visible_provider=provider,
                          visible_offender=offender, visible_victim=victim,
                          referral_id=getattr(referral, "id", None))
    db.session.add(event)
    db.session.flush()
    return event


def open_case(*, officer, team, offender, regime: str, disposal_type: str, offence_summary: str | None) -> Case:
    case = Case(reference=next_reference(), regime=regime, disposal_type=disposal_type, status=CaseStatus.DRAFT,
                force_id=team.organisation_id, team_id=team.id, officer_id=officer.id, offender_id=offender.id,
                offence_summary=offence_summary)
    db.session.add(case)
    db.session.flush()
    add_event(case, "case_opened", f"Case {case.reference} opened", by=officer)
    audit.record("case.create", actor=officer, obj=case)
    return case


def add_victim(case: Case, person, *, by, enhanced_rights: bool = False) -> CaseVictim:
    link = CaseVictim(case_id=case.id, person_id=person.id, enhanced_rights=enhanced_rights)
    db.session.add(link)
    db.session.flush()
    add_event(case, "victim_added", "Victim added to the case", by=by)
    audit.record("case.victim_add", actor=by, obj=case)
    return link


OFFENCES_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "offences.yaml"


def sync_offence_catalogue(path: Path = OFFENCES_FILE) -> dict[str, int]:
    """Bring the offences table in line with the catalogue file: add, update, and retire (never delete, since
    cases refer to them). Safe to run again. Returns counts of what changed."""
    entries = yaml.safe_load(path.read_text())
    seen, counts = set(), {"added": 0, "updated": 0, "retired": 0}
    existing = {o.code: o for o in db.session.scalars(select(Offence))}
    for entry in entries:
        if entry.get("mode") not in MODES_OF_TRIAL:
            raise ValueError(f"{path.name}: offence {entry.get('code')!r}: mode must be one of {MODES_OF_TRIAL}")
        values = {"title": entry["title"], "category": entry["category"], "mode_of_trial": entry["mode"],
                  "exclusion_group": entry.get("exclusion"), "legislation": entry.get("act"), "active": True}
        seen.add(entry["code"])
        offence = existing.get(entry["code"])
        if offence is None:
            db.session.add(Offence(code=entry["code"], **values))
            counts["added"] += 1
        elif any(getattr(offence, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(offence, k, v)
            counts["updated"] += 1
    for code, offence in existing.items():
        if code not in seen and offence.active:
            offence.active = False
            counts["retired"] += 1
    db.session.flush()
    return counts


# --- The officer's workflow: from a draft to an issued caution ---------------------------------------------------


class RuleViolation(Exception):
    """An action the rule pack (or the law it writes down) does not allow; `problems` say why, in words."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


def pack_of(case: Case) -> rules.RulePack:
    return current_app.extensions["rule_packs"][case.regime]


def disposal_of(case: Case) -> rules.DisposalType:
    return pack_of(case).disposal(case.disposal_type)


def start_case(*, officer, team, regime: str, disposal_type: str, given_name: str, family_name: str) -> Case:
    """A new draft case for a new person: the rest of the details follow on the task list."""
    packs = current_app.extensions["rule_packs"]
    if regime not in packs or disposal_type not in packs[regime].disposal_types:
        raise RuleViolation("Choose a disposal type from the list.")
    person = Person(given_name=given_name.strip(), family_name=family_name.strip())
    db.session.add(person)
    db.session.flush()
    audit.record("person.create", actor=officer, obj=person, purpose="new case")
    return open_case(officer=officer, team=team, offender=person, regime=regime, disposal_type=disposal_type,
                     offence_summary=None)


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
    add_event(case, "offender_updated", "Details of the person updated", by=by)
    # Field names only: no personal data in the audit detail.
    audit.record("person.update", actor=by, obj=person, purpose=f"case {case.reference}", detail={"fields": changed})
    refresh_status(case, by=by)


def _offence_summary(case: Case) -> str | None:
    titles = [co.offence.title for co in case.offences]
    if not titles:
        return None
    summary = titles[0] if len(titles) == 1 else f"{titles[0]} and {len(titles) - 1} more"
    return summary[:300]


def search_offences(q: str, limit: int = 20) -> list[Offence]:
    """Active offences whose title, category or code contains every word typed."""
    words = [w for w in q.lower().split() if w][:5]
    if not words:
        return []
    query = select(Offence).where(Offence.active)
    for w in words:
        term = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(Offence.title).like(term, escape="\\")
                            | func.lower(Offence.category).like(term, escape="\\")
                            | func.lower(Offence.code).like(term, escape="\\"))
    return list(db.session.scalars(query.order_by(Offence.title).limit(limit)))


def find_offence(code: str) -> Offence | None:
    return db.session.scalar(select(Offence).where(Offence.code == code, Offence.active))


def add_offence(case: Case, *, code: str, committed_on: date, location: str, by) -> CaseOffence:
    offence = find_offence(code)
    if offence is None:
        raise RuleViolation("Choose an offence from the catalogue.")
    if committed_on > clock.today():
        raise RuleViolation("The date of the offence cannot be in the future.")
    link = CaseOffence(case_id=case.id, offence_id=offence.id, committed_on=committed_on, location=location.strip())
    db.session.add(link)
    db.session.flush()
    db.session.refresh(case, ["offences"])
    case.offence_summary = _offence_summary(case)
    add_event(case, "offence_added", f"Offence added: {offence.title}", by=by, detail={"code": offence.code})
    audit.record("case.offence_add", actor=by, obj=case, detail={"offence": offence.code})
    refresh_status(case, by=by)
    return link


def remove_offence(case: Case, link: CaseOffence, *, by) -> None:
    title, code = link.offence.title, link.offence.code
    db.session.delete(link)
    db.session.flush()
    db.session.refresh(case, ["offences"])
    case.offence_summary = _offence_summary(case)
    add_event(case, "offence_removed", f"Offence removed: {title}", by=by, detail={"code": code})
    audit.record("case.offence_remove", actor=by, obj=case, detail={"offence": code})
    refresh_status(case, by=by)


def add_new_victim(case: Case, person_values: dict, *, enhanced_rights: bool, updates_opted_in: bool,
                   update_channel: str | None, by) -> CaseVictim:
    person = Person(**person_values)
    db.session.add(person)
    db.session.flush()
    audit.record("person.create", actor=by, obj=person, purpose=f"victim on case {case.reference}")
    link = add_victim(case, person, by=by, enhanced_rights=enhanced_rights)
    link.updates_opted_in, link.update_channel = updates_opted_in, update_channel if updates_opted_in else None
    case.no_victims = False
    db.session.flush()
    db.session.refresh(case, ["victims"])
    refresh_status(case, by=by)
    return link


def remove_victim(case: Case, link: CaseVictim, *, by) -> None:
    view = db.session.scalar(select(VictimView).where(VictimView.case_victim_id == link.id))
    if view is not None:
        db.session.delete(view)
    db.session.delete(link)
    db.session.flush()
    db.session.refresh(case, ["victims"])
    add_event(case, "victim_removed", "Victim removed from the case", by=by)
    audit.record("case.victim_remove", actor=by, obj=case)
    refresh_status(case, by=by)


def record_no_victims(case: Case, *, by) -> None:
    if case.victims:
        raise RuleViolation("This case has victims. Remove them first if they were added by mistake.")
    case.no_victims = True
    db.session.flush()
    add_event(case, "no_victims", "Recorded that the offence has no victims", by=by)
    audit.record("case.no_victims", actor=by, obj=case)
    refresh_status(case, by=by)


# --- Eligibility screening -----------------------------------------------------------------------------------


def screening_of(case: Case) -> Screening | None:
    return db.session.scalar(select(Screening).where(Screening.case_id == case.id))


def prior_cautions(case: Case, on: date) -> int:
    """Cautions given to the same person, on other cases, within the pack's look-back period before `on`."""
    since = clock.years_before(on, pack_of(case).repeat_caution.lookback_years)
    return db.session.scalar(select(func.count(Case.id)).where(
        Case.offender_id == case.offender_id, Case.id != case.id, Case.issued_on.is_not(None),
        Case.issued_on >= since, Case.issued_on <= on)) or 0


def screening_facts(case: Case, answers: dict, caution_date: date) -> rules.ScreeningFacts:
    offences = tuple(rules.OffenceFacts(co.offence.title, co.offence.mode_of_trial, co.offence.exclusion_group,
                                        co.committed_on) for co in case.offences)
    return rules.ScreeningFacts(
        date_of_birth=case.offender.date_of_birth, caution_date=caution_date, offences=offences,
        evidence_sufficient=answers.get("evidence_sufficient"), evidence_decided_by=answers.get("evidence_decided_by"),
        evidence_decision_maker=answers.get("evidence_decision_maker"), admits=answers.get("admits"),
        consents=answers.get("consents"), prior_cautions=prior_cautions(case, caution_date),
        exceptional_rationale=answers.get("exceptional_rationale"),
        cps_consent_reference=answers.get("cps_consent_reference"))


def age_problem(case: Case, on: date) -> str | None:
    """The person would be under the pack's minimum age on `on`: out of scope (the youth process)."""
    born, minimum = case.offender.date_of_birth, pack_of(case).minimum_age
    if born and rules.age_on(born, on) < minimum:
        return (f"{case.offender.full_name} will be {rules.age_on(born, on)} on {on.day} {on:%B %Y}. Only people "
                f"aged {minimum} or over can be given a caution here; under-18s go through the youth process, which "
                "Resolve does not cover.")
    return None


def record_screening(case: Case, answers: dict, *, by) -> Screening:
    """Record every answer, the result and the reasons; ask a supervisor for the approvals the pack requires."""
    if details_problems(case):
        raise InvalidTransition("Eligibility cannot be screened yet: " + " ".join(details_problems(case)))
    caution_date = date.fromisoformat(answers["caution_date"])
    facts = screening_facts(case, answers, caution_date)
    result = rules.screen(pack_of(case), case.disposal_type, facts)
    screening = screening_of(case) or Screening(case_id=case.id)
    screening.answers = answers | {"prior_cautions": facts.prior_cautions}
    screening.eligible, screening.reasons = result.eligible, list(result.reasons)
    screening.needs_approval, screening.screened_by_id = list(result.approvals), by.id
    db.session.add(screening)
    case.evidence_decided_by = answers.get("evidence_decided_by")
    case.evidence_decision_maker = answers.get("evidence_decision_maker")
    # Undecided requests from an earlier screening are replaced by this one's.
    for old in db.session.scalars(select(Approval).where(Approval.case_id == case.id,
                                                         Approval.status == ApprovalStatus.PENDING,
                                                         Approval.kind != "deadline_extension")):
        db.session.delete(old)
    db.session.flush()
    if result.eligible:
        for kind in result.approvals:
            db.session.add(Approval(case_id=case.id, kind=kind, requested_by_id=by.id, requested_at=clock.now()))
    db.session.flush()
    outcome = "eligible" if result.eligible else "not eligible"
    if result.eligible and result.approvals:
        outcome += ", waiting for a supervisor's approval"
    add_event(case, "screened", f"Eligibility screened: {outcome}", by=by,
              detail={"eligible": result.eligible, "approvals": list(result.approvals)})
    audit.record("case.screen", actor=by, obj=case, detail={"eligible": result.eligible,
                                                            "approvals": list(result.approvals)})
    refresh_status(case, by=by)
    return screening


APPROVAL_LABELS = {
    "exceptional_circumstances": "Exceptional circumstances",
    "indictable_only": "Caution for an offence that can only be tried in the Crown Court",
    "repeat_caution": "Caution for someone cautioned within the look-back period",
    "deadline_extension": "Deadline later than normal",
}


def approvals_state(case: Case) -> dict[str, Approval]:
    """The latest approval of each kind on the case."""
    latest: dict[str, Approval] = {}
    for a in db.session.scalars(select(Approval).where(Approval.case_id == case.id).order_by(Approval.id)):
        latest[a.kind] = a
    return latest


def decide_approval(approval: Approval, *, approve: bool, comment: str | None, by) -> None:
    if approval.status is not ApprovalStatus.PENDING:
        raise InvalidTransition("This decision has already been made.")
    if not approve and not (comment or "").strip():
        raise RuleViolation("Say why you are returning it.")
    case = db.session.get(Case, approval.case_id)
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED
    approval.decided_by_id, approval.decided_at = by.id, clock.now()
    approval.comment = (comment or "").strip() or None
    db.session.flush()
    label = APPROVAL_LABELS.get(approval.kind, approval.kind)
    verb = "approved" if approve else "returned to the officer"
    add_event(case, f"approval_{approval.status.value}", f"{label}: {verb} by a supervisor", by=by,
              detail={"kind": approval.kind})
    audit.record(f"approval.{'approve' if approve else 'return'}", actor=by, obj=case,
                 detail={"kind": approval.kind})
    refresh_status(case, by=by)


# --- Needs, victims' views, conditions -------------------------------------------------------------------------


def needs_of(case: Case) -> NeedsAssessment | None:
    return db.session.scalar(select(NeedsAssessment).where(NeedsAssessment.case_id == case.id))


def record_needs(case: Case, levels: dict[str, str], *, by) -> NeedsAssessment:
    assessment = needs_of(case) or NeedsAssessment(case_id=case.id)
    assessment.levels, assessment.assessed_by_id = dict(levels), by.id
    db.session.add(assessment)
    db.session.flush()
    add_event(case, "needs_assessed", "Needs assessed", by=by)
    audit.record("case.needs_assess", actor=by, obj=case)
    refresh_status(case, by=by)
    return assessment


def view_of(link: CaseVictim) -> VictimView | None:
    return db.session.scalar(select(VictimView).where(VictimView.case_victim_id == link.id))


def record_victim_view(case: Case, link: CaseVictim, values: dict, *, by) -> VictimView:
    view = view_of(link) or VictimView(case_victim_id=link.id)
    for k, v in values.items():
        setattr(view, k, v)
    view.recorded_by_id = by.id
    db.session.add(view)
    db.session.flush()
    words = "could not be contacted after reasonable efforts" if view.could_not_contact else "views recorded"
    add_event(case, "victim_views", f"Victim's views: {words}", by=by,
              detail={"attempts": len(view.attempts or []), "could_not_contact": view.could_not_contact})
    audit.record("case.victim_views", actor=by, obj=case, detail={"could_not_contact": view.could_not_contact})
    refresh_status(case, by=by)
    return view


def planned_caution_date(case: Case) -> date:
    """The day the caution is expected to be given: as screened, but never before today."""
    screening = screening_of(case)
    planned = date.fromisoformat(screening.answers["caution_date"]) if screening and screening.answers.get(
        "caution_date") else clock.today()
    return max(planned, clock.today())


def planned_deadline(case: Case) -> date:
    return case.deadline or rules.normal_deadline(pack_of(case), planned_caution_date(case))


def _condition_facts(c) -> rules.ConditionFacts:
    return rules.ConditionFacts(type=c.type, purpose=c.purpose, hours=float(c.hours) if c.hours is not None else None,
                                amount_pounds=c.amount_pounds, due_on=c.due_on,
                                remedy_from_victim=c.remedy_from_victim)


def condition_limit_problems(case: Case, values: dict, replacing: Condition | None = None) -> list[tuple[str, str]]:
    """What would be wrong with the case's conditions after adding (or changing) one, by form field."""
    facts = [_condition_facts(c) for c in case.conditions if c is not replacing]
    candidate = rules.ConditionFacts(type=values["type"], purpose=values.get("purpose"),
                                     hours=float(values["hours"]) if values.get("hours") is not None else None,
                                     amount_pounds=values.get("amount_pounds"), due_on=values["due_on"],
                                     remedy_from_victim=values.get("remedy_from_victim", False))
    modes = [co.offence.mode_of_trial for co in case.offences]
    before = set(rules.condition_limit_problems(pack_of(case), case.disposal_type, facts, modes,
                                                clock.today(), planned_deadline(case)))
    after = rules.condition_limit_problems(pack_of(case), case.disposal_type, [*facts, candidate], modes,
                                           clock.today(), planned_deadline(case))
    return [p for p in after if p not in before]


def _remedy(case: Case) -> tuple[bool, str | None]:
    """Whether any victim asked for a community remedy, and the officer's reasons for not attaching it."""
    requested, reasons = False, []
    for link in case.victims:
        view = view_of(link)
        if view and (view.remedy_requested or "").strip():
            requested = True
            if (view.remedy_declined_reason or "").strip():
                reasons.append(view.remedy_declined_reason)
    return requested, " ".join(reasons) or None


def condition_problems(case: Case, issued_on: date | None = None, deadline: date | None = None) -> list[str]:
    issued_on = issued_on or planned_caution_date(case)
    requested, declined = _remedy(case)
    return rules.check_conditions(pack_of(case), case.disposal_type, [_condition_facts(c) for c in case.conditions],
                                  [co.offence.mode_of_trial for co in case.offences], issued_on,
                                  deadline or planned_deadline(case), requested, declined)


def _describe(values: dict) -> str:
    return values["type"].replace("_", " ")


def _check_condition(case: Case, values: dict, replacing: Condition | None = None) -> None:
    problems = condition_limit_problems(case, values, replacing)
    if problems:
        raise RuleViolation([message for _, message in problems])


def add_condition(case: Case, values: dict, *, by) -> Condition:
    _check_condition(case, values)
    condition = Condition(case_id=case.id, **_condition_columns(values))
    db.session.add(condition)
    db.session.flush()
    db.session.refresh(case, ["conditions"])
    add_event(case, "condition_added", f"Condition added: {_describe(values)}", by=by,
              detail={"type": values["type"]})
    audit.record("condition.create", actor=by, obj=condition, detail={"case": str(case.public_id)})
    refresh_status(case, by=by)
    return condition


def update_condition(case: Case, condition: Condition, values: dict, *, version: int | None, by) -> Condition:
    if version is not None and version != condition.version:
        from sqlalchemy.orm.exc import StaleDataError

        raise StaleDataError("the condition changed while it was being edited")
    _check_condition(case, values, replacing=condition)
    for k, v in _condition_columns(values).items():
        setattr(condition, k, v)
    db.session.flush()
    add_event(case, "condition_changed", f"Condition changed: {_describe(values)}", by=by,
              detail={"type": values["type"]})
    audit.record("condition.update", actor=by, obj=condition, detail={"case": str(case.public_id)})
    refresh_status(case, by=by)
    return condition


def remove_condition(case: Case, condition: Condition, *, by) -> None:
    kind = condition.type
    audit.record("condition.delete", actor=by, obj=condition, detail={"case": str(case.public_id)})
    db.session.delete(condition)
    db.session.flush()
    db.session.refresh(case, ["conditions"])
    add_event(case, "condition_removed", f"Condition removed: {kind.replace('_', ' ')}", by=by,
              detail={"type": kind})
    refresh_status(case, by=by)


def _condition_columns(values: dict) -> dict:
    hours = values.get("hours")
    return {"type": values["type"], "subtype": values.get("subtype"), "purpose": values.get("purpose"),
            "details": values["details"], "hours": Decimal(str(hours)) if hours is not None else None,
            "amount_pounds": values.get("amount_pounds"), "due_on": values["due_on"],
            "remedy_from_victim": bool(values.get("remedy_from_victim"))}


# --- Where the case stands: the task list and the state machine ----------------------------------------------


def details_problems(case: Case) -> list[str]:
    person, problems = case.offender, []
    if person.date_of_birth is None:
        problems.append("Add the person's date of birth.")
    if not person.address:
        problems.append("Add the person's address.")
    if not case.offences:
        problems.append("Add at least one offence.")
    if not case.victims and not case.no_victims:
        problems.append("Add the victims, or record that there are none.")
    return problems


def screening_problems(case: Case) -> list[str]:
    screening = screening_of(case)
    if screening is None:
        return ["Screen eligibility."]
    # Screened again on the facts as they are now (offences or date of birth may have changed since).
    facts = screening_facts(case, screening.answers, planned_caution_date(case))
    result = rules.screen(pack_of(case), case.disposal_type, facts)
    if not result.eligible:
        return list(result.problems)
    problems = []
    latest = approvals_state(case)
    for kind in result.approvals:
        approval = latest.get(kind)
        label = APPROVAL_LABELS.get(kind, kind)
        if approval is None:
            problems.append(f"{label} needs a supervisor's approval: screen eligibility again to ask for it.")
        elif approval.status is ApprovalStatus.PENDING:
            problems.append(f"{label}: waiting for a supervisor's approval.")
        elif approval.status is ApprovalStatus.RETURNED:
            problems.append(f"{label}: returned by a supervisor. Change the screening and save it again.")
    return problems


def views_problems(case: Case) -> list[str]:
    return [f"Record {link.person.full_name}'s views, or that they could not be contacted."
            for link in case.victims if view_of(link) is None]


def ready_problems(case: Case) -> list[str]:
    """Everything that stops the caution being issued, in words; empty when the case is ready."""
    problems = details_problems(case) + screening_problems(case)
    if needs_of(case) is None:
        problems.append("Assess the person's needs.")
    problems += views_problems(case)
    problems += condition_problems(case)
    return problems


def refresh_status(case: Case, *, by) -> None:
    """Move the case along the state machine to where its facts put it: draft until the details are complete,
    screening until everything for the caution is in place, then ready."""
    if not case.editable:
        return
    if details_problems(case):
        target = CaseStatus.DRAFT
    elif ready_problems(case):
        target = CaseStatus.SCREENING
    else:
        target = CaseStatus.READY
    order = [CaseStatus.DRAFT, CaseStatus.SCREENING, CaseStatus.READY]
    while case.status != target:
        up = order.index(target) > order.index(case.status)
        step = order[order.index(case.status) + (1 if up else -1)]
        case.move_to(step)
        words = {(CaseStatus.SCREENING, True): "Details complete: the case moved to screening",
                 (CaseStatus.READY, True): "Everything is in place: the caution can be issued",
                 (CaseStatus.SCREENING, False): "Something needs doing before the caution can be issued",
                 (CaseStatus.DRAFT, False): "The case is back to draft: some details are missing"}[(step, up)]
        add_event(case, "status_changed", words, by=by, detail={"status": step.value})
        audit.record("case.status", actor=by, obj=case, detail={"status": step.value})
    db.session.flush()


# --- Issuing the caution ---------------------------------------------------------------------------------------


def prepare_issue(case: Case, checklist: dict, *, deadline: date, extension_reason: str | None, by) -> None:
    """The pre-issue checklist and the deadline. Refused unless the case is ready; a later deadline needs a
    reason, and a supervisor's approval where the pack says so."""
    if case.status is not CaseStatus.READY:
        raise InvalidTransition(f"This case is {case.status.label.lower()}, so the caution cannot be issued yet. "
                                "Finish the tasks on the task list first.")
    today = clock.today()
    problems = [p for p in [age_problem(case, today)] if p]
    problems += rules.check_deadline(pack_of(case), today, deadline, extension_reason)
    if not problems:
        problems += condition_problems(case, today, deadline)
    if problems:
        raise RuleViolation(problems)
    reason = (extension_reason or "").strip() or None
    extended = deadline > rules.normal_deadline(pack_of(case), today)
    case.deadline, case.deadline_extension_reason = deadline, reason if extended else None
    case.evidence_decided_by = checklist["evidence_decided_by"]
    case.evidence_decision_maker = checklist["evidence_decision_maker"]
    case.pre_issue = {k: v for k, v in checklist.items() if k not in ("evidence_decided_by",
                                                                      "evidence_decision_maker")} | {
        "confirmed_by": by.id, "confirmed_on": today.isoformat()}
    for old in db.session.scalars(select(Approval).where(Approval.case_id == case.id,
                                                         Approval.kind == "deadline_extension",
                                                         Approval.status == ApprovalStatus.PENDING)):
        db.session.delete(old)
    if extended and "deadline_extension" in pack_of(case).approval_required:
        db.session.add(Approval(case_id=case.id, kind="deadline_extension", requested_by_id=by.id,
                                requested_at=clock.now()))
    db.session.flush()
    add_event(case, "pre_issue_checked", "Pre-issue checklist completed and deadline set", by=by,
              detail={"extended": extended})
    audit.record("case.pre_issue", actor=by, obj=case, detail={"extended": extended})


def issue_blockers(case: Case) -> list[str]:
    """What stops the signature being recorded now."""
    if case.status is not CaseStatus.READY:
        return [f"This case is {case.status.label.lower()}, so the caution cannot be issued yet."]
    if not case.pre_issue or case.deadline is None:
        return ["Complete the pre-issue checklist and set the deadline first."]
    if case.pre_issue.get("confirmed_on") != clock.today().isoformat():
        return ["The pre-issue checklist was completed on another day: complete it again today."]
    extension = approvals_state(case).get("deadline_extension")
    if case.deadline_extension_reason and "deadline_extension" in pack_of(case).approval_required:
        if extension is None or extension.status is ApprovalStatus.PENDING:
            return ["The later deadline is waiting for a supervisor's approval."]
        if extension.status is ApprovalStatus.RETURNED:
            return [f"A supervisor returned the later deadline: {extension.comment}. Set the deadline again."]
    return []


def caution_text(case: Case) -> str:
    """The caution document, generated from the case: the exact words the person signs."""
    d, person, today = disposal_of(case), case.offender, clock.today()
    lines = [d.label.upper(), f"Reference: {case.reference}", "",
             f"Name: {person.full_name}",
             f"Date of birth: {person.date_of_birth:%d %B %Y}" if person.date_of_birth else "Date of birth: not known",
             f"Address: {' '.join((person.address or '').split())} {person.postcode or ''}".rstrip(), "",
             "OFFENCE"]
    for co in case.offences:
        lines.append(f"- {co.offence.title} ({co.offence.legislation or 'offence'}), committed on "
                     f"{co.committed_on:%d %B %Y} at {co.location}.")
    lines += ["", "ADMISSION", f"I, {person.full_name}, admit that I committed the offence above.", "",
              "CONSENT", f"I agree to accept {_a(d.label.lower())} and to do what the conditions below ask.", "",
              "CONDITIONS"]
    for i, c in enumerate(case.conditions, start=1):
        extra = []
        if c.subtype:
            extra.append(c.subtype.replace("_", " "))
        if c.purpose:
            extra.append(c.purpose)
        if c.hours is not None:
            extra.append(f"{c.hours.normalize():f} hours")
        if c.amount_pounds is not None:
            extra.append(f"£{c.amount_pounds}")
        detail = f" ({', '.join(extra)})" if extra else ""
        what = " ".join(c.details.split()).rstrip(".")
        lines.append(f"{i}. {c.type.replace('_', ' ').capitalize()}{detail}: {what}. Complete by {c.due_on:%d %B %Y}.")
    deadline = case.deadline or planned_deadline(case)
    lines += ["", "DEADLINE", f"Every condition must be completed by {deadline:%d %B %Y}.", "",
              "WARNING", d.warning_text, "",
              "POLICE CONTACT", f"{case.officer.display_name}, {case.team.name}, {case.force.name}. "
              f"Quote reference {case.reference}.", "",
              f"Date of caution: {today:%d %B %Y}"]
    return "\n".join(lines) + "\n"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_signature(case: Case, *, signed_by_name: str, shown_hash: str, by) -> CautionDocument:
    """Store the exact text signed and its hash (never changed afterwards), and issue the caution."""
    if case.status is not CaseStatus.READY:
        case.move_to(CaseStatus.ISSUED)  # raises InvalidTransition with the status in words
    blockers = issue_blockers(case)
    if blockers:
        raise RuleViolation(blockers)
    text = caution_text(case)
    if document_hash(text) != shown_hash:
        raise RuleViolation("The caution document changed after it was shown (something on the case was edited). "
                            "Show the document again, have it signed, and record the signature.")
    today, now = clock.today(), clock.now()
    problems = [p for p in [age_problem(case, today)] if p] + ready_problems(case)
    if problems:
        raise RuleViolation(problems)
    document = CautionDocument(case_id=case.id, text=text, sha256=document_hash(text), generated_at=now,
                               signed_at=now, signed_by_name=signed_by_name.strip(), witnessed_by_id=by.id)
    db.session.add(document)
    case.issued_on = today
    case.move_to(CaseStatus.ISSUED)
    db.session.flush()
    d = disposal_of(case)
    add_event(case, "caution_issued", f"{d.label} given", by=by, offender=True, victim=True,
              detail={"document": document.sha256})
    n = len(case.conditions)
    add_event(case, "conditions_set", f"Your conditions: {n} condition{'s' if n != 1 else ''} to complete by "
                                      f"{case.deadline.day} {case.deadline:%B %Y}", by=by, offender=True)
    audit.record("case.issue", actor=by, obj=case, detail={"document_sha256": document.sha256})
    return document


def document_of(case: Case) -> CautionDocument | None:
    return db.session.scalar(select(CautionDocument).where(CautionDocument.case_id == case.id))

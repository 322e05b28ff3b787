"""Where a case stands: what is missing, what stops the caution being issued, and the task list as data.

Each function reads the case as loaded (its offences, victims and their views, screenings, needs, approvals,
conditions and document) and applies the rule pack through the pure functions in app/cases/rules.py. The task
list template only renders what `task_list` decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app import clock
from app.cases import rules
from app.cases.models import ApprovalStatus, Case, CaseStatus, Condition
from app.cases.packs import disposal_of, pack_of
from app.cases.queries import earlier_disposals, planned_caution_date, planned_deadline, recorded_earlier
from app.errors import Problem
from app.formats import long_date

APPROVAL_LABELS = {
    "exceptional_circumstances": "Exceptional circumstances",
    "indictable_only": "Caution for an offence that can only be tried in the Crown Court",
    "repeat_caution": "Caution for someone cautioned within the look-back period",
    "deadline_extension": "Deadline later than normal",
}
DEADLINE_EXTENSION = "deadline_extension"


# --- facts for the rules ----------------------------------------------------------------------------------------


SCREENING_ANSWERS = ("evidence_sufficient", "evidence_decided_by", "evidence_decision_maker", "should_be_given",
                     "should_be_given_decided_by", "should_be_given_decision_maker", "admits", "consents",
                     "earlier_offending_rationale", "exceptional_rationale", "cps_consent_reference")


def screening_facts(case: Case, answers: dict, caution_date: date,
                    resolve_earlier: list[rules.EarlierRecord] | None = None) -> rules.ScreeningFacts:
    """`resolve_earlier`: the person's earlier disposals in Resolve, when the caller has read them already."""
    offences = tuple(rules.OffenceFacts(co.offence.title, co.offence.mode_of_trial, co.offence.exclusion_group,
                                        co.committed_on, tuple(co.offence.flags or ())) for co in case.offences)
    earlier = (earlier_disposals(case) if resolve_earlier is None else resolve_earlier) + recorded_earlier(answers)
    return rules.ScreeningFacts(date_of_birth=case.offender.date_of_birth, caution_date=caution_date,
                                offences=offences, earlier=tuple(earlier),
                                **{k: answers.get(k) for k in SCREENING_ANSWERS})


def condition_facts(c: Condition | dict) -> rules.ConditionFacts:
    if isinstance(c, dict):
        hours = c.get("hours")
        return rules.ConditionFacts(type=c["type"], purpose=c.get("purpose"),
                                    hours=Decimal(str(hours)) if hours is not None else None,
                                    amount_pounds=c.get("amount_pounds"), due_on=c["due_on"],
                                    remedy_for=c.get("remedy_for"))
    return rules.ConditionFacts(type=c.type, purpose=c.purpose, hours=c.hours, amount_pounds=c.amount_pounds,
                                due_on=c.due_on, remedy_for=victim_key(c.remedy_for) if c.remedy_for else None)


def victim_key(link) -> str:
    """A victim, as condition forms name them: their person's opaque id."""
    return str(link.person.public_id)


def _modes(case: Case) -> list[str]:
    return [co.offence.mode_of_trial for co in case.offences]


# --- what is missing ----------------------------------------------------------------------------------------------


def age_problem(case: Case, on: date) -> str | None:
    """The person would be under the pack's minimum age on `on`: out of scope (the youth process)."""
    born, minimum = case.offender.date_of_birth, pack_of(case).minimum_age
    if born and rules.age_on(born, on) < minimum:
        return (f"{case.offender.full_name} will be {rules.age_on(born, on)} on {long_date(on)}. Only people "
                f"aged {minimum} or over can be given a caution here; under-18s go through the youth process, which "
                "Resolve does not cover.")
    return None


def offence_guidance(case: Case) -> list[str]:
    """What the case's rule pack asks the officer to weigh about its offences (e.g. hate crime)."""
    return list(rules.guidance_for(disposal_of(case), (flag for co in case.offences
                                                       for flag in (co.offence.flags or ()))))


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


def screening_problems(case: Case, resolve_earlier: list[rules.EarlierRecord] | None = None) -> list[str]:
    """`resolve_earlier`: the person's earlier disposals in Resolve, when the caller has read them already."""
    screening = case.screening
    if screening is None:
        return ["Screen eligibility."]
    # Screened again on the facts as they are now (offences or date of birth may have changed since).
    facts = screening_facts(case, screening.answers, planned_caution_date(case), resolve_earlier)
    result = rules.screen(pack_of(case), case.disposal_type, facts)
    if not result.eligible:
        return list(result.problems)
    problems = []
    latest = case.latest_approvals()
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
            for link in case.victims if link.view is None]


def views_after_conditions(case: Case) -> list[str]:
    """A victim's views must be on record before the conditions they shape are decided (s.100(3)-(5); Victims'
    Code right 6): conditions decided before a victim's views were (last) recorded are decided again."""
    problems = []
    for link in case.victims:
        if link.view is not None and any(c.decided_at < link.view.updated_at for c in case.conditions):
            problems.append(f"{link.person.full_name}'s views were recorded after some conditions were set: check "
                            "the conditions against their views and confirm them.")
    return problems


def remedy_requests(case: Case) -> list[rules.RemedyFacts]:
    """Each victim's request for a community remedy action, with the officer's reasons if it is not attached."""
    return [rules.RemedyFacts(victim_key(link), link.person.full_name, link.view.remedy_requested,
                              link.view.remedy_declined_reason)
            for link in case.victims if link.view and (link.view.remedy_requested or "").strip()]


def condition_problems(case: Case, issued_on: date | None = None, deadline: date | None = None) -> list[str]:
    return rules.check_conditions(pack_of(case), case.disposal_type, [condition_facts(c) for c in case.conditions],
                                  _modes(case), issued_on or planned_caution_date(case),
                                  deadline or planned_deadline(case), remedy_requests(case))


def condition_limit_problems(case: Case, values: dict, replacing: Condition | None = None, *,
                             among: list[Condition] | None = None, deadline: date | None = None) -> list[Problem]:
    """What adding (or changing) one condition would newly break, by form field: among the case's conditions, or
    (a variation after issue) `among` the conditions as varied, with the variation's `deadline`."""
    facts = [condition_facts(c) for c in (case.conditions if among is None else among) if c is not replacing]
    args = (pack_of(case), case.disposal_type)
    dates = (clock.today(), deadline or planned_deadline(case))
    before = set(rules.condition_limit_problems(*args, facts, _modes(case), *dates))
    after = rules.condition_limit_problems(*args, [*facts, condition_facts(values)], _modes(case), *dates)
    return [Problem(*p) for p in after if p not in before]


def ready_problems(case: Case) -> list[str]:
    """Everything that stops the caution being issued, in words; empty when the case is ready."""
    problems = details_problems(case) + screening_problems(case)
    if case.needs is None:
        problems.append("Assess the person's needs.")
    return problems + views_problems(case) + views_after_conditions(case) + condition_problems(case)


def status_for(case: Case) -> CaseStatus:
    """Where the facts put a case that is still being prepared."""
    if details_problems(case):
        return CaseStatus.DRAFT
    return CaseStatus.SCREENING if ready_problems(case) else CaseStatus.READY


def issue_state(case: Case) -> str | None:
    """Why the signature cannot be recorded now (a key of `issue_blockers`' words), or None when it can."""
    if case.status is not CaseStatus.READY:
        return "not_ready"
    if not case.pre_issue or case.deadline is None:
        return "no_checklist"
    if case.pre_issue.get("confirmed_on") != clock.today().isoformat():
        return "stale_checklist"
    if case.deadline_extension_reason and DEADLINE_EXTENSION in pack_of(case).approval_required:
        extension = case.latest_approvals().get(DEADLINE_EXTENSION)
        if extension is None or extension.status is ApprovalStatus.PENDING:
            return "deadline_waiting"
        if extension.status is ApprovalStatus.RETURNED:
            return "deadline_returned"
    return None


def issue_blockers(case: Case) -> list[str]:
    """What stops the signature being recorded now, in words."""
    state = issue_state(case)
    if state is None:
        return []
    if state == "deadline_returned":
        comment = case.latest_approvals()[DEADLINE_EXTENSION].comment
        return [f"A supervisor returned the later deadline: {comment}. Set the deadline again."]
    return [{"not_ready": f"This case is {case.status.label.lower()}, so the caution cannot be issued yet.",
             "no_checklist": "Complete the pre-issue checklist and set the deadline first.",
             "stale_checklist": "The pre-issue checklist was completed on another day: complete it again today.",
             "deadline_waiting": "The later deadline is waiting for a supervisor's approval."}[state]]


# --- the task list ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    title: str
    status: str  # a key of the template's STATUS table: completed, incomplete, not_started, cannot_start ...
    endpoint: str | None = None  # where the task is done, when it may be started now
    params: dict | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    key: str
    tasks: list[Task]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _screening_status(case: Case, details_ready: bool) -> str:
    if not details_ready:
        return "cannot_start"
    if case.screening is None:
        return "not_started"
    if not case.screening.eligible:
        return "not_eligible"
    decisions = [a for kind, a in case.latest_approvals().items() if kind != DEADLINE_EXTENSION]
    if any(a.status is ApprovalStatus.RETURNED for a in decisions):
        return "returned"
    if any(a.status is ApprovalStatus.PENDING for a in decisions):
        return "waiting"
    return "completed"


def task_list(case: Case, *, editable: bool) -> list[Section]:
    """The task list: each task's status, and a link only where the task may be done now."""
    cid = {"case_id": case.public_id}
    person, details_ready = case.offender, not details_problems(case)

    def link(endpoint: str, allowed: bool = True) -> dict:
        return {"endpoint": endpoint, "params": cid} if editable and allowed else {}

    victims_hint = (_plural(len(case.victims), "victim") if case.victims else
                    "No victims" if case.no_victims else "Add each victim, or record that there are none")
    details = [
        Task("Details of the person", "completed" if person.date_of_birth and person.address else "incomplete",
             hint="Date of birth, address, contact, language and access needs", **link("cases.offender")),
        Task("Offences", "completed" if case.offences else "not_started", hint=case.offence_summary,
             **link("cases.offences")),
        Task("Victims", "completed" if case.victims or case.no_victims else "not_started", hint=victims_hint,
             **link("cases.victims")),
    ]
    eligibility = [
        Task("Eligibility screening", _screening_status(case, details_ready),
             hint=None if details_ready else "Complete the case details first",
             **link("cases.screening", details_ready)),
        Task("Needs assessment", "completed" if case.needs else "not_started", **link("cases.needs")),
    ]
    views = [Task(f"Views of {v.person.full_name}", "completed" if v.view else "not_started",
                  endpoint="cases.victim_views" if editable else None,
                  params=cid | {"victim_id": v.person.public_id}) for v in case.victims]
    if not case.victims:
        views.append(Task("Victims' views", "not_needed" if case.no_victims else "cannot_start",
                          hint="No victims recorded" if case.no_victims else "Add the victims first"))
    can_set = case.needs is not None and not views_problems(case)
    settled = not condition_problems(case) and not views_after_conditions(case)
    views.append(Task(
        "Conditions", ("completed" if settled else "incomplete") if can_set else "cannot_start",
        hint=_plural(len(case.conditions), "condition") if can_set else
        "Assess needs and record every victim's views first", **link("cases.conditions", can_set)))
    if case.status is CaseStatus.READY:
        issue = Task("Pre-issue checklist, deadline and signature",
                     "waiting" if issue_state(case) in ("deadline_waiting", "deadline_returned") else "not_started",
                     **link("cases.issue"))
    elif case.document:
        issue = Task("Pre-issue checklist, deadline and signature", "completed", endpoint="cases.document",
                     params=cid)
    else:
        issue = Task("Pre-issue checklist, deadline and signature", "cannot_start",
                     hint="Available when everything above is complete" if case.editable else None)
    return [Section("1. Case details", "details", details), Section("2. Eligibility and needs", "eligibility",
                                                                    eligibility),
            Section("3. Victims' views and conditions", "conditions", views),
            Section("4. Issue the caution", "issue", [issue])]

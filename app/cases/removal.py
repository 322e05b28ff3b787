"""What else changes when an offence, a victim or a condition is removed from a case, in words: the
confirmation page says it before anything is removed."""

from __future__ import annotations

from app.cases import readiness, rules
from app.cases.models import Case, CaseOffence, CaseVictim, Condition
from app.cases.packs import pack_of
from app.cases.queries import planned_caution_date, planned_deadline

_DOCUMENT = "The caution document changes: if it was shown to the person, show it again before it is signed."


def _document(case: Case) -> list[str]:
    return [_DOCUMENT] if case.pre_issue else []


def offence_changes(case: Case, link: CaseOffence) -> list[str]:
    if len(case.offences) == 1:
        changes = ["The case will have no offences, so it goes back to draft until you add one."]
    else:
        changes = ["The offence shown on the case and its caseload changes to the offences left."]
    if case.screening:
        changes.append("Eligibility is checked again on the offences left: the screening may need doing again.")
    return changes + _document(case)


def victim_changes(case: Case, link: CaseVictim) -> list[str]:
    name, view, changes = link.person.full_name, link.view, []
    if view:
        changes.append(f"The views recorded for {name} are removed with them.")
        if (view.remedy_requested or "").strip():
            changes.append(f"Their request for a community remedy action (“{view.remedy_requested}”) is withdrawn.")
    for n, condition in enumerate(case.conditions, 1):
        if condition.remedy_for is link:
            changes.append(f"Condition {n} stays on the case, but no longer answers their request.")
    if len(case.victims) == 1:
        changes.append("The case will have no victims: add one, or record that there are none, before screening.")
    if not changes:
        changes.append("Nothing else was recorded about them on this case.")
    return changes + _document(case)


def condition_changes(case: Case, condition: Condition) -> list[str]:
    """The problems removing it would newly cause (a victim's remedy request left unanswered, no condition of a
    kind the disposal needs), found by checking the conditions that would be left."""
    def problems(conditions: list[Condition]) -> set[str]:
        return set(rules.check_conditions(pack_of(case), case.disposal_type,
                                          [readiness.condition_facts(c) for c in conditions],
                                          [co.offence.mode_of_trial for co in case.offences],
                                          planned_caution_date(case), planned_deadline(case),
                                          readiness.remedy_requests(case)))
    before, after = problems(case.conditions), problems([c for c in case.conditions if c is not condition])
    changes = [f"Afterwards: {p}" for p in sorted(after - before)]
    if condition.remedy_for is not None and not changes:
        changes.append(f"It no longer answers {condition.remedy_for.person.full_name}'s community remedy request.")
    return (changes or ["Nothing else on the case changes."]) + _document(case)

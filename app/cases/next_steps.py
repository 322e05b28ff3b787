"""What to do next, with where to do it: each thing that stops a caution being issued, linked to the page that
puts it right, and the step after a saved screening. The words are readiness.py's; this adds the links."""

from __future__ import annotations

from typing import NamedTuple

from flask import url_for

from app.cases import readiness, rules
from app.cases.models import Case, ClosureReason
from app.cases.packs import pack_of
from app.cases.queries import planned_caution_date, planned_deadline


class Step(NamedTuple):
    text: str
    action: str | None = None  # the link's words
    href: str | None = None


def close_url(case: Case, reason: ClosureReason | None = None) -> str:
    return url_for("cases.close", case_id=case.public_id, **({"reason": reason.value} if reason else {}))


def _url(endpoint: str, case: Case, **params) -> str:
    return url_for(endpoint, case_id=case.public_id, **params)


_DETAILS = {"date of birth": ("cases.offender", "Add the person's details"),
            "address": ("cases.offender", "Add the person's details"),
            "offence": ("cases.offences", "Add an offence"), "victims": ("cases.victims", "Add the victims")}


def condition_steps(case: Case) -> list[Step]:
    """The conditions' problems; a victim's unanswered remedy request links to their views page."""
    facts = [readiness.condition_facts(c) for c in case.conditions]
    remedies = readiness.remedy_requests(case)
    others = rules.check_conditions(pack_of(case), case.disposal_type, facts,
                                    [co.offence.mode_of_trial for co in case.offences], planned_caution_date(case),
                                    planned_deadline(case))
    steps = [Step(p, "Go to the conditions", _url("cases.conditions", case)) for p in others]
    return steps + [Step(rules.remedy_problem(r), "Answer the victim's remedy request",
                         _url("cases.victim_views", case, victim_id=r.victim))
                    for r in rules.unanswered_remedies(facts, remedies)]


def ready_steps(case: Case) -> list[Step]:
    """readiness.ready_problems, each with its link."""
    steps = []
    for p in readiness.details_problems(case):
        endpoint, action = next(v for k, v in _DETAILS.items() if k in p)
        steps.append(Step(p, action, _url(endpoint, case)))
    screening = readiness.screening_problems(case)
    steps += [Step(p, "Go to eligibility screening", _url("cases.screening", case)) for p in screening]
    if case.screening is not None and not case.screening.eligible:
        steps.append(Step("If no caution will be given, close the case.", "Close the case: not eligible",
                          close_url(case, ClosureReason.NOT_ELIGIBLE)))
    if case.needs is None:
        steps.append(Step("Assess the person's needs.", "Go to the needs assessment", _url("cases.needs", case)))
    steps += [Step(f"Record {link.person.full_name}'s views, or that they could not be contacted.",
                   "Record their views", _url("cases.victim_views", case, victim_id=link.person.public_id))
              for link in case.victims if link.view is None]
    steps += [Step(p, "Go to the conditions", _url("cases.conditions", case))
              for p in readiness.views_after_conditions(case)]
    return steps + condition_steps(case)


def age_step(case: Case, on) -> Step | None:
    """Under the minimum age on `on`: the case goes to the youth process, so the step is closing it."""
    problem = readiness.age_problem(case, on) if on else None
    return Step(problem, "Close the case: youth process", close_url(case, ClosureReason.YOUTH_PROCESS)) \
        if problem else None


def after_screening(case: Case) -> Step:
    """Where an officer goes once the screening is saved: the next task not done, or closing the case."""
    if case.screening is not None and not case.screening.eligible:
        return Step("Not eligible", "Close the case: not eligible", close_url(case, ClosureReason.NOT_ELIGIBLE))
    if case.needs is None:
        return Step("Next", "Continue to the needs assessment", _url("cases.needs", case))
    waiting = next((link for link in case.victims if link.view is None), None)
    if waiting is not None:
        return Step("Next", "Continue to the victim's views",
                    _url("cases.victim_views", case, victim_id=waiting.person.public_id))
    return Step("Next", "Continue to conditions", _url("cases.conditions", case))

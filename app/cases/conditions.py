"""Use cases for a case's conditions: add, change, confirm against the victims' views, remove. Each is checked
against the case's rule pack as a whole, writes timeline and audit entries, flushes, and never commits."""

from __future__ import annotations

from decimal import Decimal

from app import clock
from app.audit import services as audit
from app.cases import readiness
from app.cases.models import Case, Condition
from app.cases.services import refresh_status
from app.errors import Conflict, Problem, RuleViolation
from app.extensions import db
from app.timeline.services import record as timeline

HOURS_PLACES = 2  # conditions.hours is NUMERIC(6, 2): the hours checked are the hours kept


def condition_columns(case: Case, values: dict) -> dict:
    hours = Decimal(str(values["hours"])) if values.get("hours") is not None else None
    remedy_for = values.get("remedy_for")
    return {"type": values["type"], "subtype": values.get("subtype"), "purpose": values.get("purpose"),
            "details": values["details"], "hours": hours, "amount_pounds": values.get("amount_pounds"),
            "due_on": values["due_on"], "decided_at": clock.now(),
            "remedy_for": next(v for v in case.victims if str(v.person.public_id) == remedy_for) if remedy_for
            else None}


def check_condition(case: Case, values: dict, replacing: Condition | None = None, **within) -> None:
    """The rules for one condition on this case; writes nothing. An answer that is None (not given, or not
    valid on the form) is not checked, so a form with errors still learns every rule problem of the rest.
    `within`: a variation's conditions and deadline (`readiness.condition_limit_problems`)."""
    if values.get("type") is None:
        return
    hours = values.get("hours")
    if hours is not None and Decimal(str(hours)).as_tuple().exponent < -HOURS_PLACES:
        raise RuleViolation(Problem("hours", f"Enter the hours with at most {HOURS_PLACES} decimal places, like "
                                             "7.25"))
    remedy_for = values.get("remedy_for")
    if remedy_for and remedy_for not in {r.victim for r in readiness.remedy_requests(case)}:
        raise RuleViolation(Problem("remedy_for", "Choose a victim who asked for a community remedy action."))
    if problems := readiness.condition_limit_problems(case, values, replacing, **within):
        raise RuleViolation(problems)


def _condition_saved(case: Case, condition: Condition, *, kind: str, action: str, by) -> Condition:
    db.session.flush()
    timeline(case, kind, by=by, type=condition.type)
    audit.record(action, actor=by, obj=condition, detail={"case": str(case.public_id)})
    refresh_status(case, by=by)
    return condition


def add_condition(case: Case, values: dict, *, by) -> Condition:
    check_condition(case, values)
    condition = Condition(**condition_columns(case, values))
    case.conditions.append(condition)
    return _condition_saved(case, condition, kind="condition_added", action="condition.create", by=by)


def update_condition(case: Case, condition: Condition, values: dict, *, version: int, by) -> Condition:
    if version != condition.version:  # a writer that did not say which version it saw is refused too
        raise Conflict(condition)
    check_condition(case, values, replacing=condition)
    for k, v in condition_columns(case, values).items():
        setattr(condition, k, v)
    return _condition_saved(case, condition, kind="condition_changed", action="condition.update", by=by)


def confirm_conditions(case: Case, *, by) -> None:
    """The officer confirms the conditions as they stand take every victim's views, as now recorded, into
    account: each condition is decided again, now."""
    if not case.conditions:
        raise RuleViolation("There are no conditions to confirm yet.")
    now = clock.now()
    for condition in case.conditions:
        condition.decided_at = now
    db.session.flush()
    timeline(case, "conditions_confirmed", by=by)
    audit.record("case.conditions_confirm", actor=by, obj=case)
    refresh_status(case, by=by)


def remove_condition(case: Case, condition: Condition, *, by) -> None:
    kind = condition.type
    audit.record("condition.delete", actor=by, obj=condition, detail={"case": str(case.public_id)})
    case.conditions.remove(condition)
    db.session.flush()
    timeline(case, "condition_removed", by=by, type=kind)
    refresh_status(case, by=by)

"""The domain errors every package raises, and how each becomes a page (or, for htmx, a fragment).

- `RuleViolation`: the rules (or the law a rule pack writes down) refuse it. Its problems say why, each tied to
  the form field it is about (or to none), so a form can show every one beside its field: 422.
- `InvalidTransition`: the object's state does not allow it yet, or any more: 409 with the reason in words.
- `Conflict`: someone else changed the record after this writer loaded it: 409, never a silent overwrite.
  SQLAlchemy's StaleDataError (a version check failing in the UPDATE itself) is the same thing.

Nothing from a refused request is saved: every handler rolls back.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import render_template
from jinja2_fragments.flask import render_block
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.web.htmx import is_partial


class Problem(NamedTuple):
    field: str | None  # the form field it is about, or None for the form as a whole
    message: str


class RuleViolation(Exception):
    """An action the rules do not allow. Build it from words, `Problem`s or (field, words) pairs."""

    def __init__(self, problems):
        items = [problems] if isinstance(problems, str | Problem) else list(problems)
        self.by_field = [p if isinstance(p, Problem) else Problem(None, p) if isinstance(p, str) else Problem(*p)
                         for p in items]
        super().__init__(" ".join(self.problems))

    @property
    def problems(self) -> list[str]:
        return [p.message for p in self.by_field]


class InvalidTransition(Exception):
    """An action that the object's status does not allow; the message says why in plain words."""


class Conflict(Exception):
    """The record changed after the writer loaded it. `current` is the record as it is now, when known."""

    def __init__(self, current=None, message: str = "the record changed while it was being edited"):
        super().__init__(message)
        self.current = current


CONFLICT_TITLE = "Someone else changed this at the same time"
CONFLICT_BODY = ("Your change was not saved because the record changed while you were working on it. Go back, "
                 "reload the page to see the latest version, and make your change again.")


def page(status: int, **context):
    """The error page, or just its content for an htmx partial request (htmx 4 swaps 4xx bodies)."""
    if is_partial():
        return render_block("errors/error.html", "content", **context), status
    return render_template("errors/error.html", **context), status


def _rule_violation(exc: RuleViolation):
    db.session.rollback()
    return page(422, title="Sorry, we could not accept that", body="Nothing was saved, because:",
                problems=exc.problems, code=422, back=True)


def _invalid_transition(exc: InvalidTransition):
    db.session.rollback()
    return page(409, title="You cannot do that yet", body=str(exc), code=409, back=True)


def conflict_page(exc: Exception | None = None):
    db.session.rollback()
    return page(409, title=CONFLICT_TITLE, body=CONFLICT_BODY, code=409)


def register(app) -> None:
    app.register_error_handler(RuleViolation, _rule_violation)
    app.register_error_handler(InvalidTransition, _invalid_transition)
    for conflict in (Conflict, StaleDataError):
        app.register_error_handler(conflict, conflict_page)

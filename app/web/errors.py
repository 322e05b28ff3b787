"""One error handler: GOV.UK-style pages (or fragments for htmx) for every 4xx/5xx, never a stack trace."""

from __future__ import annotations

import logging

from flask import render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

log = logging.getLogger(__name__)
MESSAGES = {
    400: ("Sorry, there is a problem with that request",
          "Your request could not be understood. If you were filling in a form, go back, reload the page and try "
          "again."),
    403: ("You do not have permission to see this page", "If you think you should, ask your Resolve administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you followed a link, the page "
          "may have moved, or you may not have access to it."),
    405: ("Sorry, there is a problem with that request", "That action is not available on this page."),
    409: ("Someone else changed this at the same time",
          "Your change was not saved because the record changed while you were working on it. Go back, reload the "
          "page to see the latest version, and make your change again."),
    413: ("That is too large", "Send less at once and try again."),
    422: ("Sorry, we could not accept that", "Go back, check what you entered and try again."),
    429: ("Too many requests", "Wait a minute and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Anything you had already saved is safe."),
    503: ("Sorry, the service is unavailable", "Try again in a few minutes."),
}


def handle_http(exc: HTTPException):
    db.session.rollback()
    code = exc.code or 500
    title, body = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    return render_template("errors/error.html", title=title, body=body, code=code), code


def handle_unexpected(exc: Exception):
    # Logged with its type only at this level; the traceback goes to the log, never to the user.
    log.exception("unhandled error: %s", type(exc).__name__)
    db.session.rollback()
    return handle_http(InternalServerError())


def handle_domain(exc: Exception):
    """Domain rule violations raised by services: a 422 (the rules refuse it) or a 409 (the case's state, or a
    record changed meanwhile), with the reasons in words. Nothing from the failed request is saved."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.cases.models import InvalidTransition

    db.session.rollback()
    if isinstance(exc, StaleDataError):
        title, body = MESSAGES[409]
        return render_template("errors/error.html", title=title, body=body, code=409), 409
    if isinstance(exc, InvalidTransition):
        return render_template("errors/error.html", title="You cannot do that yet", body=str(exc),
                               code=409, back=True), 409
    problems = getattr(exc, "problems", [str(exc)])
    return render_template("errors/error.html", title="Sorry, we could not accept that",
                           body="Nothing was saved, because:", problems=problems, code=422, back=True), 422

"""HTTP errors: GOV.UK-style pages (or fragments for htmx) for every 4xx/5xx, never a stack trace. The domain's
own errors (refused by a rule, by a state, or by a concurrent change) are in app/errors.py."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from app import errors
from app.extensions import db

log = logging.getLogger(__name__)
MESSAGES = {  # lazy: each page is in the reader's language
    400: (_l("Sorry, there is a problem with that request"),
          _l("Your request could not be understood. If you were filling in a form, go back, reload the page and "
             "try again.")),
    403: (_l("You do not have permission to see this page"),
          _l("If you think you should, ask your Resolve administrator.")),
    404: (_l("Page not found"), _l("If you typed the web address, check it is correct. If you followed a link, the "
                                   "page may have moved, or you may not have access to it.")),
    405: (_l("Sorry, there is a problem with that request"), _l("That action is not available on this page.")),
    409: (errors.CONFLICT_TITLE, errors.CONFLICT_BODY),
    413: (_l("That is too large"), _l("Send less at once and try again.")),
    422: (_l("Sorry, we could not accept that"), _l("Go back, check what you entered and try again.")),
    429: (_l("Too many requests"), _l("Wait a minute and try again.")),
    500: (_l("Sorry, there is a problem with the service"),
          _l("Try again later. Anything you had already saved is safe.")),
    503: (_l("Sorry, the service is unavailable"), _l("Try again in a few minutes.")),
}


def handle_http(exc: HTTPException):
    db.session.rollback()
    code = exc.code or 500
    title, body = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    return errors.page(code, title=str(title), body=str(body), code=code)


def handle_unexpected(exc: Exception):
    # Logged with its type only at this level; the traceback goes to the log, never to the user.
    log.exception("unhandled error: %s", type(exc).__name__)
    db.session.rollback()
    return handle_http(InternalServerError())

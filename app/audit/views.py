"""Which pages show personal data, and the audit row each view of them writes (DPA 2018 s.62: a record of each
consultation).

Every GET route is declared: by its blueprint (`shows_personal_data(bp)`: each of its routes shows personal data
unless it says otherwise) or by itself (`@shows_personal_data`, `@shows_no_personal_data`); a test walks the URL
map and fails on a route declared neither way. A route that shows personal data records what it showed with
`viewed` (one object), `viewed_list` (a list page: one row naming everything shown, not a row per line) or
`viewed_each`, or says that this response shows none (`nothing_shown`). A successful GET of such a route that
did none of these is answered with the error page instead, and rolled back: nothing is shown without its record.

The rows hold opaque ids and a purpose, never names or other personal data.
"""

from __future__ import annotations

import logging

from flask import current_app, g, make_response, request
from flask_login import current_user
from werkzeug.exceptions import InternalServerError

from app.audit import services as audit
from app.web.errors import handle_http

log = logging.getLogger(__name__)


def shows_personal_data(target):
    """Mark a view function, or a blueprint (all its routes), as showing personal data."""
    target.shows_personal_data = True
    return target


def shows_no_personal_data(target):
    target.shows_personal_data = False
    return target


def declared(app, endpoint: str) -> bool | None:
    """Whether the endpoint shows personal data: its own declaration, else its blueprint's (None: neither)."""
    own = getattr(app.view_functions.get(endpoint), "shows_personal_data", None)
    if own is not None:
        return own
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
    return getattr(blueprint, "shows_personal_data", None)


def viewed(action: str, obj, *, purpose: str, detail: dict | None = None) -> None:
    """One object shown (a case, a referral): one row naming it."""
    audit.record(action, actor=current_user, obj=obj, purpose=purpose, detail=detail)
    g.view_recorded = True


def viewed_list(action: str, *, page: str, purpose: str, **shown: list) -> None:
    """A list page: one row, however long the list, naming what it showed by kind (`cases=[...]`)."""
    detail = {kind: sorted({str(obj.public_id) for obj in objs}) for kind, objs in shown.items()}
    audit.record(action, actor=current_user, object_type=page, purpose=purpose, detail=detail)
    g.view_recorded = True


def viewed_each(action: str, objs: list, *, purpose: str) -> None:
    """A few objects shown together (a member of the public's own cases): a row for each, in one insert."""
    audit.record_many(action, objs, actor=current_user, purpose=purpose)
    g.view_recorded = True


def nothing_shown() -> None:
    """This response of a personal-data route shows nobody's personal data (the offence catalogue's search
    results, the scrutiny panel's home page)."""
    g.view_recorded = True


def after_request(response):
    """Refuse a successful GET of a personal-data route that wrote no view row (a programming error)."""
    if (request.method == "GET" and response.status_code < 300 and request.endpoint
            and declared(current_app, request.endpoint) and not g.get("view_recorded")):
        log.error("%s showed personal data without a view audit row", request.endpoint)
        response = make_response(handle_http(InternalServerError()))
    return response

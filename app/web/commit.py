"""One commit per request, in one place (the way Indico's request handler does it).

Routes and services only flush. After the route has returned (and the page is rendered, so nothing it shows is
expired and re-loaded), a response below 400 commits the request's work and anything else rolls it back. A
concurrent change caught at commit becomes the 409 page. The few error responses that must still keep what
they wrote (the audit row of a failed sign-in) say so with `keep_on_error()`.
"""

from __future__ import annotations

from flask import g
from sqlalchemy.orm.exc import StaleDataError

from app import errors
from app.extensions import db


def keep_on_error() -> None:
    """Commit this request's work even though its response is an error."""
    g.keep_on_error = True


def after_request(response):
    if response.status_code < 400 or g.get("keep_on_error"):
        try:
            db.session.commit()
        except StaleDataError:
            body, status = errors.conflict_page()
            response = response.__class__(body, status, mimetype="text/html")
    else:
        db.session.rollback()
    return response

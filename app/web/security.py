"""Security headers on every response, with a fresh CSP nonce per request; and the guard on what a request may
carry, which runs before anything reads it."""

from __future__ import annotations

import re
import secrets

from flask import current_app, g, request

from app import errors
from app.auth import providers

# C0 control characters and DEL, except tab, line feed and carriage return. PostgreSQL cannot store NUL in text
# at all (the driver raises, a 500), and none of the others is anything a person types into a form.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNSTORABLE_TITLE = "This request contained a character Resolve cannot store"


def refuse_crafted_input():
    """Before any hook or view reads the request: no file uploads (no form has one, so a multipart body is
    refused unread), and no control character in the query string, the form or the path. The body's size is
    capped by MAX_CONTENT_LENGTH, which Werkzeug enforces before it reads past the limit (a 413)."""
    if request.mimetype == "multipart/form-data":
        return errors.page(400, title="Sorry, there is a problem with that request", code=400,
                           body="Resolve does not accept file uploads. Go back, reload the page and try again.")
    values = [*request.args.items(multi=True), *request.form.items(multi=True),
              *(request.view_args or {}).items()]
    bad = sorted({name for name, value in values if UNSTORABLE.search(f"{name}{value}")})
    if bad:
        shown = [UNSTORABLE.sub("", name)[:40] or "a field" for name in bad[:5]]
        summary = [{"text": f"Remove the control character from “{name}”"} for name in shown]
        return errors.page(422, title=UNSTORABLE_TITLE, code=422, page_error=True, summary=summary,
                           body="Nothing was saved. A field or search box held a control character (such as a "
                                "NUL byte), usually from pasted text. Go back, retype the text and try again.")
    return None


def nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _form_action() -> str:
    # Sign-in and sign-out redirect to the identity providers, and CSP form-action covers those redirects.
    return " ".join(["'self'", *providers.form_action_origins(current_app)])


def set_headers(response):
    h = response.headers
    h["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce()}'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action {_form_action()}; frame-ancestors 'none'"
    )
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "strict-origin-when-cross-origin"
    h["X-Frame-Options"] = "DENY"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config["HSTS"]:
        h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    # Only the built assets may be cached: every page may carry personal data or a session change (the session
    # cookie is written after these hooks run, so it cannot be looked for here).
    if request.endpoint != "static":
        h["Cache-Control"] = "no-store"
    return response

"""Security headers on every response, with a fresh CSP nonce per request."""

from __future__ import annotations

import secrets

from flask import current_app, g, request

from app.auth import providers


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

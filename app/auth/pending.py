"""A sign-in in progress, kept in a signed, short-lived cookie instead of a server-side session row.

Authlib keeps the state, nonce, PKCE verifier and redirect URI of an authorisation request between the redirect
to the provider and the callback. Kept in the session, that made a 12-hour row for every anonymous visitor who
opened /sign-in/<provider>. Here they travel in one HttpOnly cookie signed with the secret key (itsdangerous),
that expires after SIGN_IN_PENDING_SECONDS and is deleted at the callback, whatever its outcome. The cookie is
signed, not encrypted: it holds nothing about the person, and the verifier is useless without the code, which
only the provider's redirect carries. One sign-in at a time per browser: starting another replaces it.
"""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.integration import FlaskIntegration
from flask import current_app, g, request
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from app import clock

_SALT = "resolve.sign-in.pending"
_UNSET = object()


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())  # the portal's clock, so tests can move past the expiry


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT, signer=_ClockSigner)


def _read() -> dict | None:
    return decode(request.cookies.get(current_app.config["SIGN_IN_COOKIE_NAME"]))


def decode(raw: str | None) -> dict | None:
    """The pending sign-in a cookie value holds, if it is ours, unexpired and untouched."""
    if not raw or len(raw) > 3000:
        return None
    try:
        value = _serializer().loads(raw, max_age=current_app.config["SIGN_IN_PENDING_SECONDS"])
    except BadSignature:  # also a cookie older than max_age (SignatureExpired is a BadSignature)
        return None
    return value if isinstance(value, dict) else None


def put(provider: str, state: str, data: dict) -> None:
    g.pending_sign_in = {"provider": provider, "state": state, "data": data}


def get(provider: str, state: str | None) -> dict | None:
    found = _read()
    if not found or not state or found.get("provider") != provider or found.get("state") != state:
        return None
    return found.get("data")


def clear() -> None:
    g.pending_sign_in = None


def save(response):
    """After an auth route: write or delete the cookie as the route left it (put or clear)."""
    value = g.get("pending_sign_in", _UNSET)
    if value is _UNSET:
        return response
    cfg = current_app.config
    name, secure = cfg["SIGN_IN_COOKIE_NAME"], cfg["SESSION_COOKIE_SECURE"]
    if value is None:
        if name in request.cookies:
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
    else:
        response.set_cookie(name, _serializer().dumps(value), max_age=cfg["SIGN_IN_PENDING_SECONDS"], path="/",
                            secure=secure, httponly=True, samesite="Lax")
    return response


class _CookieStateIntegration(FlaskIntegration):
    """Authlib's Flask integration with the state kept by this module rather than in the session."""

    def set_state_data(self, session, state, data):
        put(self.name, state, data)

    def get_state_data(self, session, state):
        return get(self.name, state)

    def clear_state_data(self, session, state):
        clear()


class CookieStateOAuth(OAuth):
    framework_integration_cls = _CookieStateIntegration

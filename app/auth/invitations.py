"""An invitation in hand, from the page that accepts it to the sign-in that redeems it.

Each kind of invitation (staff, and the person cautioned or a victim) registers a redeemer. Accepting an
invitation keeps its kind and token in the (server-side) session and sends the browser to the provider that kind
signs in with; the callback hands the new or returning identity to the redeemer, once. A redeemer that refuses
raises `Refused`: the sign-in ends with a plain page, an audit row, and no session.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, redirect, session, url_for

from app.audit import services as audit

_KEY = "invitation"
_REDEEMERS: dict[str, Callable] = {}


class Refused(Exception):
    """The invitation cannot be used: `reason` is a short code for the audit row and the page's words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def redeemer(kind: str):
    """Register func(token, user, provider) as the redeemer of one kind of invitation."""
    def register(func):
        _REDEEMERS[kind] = func
        return func
    return register


def hold(kind: str, token: str, provider_kind: str):
    """Keep the invitation for the sign-in that follows, and send the browser to sign in (303)."""
    provider = provider_for(provider_kind)
    session[_KEY] = {"kind": kind, "token": token, "provider": provider.name}
    return redirect(url_for("auth.start", name=provider.name), 303)


def provider_for(kind: str):
    """The provider an invitation of this kind ("staff" or "public") is redeemed with: the configured one, or the
    first of that kind."""
    providers = [p for p in current_app.config["OIDC_PROVIDERS"] if p.kind == kind]
    wanted = current_app.config.get(f"INVITATION_{kind.upper()}_PROVIDER")
    return next((p for p in providers if p.name == wanted), providers[0] if providers else None)


def take() -> dict | None:
    """The invitation held for this sign-in, if any; it is forgotten either way."""
    held = session.pop(_KEY, None)
    return held if isinstance(held, dict) and held.get("kind") in _REDEEMERS else None


def redeem(held: dict, user, provider) -> None:
    """Hand the identity to the invitation's redeemer. Refused: audited here, then raised for the page."""
    if provider.name != held.get("provider"):
        _refuse(user, held, "wrong_provider")
    try:
        _REDEEMERS[held["kind"]](str(held.get("token", "")), user, provider)
    except Refused as refused:
        _refuse(user, held, refused.reason)


def _refuse(user, held: dict, reason: str):
    audit.record("invitation.refused", actor=user, obj=user, purpose="security",
                 detail={"kind": held["kind"], "reason": reason})
    raise Refused(reason)

"""Sign-in and sign-out through OpenID Connect providers."""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from flask_login import current_user, login_user, logout_user
from joserfc.errors import JoseError
from requests import RequestException

from app.audit import views
from app.auth import invitations, pending, providers, services, throttle, vot
from app.web.commit import keep_on_error

bp = views.shows_no_personal_data(Blueprint("auth", __name__))
bp.after_request(pending.save)


@bp.get("/sign-in")
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    configured = current_app.config["OIDC_PROVIDERS"]
    return render_template("auth/sign_in.html", staff=[p for p in configured if p.kind == "staff"],
                           public=[p for p in configured if p.kind == "public"])


@bp.get("/sign-in/<name>")
def start(name: str):
    provider, client = providers.get(name) or abort(404)
    if not throttle.allow_sign_in_start():
        return render_template("auth/too_many.html"), 429, {"Retry-After": str(current_app.config[
            "SIGN_IN_RATE_WINDOW_SECONDS"])}
    try:
        # OIDC Discovery 4.3: the document must name the issuer we were configured with.
        if client.load_server_metadata().get("issuer", "").rstrip("/") != provider.issuer:
            services.sign_in_failed(provider.name, "discovery_issuer_mismatch")
            keep_on_error()
            return render_template("auth/failed.html"), 400
        return client.authorize_redirect(url_for("auth.callback", name=name, _external=True),
                                         **provider.auth_params)
    except (RequestException, ValueError):
        return _unavailable(provider)


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, MismatchingStateError):
        return "state_mismatch"
    if isinstance(exc, OAuthError):
        return f"provider_error:{exc.error or 'unknown'}"[:60]
    name = type(exc).__name__
    claim = getattr(exc, "claim_name", None) or getattr(exc, "claim", None)
    return f"{name}:{claim}" if claim else name


def _id_token_checks(provider, client) -> dict:
    # Authlib on its own checks `aud` only through `azp`, so a token for another client that names us in `azp`
    # would pass. OIDC Core 3.1.3.7: reject the ID token unless `aud` contains our client_id.
    return {"iss": {"essential": True, "values": [provider.issuer]},
            "aud": {"essential": True, "value": client.client_id}}


@bp.get("/auth/callback/<name>")
def callback(name: str):
    provider, client = providers.get(name) or abort(404)
    try:
        token = client.authorize_access_token(claims_options=_id_token_checks(provider, client))
        claims = token.get("userinfo")
        if not claims:
            raise OAuthError(error="no_id_token")
    except RequestException:
        return _unavailable(provider)
    except (OAuthError, JoseError, ValueError) as exc:
        return _failed(provider, _failure_reason(exc))
    # The vtr we asked for travels in the browser's URL, so anyone can lower it: check what the token says.
    if provider.required_vot and (short := vot.shortfall(provider.required_vot, claims.get("vot"))):
        return _failed(provider, short)
    try:
        user = services.sign_in(provider, dict(claims), invitations.take())
    except invitations.Refused as refused:
        return _refused(name, token, "invitations/cannot_use.html", reason=refused.reason, signed_in=True)
    except services.SignInRefused:
        return _refused(name, token, "auth/no_access.html")
    session.clear()
    session.rotate(user.id)
    login_user(user)
    session["provider"], session["id_token"] = name, token["id_token"]
    return redirect(url_for("web.home"), 303)


def _refused(name: str, token: dict, template: str, **context):
    keep_on_error()
    # Keep what a sign-out needs, so the page can end the provider's session: otherwise signing in again would
    # bring back the same identity at once.
    session.clear()
    session.rotate(None)
    session["provider"], session["id_token"] = name, token["id_token"]
    return render_template(template, **context), 403


@bp.post("/sign-out")
def sign_out():
    """Sign out of Resolve and of the provider: for a signed-in user, and for one Resolve refused."""
    provider_name, id_token = session.get("provider"), session.get("id_token")
    if current_user.is_authenticated:
        services.sign_out(current_user)
        logout_user()
    elif not provider_name:
        return redirect(url_for("auth.sign_in"), 303)
    session.end()
    done = url_for("auth.signed_out", _external=True)
    found = providers.get(provider_name) if provider_name else None
    if found:
        client = found[1]
        try:
            end_session = client.load_server_metadata().get("end_session_endpoint")
        except RequestException:
            end_session = None
        if end_session:
            query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": done,
                               "client_id": client.client_id})
            return redirect(f"{end_session}?{query}", 303)
    return redirect(done, 303)


@bp.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html")


def _failed(provider, reason: str):
    services.sign_in_failed(provider.name, reason)
    keep_on_error()
    return render_template("auth/failed.html"), 400


def _unavailable(provider):
    return render_template("errors/503.html", provider=provider), 503

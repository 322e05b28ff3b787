"""The configured OIDC providers, registered with Authlib's client once per app."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import current_app

from app.auth.in_process import DevIdpOAuth2App
from app.auth.pending import CookieStateOAuth
from config.settings import OIDCProvider


def init_app(app) -> None:
    oauth = CookieStateOAuth(app)
    for p in app.config["OIDC_PROVIDERS"]:
        kwargs = {"scope": " ".join(p.scopes), "code_challenge_method": "S256",
                  "token_endpoint_auth_method": p.token_auth_method,
                  "default_timeout": app.config["OIDC_HTTP_TIMEOUT"]}
        secret, auth_methods = p.client_secret, None
        if p.private_key_file:
            # With private_key_jwt Authlib signs a client assertion with the "secret", which is the private key.
            secret = Path(p.private_key_file).read_text()
            auth_methods = [PrivateKeyJWT()]
        dev_idp = app.config["DEV_IDP_ENABLED"] and p.issuer == app.config["DEV_IDP_ISSUER"]
        oauth.register(name=p.name, client_id=p.client_id, client_secret=secret,
                       server_metadata_url=f"{p.issuer}/.well-known/openid-configuration",
                       client_kwargs=kwargs, client_auth_methods=auth_methods,
                       **({"client_cls": DevIdpOAuth2App} if dev_idp else {}))
    app.extensions["resolve_oidc"] = oauth


def get(name: str) -> tuple[OIDCProvider, object] | None:
    provider = next((p for p in current_app.config["OIDC_PROVIDERS"] if p.name == name), None)
    if provider is None:
        return None
    return provider, current_app.extensions["resolve_oidc"].create_client(name)


def form_action_origins(app) -> list[str]:
    """Origins a sign-in or sign-out form may end up at (CSP form-action applies to redirects too)."""
    origins = set()
    for p in app.config["OIDC_PROVIDERS"]:
        client = app.extensions["resolve_oidc"].create_client(p.name)
        if isinstance(client, DevIdpOAuth2App):
            continue  # the browser meets it on the portal's own origin: 'self'
        parts = urlsplit(p.issuer)
        origins.add(f"{parts.scheme}://{parts.netloc}")
        for endpoint in ("authorization_endpoint", "end_session_endpoint"):
            if url := client.server_metadata.get(endpoint):
                parts = urlsplit(url)
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)

"""The development identity provider: a small, real OpenID Connect provider built from Authlib's server classes.

It runs only in development and tests (create_app refuses it in production), is mounted at /dev-idp beside the
portal, and offers the demo personas, or someone new, instead of passwords. The portal signs in through it exactly
as through any other provider: discovery, authorisation code with PKCE S256, nonce, signed ID tokens.

Its issuer is a fixed name, not a URL with the port in it: the portal reaches the back-channel endpoints
(discovery, token, JWKS) in process (app/auth/in_process.py), and every URL the provider gives out follows the
host it was asked on, so it works whatever port the portal is served on. Codes and new identities are kept in the
portal's database (app/auth/devidp_store.py), so that every web process knows them; the signing key is kept
under instance/ so that restarts keep the JWKS.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidGrantError, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from email_validator import EmailNotValidError, validate_email
from flask import Flask, abort, redirect, render_template, request
from joserfc.jwk import RSAKey

from app.auth.devidp_store import Account, Store
from app.auth.in_process import MOUNT
from app.demo import PERSONAS, PERSONAS_BY_KEY

NAME_MAX, EMAIL_MAX = 100, 254
LONGEST = {"nonce": 255, "code_challenge": 128, "redirect_uri": 500}  # what dev_idp_codes can hold


def portal_root() -> str:
    """The portal's root URL as the browser reached this provider (the provider is mounted inside the portal)."""
    return request.host_url.rstrip("/") + request.script_root.removesuffix(MOUNT)


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_path: str  # the portal's callback, on whichever host the browser uses
    kind: str  # which personas this client may sign in: "staff" or "public"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return portal_root() + self.redirect_path

    def get_allowed_scope(self, scope):
        return " ".join(dict.fromkeys(s for s in (scope or "").split() if s in ("openid", "profile", "email")))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.get_default_redirect_uri()

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


def _load_key(path: Path) -> RSAKey:
    if not path.exists():
        key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"},
                                  private=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        draft.touch(mode=0o600)
        draft.write_text(json.dumps(key.as_dict(private=True)))
        try:  # several workers start at once: the first key linked in place is everyone's
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return RSAKey.import_key(json.loads(path.read_text()))


def create_dev_idp(issuer: str, clients: list[Client], key_path: Path, template_folder: str, static_url: str,
                   store: Store) -> Flask:
    idp = Flask("resolve_dev_idp", template_folder=template_folder)
    idp.config["SECRET_KEY"] = secrets.token_hex(16)  # unused: the provider keeps no sessions
    key = _load_key(key_path)
    by_id = {c.client_id: c for c in clients}

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            data = req.payload.data
            store.save_code(code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                            scope=req.scope, subject=req.user.subject, nonce=data.get("nonce"),
                            code_challenge=data.get("code_challenge"),
                            code_challenge_method=data.get("code_challenge_method"),
                            vot=_first_vector(data.get("vtr")))

        def query_authorization_code(self, code, client):
            return store.find_code(code, client.client_id)

        def delete_authorization_code(self, authorization_code):
            if not store.redeem(authorization_code.code):  # two redemptions at once: only one gets tokens
                raise InvalidGrantError("Invalid 'code' in request.")

        def authenticate_user(self, authorization_code):
            return store.account(authorization_code.subject)

    class IdToken(OpenIDCode):
        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if authorization_code.vot:
                claims["vot"] = authorization_code.vot
            return claims

        def exists_nonce(self, nonce, req):
            return store.nonce_known(nonce, req.payload.client_id)

        def resolve_client_private_key(self, client):
            return key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_encode_header(self, client):
            return {"alg": "RS256", "kid": key.kid}

        def get_client_claims(self, client):
            now = int(time.time())  # the portal checks exp and iat against real time
            return {"iss": issuer, "aud": [client.get_client_id()], "iat": now, "exp": now + 300}

        def generate_user_info(self, user, scope):
            info = UserInfo(sub=user.subject)
            if "profile" in scope:
                info["name"] = user.name
            if "email" in scope:
                info["email"] = user.email
            return info

    server = AuthorizationServer(idp, query_client=by_id.get, save_token=lambda token, req: None)
    server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

    def page(template: str, status: int = 200, **context):
        return render_template(f"devidp/{template}.html", static_url=static_url, **context), status

    @idp.after_request
    def headers(response):
        # The authorize form posts to itself and is redirected to the portal's callback, on the same origin.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @idp.get("/.well-known/openid-configuration")
    def discovery():
        here = request.url_root.rstrip("/")  # the issuer's name in process; the host a browser used otherwise
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{here}/authorize",
            "token_endpoint": f"{here}/token",
            "jwks_uri": f"{here}/jwks",
            "end_session_endpoint": f"{here}/end-session",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "name", "email", "nonce", "vot"],
        }

    @idp.get("/jwks")
    def jwks():
        return {"keys": [key.as_dict(private=False)]}

    @idp.route("/authorize", methods=["GET", "POST"])
    def authorize():
        try:
            grant = server.get_consent_grant()
        except OAuth2Error as error:
            return page("error", 400, error=error.description or error.error)
        if request.args.get("code_challenge_method") != "S256":
            return page("error", 400, error="PKCE with S256 is required")
        if any(len(request.args.get(name, "")) > most for name, most in LONGEST.items()):
            return page("error", 400, error="A parameter of the request is too long")
        client = grant.client
        personas = [p for p in PERSONAS if p.kind == client.kind]
        shown = {"personas": personas, "kind": client.kind}
        if request.method == "GET":
            return page("authorize", **shown)
        if "persona" in request.form:
            chosen = PERSONAS_BY_KEY.get(request.form["persona"])
            if chosen not in personas:
                abort(400)
            account = Account(chosen.key, chosen.name, chosen.email)
        else:
            name, email, problems = _someone_new(request.form)
            if problems:
                return page("authorize", 422, problems=problems, name=name, email=email, **shown)
            account = store.someone_new(name, email)
        return server.create_authorization_response(grant_user=account, grant=grant)

    @idp.post("/token")
    def token():
        return server.create_token_response()

    @idp.get("/end-session")
    def end_session():
        target = request.args.get("post_logout_redirect_uri", "")
        if target and _origin(target) == _origin(portal_root()):
            return redirect(target)
        return page("signed_out")

    return idp


def _someone_new(form) -> tuple[str, str, dict[str, str]]:
    """The name and email address typed for someone new, and what is wrong with them (by field)."""
    name, email = form.get("name", "").strip(), form.get("email", "").strip()
    problems = {}
    if not name:
        problems["name"] = "Enter a full name"
    elif len(name) > NAME_MAX or not name.isprintable():
        problems["name"] = f"Enter a full name of {NAME_MAX} characters or fewer, without control characters"
    if not email:
        problems["email"] = "Enter an email address"
    elif len(email) > EMAIL_MAX:
        problems["email"] = f"Enter an email address of {EMAIL_MAX} characters or fewer"
    else:
        try:
            validate_email(email, check_deliverability=False, globally_deliverable=False)
        except EmailNotValidError:
            problems["email"] = "Enter an email address in the correct format, like name@example.org"
    return name[:NAME_MAX], email[:EMAIL_MAX], problems


def _first_vector(vtr: str | None) -> str | None:
    """One Login answers a vtr (a JSON list of vectors) with the first in the ID token's vot; none, no vot."""
    try:
        vectors = json.loads(vtr) if vtr else None
    except ValueError:
        return None
    first = vectors[0] if isinstance(vectors, list) and vectors else None
    return first if isinstance(first, str) and len(first) <= 32 else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

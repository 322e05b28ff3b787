"""The development identity provider: a small, real OpenID Connect provider built from Authlib's server classes.

It runs only in development and tests (create_app refuses it in production), is mounted at /dev-idp beside the
portal, and offers the demo personas instead of passwords. The portal signs in through it over HTTP exactly as
it does through any other provider: discovery, authorisation code with PKCE S256, nonce, signed ID tokens.
It keeps its codes in memory (one process), and its signing key under instance/ so restarts keep the JWKS.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, abort, redirect, render_template, request
from joserfc.jwk import RSAKey

from app.demo import PERSONAS, PERSONAS_BY_KEY

CODE_LIFETIME = 120


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str
    kind: str  # which personas this client may sign in: "staff" or "public"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_key: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    vot: str | None = None  # the vector of trust the ID token reports, as One Login does for the vtr asked for
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return ["pwd"]

    def is_expired(self):
        return time.time() > self.auth_time + CODE_LIFETIME


class _Store:
    """Authorisation codes in memory. A code is removed when used, so a replayed code is refused."""

    def __init__(self):
        self.codes: dict[str, Code] = {}
        self.lock = threading.Lock()

    def put(self, item: Code):
        with self.lock:
            self.codes[item.code] = item

    def take(self, code: str) -> Code | None:
        with self.lock:
            return self.codes.get(code)

    def delete(self, code: str):
        with self.lock:
            self.codes.pop(code, None)


def _load_key(path: Path) -> RSAKey:
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"},
                              private=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(key.as_dict(private=True)))
    return key


def create_dev_idp(issuer: str, clients: list[Client], key_path: Path, template_folder: str,
                   static_url: str) -> Flask:
    idp = Flask("resolve_dev_idp", template_folder=template_folder)
    idp.config["SECRET_KEY"] = secrets.token_hex(16)  # unused: the provider keeps no sessions
    key = _load_key(key_path)
    store = _Store()
    by_id = {c.client_id: c for c in clients}

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            data = req.payload.data
            store.put(Code(code=code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                           scope=req.scope, user_key=req.user.key, nonce=data.get("nonce"),
                           code_challenge=data.get("code_challenge"),
                           code_challenge_method=data.get("code_challenge_method"),
                           vot=_first_vector(data.get("vtr"))))

        def query_authorization_code(self, code, client):
            item = store.take(code)
            if item and item.client_id == client.client_id and not item.is_expired():
                return item
            return None

        def delete_authorization_code(self, authorization_code):
            store.delete(authorization_code.code)

        def authenticate_user(self, authorization_code):
            return PERSONAS_BY_KEY.get(authorization_code.user_key)

    class IdToken(OpenIDCode):
        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if authorization_code.vot:
                claims["vot"] = authorization_code.vot
            return claims

        def exists_nonce(self, nonce, req):
            return any(c.nonce == nonce and c.client_id == req.payload.client_id for c in store.codes.values())

        def resolve_client_private_key(self, client):
            return key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_encode_header(self, client):
            return {"alg": "RS256", "kid": key.kid}

        def get_client_claims(self, client):
            now = int(time.time())
            return {"iss": issuer, "aud": [client.get_client_id()], "iat": now, "exp": now + 300}

        def generate_user_info(self, user, scope):
            info = UserInfo(sub=user.key)
            if "profile" in scope:
                info["name"] = user.name
            if "email" in scope:
                info["email"] = user.email
            return info

    server = AuthorizationServer(idp, query_client=by_id.get, save_token=lambda token, req: None)
    server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

    @idp.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self' "
            f"{_origin(issuer)}; frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @idp.get("/.well-known/openid-configuration")
    def discovery():
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/end-session",
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
            return render_template("devidp/error.html", error=error.description or error.error,
                                   static_url=static_url), 400
        if request.args.get("code_challenge_method") != "S256":
            return render_template("devidp/error.html", error="PKCE with S256 is required",
                                   static_url=static_url), 400
        client = grant.client
        personas = [p for p in PERSONAS if p.kind == client.kind]
        if request.method == "POST":
            chosen = PERSONAS_BY_KEY.get(request.form.get("persona", ""))
            if chosen not in personas:
                abort(400)
            return server.create_authorization_response(grant_user=chosen, grant=grant)
        return render_template("devidp/authorize.html", personas=personas, kind=client.kind,
                               static_url=static_url)

    @idp.post("/token")
    def token():
        return server.create_token_response()

    @idp.get("/end-session")
    def end_session():
        target = request.args.get("post_logout_redirect_uri", "")
        allowed = {_origin(c.redirect_uri) for c in clients}
        if target and _origin(target) in allowed:
            return redirect(target)
        return render_template("devidp/signed_out.html", static_url=static_url)

    return idp


def _first_vector(vtr: str | None) -> str | None:
    """One Login answers a vtr (a JSON list of vectors) with the first in the ID token's vot; none, no vot."""
    try:
        vectors = json.loads(vtr) if vtr else None
    except ValueError:
        return None
    return vectors[0] if isinstance(vectors, list) and vectors and isinstance(vectors[0], str) else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

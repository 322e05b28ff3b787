"""A small, standards-following OpenID provider for tests only, whose ID tokens can carry one chosen defect.

It serves several issuers side by side, one per defect: the issuer `{base}/{defect}` publishes discovery and a
JWKS, redirects `/authorize` straight back with a code (no login page: the subject is `login_hint`, or a fresh
unknown one), and answers `/token` the way a real provider does (client_secret_basic, single-use codes, the
redirect URI and the PKCE S256 verifier checked). Only the ID token is wrong, in the way its issuer's name says.
The issuer "valid" issues correct tokens, so the same code path is shown to work when nothing is wrong.

One more issuer, "private-key-jwt", also issues correct tokens but takes only `private_key_jwt` client
authentication (RFC 7523 section 2.2, OIDC Core 9), as GOV.UK One Login does: its token endpoint refuses a client
secret and wants an RS256 client assertion signed by the key the test registered with `register_client_key`.
The provider keeps what it saw (authorisation queries, accepted assertions, refused client authentications) so a
test can check what reached it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "resolve-rogue"
CLIENT_SECRET = "rogue-secret"
DEFECTS = (
    "valid",  # nothing wrong
    "bad-signature",  # signed by another key that claims the published key's kid
    "unknown-key",  # signed by another key with a kid the JWKS does not hold
    "wrong-audience",  # aud names another client
    "wrong-audience-azp",  # aud names another client, azp names ours
    "wrong-issuer",  # iss is not the issuer the metadata names
    "expired",  # exp an hour ago, far beyond any clock-skew leeway
    "no-nonce",  # the nonce claim is left out
    "discovery-issuer",  # the discovery document names another issuer than the one configured
)
PRIVATE_KEY_JWT = "private-key-jwt"  # correct tokens, but the client must authenticate with a signed assertion
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class _Grant:
    issuer: str
    redirect_uri: str
    subject: str
    nonce: str | None
    challenge: str


class RogueOP:
    def __init__(self):
        params = {"use": "sig", "alg": "RS256"}
        self.key = RSAKey.generate_key(2048, parameters={**params, "kid": "rogue-1"}, private=True)
        # Another key pair: once under the published kid (a forged signature), once under a kid of its own.
        self.impostor = RSAKey.generate_key(2048, parameters={**params, "kid": "rogue-1"}, private=True)
        self.stranger = RSAKey.import_key(self.impostor.as_dict(private=True), parameters={"kid": "rogue-2"})
        self.codes: dict[str, _Grant] = {}
        self.lock = threading.Lock()
        self.base = ""
        self.client_key: RSAKey | None = None  # the client's public key, for private_key_jwt
        self.used_jtis: set[str] = set()
        # What reached the provider, per issuer name: authorisation queries, the raw client assertions it
        # accepted, and why it refused a client's authentication at the token endpoint.
        self.authorisations: list[tuple[str, dict[str, str]]] = []
        self.assertions: list[tuple[str, str]] = []
        self.refusals: list[tuple[str, str]] = []
        self.wsgi = self._build()

    def register_client_key(self, public_pem: bytes) -> None:
        """Register the client's public key (PEM), as a relying party does with GOV.UK One Login."""
        key = RSAKey.import_key(public_pem)
        if key.is_private:
            raise ValueError("register the public key only")
        self.client_key = key

    def forget(self) -> None:
        """Clear what the provider has seen, so a test can look at its own requests only."""
        with self.lock:
            self.authorisations.clear()
            self.assertions.clear()
            self.refusals.clear()

    def issuer(self, defect: str) -> str:
        return f"{self.base}/{defect}"

    def id_token(self, defect: str, grant: _Grant, access_token: str) -> str:
        now = int(time.time())
        claims = {"iss": grant.issuer, "sub": grant.subject, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "auth_time": now, "nonce": grant.nonce, "name": "Rogue Test User",
                  "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16])}
        key = self.key
        if defect == "bad-signature":
            key = self.impostor
        elif defect == "unknown-key":
            key = self.stranger
        elif defect == "wrong-audience":
            claims["aud"] = "some-other-client"
        elif defect == "wrong-audience-azp":
            claims["aud"], claims["azp"] = ["some-other-client"], CLIENT_ID
        elif defect == "wrong-issuer":
            claims["iss"] = "https://impostor.example/op"
        elif defect == "expired":
            claims |= {"iat": now - 3900, "auth_time": now - 3900, "exp": now - 3600}
        elif defect == "no-nonce":
            del claims["nonce"]
        elif defect not in ("valid", PRIVATE_KEY_JWT):
            raise ValueError(defect)
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _client_secret_basic(self) -> str | None:
        """Why the client's secret-based authentication is refused, or None if it is accepted."""
        auth = request.authorization
        if auth is None or auth.type != "basic" or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return "client_secret_basic with the client's credentials is required"
        return None

    def _private_key_jwt(self, issuer: str) -> str | None:
        """Why the client's private_key_jwt authentication is refused, or None if it is accepted (RFC 7523 3)."""
        form = request.form
        if request.authorization is not None or "client_secret" in form:
            return "client secrets are not accepted: use private_key_jwt"
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "client_assertion_type must be jwt-bearer"
        if form.get("client_id", CLIENT_ID) != CLIENT_ID:
            return "client_id is not the assertion's client"
        assertion = form.get("client_assertion", "")
        if self.client_key is None:
            return "no client key is registered"
        try:
            token = jwt.decode(assertion, self.client_key, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": CLIENT_ID}, sub={"essential": True, "value": CLIENT_ID},
                aud={"essential": True, "values": [f"{issuer}/token", issuer]},
                exp={"essential": True}, jti={"essential": True},
            ).validate(token.claims)
        except JoseError as exc:
            return f"{type(exc).__name__}: {exc.description}"
        with self.lock:
            if token.claims["jti"] in self.used_jtis:
                return "the assertion's jti has been used before"
            self.used_jtis.add(token.claims["jti"])
            self.assertions.append((PRIVATE_KEY_JWT, assertion))
        return None

    def _build(self) -> Flask:
        op = Flask("rogue_op")

        def known(defect: str) -> str:
            if defect not in DEFECTS and defect != PRIVATE_KEY_JWT:
                abort(404)
            return self.issuer(defect)

        @op.get("/<defect>/.well-known/openid-configuration")
        def discovery(defect):
            issuer = known(defect)
            auth_methods = {"token_endpoint_auth_methods_supported": ["client_secret_basic"]}
            if defect == PRIVATE_KEY_JWT:
                auth_methods = {"token_endpoint_auth_methods_supported": ["private_key_jwt"],
                                "token_endpoint_auth_signing_alg_values_supported": ["RS256"]}
            return {
                "issuer": f"{issuer}-elsewhere" if defect == "discovery-issuer" else issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                **auth_methods,
            }

        @op.get("/<defect>/jwks")
        def jwks(defect):
            known(defect)
            return {"keys": [self.key.as_dict(private=False)]}

        @op.get("/<defect>/authorize")
        def authorize(defect):
            issuer, args = known(defect), request.args
            with self.lock:
                self.authorisations.append((defect, args.to_dict()))
            if (args.get("client_id") != CLIENT_ID or args.get("response_type") != "code"
                    or "openid" not in args.get("scope", "").split() or not args.get("redirect_uri")
                    or args.get("code_challenge_method") != "S256" or not args.get("code_challenge")):
                return "invalid authorisation request", 400
            code = secrets.token_urlsafe(24)
            with self.lock:
                self.codes[code] = _Grant(issuer, args["redirect_uri"],
                                          args.get("login_hint") or f"unknown-{secrets.token_hex(6)}",
                                          args.get("nonce"), args["code_challenge"])
            query = {"code": code, **({"state": args["state"]} if "state" in args else {})}
            return redirect(f"{args['redirect_uri']}?{urlencode(query)}")

        @op.post("/<defect>/token")
        def token(defect):
            issuer, form = known(defect), request.form
            refused = self._private_key_jwt(issuer) if defect == PRIVATE_KEY_JWT else self._client_secret_basic()
            if refused:
                with self.lock:
                    self.refusals.append((defect, refused))
                return jsonify(error="invalid_client", error_description=refused), 401
            with self.lock:
                grant = self.codes.pop(form.get("code", ""), None)  # single use
            verifier = form.get("code_verifier", "")
            if (form.get("grant_type") != "authorization_code" or grant is None or grant.issuer != issuer
                    or form.get("redirect_uri") != grant.redirect_uri
                    or _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge):
                return jsonify(error="invalid_grant"), 400
            access_token = secrets.token_urlsafe(24)
            response = jsonify(access_token=access_token, token_type="Bearer", expires_in=300, scope="openid",
                               id_token=self.id_token(defect, grant, access_token))
            response.headers["Cache-Control"] = "no-store"
            return response

        return op


class Server:
    """Serve a WSGI app on a free 127.0.0.1 port in a daemon thread, until stop()."""

    def __init__(self, wsgi_app):
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_rogue_op() -> tuple[RogueOP, Server]:
    op = RogueOP()
    server = Server(op.wsgi)
    op.base = server.url
    return op, server

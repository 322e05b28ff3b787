"""Sign-in, sign-out and their security rules, over real HTTP with real OpenID providers (no mocks).

The session `app` serves the portal and the development provider on `live_url`. Token-level failures come from
a small rogue provider (tests/auth/rogue_op.py) registered in a second app that shares the database.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import func, select

from app import create_app, demo
from app.audit.models import AuditEvent
from app.auth import pending
from app.auth.models import UserSession
from app.extensions import db
from config.settings import DEV_IDP_ISSUER, OIDCProvider
from tests.auth import rogue_op
from tests.conftest import csrf_from

COOKIE = "resolve_session"
PENDING = "resolve_sign_in"
FAILED = "We could not sign you in"
TIMEOUT = 10


# --- helpers -------------------------------------------------------------------------------------------------


@contextmanager
def _db(app):
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signed_in_rows(app) -> int:
    with _db(app) as s:
        return s.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id.is_not(None)))


def _session_row(app, token: str) -> tuple[int | None, dict] | None:
    with _db(app) as s:
        row = s.get(UserSession, _key(token))
        return (row.user_id, dict(row.data or {})) if row else None


def _audit(app, action: str) -> list[tuple[dict, str | None, int | None]]:
    with _db(app) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()
        return [(dict(r.detail or {}), r.purpose, r.actor_id) for r in rows]


def _query(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert all(len(v) == 1 for v in parsed.values()), parsed
    return {k: v[0] for k, v in parsed.items()}


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _local(url: str) -> str:
    """The path and query of a portal URL, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _cookie(client, name: str = COOKIE) -> str | None:
    found = client.get_cookie(name, domain="127.0.0.1")
    return found.value if found else None


def _pending(app, raw: str | None) -> dict | None:
    """The sign-in in progress that a pending-sign-in cookie value holds (None if it is not a valid one)."""
    with app.test_request_context():
        return pending.decode(raw)


def _all_rows(app) -> int:
    with _db(app) as s:
        return s.scalar(select(func.count()).select_from(UserSession))


def _plant(client, value: str) -> None:
    client.set_cookie(COOKIE, value, domain="127.0.0.1")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _dev_authorise(client, persona: str) -> str:
    """Start a sign-in with the development provider and choose a persona; return the callback (not yet sent)."""
    kind = demo.PERSONAS_BY_KEY[persona].kind
    start = client.get(f"/sign-in/dev-{kind}")
    assert start.status_code == 302, start.status_code
    chosen = client.post(f"/dev-idp{start.headers['Location'].split('/dev-idp', 1)[1]}", data={"persona": persona})
    assert chosen.status_code == 302, chosen.status_code
    return _local(chosen.headers["Location"])


def _assert_signed_out_browser(client) -> None:
    home = client.get("/")
    assert home.status_code == 302
    assert urlsplit(home.headers["Location"]).path == "/sign-in"


def _assert_sign_in_failed(app, client, response, provider: str, reason: str) -> None:
    assert response.status_code == 400
    assert FAILED in response.get_data(as_text=True)
    assert _signed_in_rows(app) == 0
    assert _audit(app, "auth.sign_in_failed") == [({"provider": provider, "reason": reason}, "security", None)]
    assert _audit(app, "auth.sign_in") == []
    _assert_signed_out_browser(client)


# --- a second app with the rogue provider and two unreachable ones --------------------------------------------


@pytest.fixture(scope="module")
def rogue():
    op, server = rogue_op.start_rogue_op()
    yield op
    server.stop()


@pytest.fixture(scope="module")
def silent_port():
    """A port that accepts connections (the kernel completes the handshake) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def rogue_app(app, live_url, rogue, silent_port, closed_port):
    def provider(name, issuer):
        return OIDCProvider(name=name, label=f"Test provider {name}", issuer=issuer, kind="staff",
                            client_id=rogue_op.CLIENT_ID, client_secret=rogue_op.CLIENT_SECRET)

    configured = [provider(f"rogue-{d}", rogue.issuer(d)) for d in rogue_op.DEFECTS]
    configured += [provider("down", f"http://127.0.0.1:{closed_port}/op"),
                   provider("silent", f"http://127.0.0.1:{silent_port}/op")]
    second = create_app("test", {"SERVER_NAME": live_url.split("//")[1],
                                 "OIDC_PROVIDERS": configured})
    assert second.config["SQLALCHEMY_DATABASE_URI"] == app.config["SQLALCHEMY_DATABASE_URI"]
    yield second
    with second.app_context():
        db.engine.dispose()


def _rogue_callback(client, rogue, live_url, defect: str, login_hint: str | None = None, provider: str | None = None):
    """Sign in with the rogue provider's issuer for `defect`: the browser goes there and comes straight back.

    `provider` is the portal's name for the provider, `rogue-{defect}` unless told.
    """
    provider = provider or f"rogue-{defect}"
    start = client.get(f"/sign-in/{provider}")
    assert start.status_code == 302, start.status_code
    authorise = start.headers["Location"]
    assert _without_query(authorise) == f"{rogue.issuer(defect)}/authorize"
    if login_hint:
        authorise += "&" + urlencode({"login_hint": login_hint})
    back = requests.get(authorise, allow_redirects=False, timeout=TIMEOUT)
    assert back.status_code == 302, back.text
    assert _without_query(back.headers["Location"]) == f"{live_url}/auth/callback/{provider}"
    return client.get(_local(back.headers["Location"]))


# --- 1. sign-in end to end over HTTP ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer-north", "offender"])
def test_sign_in_end_to_end_over_http(app, live_url, demo_data, persona):
    who = demo.PERSONAS_BY_KEY[persona]
    provider = f"dev-{who.kind}"
    with requests.Session() as browser:
        start = browser.get(f"{live_url}/sign-in/{provider}", allow_redirects=False, timeout=TIMEOUT)
        assert start.status_code == 302
        authorise = start.headers["Location"]
        assert _without_query(authorise) == f"{live_url}/dev-idp/authorize"
        query = _query(authorise)
        assert query["response_type"] == "code"
        assert query["client_id"] == f"resolve-{who.kind}"
        assert query["redirect_uri"] == f"{live_url}/auth/callback/{provider}"
        assert "openid" in query["scope"].split()
        assert query["code_challenge_method"] == "S256"
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"])
        assert len(query["state"]) >= 20
        assert len(query["nonce"]) >= 20
        assert query["nonce"] != query["state"]

        # The portal keeps the verifier, state and nonce in a signed cookie, and no session row for a visitor
        # who has not signed in; the challenge is the verifier's S256.
        assert browser.cookies.get(COOKIE) is None
        assert _all_rows(app) == 0
        held = _pending(app, browser.cookies.get(PENDING))
        assert (held["provider"], held["state"]) == (provider, query["state"])
        kept = held["data"]
        assert kept["nonce"] == query["nonce"]
        assert _s256(kept["code_verifier"]) == query["code_challenge"]
        assert kept["code_verifier"] not in authorise

        page = browser.get(authorise, timeout=TIMEOUT)
        assert page.status_code == 200
        assert who.name in page.text

        chosen = browser.post(authorise, data={"persona": persona}, allow_redirects=False, timeout=TIMEOUT)
        assert chosen.status_code == 302
        callback = chosen.headers["Location"]
        assert _without_query(callback) == query["redirect_uri"]
        assert _query(callback)["state"] == query["state"]
        assert _query(callback)["code"]

        landed = browser.get(callback, allow_redirects=False, timeout=TIMEOUT)
        assert landed.status_code == 303
        assert urljoin(callback, landed.headers["Location"]) == f"{live_url}/"

        home = browser.get(f"{live_url}/", allow_redirects=False, timeout=TIMEOUT)
        assert home.status_code == 200
        assert f"Signed in as <strong>{who.name}</strong>" in home.text
        signed_in = browser.cookies.get(COOKIE)
        assert browser.cookies.get(PENDING) is None  # used once, then deleted

    assert _all_rows(app) == 1
    assert _session_row(app, signed_in)[0] == demo_data[persona]
    assert [actor for _, _, actor in _audit(app, "auth.sign_in")] == [demo_data[persona]]


# --- 2. failed sign-ins ----------------------------------------------------------------------------------------


def test_state_mismatch_is_refused(app, client, demo_data):
    callback = _dev_authorise(client, "officer-north")
    query = _query(callback)
    assert query["code"] and query["state"]
    forged = f"{urlsplit(callback).path}?{urlencode({'code': query['code'], 'state': 'not-the-state-we-sent'})}"
    response = client.get(forged)
    _assert_sign_in_failed(app, client, response, "dev-staff", "state_mismatch")


def test_replayed_code_is_refused(app, client, demo_data):
    first = _dev_authorise(client, "officer-north")
    assert client.get(first).status_code == 303  # the code is used once, successfully

    fresh = app.test_client()
    start = fresh.get("/sign-in/dev-staff")
    assert start.status_code == 302
    new_state = _query(start.headers["Location"])["state"]
    replay = f"{urlsplit(first).path}?{urlencode({'code': _query(first)['code'], 'state': new_state})}"
    response = fresh.get(replay)

    assert response.status_code == 400
    assert FAILED in response.get_data(as_text=True)
    _assert_signed_out_browser(fresh)
    assert _signed_in_rows(app) == 1  # only the first, genuine sign-in
    assert _audit(app, "auth.sign_in_failed") == [
        ({"provider": "dev-staff", "reason": "provider_error:invalid_grant"}, "security", None)]
    assert len(_audit(app, "auth.sign_in")) == 1


def test_dev_provider_refuses_a_used_code_even_with_the_right_verifier(app, client, live_url, demo_data):
    """The portal-level replay above cannot tell a deleted code from a PKCE mismatch; this replays exactly."""
    callback = _dev_authorise(client, "officer-north")
    query = _query(callback)
    verifier = _pending(app, _cookie(client, PENDING))["data"]["code_verifier"]
    assert client.get(callback).status_code == 303
    replay = requests.post(f"{live_url}/dev-idp/token", auth=("resolve-staff", "dev-staff-secret"), timeout=TIMEOUT,
                           data={"grant_type": "authorization_code", "code": query["code"], "code_verifier": verifier,
                                 "redirect_uri": f"{live_url}/auth/callback/dev-staff"})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("defect", "reason"), [
    ("bad-signature", "BadSignatureError"),
    ("unknown-key", "InvalidKeyIdError"),
    ("wrong-audience", "InvalidClaimError:aud"),
    ("wrong-audience-azp", "InvalidClaimError:aud"),
    ("wrong-issuer", "InvalidClaimError:iss"),
    ("expired", "ExpiredTokenError:exp"),
    ("no-nonce", "MissingClaimError:nonce"),
])
def test_defective_id_token_is_refused(app, rogue_app, rogue, live_url, defect, reason):
    client = rogue_app.test_client()
    response = _rogue_callback(client, rogue, live_url, defect)
    _assert_sign_in_failed(app, client, response, f"rogue-{defect}", reason)


def test_discovery_naming_another_issuer_is_refused_before_redirecting(app, rogue_app):
    """OIDC Discovery 4.3: the issuer in the discovery document must be the configured one."""
    client = rogue_app.test_client()
    response = client.get("/sign-in/rogue-discovery-issuer")
    _assert_sign_in_failed(app, client, response, "rogue-discovery-issuer", "discovery_issuer_mismatch")


def test_rogue_provider_valid_token_signs_in_a_known_user(app, rogue_app, rogue, live_url):
    """The control for the defects above: the same provider, with nothing wrong, signs a member of staff in."""
    with _db(app) as s:
        users = demo.seed(rogue.issuer("valid"))
        s.commit()
        officer = users["officer-north"].id
    client = rogue_app.test_client()
    response = _rogue_callback(client, rogue, live_url, "valid", login_hint="officer-north")
    assert response.status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    # The display name follows the provider's `name` claim; the organisation comes from the membership.
    assert "Signed in as <strong>Rogue Test User</strong>, Northshire Police" in html
    assert _session_row(app, _cookie(client))[0] == officer
    assert _audit(app, "auth.sign_in_failed") == []


# --- 3. unreachable provider -----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["down", "silent"])
def test_unreachable_provider_gives_a_friendly_503(app, rogue_app, provider):
    client = rogue_app.test_client()
    began = time.monotonic()
    response = client.get(f"/sign-in/{provider}")
    elapsed = time.monotonic() - began
    assert response.status_code == 503
    assert "Sign-in is not available" in response.get_data(as_text=True)
    assert elapsed < 10, elapsed
    assert _cookie(client) is None
    with _db(app) as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0
    _assert_signed_out_browser(client)


# --- 4. session fixation ---------------------------------------------------------------------------------------


def test_session_cookie_changes_at_sign_in(app, client, demo_data):
    callback = _dev_authorise(client, "officer-north")
    assert _cookie(client) is None, "starting a sign-in keeps its state in the pending cookie, not a session"
    assert _cookie(client, PENDING)
    assert client.get(callback).status_code == 303
    after = _cookie(client)
    assert after
    assert _session_row(app, after)[0] == demo_data["officer-north"]
    assert _all_rows(app) == 1


def test_attacker_chosen_cookie_value_is_never_adopted(app, client, demo_data):
    planted = "attacker-chosen-value-0123456789"
    _plant(client, planted)
    callback = _dev_authorise(client, "officer-north")
    assert _session_row(app, planted) is None  # an unknown value is ignored, not turned into a session
    assert client.get(callback).status_code == 303
    assert _cookie(client) != planted
    assert client.get("/").status_code == 200

    attacker = app.test_client()
    _plant(attacker, planted)
    _assert_signed_out_browser(attacker)
    assert _session_row(app, planted) is None


def test_genuine_anonymous_session_planted_by_an_attacker_is_not_adopted(app, client, rogue_app, rogue, live_url,
                                                                         demo_data):
    # The one session a visitor gets without signing in: the refused one, kept so that they can sign out.
    attacker = rogue_app.test_client()
    assert _rogue_callback(attacker, rogue, live_url, "valid").status_code == 403
    planted = _cookie(attacker)
    assert planted and _session_row(app, planted)[0] is None

    _plant(client, planted)
    callback = _dev_authorise(client, "officer-north")
    assert _cookie(client) == planted  # the victim's sign-in really ran in the attacker's session
    assert client.get(callback).status_code == 303
    assert _cookie(client) != planted
    assert client.get("/").status_code == 200

    assert _session_row(app, planted) is None
    assert _signed_in_rows(app) == 1


# --- 5 and 6. sign-out and CSRF --------------------------------------------------------------------------------


def _csrf(client) -> str:
    home = client.get("/")
    assert home.status_code == 200
    return csrf_from(home.get_data(as_text=True))


def _assert_goes_through_end_session(live_url, response, persona: str) -> None:
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{live_url}/dev-idp/end-session?")
    query = _query(location)
    assert query["post_logout_redirect_uri"] == f"{live_url}/signed-out"
    assert query["client_id"] == "resolve-staff"
    # The hint is the ID token this user signed in with: signed by the provider, for this client, about them.
    keys = KeySet.import_key_set(requests.get(f"{live_url}/dev-idp/jwks", timeout=TIMEOUT).json())
    claims = jwt.decode(query["id_token_hint"], keys).claims
    assert claims["iss"] == DEV_IDP_ISSUER
    assert claims["sub"] == persona
    assert "resolve-staff" in claims["aud"]


def test_sign_out_ends_the_session_through_the_provider(app, live_url, login_as, demo_data):
    client = login_as("officer-north")
    token = _cookie(client)
    assert _session_row(app, token)[0] == demo_data["officer-north"]

    response = client.post("/sign-out", data={"csrf_token": _csrf(client)})
    location = response.headers["Location"]
    _assert_goes_through_end_session(live_url, response, "officer-north")
    assert _cookie(client) is None

    back = client.get(f"/dev-idp{_local(location).split('/dev-idp', 1)[1]}")
    assert back.status_code == 302
    assert back.headers["Location"] == f"{live_url}/signed-out"
    done = client.get(_local(back.headers["Location"]))
    assert done.status_code == 200
    assert "You have signed out" in done.get_data(as_text=True)

    assert _session_row(app, token) is None
    stolen = app.test_client()
    _plant(stolen, token)
    _assert_signed_out_browser(stolen)
    assert [actor for _, _, actor in _audit(app, "auth.sign_out")] == [demo_data["officer-north"]]


def test_sign_out_without_csrf_token_is_refused(app, live_url, login_as, demo_data):
    client = login_as("officer-north")
    token = _csrf(client)

    for refused in (client.post("/sign-out"), client.post("/sign-out", headers={"X-CSRFToken": "forged"})):
        assert refused.status_code == 400
    home = client.get("/")
    assert home.status_code == 200
    assert "Signed in as <strong>PC Amy Clarke</strong>" in home.get_data(as_text=True)
    assert _session_row(app, _cookie(client))[0] == demo_data["officer-north"]
    assert _audit(app, "auth.sign_out") == []

    response = client.post("/sign-out", headers={"X-CSRFToken": token})  # as htmx sends it
    _assert_goes_through_end_session(live_url, response, "officer-north")
    _assert_signed_out_browser(client)
    assert _signed_in_rows(app) == 0
    assert len(_audit(app, "auth.sign_out")) == 1


# --- 7. a genuine identity with no place in Resolve -------------------------------------------------------------


def test_genuine_identity_without_access_is_refused(app, rogue_app, rogue, live_url):
    client = rogue_app.test_client()
    response = _rogue_callback(client, rogue, live_url, "valid")  # a fresh, unknown subject
    assert response.status_code == 403
    assert "Your account cannot use Resolve yet" in response.get_data(as_text=True)
    assert _signed_in_rows(app) == 0
    _assert_signed_out_browser(client)
    refused = _audit(app, "auth.sign_in_refused")
    assert [detail for detail, _, _ in refused] == [{"provider": "rogue-valid", "reason": "no_access"}]
    assert _audit(app, "auth.sign_in") == []
    assert _audit(app, "auth.sign_in_failed") == []


# --- 8. unknown provider ---------------------------------------------------------------------------------------


def test_unknown_provider_is_not_found(app, client):
    assert client.get("/sign-in/unknown-provider").status_code == 404
    assert client.get("/auth/callback/unknown-provider?code=x&state=y").status_code == 404


# --- 9. private_key_jwt client authentication and extra authorisation parameters (GOV.UK One Login) -------------

ONE_LOGIN_PARAMS = {"vtr": '["Cl.Cm"]', "ui_locales": "en"}


def _write_rsa_key(path: Path) -> bytes:
    """Write a new RSA private key to `path` as PEM; return its public key as PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def client_public_key(rogue, tmp_path):
    """A client key pair in tmp_path (registered.pem, registered with the rogue provider) and another (other.pem)."""
    public = _write_rsa_key(tmp_path / "registered.pem")
    _write_rsa_key(tmp_path / "other.pem")
    rogue.register_client_key(public)
    rogue.forget()
    yield public
    rogue.client_key = None


@pytest.fixture
def key_jwt_app(app, live_url, rogue, tmp_path, client_public_key):
    """An app whose providers all use the rogue issuer that takes only private_key_jwt, with One Login's params."""
    def provider(name, **credentials):
        return OIDCProvider(name=name, label=f"Test provider {name}", issuer=rogue.issuer(rogue_op.PRIVATE_KEY_JWT),
                            kind="staff", client_id=rogue_op.CLIENT_ID, auth_params=ONE_LOGIN_PARAMS, **credentials)

    configured = [provider("key-jwt", private_key_file=str(tmp_path / "registered.pem"), client_secret=None),
                  provider("key-jwt-other-key", private_key_file=str(tmp_path / "other.pem"), client_secret=None),
                  provider("key-jwt-secret", client_secret=rogue_op.CLIENT_SECRET)]
    second = create_app("test", {"SERVER_NAME": live_url.split("//")[1],
                                 "OIDC_PROVIDERS": configured})
    assert second.config["SQLALCHEMY_DATABASE_URI"] == app.config["SQLALCHEMY_DATABASE_URI"]
    yield second
    with second.app_context():
        db.engine.dispose()


def _seed_for_key_jwt_issuer(app, rogue) -> int:
    with _db(app) as s:
        users = demo.seed(rogue.issuer(rogue_op.PRIVATE_KEY_JWT))
        s.commit()
        return users["officer-north"].id


def test_discovery_of_the_key_jwt_issuer_offers_only_private_key_jwt(rogue):
    issuer = rogue.issuer(rogue_op.PRIVATE_KEY_JWT)
    metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    assert metadata["issuer"] == issuer
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]


def test_private_key_jwt_client_signs_in_and_sends_auth_params(app, key_jwt_app, rogue, live_url, client_public_key):
    officer = _seed_for_key_jwt_issuer(app, rogue)
    client = key_jwt_app.test_client()
    response = _rogue_callback(client, rogue, live_url, rogue_op.PRIVATE_KEY_JWT, login_hint="officer-north",
                               provider="key-jwt")
    assert response.status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    assert "Signed in as <strong>Rogue Test User</strong>, Northshire Police" in home.get_data(as_text=True)
    assert _session_row(app, _cookie(client))[0] == officer
    assert [actor for _, _, actor in _audit(app, "auth.sign_in")] == [officer]
    assert _audit(app, "auth.sign_in_failed") == []

    # The authorisation request that reached the provider carried the configured extra parameters.
    [(issuer_name, query)] = rogue.authorisations
    assert issuer_name == rogue_op.PRIVATE_KEY_JWT
    assert {k: query.get(k) for k in ONE_LOGIN_PARAMS} == ONE_LOGIN_PARAMS
    assert query["client_id"] == rogue_op.CLIENT_ID

    # The token request authenticated with one client assertion, signed by the registered key (checked here
    # again, independently of the provider), for this client and the token endpoint, unexpired, with a jti.
    assert rogue.refusals == []
    [(issuer_name, assertion)] = rogue.assertions
    assert issuer_name == rogue_op.PRIVATE_KEY_JWT
    token = jwt.decode(assertion, RSAKey.import_key(client_public_key), algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    claims = token.claims
    assert claims["iss"] == claims["sub"] == rogue_op.CLIENT_ID
    assert claims["aud"] == f"{rogue.issuer(rogue_op.PRIVATE_KEY_JWT)}/token"
    assert claims["exp"] > time.time()
    assert claims["jti"]


def test_private_key_jwt_signed_by_another_key_fails_sign_in(app, key_jwt_app, rogue, live_url):
    _seed_for_key_jwt_issuer(app, rogue)  # a known user, so only the client authentication can fail
    client = key_jwt_app.test_client()
    response = _rogue_callback(client, rogue, live_url, rogue_op.PRIVATE_KEY_JWT, login_hint="officer-north",
                               provider="key-jwt-other-key")
    _assert_sign_in_failed(app, client, response, "key-jwt-other-key", "provider_error:invalid_client")
    assert "invalid_client" not in response.get_data(as_text=True)  # the plain failure page, no detail
    assert rogue.assertions == []
    assert [(name, why.split(":")[0]) for name, why in rogue.refusals] == [
        (rogue_op.PRIVATE_KEY_JWT, "BadSignatureError")]


def test_client_secret_is_refused_by_a_private_key_jwt_provider(app, key_jwt_app, rogue, live_url):
    _seed_for_key_jwt_issuer(app, rogue)
    client = key_jwt_app.test_client()
    response = _rogue_callback(client, rogue, live_url, rogue_op.PRIVATE_KEY_JWT, login_hint="officer-north",
                               provider="key-jwt-secret")
    _assert_sign_in_failed(app, client, response, "key-jwt-secret", "provider_error:invalid_client")
    assert rogue.assertions == []
    assert rogue.refusals == [(rogue_op.PRIVATE_KEY_JWT, "client secrets are not accepted: use private_key_jwt")]


def _assertion(key: RSAKey, issuer: str, **changes) -> str:
    now = int(time.time())
    claims = {"iss": rogue_op.CLIENT_ID, "sub": rogue_op.CLIENT_ID, "aud": f"{issuer}/token", "iat": now,
              "exp": now + 60, "jti": f"jti-{time.monotonic_ns()}"} | changes
    return jwt.encode({"alg": "RS256"}, {k: v for k, v in claims.items() if v is not None}, key)


@pytest.mark.parametrize(("changes", "accepted"), [
    ({}, True),  # the control: the client is authenticated, and only the (made-up) code is refused
    ({"sub": "someone-else"}, False),
    ({"iss": "someone-else"}, False),
    ({"aud": "https://elsewhere.example/token"}, False),
    ({"exp": int(time.time()) - 60}, False),
    ({"jti": None}, False),
])
def test_key_jwt_token_endpoint_checks_the_client_assertion(rogue, tmp_path, client_public_key, changes, accepted):
    """The rogue provider's own checks, so the sign-in tests above cannot pass against a lax provider."""
    issuer = rogue.issuer(rogue_op.PRIVATE_KEY_JWT)
    key = RSAKey.import_key((tmp_path / "registered.pem").read_bytes())
    response = requests.post(f"{issuer}/token", timeout=TIMEOUT, data={
        "grant_type": "authorization_code", "code": "made-up", "redirect_uri": "http://127.0.0.1/cb",
        "code_verifier": "x" * 43, "client_assertion_type": rogue_op.ASSERTION_TYPE,
        "client_assertion": _assertion(key, issuer, **changes)})
    if accepted:
        assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
    else:
        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_key_jwt_token_endpoint_refuses_a_replayed_assertion(rogue, tmp_path, client_public_key):
    issuer = rogue.issuer(rogue_op.PRIVATE_KEY_JWT)
    assertion = _assertion(RSAKey.import_key((tmp_path / "registered.pem").read_bytes()), issuer)
    data = {"grant_type": "authorization_code", "code": "made-up", "client_assertion_type": rogue_op.ASSERTION_TYPE,
            "client_assertion": assertion}
    first = requests.post(f"{issuer}/token", data=data, timeout=TIMEOUT)
    again = requests.post(f"{issuer}/token", data=data, timeout=TIMEOUT)
    assert (first.status_code, again.status_code) == (400, 401)
    assert rogue.refusals == [(rogue_op.PRIVATE_KEY_JWT, "the assertion's jti has been used before")]

"""The level of confidence (One Login's `vot`), no session rows for anonymous visitors, the sign-in rate limit,
no token in the access log, and a way out for a user Resolve refuses. Real OIDC round trips, no mocks."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from app import clock, create_app, demo
from app.auth import vot
from app.auth.models import User, UserSession
from app.extensions import db
from tests.auth.test_sign_in import (
    FAILED,
    PENDING,
    TIMEOUT,
    _all_rows,
    _assert_sign_in_failed,
    _audit,
    _cookie,
    _db,
    _local,
    _query,
    _session_row,
    _signed_in_rows,
)
from tests.conftest import csrf_from, sign_in


def _authorise(client, persona: str, **query_changes) -> str:
    """Start a sign-in, change the authorisation request as a user can in the address bar (None removes a
    parameter), choose the persona at the development provider; return the callback path (not yet sent)."""
    kind = demo.PERSONAS_BY_KEY[persona].kind
    start = client.get(f"/sign-in/dev-{kind}")
    assert start.status_code == 302, start.status_code
    query = _query(start.headers["Location"]) | query_changes
    query = {k: v for k, v in query.items() if v is not None}
    chosen = client.post(f"/dev-idp/authorize?{urlencode(query)}", data={"persona": persona})
    assert chosen.status_code == 302, chosen.get_data(as_text=True)
    return _local(chosen.headers["Location"])


# --- finding 2: the level of confidence -------------------------------------------------------------------------


def test_the_public_provider_asks_for_and_requires_medium_confidence(app):
    [public] = [p for p in app.config["OIDC_PROVIDERS"] if p.name == "dev-public"]
    assert public.auth_params["vtr"] == '["Cl.Cm"]' and public.required_vot == "Cl.Cm"
    start = app.test_client().get("/sign-in/dev-public")
    assert _query(start.headers["Location"])["vtr"] == '["Cl.Cm"]'


@pytest.mark.parametrize(("vtr", "reason"), [
    ('["Cl"]', "vot_too_low"),  # downgraded in the browser's URL: password only
    (None, "vot_missing"),  # no vtr asked, so the token carries no vot
    ('["P2.Cl"]', "vot_too_low"),  # identity confidence does not make up for the credential level
    ('["Cm"]', "vot_unknown"),
])
def test_a_token_below_the_required_level_is_refused(app, client, demo_data, vtr, reason):
    callback = _authorise(client, "offender", vtr=vtr)
    response = client.get(callback)
    _assert_sign_in_failed(app, client, response, "dev-public", reason)
    assert _cookie(client, PENDING) is None


@pytest.mark.parametrize("vtr", ['["Cl.Cm"]', '["P2.Cl.Cm"]'])
def test_a_token_at_the_required_level_signs_in(app, client, demo_data, vtr):
    """The boundary: exactly Cl.Cm is enough; an identity component beside it changes nothing."""
    response = client.get(_authorise(client, "offender", vtr=vtr))
    assert response.status_code == 303
    assert _session_row(app, _cookie(client))[0] == demo_data["offender"]
    assert _audit(app, "auth.sign_in_failed") == []


def test_a_provider_without_a_required_level_takes_tokens_without_vot(app, client, demo_data):
    response = client.get(_authorise(client, "officer-north"))  # dev-staff asks for no vtr and requires none
    assert response.status_code == 303


@pytest.mark.parametrize(("required", "achieved", "short"), [
    ("Cl.Cm", "Cl.Cm", None),
    ("Cl.Cm", "Cm.Cl", None),
    ("Cl.Cm", "P2.Cl.Cm", None),
    ("Cl", "Cl.Cm", None),
    ("Cl.Cm", "Cl", "vot_too_low"),
    ("Cl.Cm", "P2.Cl", "vot_too_low"),
    ("P2.Cl.Cm", "Cl.Cm", "vot_too_low"),
    ("P2.Cl.Cm", "P1.Cl.Cm", "vot_too_low"),
    ("P1.Cl.Cm", "P2.Cl.Cm", None),
    ("Cl.Cm", None, "vot_missing"),
    ("Cl.Cm", "", "vot_missing"),
    ("Cl.Cm", ["Cl.Cm"], "vot_missing"),
    ("Cl.Cm", "Cl.Cm.Ch", "vot_unknown"),
    ("Cl.Cm", "cl.cm", "vot_unknown"),
    ("Cl.Cm", "P2.P3.Cl.Cm", "vot_unknown"),
])
def test_vectors_are_compared_per_component(required, achieved, short):
    assert vot.shortfall(required, achieved) == short


# --- finding 8: no session row per anonymous visitor; sign-in starts rate-limited --------------------------------


def test_cookieless_sign_in_starts_create_no_session_rows(app, demo_data):
    responses = [app.test_client().get(f"/sign-in/dev-{'staff' if i % 2 else 'public'}") for i in range(30)]
    assert [r.status_code for r in responses] == [302] * 30
    assert _all_rows(app) == 0
    for response in responses:
        [cookie] = response.headers.getlist("Set-Cookie")
        parts = {p.strip().split("=")[0] for p in cookie.split(";")}
        assert cookie.startswith(f"{PENDING}=") and {"HttpOnly", "Path", "SameSite", "Max-Age"} <= parts
        assert "Max-Age=600" in cookie


def test_a_pending_sign_in_expires(app, client, demo_data):
    callback = _authorise(client, "officer-north")
    with clock.frozen(clock.now() + timedelta(seconds=app.config["SIGN_IN_PENDING_SECONDS"] + 1)):
        response = client.get(callback)
    _assert_sign_in_failed(app, client, response, "dev-staff", "state_mismatch")


def test_a_tampered_pending_cookie_is_refused(app, client, demo_data):
    callback = _authorise(client, "officer-north")
    payload, stamp, signature = _cookie(client, PENDING).rsplit(".", 2)
    client.set_cookie(PENDING, f"{payload}.{stamp}.{signature[::-1]}", domain="127.0.0.1")
    _assert_sign_in_failed(app, client, client.get(callback), "dev-staff", "state_mismatch")


def test_a_pending_sign_in_cannot_be_used_twice(app, client, demo_data):
    callback = _authorise(client, "officer-north")
    kept = _cookie(client, PENDING)
    assert client.get(callback).status_code == 303
    other = app.test_client()
    other.set_cookie(PENDING, kept, domain="127.0.0.1")  # a copy of the used cookie: the code is spent
    response = other.get(callback)
    assert response.status_code == 400 and FAILED in response.get_data(as_text=True)
    assert _signed_in_rows(app) == 1


@pytest.fixture
def limited_app(app, live_url):
    second = create_app("test", {"SERVER_NAME": live_url.split("//")[1],
                                 "SIGN_IN_RATE_LIMIT": 3, "SIGN_IN_RATE_WINDOW_SECONDS": 60})
    yield second
    with second.app_context():
        db.engine.dispose()


def test_sign_in_starts_are_rate_limited_per_address(app, limited_app, demo_data):
    start = clock.now().replace(second=0, microsecond=0)
    with clock.frozen(start + timedelta(seconds=5)):
        for _ in range(3):
            assert limited_app.test_client().get("/sign-in/dev-staff").status_code == 302
        refused = limited_app.test_client().get("/sign-in/dev-public")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        html = refused.get_data(as_text=True)
        assert "Too many attempts to sign in" in html and 'href="/sign-in"' in html
        assert "Set-Cookie" not in refused.headers
        other = limited_app.test_client().get("/sign-in/dev-staff", environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert other.status_code == 302  # another address has its own count
    with clock.frozen(start + timedelta(seconds=65)):  # the next window
        assert limited_app.test_client().get("/sign-in/dev-staff").status_code == 302
    assert _all_rows(app) == 0


# --- finding 10: no token in the access log; a way out for a refused user ----------------------------------------


def test_sign_out_writes_no_token_to_the_access_log(app, live_url, demo_data, caplog):
    caplog.set_level(logging.INFO)
    with requests.Session() as browser:
        start = browser.get(f"{live_url}/sign-in/dev-staff", allow_redirects=False, timeout=TIMEOUT)
        chosen = browser.post(start.headers["Location"], data={"persona": "officer-north"}, allow_redirects=False,
                              timeout=TIMEOUT)
        home = browser.get(chosen.headers["Location"], timeout=TIMEOUT)
        assert "Signed in as" in home.text
        out = browser.post(f"{live_url}/sign-out", data={"csrf_token": csrf_from(home.text)}, allow_redirects=False,
                           timeout=TIMEOUT)
        token = _query(out.headers["Location"])["id_token_hint"]
        done = browser.get(out.headers["Location"], timeout=TIMEOUT)
        assert "You have signed out" in done.text
    lines = [record.getMessage() for record in caplog.records]
    [end_session] = [line for line in lines if "/dev-idp/end-session" in line]
    assert "id_token_hint=[redacted]" in end_session
    person = demo.PERSONAS_BY_KEY["officer-north"]
    for line in lines:
        assert token not in line and token.split(".")[1] not in line
        assert person.email not in line


def _disable(app, persona: str) -> None:
    with _db(app) as s:
        user = s.scalars(select(User).where(User.subject == persona)).one()
        user.active = False
        s.commit()


def test_a_refused_user_can_sign_out_and_sign_in_again(app, live_url, client, demo_data):
    _disable(app, "officer-south")
    refused = client.get(_authorise(client, "officer-south"))
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "Your account cannot use Resolve yet" in html
    assert _signed_in_rows(app) == 0
    with _db(app) as s:  # the session kept for signing out lasts no longer than the idle limit
        [row] = s.scalars(select(UserSession)).all()
        assert row.user_id is None
        assert row.expires_at - row.created_at == timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])

    response = client.post("/sign-out", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{live_url}/dev-idp/end-session?")
    # The provider is told whose session to end: the identity Resolve refused.
    keys = KeySet.import_key_set(requests.get(f"{live_url}/dev-idp/jwks", timeout=TIMEOUT).json())
    assert jwt.decode(_query(location)["id_token_hint"], keys).claims["sub"] == "officer-south"
    back = client.get(f"/dev-idp{_local(location).split('/dev-idp', 1)[1]}")
    assert back.headers["Location"] == f"{live_url}/signed-out"
    assert _cookie(client) is None
    with _db(app) as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0

    home = sign_in(client, "officer-north")  # the same browser, another account: not a dead end
    assert home.status_code == 200
    assert "Signed in as <strong>PC Amy Clarke</strong>" in home.get_data(as_text=True)


"""The development identity provider's own rules: codes in the database (single use, expiring, shared by every
web process), any port, and someone new. Real sign-ins throughout; gunicorn and `flask run` as real processes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app import clock, create_app, demo
from app.auth.devidp_store import CODE_LIFETIME
from app.auth.models import DevIdpCode, DevIdpIdentity, User
from app.extensions import db
from app.organisations.models import Membership, Organisation, Role
from tests.auth.test_sign_in import PENDING, _audit, _db, _local, _pending, _query
from tests.conftest import csrf_from

T0 = datetime(2031, 3, 30, 0, 59, 30, tzinfo=UTC)  # a fixed instant (the night the clocks go forward)
BASIC = {"Authorization": "Basic " + base64.b64encode(b"resolve-staff:dev-staff-secret").decode()}


def _authorise(client, persona: str | None = "officer-north", provider: str = "dev-staff", **someone_new):
    """Start a sign-in and answer the provider's page (a persona or the someone-new form); return the response."""
    start = client.get(f"/sign-in/{provider}")
    assert start.status_code == 302, start.status_code
    path = "/dev-idp" + start.headers["Location"].split("/dev-idp", 1)[1]
    return client.post(path, data=someone_new or {"persona": persona})


def _code(client, persona: str = "officer-north") -> dict:
    """A fresh code, with what redeeming it needs: the verifier (from the portal's pending cookie) and redirect URI."""
    chosen = _authorise(client, persona)
    assert chosen.status_code == 302, chosen.status_code
    callback = chosen.headers["Location"]
    verifier = _pending(client.application, client.get_cookie(PENDING, domain="127.0.0.1").value)["data"][
        "code_verifier"]
    return {"grant_type": "authorization_code", "code": _query(callback)["code"], "code_verifier": verifier,
            "redirect_uri": callback.split("?", 1)[0], "callback": _local(callback)}


def _redeem(client, code: dict):
    data = {k: v for k, v in code.items() if k != "callback"}
    return client.post("/dev-idp/token", data=data, headers=BASIC)


def _codes(app) -> list[DevIdpCode]:
    with _db(app) as s:
        return list(s.scalars(select(DevIdpCode)))


@pytest.fixture
def second_app(app, live_url):
    """Another instance of the portal over the same database: the stand-in for another gunicorn worker."""
    other = create_app("test", {"SERVER_NAME": live_url.split("//")[1]})
    assert other.config["SQLALCHEMY_DATABASE_URI"] == app.config["SQLALCHEMY_DATABASE_URI"]
    assert other.extensions["dev_idp"] is not app.extensions["dev_idp"]
    yield other
    with other.app_context():
        db.engine.dispose()


# --- codes -----------------------------------------------------------------------------------------------------


def test_a_code_is_stored_hashed_and_redeemed_once(app, client, demo_data):
    code = _code(client)
    [row] = _codes(app)
    assert row.code_hash != code["code"] and code["code"] not in row.code_hash  # only its SHA-256
    assert (row.subject, row.client_id, row.used_at) == ("officer-north", "resolve-staff", None)

    first = _redeem(client, code)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["id_token"]
    again = _redeem(client, code)
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")
    [row] = _codes(app)
    assert row.used_at is not None  # kept until it expires, so its nonce stays known


def test_a_code_expires(app, client, demo_data):
    with clock.frozen(T0):
        late, in_time = _code(client), _code(client)
    with clock.frozen(T0 + timedelta(seconds=CODE_LIFETIME - 1)):
        assert _redeem(client, in_time).status_code == 200
    with clock.frozen(T0 + timedelta(seconds=CODE_LIFETIME)):
        refused = _redeem(client, late)
    assert (refused.status_code, refused.get_json()["error"]) == (400, "invalid_grant")


def test_expired_codes_are_purged_when_a_new_one_is_written(app, client, demo_data):
    with clock.frozen(T0):
        _code(client)
    with clock.frozen(T0 + timedelta(seconds=CODE_LIFETIME - 1)):
        _code(client)
    assert len(_codes(app)) == 2
    with clock.frozen(T0 + timedelta(seconds=CODE_LIFETIME)):
        _code(client)
    assert [row.created_at for row in _codes(app)] == [T0 + timedelta(seconds=CODE_LIFETIME - 1),
                                                       T0 + timedelta(seconds=CODE_LIFETIME)]


def test_a_code_written_by_one_instance_signs_in_through_another(app, second_app, client, demo_data):
    callback = _code(client)["callback"]  # the browser's visit to the provider went to the first instance
    other = second_app.test_client()
    other.set_cookie(PENDING, client.get_cookie(PENDING, domain="127.0.0.1").value, domain="127.0.0.1")
    landed = other.get(callback)  # the callback (and so the token request, in process) to the second
    assert landed.status_code == 303
    home = other.get("/")
    assert "Signed in as <strong>PC Amy Clarke</strong>" in home.get_data(as_text=True)
    assert [actor for _, _, actor in _audit(app, "auth.sign_in")] == [demo_data["officer-north"]]


def test_a_code_redeemed_by_one_instance_is_refused_by_another(app, second_app, client, demo_data):
    code = _code(client)
    assert _redeem(second_app.test_client(), code).status_code == 200
    replay = _redeem(client, code)
    assert (replay.status_code, replay.get_json()["error"]) == (400, "invalid_grant")


def test_a_nonce_used_at_one_instance_is_refused_at_another(app, second_app, client, demo_data):
    start = client.get("/sign-in/dev-staff")
    path = "/dev-idp" + start.headers["Location"].split("/dev-idp", 1)[1]
    assert client.post(path, data={"persona": "officer-north"}).status_code == 302
    replay = second_app.test_client().post(path, data={"persona": "officer-north"})
    assert replay.status_code == 400
    assert "Replay attack" in replay.get_data(as_text=True)
    assert len(_codes(app)) == 1


# --- someone new -----------------------------------------------------------------------------------------------


def _someone_new(client, name: str, email: str, provider: str = "dev-staff"):
    chosen = _authorise(client, None, provider, name=name, email=email)
    assert chosen.status_code == 302, chosen.get_data(as_text=True)
    return client.get(_local(chosen.headers["Location"]))


def _identity(app, issuer: str = demo.IDENTITY) -> list[tuple[str, str, str | None]]:
    with _db(app) as s:
        return [(u.subject, u.display_name, u.email) for u in s.scalars(select(User).where(
            User.issuer == issuer, User.subject.like("new-%")).order_by(User.id))]


@pytest.mark.parametrize("provider", ["dev-staff", "dev-public"])
def test_the_provider_offers_someone_new_to_both_clients(client, provider):
    start = client.get(f"/sign-in/{provider}")
    page = client.get("/dev-idp" + start.headers["Location"].split("/dev-idp", 1)[1]).get_data(as_text=True)
    assert "Someone new" in page
    assert 'name="name"' in page and 'name="email"' in page


def test_someone_new_signs_in_with_a_subject_stable_per_email(app, demo_data):
    first = _someone_new(app.test_client(), "Priya Shah", "Priya.Shah@example.org")
    # A genuine identity Resolve has never seen: recorded, and refused until someone gives it a place.
    assert first.status_code == 403
    assert "Your account cannot use Resolve yet" in first.get_data(as_text=True)
    [(subject, name, email)] = _identity(app)
    assert (name, email) == ("Priya Shah", "priya.shah@example.org")
    assert subject.startswith("new-") and subject not in demo.PERSONAS_BY_KEY

    with _db(app) as s:  # an administrator adds the new officer to Northshire Police
        user = s.scalars(select(User).where(User.subject == subject)).one()
        force = s.scalars(select(Organisation).where(Organisation.code == "NSP")).one()
        s.add(Membership(user_id=user.id, organisation_id=force.id, role=Role.OFFICER))
        s.commit()

    again = _someone_new(app.test_client(), "Priya Shah-Khan", "  priya.shah@EXAMPLE.org ")
    assert again.status_code == 303
    home = app.test_client()
    assert _someone_new(home, "Priya Shah-Khan", "priya.shah@example.org").status_code == 303
    assert "Signed in as <strong>Priya Shah-Khan</strong>" in home.get("/").get_data(as_text=True)
    assert [(s, n) for s, n, _ in _identity(app)] == [(subject, "Priya Shah-Khan")]  # the same person
    with _db(app) as s:
        assert s.scalar(select(func.count()).select_from(DevIdpIdentity)) == 1

    other = _someone_new(app.test_client(), "Sam Lee", "sam.lee@example.org", provider="dev-public")
    assert other.status_code == 403
    assert len({s for s, _, _ in _identity(app)}) == 2  # another address, another subject


@pytest.mark.parametrize(("name", "email", "message"), [
    ("", "a@example.org", "Enter a full name"),
    ("   ", "a@example.org", "Enter a full name"),
    ("A Person", "", "Enter an email address"),
    ("A Person", "not-an-address", "Enter an email address in the correct format"),
    ("A Person", "a@@example.org", "Enter an email address in the correct format"),
    ("x" * 101, "a@example.org", "Enter a full name of 100 characters or fewer"),
    ("A\x00Person", "a@example.org", "without control characters"),
    ("A Person", "a" * 250 + "@example.org", "Enter an email address of 254 characters or fewer"),
])
@pytest.mark.parametrize("provider", ["dev-staff", "dev-public"])
def test_someone_new_with_bad_input_is_asked_again(app, client, provider, name, email, message):
    answered = _authorise(client, None, provider, name=name, email=email)
    assert answered.status_code == 422
    html = answered.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert 'name="email"' in html  # the form again, to correct
    assert _codes(app) == []
    with _db(app) as s:
        assert s.scalar(select(func.count()).select_from(DevIdpIdentity)) == 0


def test_someone_new_cannot_choose_a_redirect_elsewhere(client):
    start = client.get("/sign-in/dev-staff")
    query = start.headers["Location"].split("?", 1)[1].replace(
        "redirect_uri=http%3A%2F%2F127.0.0.1", "redirect_uri=http%3A%2F%2Fevil.example")
    refused = client.post(f"/dev-idp/authorize?{query}", data={"name": "A Person", "email": "a@example.org"})
    assert refused.status_code == 400
    assert urlsplit(refused.headers.get("Location", "")).netloc == ""


# --- where the browser meets the provider ----------------------------------------------------------------------


def test_the_browser_meets_the_provider_on_the_portals_own_origin(client, live_url, login_as):
    start = client.get("/sign-in/dev-staff")
    assert start.headers["Location"].startswith(f"{live_url}/dev-idp/authorize?")
    signed_in = login_as("officer-north")
    home = signed_in.get("/")
    form_action = home.headers["Content-Security-Policy"].split("form-action ", 1)[1].split(";", 1)[0].split()
    assert "'self'" in form_action  # which covers the sign-out form's redirect to the provider's end-session
    assert not [origin for origin in form_action if "dev-idp" in origin]
    out = signed_in.post("/sign-out", data={"csrf_token": csrf_from(home.get_data(as_text=True))})
    assert out.headers["Location"].startswith(f"{live_url}/dev-idp/end-session?")


def test_behind_a_proxy_the_provider_follows_the_forwarded_host(app, demo_data, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    proxied = create_app("test")
    try:
        client = proxied.test_client()
        client.environ_base |= {"HTTP_X_FORWARDED_HOST": "resolve.example", "HTTP_X_FORWARDED_PROTO": "https",
                                "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
        start = client.get("/sign-in/dev-staff")
        assert start.headers["Location"].startswith("https://resolve.example/dev-idp/authorize?")
        chosen = client.post("/dev-idp" + start.headers["Location"].split("/dev-idp", 1)[1],
                             data={"persona": "officer-north"})
        assert chosen.status_code == 302, chosen.get_data(as_text=True)
        assert chosen.headers["Location"].startswith("https://resolve.example/auth/callback/dev-staff?")
        assert client.get(_local(chosen.headers["Location"])).status_code == 303
    finally:
        with proxied.app_context():
            db.engine.dispose()

"""Test fixtures.

One app per test session, served over real HTTP on a free port by a threaded Werkzeug server: the development
identity provider is mounted in it, so every sign-in in the suite is a real OIDC round trip (the portal's
back-channel calls to the discovery, token and JWKS endpoints reach it in process, as in development). The
database is migrated once with Alembic and emptied after each test. TEST_DATABASE_URL selects PostgreSQL;
otherwise SQLite under instance/.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from datetime import datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from app import clock, create_app, demo, i18n
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """RESOLVE_TEST_CLOCK=2027-03-28T00:59:00+00:00 runs the suite as if it were then (the clock keeps running).
    CI runs the tests marked `calendar` on hostile dates this way (.ci/run)."""
    if at := os.environ.get("RESOLVE_TEST_CLOCK"):
        clock.start_at(datetime.fromisoformat(at))
    # The Welsh catalogue is compiled by `make install`; a fresh clone run straight with pytest compiles it here.
    i18n.compile_catalogues(only_if_stale=True)


def pytest_report_header(config):
    return f"clock: {clock.now().isoformat(timespec='seconds')} (Europe/London date {clock.today()})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_url():
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture(scope="session")
def app(live_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["RESOLVE_INSTANCE"] = str(instance)
    # SERVER_NAME makes the test client talk to the same host as the live server, so redirect URIs match.
    app = create_app("test", {"SERVER_NAME": live_url.split("//")[1]})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.engine.dispose()
            Path(db.engine.url.database).unlink(missing_ok=True)
        upgrade(directory=str(ROOT / "migrations"))
    server = make_server("127.0.0.1", int(live_url.rsplit(":", 1)[1]), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections (psycopg warns about unclosed ones)


def _empty_database():
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # The audit log's triggers refuse TRUNCATE and a head moved back; a test database is wiped regardless.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.execute(text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_db(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.remove()
            _empty_database()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def demo_data(app):
    """The demo organisations, personas (users) and cases, for the development identity provider's issuer."""
    with app.app_context():
        users = demo.seed()
        db.session.commit()
        ids = {key: user.id for key, user in users.items()}
        db.session.remove()
    return ids


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(client, persona: str, provider: str | None = None):
    """Sign in through the development identity provider, as a person would: start, choose, callback.

    The test client drives the browser's side; the portal's back-channel calls reach the provider in process.
    Returns the final response (the home page on success).
    """
    kind = demo.PERSONAS_BY_KEY[persona].kind
    return through_idp(client, client.get(f"/sign-in/{provider or f'dev-{kind}'}"), persona)


def through_idp(client, start, persona: str | None = None, **someone_new):
    """From the portal's redirect to the provider (`start`): choose the persona (or sign in as someone new, with
    name= and email=), follow the callback home."""
    assert start.status_code == 302, start.status_code
    authorize = start.headers["Location"]
    path = authorize.split("/dev-idp", 1)[1]
    chosen = client.post(f"/dev-idp{path}", data=someone_new or {"persona": persona})
    assert chosen.status_code == 302, re.findall(r"<p class=\"govuk-body\">(.*?)</p>", chosen.get_data(as_text=True))
    callback = chosen.headers["Location"].split("127.0.0.1", 1)[1].split("/", 1)[1]
    return client.get(f"/{callback}", follow_redirects=True)


def redeem(client, code: str, born, persona: str | None = None, **someone_new):
    """Redeem an invitation as the person would: the code's page, their date of birth, then the public sign-in."""
    page = client.get(f"/i/{code}")
    answered = client.post(f"/i/{code}/birth-date", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                         "date_of_birth": [born.day, born.month, born.year]})
    assert answered.status_code == 303, answered.status_code
    return through_idp(client, client.get(answered.headers["Location"]), persona, **someone_new)


@pytest.fixture
def login_as(app, demo_data):
    """login_as("officer-north") -> a test client signed in as that persona."""

    def _login(persona: str):
        c = app.test_client()
        response = sign_in(c, persona)
        assert response.status_code == 200, response.status_code
        return c

    return _login


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)

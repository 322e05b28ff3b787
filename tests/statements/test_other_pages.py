"""Every other page: the coordinator's directory (the same statements for the demo's 2 providers and 4 services
and for 12 providers, 36 staff and 24 services), sign-in and its callback, and the pages that read no data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from app.organisations.models import Service
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

# name, persona (None: signed out), path, extra request arguments
PAGES = [
    ("accessibility statement", None, "/accessibility", {}),
    ("privacy notice", None, "/privacy", {}),
    ("health check", None, "/healthz", {}),
    ("static file", None, "/static/css/app.css", {}),
    ("home, signed out", None, "/", {"expect": 302}),
    ("sign in", None, "/sign-in", {}),
    ("start sign-in", None, "/sign-in/dev-staff", {"expect": 302}),
    ("signed out", None, "/signed-out", {}),
    ("enter an invitation code", None, "/invitation", {}),
    ("an invitation code that does not exist", None, "/i/ABCDEFGHJKMN", {"expect": 404}),
    ("accessibility statement, signed in", "scrutiny", "/accessibility", {}),
    ("scrutiny panel home", "scrutiny", "/", {}),
    ("new case", "officer-north", "/cases/new", {}),
    ("provider directory", "coordinator", "/organisations/services", {}),
    ("providers and their staff", "coordinator", "/organisations/providers", {}),
    ("add a service", "coordinator", "/organisations/services/new", {}),
    ("change a service", "coordinator", "/organisations/services/{service}", {}),
    # Development only (DEV_OUTBOX, switched on for this module): one read, at most 200 messages.
    ("development outbox", "coordinator", "/notifications/dev-outbox", {}),
]
CALLBACK = "/auth/callback/dev-staff"  # measured by signing in (`_callback`)


def _service() -> dict:
    return {"service": str(factories.service("Drug awareness course").public_id)}


def _more_providers() -> dict:
    for i in range(10):
        org = factories.provider(f"P{i:02d}", f"Provider {i:02d}")
        factories.new_service(f"Service {i:02d}", provider=org.code)
        factories.new_service(f"Second service {i:02d}", provider=org.code)
    assert db.session.scalar(select(func.count(Service.id))) == 24
    return {}


@pytest.fixture(scope="module")
def grow(app):
    app.config["DEV_OUTBOX"] = True
    yield lambda *steps: module_data(app, *steps)
    app.config["DEV_OUTBOX"] = False
    empty(app)


def _callback(app, persona: str, size: str):
    """Sign in as the browser does, counting the callback request: the portal checks the code with the identity
    provider (over HTTP, in the live server's threads), finds the user and starts their session."""
    client = app.test_client()
    start = client.get(f"/sign-in/dev-{demo.PERSONAS_BY_KEY[persona].kind}")
    chosen = client.post(f"/dev-idp{start.headers['Location'].split('/dev-idp', 1)[1]}", data={"persona": persona})
    callback = chosen.headers["Location"].split("127.0.0.1", 1)[1].split("/", 1)[1]
    assert f"/{callback}".startswith(f"{CALLBACK}?")
    return measure(app, client, f"/{callback}", page="sign-in callback", size=size, expect=303)


def _all(app, clients, ids, size):
    seen = {name: measure(app, clients[who] if who else app.test_client(), path.format(**ids), page=name,
                          size=size, **kw) for name, who, path, kw in PAGES}
    return seen | {"sign-in callback": _callback(app, "coordinator", size)}


def test_other_pages(app, clients, grow):
    ids = grow(_service)
    small = _all(app, clients, ids, "demo")
    grow(_more_providers)
    large = _all(app, clients, ids, "12 providers")
    for name in small:
        assert_bounded(name, small[name], large[name])

"""Statement counts for every page and fragment: how many reads and writes one request costs, and that the figure
is the same for small and for large data.

Building large data through the services takes seconds, so each module here builds its data once (`module_data`)
and empties the database when it ends, instead of after every test. Tests in these modules only read that data,
or change objects built for that one test.

Set RESOLVE_STATEMENTS_TABLE=path to write every figure measured here as a Markdown table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from app import demo
from app.extensions import db
from tests.conftest import _empty_database, csrf_from, sign_in
from tests.counting import Statements, statements

PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}
READS = 8  # the most reads any page may need
WRITES = 8  # the most writes (audit rows included) a page may make
# A change that raises a flag also writes it, its timeline event, the officer's message and its decision fact (two
# rows), after reading how the person's record stands for the fact.
FLAG_WRITES, FLAG_READS = 5, 1
SESSION = 3  # the most statements on the session row: read it; at sign-in, replace it
FIGURES: list[tuple[str, str, Statements]] = []


@pytest.fixture(autouse=True)
def _clean_db():
    """Replaces the suite's emptying after each test: here the data is the module's, emptied when it ends."""
    yield


def _seed() -> dict:
    demo.seed()
    return {}


def module_data(app, *steps: Callable[[], dict]) -> dict:
    """Seed the demo, then run each step (which makes data through the services and returns what tests need, by
    name, as plain values; a dict value is merged with the other steps') in a session of its own, committed when
    it ends: one session holding thousands of objects makes every flush slower. Use from a module-scoped
    fixture, and `empty(app)` when the module ends."""
    found: dict = {}
    for step in (_seed, *steps):
        with app.app_context():
            for key, value in step().items():
                found[key] = found.get(key, {}) | value if isinstance(value, dict) else value
            db.session.commit()
            db.session.remove()
    return found


def empty(app) -> None:
    with app.app_context():
        db.session.remove()
        _empty_database()


@pytest.fixture(scope="module")
def clients(app):
    """clients["supervisor"]: a test client signed in (a real OIDC round trip) as that persona, once per module."""
    signed_in: dict = {}

    class Clients(dict):
        def __missing__(self, persona):
            client = app.test_client()
            assert sign_in(client, persona).status_code == 200
            signed_in[persona] = client
            return client

    return Clients()


def measure(app, client, path: str, method: str = "GET", *, page: str = "", size: str = "", expect: int = 200,
            **kw) -> Statements:
    """Request `path` once and return what it asked the database. `page` and `size` name the figure."""
    with app.app_context(), statements() as seen:
        response = client.open(path, method=method, **kw)
        body = response.get_data(as_text=True)
        response.close()
    assert response.status_code == expect, (path, response.status_code, body[:2000])
    if page:
        FIGURES.append((page, size, seen))
    return seen


def form_token(app, client, path: str) -> str:
    """The CSRF token of the page at `path` (read before measuring a POST)."""
    with app.app_context():
        return csrf_from(client.get(path).get_data(as_text=True))


def assert_bounded(page: str, small: Statements, large: Statements, *, writes: int = WRITES,
                   reads: int = READS) -> None:
    """The same reads and writes for small and large data, and no more than `reads`, `writes` and SESSION."""
    assert small.shape() == large.shape(), f"{page} grows with the data:\nsmall: {small}\nlarge: {large}"
    assert large.reads <= reads, f"{page}: {large}"
    assert large.writes <= writes, f"{page}: {large}"
    assert large.session <= SESSION, f"{page}: {large}"


def pytest_sessionfinish(session):
    target = os.environ.get("RESOLVE_STATEMENTS_TABLE")
    if not target or not FIGURES:
        return
    rows = ["| page | data | reads | writes | of which audit | session |", "|---|---|---|---|---|---|"]
    rows += [f"| {page} | {size} | {s.reads} | {s.writes} | {s.audit} | {s.session} |" for page, size, s in FIGURES]
    Path(target).write_text("\n".join(rows) + "\n")

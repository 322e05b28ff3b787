"""Signing in through the development identity provider when the portal runs as it does for people: under
`gunicorn -w 2` (a code written by one worker is redeemed by the other) and under `flask run` on a port PORT does
not name. Real processes on free ports, a temporary SQLite database, a browser played by `requests`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade

from app import create_app, demo
from app.extensions import db
from config.settings import DEV_IDP_ISSUER
from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 10
PERSONAS = ["officer-north", "supervisor", "coordinator"]


@pytest.fixture(scope="module")
def served_env(tmp_path_factory):
    """The environment of a development portal over a new, migrated and seeded SQLite database."""
    instance = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{instance / 'resolve.db'}"
    seeder = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with seeder.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        demo.seed()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PORT", "DEV_IDP_ISSUER", "TEST_DATABASE_URL", "PORTAL_URL", "SERVER_NAME")}
    env |= {"RESOLVE_ENV": "development", "DATABASE_URL": url, "RESOLVE_INSTANCE": str(instance),
            "PYTHONUNBUFFERED": "1"}
    return env, instance


def _serve(command: list[str], env: dict, base: str, log: Path):
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if requests.get(f"{base}/sign-in", timeout=TIMEOUT).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.2)
    process.terminate()
    pytest.fail(f"the server did not start: {log.read_text()}")


@pytest.fixture
def serve(served_env):
    started = []

    def _start(command: list[str], base: str, log_name: str, **more_env: str):
        env, instance = served_env
        process = _serve(command, env | more_env, base, instance / log_name)
        started.append(process)
        return process

    yield _start
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def _sign_in(base: str, persona: str) -> None:
    """What a browser does: the portal sends it to the provider, it chooses a persona, comes back signed in."""
    who = demo.PERSONAS_BY_KEY[persona]
    with requests.Session() as browser:
        discovery = browser.get(f"{base}/dev-idp/.well-known/openid-configuration", timeout=TIMEOUT).json()
        assert discovery["issuer"] == DEV_IDP_ISSUER
        assert discovery["authorization_endpoint"] == f"{base}/dev-idp/authorize"
        start = browser.get(f"{base}/sign-in/dev-staff", allow_redirects=False, timeout=TIMEOUT)
        assert start.status_code == 302, start.text
        authorise = start.headers["Location"]
        assert authorise.startswith(f"{base}/dev-idp/authorize?"), authorise
        assert who.name in browser.get(authorise, timeout=TIMEOUT).text
        chosen = browser.post(authorise, data={"persona": persona}, allow_redirects=False, timeout=TIMEOUT)
        assert chosen.status_code == 302, chosen.text
        callback = chosen.headers["Location"]
        assert callback.startswith(f"{base}/auth/callback/dev-staff?"), callback
        landed = browser.get(callback, allow_redirects=False, timeout=TIMEOUT)
        assert landed.status_code == 303, landed.text
        home = browser.get(f"{base}/", timeout=TIMEOUT)
        assert f"Signed in as <strong>{who.name}</strong>" in home.text


def _worker_of(log: Path, method: str, path: str) -> list[str]:
    """The worker (pid) that answered each such request, in order, from gunicorn's access log."""
    lines = [line.split() for line in log.read_text().splitlines()]  # pid, then the request line as sent
    return [line[0] for line in lines if len(line) > 2 and line[1] == method and line[2].split("?")[0] == path]


def test_sign_in_under_gunicorn_with_two_workers(serve, served_env):
    """Codes and identities live in the database, not in a worker's memory. Which worker takes a connection is the
    kernel's choice (an idle machine tends to give them all to one), so each worker here answers one request and
    is replaced (`--max-requests 1`): the worker that redeems a code is never the one that wrote it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    access = served_env[1] / "access.log"
    serve([str(BIN / "gunicorn"), "-w", "2", "--max-requests", "1", "--no-control-socket", "-b",
           f"127.0.0.1:{port}", "--access-logfile", str(access), "--access-logformat", "%(p)s %(r)s", "wsgi:app"],
          base, "gunicorn.log")
    for i in range(3):
        _sign_in(base, PERSONAS[i % len(PERSONAS)])
    wrote = _worker_of(access, "POST", "/dev-idp/authorize")
    redeemed = _worker_of(access, "GET", "/auth/callback/dev-staff")
    assert len(wrote) == len(redeemed) == 3
    assert all(w != r for w, r in zip(wrote, redeemed, strict=True)), (wrote, redeemed)


def test_sign_in_under_flask_run_on_a_port_that_port_does_not_name(serve, served_env):
    port = _free_port()
    assert served_env[0].get("PORT") is None
    base = f"http://localhost:{port}"  # and by name: the browser-facing URLs follow the host it used
    serve([str(BIN / "flask"), "--app", "wsgi", "run", "--port", str(port), "--no-reload", "--no-debugger"],
          base, "flask.log")
    for persona in PERSONAS:
        _sign_in(base, persona)

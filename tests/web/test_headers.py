"""Security headers on every response: a CSP with a fresh nonce, no inline script, no framing, no caching of
signed-in pages, and `Vary: HX-Request` so caches never mix full pages with htmx fragments."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.people.models import Person
from tests.conftest import csrf_from

NONCE = re.compile(r"script-src [^;]*'nonce-([A-Za-z0-9_-]+)'")
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")

ANONYMOUS_REQUESTS = [
    ("GET", "/sign-in"),  # a page
    ("GET", "/accessibility"),
    ("GET", "/"),  # a redirect
    ("GET", "/healthz"),  # JSON
    ("GET", "/no-such-page"),  # an error page
    ("GET", "/static/no-such-file.css"),
    ("GET", "/sign-out"),  # 405
    ("POST", "/sign-out"),  # CSRF refusal
    ("GET", "/sign-in/dev-staff"),  # redirect to the identity provider
]


def _nonce(response) -> str:
    match = NONCE.search(response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def _check_common_headers(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in (part.strip() for part in csp.split(";")) if d}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("object-src") == ["'none'"], where
    script_src = directives.get("script-src", [])
    assert script_src[0] == "'self'" and len(script_src) == 2 and script_src[1].startswith("'nonce-"), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert "HX-Request" in response.vary, where


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_REQUESTS)
def test_every_anonymous_response_has_the_security_headers(client, method, path):
    _check_common_headers(client.open(path, method=method), f"{method} {path}")


def test_every_signed_in_response_has_the_security_headers_and_no_store(app, login_as):
    client = login_as("officer-north")
    with app.app_context():
        case_id = db.session.scalar(select(Case.public_id).join(Person, Case.offender_id == Person.id)
                                    .where(Person.given_name == "Jordan"))  # the officer's own issued case
        db.session.remove()
    token = csrf_from(client.get("/").get_data(as_text=True))
    case_page = client.get(f"/cases/{case_id}")
    assert case_page.status_code == 200  # the case page itself, not a not-found page
    checks = [
        client.get("/"),
        case_page,
        client.get("/", headers={"HX-Request": "true", "HX-Request-Type": "partial"}),
        client.get("/accessibility"),
        client.get("/privacy"),
        client.get("/healthz"),
        client.get("/cases/not-a-uuid"),
        client.get("/sign-in"),  # a redirect home
    ]
    for response in checks:
        where = f"{response.request.method} {response.request.path} -> {response.status_code}"
        _check_common_headers(response, where)
        assert response.headers.get("Cache-Control") == "no-store", where
    signed_out = client.post("/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 303
    _check_common_headers(signed_out, "POST /sign-out")
    assert signed_out.headers.get("Cache-Control") == "no-store"


def test_each_request_gets_its_own_nonce_and_every_script_carries_it(client):
    first, second = client.get("/sign-in"), client.get("/sign-in")
    assert first.status_code == second.status_code == 200
    nonces = []
    for response in (first, second):
        nonce = _nonce(response)
        assert len(nonce) >= 16
        tags = SCRIPT_TAG.findall(response.get_data(as_text=True))
        assert tags, "the page has no script tags to check"
        for tag in tags:
            assert f'nonce="{nonce}"' in tag, tag
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_signed_in_pages_carry_the_nonce_on_every_script(login_as):
    client = login_as("offender")
    response = client.get("/")
    nonce = _nonce(response)
    tags = SCRIPT_TAG.findall(response.get_data(as_text=True))
    assert len(tags) >= 3  # htmx, the app module and the js-enabled snippet
    assert all(f'nonce="{nonce}"' in tag for tag in tags), tags


def test_no_inline_event_handlers_or_javascript_urls(login_as):
    """With no 'unsafe-inline', on*= attributes and javascript: links would be dead (and are a smell)."""
    client = login_as("officer-north")
    for path in ("/", "/accessibility", "/privacy", "/signed-out"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), path
        assert "javascript:" not in html.lower(), path
        assert "hx-on" not in html, path


def test_pages_are_never_cached_but_built_assets_may_be(client):
    """Every page may carry personal data or a session change, signed in or not; only static files may be cached."""
    for path in ("/sign-in", "/accessibility", "/privacy", "/signed-out", "/healthz", "/no-such-page", "/"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    asset = client.get("/static/src/app.mjs")
    assert asset.status_code == 200
    assert "no-store" not in asset.headers.get("Cache-Control", "")
    _check_common_headers(asset, "GET /static/src/app.mjs")
    asset.close()


def test_test_config_sends_no_hsts(client):
    """HSTS belongs to production (see tests/test_config.py); over plain HTTP in development it would be wrong."""
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_assets_are_named_by_their_fingerprint_cached_for_a_year_and_compressed(client):
    """A page names its stylesheet and scripts with their content's hash: at that address a file never changes, so
    it is cached as immutable; any other address of it is checked again each time. Sent compressed when asked."""
    html = client.get("/sign-in").get_data(as_text=True)
    named = re.findall(r'(?:href|src)="(/static/(?:css|js)/[^"?]+)\?v=([0-9a-f]{12})"', html)
    assert {path for path, _ in named} == {"/static/css/app.css", "/static/js/htmx.min.js", "/static/js/app.mjs"}
    for path, fingerprint in named:
        fresh = client.get(f"{path}?v={fingerprint}", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable", path
        assert fresh.headers["Content-Encoding"] in ("zstd", "br", "deflate"), path
        assert fresh.get_data()  # read to its end, which closes the file
        fresh.close()
        for other in (f"{path}?v=000000000000", path):
            stale = client.get(other)
            assert "immutable" not in stale.headers.get("Cache-Control", ""), other
            stale.close()
    css = client.get(named[0][0], headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in css.headers  # a client that asks for none gets the file as it is
    css.close()

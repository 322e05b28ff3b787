"""Pages that belong to no one domain: health check, error pages, htmx partials, accessibility and privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.cases.models import Case
from app.extensions import db
from app.people.models import Person

PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}
BOOSTED = {"HX-Request": "true", "HX-Request-Type": "full"}
JS_ENABLED = "document.body.className += ' js-enabled'"


@pytest.fixture
def spare_app(tmp_path, monkeypatch):
    """Make a second, throwaway app (its own instance folder and database), for things the shared app cannot do."""
    made = []

    def make(**overrides):
        monkeypatch.setenv("RESOLVE_INSTANCE", str(tmp_path))
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'spare.db'}")
        new = create_app("test", overrides)
        made.append(new)
        return new

    yield make
    for new in made:
        with new.app_context():
            db.session.remove()
            db.engine.dispose()


# --- health check ----------------------------------------------------------------------------------------------


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.mimetype == "application/json"


def test_healthz_is_503_when_the_database_is_unreachable(spare_app):
    app = spare_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/x",
                    SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 1}})
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unavailable"}
    assert "127.0.0.1:1" not in response.get_data(as_text=True)  # no connection details leak
    # Pages that need no database still render while it is down.
    assert client.get("/accessibility").status_code == 200


def test_statements_are_said_in_a_header_only_when_asked(spare_app, client):
    """For the page benchmark under gunicorn (bench/pages.py): each response says its own statements."""
    counted = spare_app(STATEMENTS_HEADER=True).test_client()
    assert counted.get("/healthz").headers["X-Statements"] == "reads=1; writes=0; audit=0; session=0"
    assert "X-Statements" not in client.get("/healthz").headers  # the suite's app, as every other, says nothing


# --- error pages -----------------------------------------------------------------------------------------------


def test_404_is_the_govuk_style_page_without_a_stack_trace(client):
    response = client.get("/no-such-page/at/all")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert '<html lang="en" class="govuk-template">' in html
    assert "<title>Page not found \u2013 Resolve</title>" in html
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    assert 'href="/"' in html  # a way back to the start
    assert "Traceback" not in html and "werkzeug" not in html.lower() and "NotFound" not in html


def test_404_for_a_case_looks_the_same_as_any_other_404(client, login_as):
    officer = login_as("officer-north")
    missing_case = officer.get("/cases/00000000-0000-0000-0000-000000000000").get_data(as_text=True)
    malformed = officer.get("/cases/%27%3B--").get_data(as_text=True)
    for html in (missing_case, malformed):
        assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
        assert "Traceback" not in html


def test_an_unexpected_error_gives_the_500_page_without_details(spare_app):
    app = spare_app()

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret-internal-detail")

    response = app.test_client().get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>' in html
    assert "secret-internal-detail" not in html and "Traceback" not in html and "RuntimeError" not in html


def test_405_is_a_govuk_page_too(client):
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "That action is not available on this page." in response.get_data(as_text=True)


# --- htmx: one URL, one template -------------------------------------------------------------------------------


def _north_references(app) -> list[str]:
    with app.app_context():
        refs = db.session.scalars(select(Case.reference).join(Person, Case.offender_id == Person.id)
                                  .where(Person.given_name.in_(["Jordan", "Ali", "Beth"]))).all()
        db.session.remove()
    return list(refs)


def test_partial_request_to_the_police_home_page_gets_only_the_results(app, login_as):
    client = login_as("officer-north")
    response = client.get("/", headers=PARTIAL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"')
    assert html.rstrip().endswith("</div>")
    assert "<html" not in html and "<head" not in html and "<body" not in html and "<h1" not in html
    assert "govuk-footer" not in html and "Sign out" not in html
    for reference in _north_references(app):  # officer-north's own cases
        assert reference in html
    assert "Dana Wells" not in html  # a South team case
    assert "HX-Request" in response.vary


def test_boosted_request_gets_the_full_page_without_the_js_enabled_script(app, login_as):
    client = login_as("officer-north")
    response = client.get("/", headers=BOOSTED)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html and '<h1 class="govuk-heading-l">Your cases</h1>' in html and 'id="results"' in html
    assert "govuk-footer" in html
    # htmx re-runs scripts in swapped content; this one would carry a nonce the page's CSP does not know.
    assert JS_ENABLED not in html
    assert "HX-Request" in response.vary


def test_plain_request_gets_the_full_page_with_the_js_enabled_script(login_as):
    html = login_as("officer-north").get("/").get_data(as_text=True)
    assert "<html" in html and 'id="results"' in html and JS_ENABLED in html


def test_htmx_request_without_the_partial_type_is_not_treated_as_partial(login_as):
    client = login_as("officer-north")
    assert "<html" in client.get("/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in client.get("/", headers={"HX-Request-Type": "partial"}).get_data(as_text=True)


def test_partial_request_for_a_case_gets_only_its_timeline(app, login_as):
    client = login_as("officer-north")
    with app.app_context():
        case = db.session.scalar(select(Case).join(Person, Case.offender_id == Person.id)
                                 .where(Person.given_name == "Jordan"))
        public_id = case.public_id
        db.session.remove()
    html = client.get(f"/cases/{public_id}", headers=PARTIAL).get_data(as_text=True)
    assert html.lstrip().startswith('<div class="moj-timeline" id="timeline">')
    assert "Adult conditional caution given" in html  # the caution, issued through the services
    assert "<html" not in html and "Jordan Smith" not in html  # the heading is outside the block


# --- static pages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "heading"), [
    ("/accessibility", "Accessibility statement for Resolve"),
    ("/privacy", "Privacy notice"),
    ("/signed-out", None),
])
def test_public_pages_render_for_anonymous_users(client, path, heading):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    if heading:
        assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html
    assert 'href="/accessibility"' in html and 'href="/privacy"' in html  # the footer links
    assert "Sign out" not in html
    assert "Set-Cookie" not in response.headers  # an anonymous page creates no session


def test_an_issued_case_links_to_its_signed_document_and_a_draft_does_not(app, login_as):
    client = login_as("officer-north")
    with app.app_context():
        issued, draft = (db.session.scalar(select(Case.public_id).join(Person, Case.offender_id == Person.id)
                                           .where(Person.given_name == name)) for name in ("Jordan", "Ali"))
        db.session.remove()
    link = "View the signed caution document"
    page = client.get(f"/cases/{issued}").get_data(as_text=True)
    assert link in page and f'href="/cases/{issued}/document"' in page
    assert link not in client.get(f"/cases/{draft}").get_data(as_text=True)


@pytest.mark.parametrize(("persona", "shown", "hidden"), [
    ("offender", ["You were given a caution on", "Your conditions: 2 conditions"],
     ["Eligibility screened", "Referred to Alcohol awareness course", "Victim added to the case",
      "Adult conditional caution given"]),
    ("victim", ["The person who committed the offence was given a caution on"],
     ["Your conditions", "Eligibility screened", "Referred to Alcohol awareness course", "You were given"]),
])
def test_the_public_home_pages_show_only_their_own_partys_events(login_as, persona, shown, hidden):
    html = login_as(persona).get("/").get_data(as_text=True)
    for words in shown:
        assert words in html, words
    for words in hidden:
        assert words not in html, words

"""The view audit (DPA 2018 s.62: a record of each consultation): every GET route says whether it shows personal
data, as every route is in the access matrix; each page that does writes its view row, a list page one row naming
what it showed; and a page of personal data that writes none is refused. The crawl (tests/test_crawl.py) visits
every page as every persona and checks that each page showing a planted canary wrote its row."""

from __future__ import annotations

import json
import re
import uuid

from flask import make_response
from sqlalchemy import select

from app.audit import views
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from tests.audit.test_audit import _rows, _user_id
from tests.test_access_matrix import objects  # noqa: F401  (the matrix's cases, referrals and group session)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_every_get_route_declares_whether_it_shows_personal_data(app):
    undeclared = {rule.endpoint for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and rule.endpoint != "static" and views.declared(app, rule.endpoint) is None}
    assert undeclared == set(), "GET routes that do not say whether they show personal data"


def _views_of(app, client, path: str, **kw) -> list[AuditEvent]:
    before = len(_rows(app))
    response = client.get(path, **kw)
    assert response.status_code == 200, (path, response.status_code)
    return [row for row in _rows(app)[before:] if row.action.endswith(".view")]


def _names(app) -> set[str]:
    """Every name the demo holds (people's and staff's), none of which may be in an audit row's detail."""
    from app.people.models import Person

    with app.app_context():
        people = {n for p in db.session.scalars(select(Person)) for n in (p.given_name, p.family_name)}
        staff = set(db.session.scalars(select(User.display_name)))
        db.session.remove()
    return people | staff


def _ids_only(app, row: AuditEvent) -> None:
    text = json.dumps(row.detail)
    assert not any(name in text for name in _names(app)), row.detail
    for value in row.detail.values():
        for item in value if isinstance(value, list) else [value]:
            assert UUID.match(item), row.detail


def test_list_pages_write_one_row_naming_what_they_show(app, login_as, objects):  # noqa: F811
    officer = login_as("officer-north")
    [row] = _views_of(app, officer, "/")
    assert (row.action, row.object_type, row.actor_id) == ("caseload.view", "caseload",
                                                           _user_id(app, "officer-north"))
    assert objects["own_case"] in row.detail["cases"] and len(row.detail["cases"]) == 3  # Jordan, Ali, Beth
    _ids_only(app, row)
    manager = login_as("freshstart-manager")
    [row] = _views_of(app, manager, "/")
    assert row.action == "inbox.view"
    assert set(row.detail["referrals"]) == {objects["sent_referral"], objects["working_referral"]}
    _ids_only(app, row)
    supervisor = login_as("supervisor-south")
    [row] = _views_of(app, supervisor, "/cases/approvals")
    assert row.action == "approvals.view" and len(row.detail["cases"]) == 1
    _ids_only(app, row)


def test_provider_pages_write_a_view_row(app, login_as, objects):  # noqa: F811
    manager, worker = login_as("freshstart-manager"), login_as("freshstart-caseworker")
    pages = [(manager, "/referrals/{sent_referral}/decide", "referral.view", "sent_referral"),
             (worker, "/referrals/{working_referral}/appointments", "referral.view", "working_referral"),
             (worker, "/referrals/{working_referral}/notes", "referral.view", "working_referral"),
             (worker, "/referrals/{working_referral}/end", "referral.view", "working_referral"),
             (worker, "/referrals/appointments/{appointment}/attendance", "referral.view", "working_referral"),
             (worker, "/referrals/appointments/{appointment}/reschedule", "referral.view", "working_referral"),
             (worker, "/referrals/appointments/{appointment}/cancel", "referral.view", "working_referral"),
             (worker, "/referrals/groups/{group}", "group_session.view", "group")]
    for client, path, action, shown in pages:
        [row] = _views_of(app, client, path.format(**objects))
        assert (row.action, row.object_id) == (action, objects[shown]), path
        _ids_only(app, row)
    # The attendance row that htmx swaps in shows the person too.
    partial = {"HX-Request": "true", "HX-Request-Type": "partial"}
    [row] = _views_of(app, worker, "/referrals/appointments/{appointment}/attendance".format(**objects),
                      headers=partial)
    assert row.detail == {"appointment": objects["appointment"]}
    [row] = _views_of(app, worker, "/referrals/groups/new")
    assert row.action == "referrals.view" and row.detail["referrals"] == [objects["working_referral"]]


def test_pages_that_show_nobody_write_no_view_row(app, login_as, objects):  # noqa: F811
    assert _views_of(app, login_as("scrutiny"), "/") == []
    officer = login_as("officer-south")
    assert _views_of(app, officer, "/cases/new") == []
    assert _views_of(app, officer, "/cases/{other_case}/offences?q=theft".format(**objects),
                     headers={"HX-Request": "true", "HX-Request-Type": "partial"}) == []


def test_a_page_of_personal_data_without_its_row_is_refused(app):
    """The check that runs after every request: a successful GET of a personal-data route that recorded nothing
    becomes the error page (and its work is rolled back); one that recorded its view, or a route that shows
    no personal data, is left alone."""
    case_page = f"/cases/{uuid.uuid4()}"
    with app.test_request_context(case_page):
        assert views.after_request(make_response("personal data")).status_code == 500
    with app.test_request_context(case_page):
        views.nothing_shown()
        assert views.after_request(make_response("nothing personal")).status_code == 200
    with app.test_request_context(case_page, method="POST"):  # what a POST shows follows a write, audited
        assert views.after_request(make_response("saved")).status_code == 200
    with app.test_request_context("/privacy"):
        assert views.after_request(make_response("the privacy notice")).status_code == 200
    with app.test_request_context(case_page):
        assert views.after_request(make_response("not found", 404)).status_code == 404

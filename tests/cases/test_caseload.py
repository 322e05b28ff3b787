"""The caseload: filters, search, sorting and pagination, in one query per page."""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import event, func, select
from werkzeug.datastructures import MultiDict

from app import access, clock, demo
from app.auth.models import User
from app.cases import services
from app.cases.queries import PAGE_SIZE, CaseloadFilters, caseload
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


@pytest.fixture
def officer(ctx, demo_data):
    return db.session.get(User, demo_data["officer-north"])


def _add_cases(officer, n):
    return [factories.draft(officer, given=f"Given{i:02d}", family=f"Family{i:02d}") for i in range(n)]


def app_pack():
    return current_app.extensions["rule_packs"]["current_practice"].in_force(clock.today())


def _load(officer, base=None, **args):
    filters = CaseloadFilters.from_args(MultiDict(args))
    return caseload(base if base is not None else access.visible_cases(officer), filters, clock.today(), 14)


def test_one_query_per_page_whatever_the_number_of_cases(officer):
    _add_cases(officer, PAGE_SIZE + 10)
    base = access.visible_cases(officer)  # the user's scope is settled before the page is read
    statements = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rows, total = _load(officer, base, page="2")
        for case in rows:  # everything the page shows is already loaded
            _ = case.offender.full_name, case.officer.display_name, case.team.name
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1, statements
    # The total is every case the officer may see (counted here on its own), and page 2 holds what page 1 left.
    visible = db.session.scalar(select(func.count()).select_from(base.subquery()))
    assert total == visible
    assert len(rows) == min(PAGE_SIZE, visible - PAGE_SIZE)


def test_search_by_surname_full_name_or_reference_prefix(officer):
    cases = _add_cases(officer, 3)
    assert [c.id for c in _load(officer, q="family01")[0]] == [cases[1].id]
    assert [c.id for c in _load(officer, q="Given02 Family02")[0]] == [cases[2].id]
    assert [c.id for c in _load(officer, q=cases[0].reference.lower())[0]] == [cases[0].id]
    # Wildcards typed by the user are matched literally.
    assert _load(officer, q="%")[0] == []
    assert _load(officer, q="_amily")[0] == []


def test_status_deadline_and_attention_filters(officer):
    today = clock.today()
    (draft,) = _add_cases(officer, 1)
    weeks = app_pack().deadline.normal_weeks
    # Given the normal deadline less 5 days ago, so due in 5 days; and one given today, due weeks from now.
    due_soon = factories.issued(officer, on=today - timedelta(weeks=weeks, days=-5), given="Given01",
                                family="Family01")
    due_later = factories.issued(officer, given="Given02", family="Family02")
    waiting = factories.ready(officer, given="Given03", family="Family03")
    demo.screen(waiting, officer=officer, exceptional_rationale="First contact with the police in ten years")
    services.decide_approval(waiting.approvals[-1], approve=False, comment="Say more",
                             by=factories.user("supervisor"))
    db.session.flush()
    issued = {c.id for c in _load(officer, status="issued", q="family")[0]}
    assert issued == {due_soon.id, due_later.id}
    assert {c.id for c in _load(officer, due="7", q="family")[0]} == {due_soon.id}
    attention = {c.id for c in _load(officer, attention="1", q="family")[0]}
    assert due_soon.id in attention and waiting.id in attention
    assert draft.id not in attention and due_later.id not in attention


def test_sorting(officer):
    _add_cases(officer, 3)
    names = [c.offender.family_name for c in _load(officer, sort="name", q="family")[0]]
    assert names == sorted(names)
    refs = [c.reference for c in _load(officer, sort="reference")[0]]
    assert refs == sorted(refs, reverse=True)


@pytest.mark.parametrize("args", [
    {"page": "-3"}, {"page": "abc"}, {"page": "99999999999999999999999"}, {"status": "'; drop table cases"},
    {"due": "1000"}, {"sort": "password"}, {"attention": "yes please"}, {"q": "x" * 5000},
])
def test_crafted_filters_fall_back_to_defaults(officer, args):
    filters = CaseloadFilters.from_args(MultiDict(args))
    assert 1 <= filters.page <= 100_000
    assert filters.sort in ("updated",) and filters.status == "" and filters.due_within is None
    assert len(filters.q) <= 100
    _load(officer, **args)  # and the query runs


def test_caseload_page_filters_and_partial_results(login_as):
    client = login_as("coordinator")
    page = client.get("/?q=smith&status=issued")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Jordan Smith" in html and "1 case matches these filters" in html
    assert "Ali Hassan" not in html
    partial = client.get("/?q=hassan", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert "Ali Hassan" in body and "Jordan Smith" not in body
    assert "HX-Request" in partial.headers["Vary"]
    crafted = client.get("/?page=99999999999999999999999&due=abc&sort=%27")
    assert crafted.status_code == 200


def test_an_officer_sees_only_their_own_cases(login_as):
    client = login_as("officer-south")
    html = client.get("/").get_data(as_text=True)
    assert "Dana Wells" in html and "Jordan Smith" not in html


def test_the_count_stops_at_the_cap_and_says_more_than(officer, monkeypatch, login_as):
    from app.cases import queries

    _add_cases(officer, 6)
    monkeypatch.setattr(queries, "COUNT_CAP", 4)
    rows, total = _load(officer)
    assert total == 5  # the cap plus one: "more than"
    assert len(rows) == 5
    db.session.commit()
    html = login_as("officer-north").get("/").get_data(as_text=True)
    assert "More than 4 cases" in html

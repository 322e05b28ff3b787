"""Every GET route of the app has its statement count in this folder: a page added without one fails here."""

from __future__ import annotations

import uuid
from collections import defaultdict

from tests.statements import (
    test_calendar_pages,
    test_case_pages,
    test_caseload,
    test_decision_pages,
    test_other_pages,
    test_public_pages,
    test_referral_pages,
    test_request_pages,
    test_staff_pages,
)

MODULES = (test_calendar_pages, test_case_pages, test_decision_pages, test_caseload, test_other_pages,
           test_public_pages, test_referral_pages, test_request_pages, test_staff_pages)


def test_every_get_route_is_counted(app):
    paths = [page[2] for module in MODULES for page in module.PAGES] + [test_other_pages.CALLBACK]
    adapter = app.url_map.bind(app.config["SERVER_NAME"])
    ids = defaultdict(lambda: str(uuid.uuid4()))
    counted = {adapter.match(path.format_map(ids).split("?")[0], method="GET")[0] for path in paths}
    every = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert not every - counted, f"GET routes with no statement count: {sorted(every - counted)}"

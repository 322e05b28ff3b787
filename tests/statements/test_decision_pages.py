"""A decision on a flag waiting for the supervisor, and the prosecutor's summary of a case referred for
prosecution: the same statements for a case with one condition and one earlier decision as for one with eight
conditions and twelve earlier decisions."""

from __future__ import annotations

import pytest

from app.compliance import decisions
from app.compliance.models import FlagKind
from app.compliance.services import raise_flag
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

PAGES = [("approve a decision on a flag", "supervisor", "/cases/{waiting}/decisions/{decision}/approval", {}),
         ("the prosecutor's summary", "officer-north", "/cases/{referred}/prosecution-summary", {}),
         ("the supervisor's flags and decisions", "supervisor", "/cases/supervision", {})]


def _decided(case, key: str, decision: str):
    flag = raise_flag(case, FlagKind.DEADLINE_PASSED, key, "Deadline passed")
    return decisions.decide(case, flag, explanation="Forgot", attempts=[], evidence="Note", decision=decision,
                            reason="No excuse", by=factories.user("officer-north"))


def _world(conditions: int, earlier: int) -> dict:
    ids = {}
    for name in ("waiting", "referred"):
        case = factories.issued(victim=False, conditions=(factories.RESTRICTIVE,) * conditions, given=name)
        for i in range(earlier):  # decisions on earlier flags, each with its excuse accepted
            _decided(case, f"earlier:{case.id}:{i}", "excuse_accepted")
        made = _decided(case, f"now:{case.id}", "refer_for_prosecution")
        if name == "referred":
            decisions.approve(made, approve=True, comment=None, by=factories.user("supervisor"))
        ids |= {name: str(case.public_id), "decision" if name == "waiting" else "_": str(made.public_id)}
    return ids


@pytest.fixture(scope="module")
def grow(app):
    yield lambda *steps: module_data(app, *steps)
    empty(app)


def test_decision_pages(app, clients, grow):
    small_ids = grow(lambda: _world(1, 1))
    small = {page: measure(app, clients[who], path.format(**small_ids), page=page, size="small", **kw)
             for page, who, path, kw in PAGES}
    large_ids = grow(lambda: _world(8, 12))
    large = {page: measure(app, clients[who], path.format(**large_ids), page=page, size="large", **kw)
             for page, who, path, kw in PAGES}
    for page in small:
        assert_bounded(page, small[page], large[page])

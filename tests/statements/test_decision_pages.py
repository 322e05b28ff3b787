"""A decision on a flag waiting for the supervisor, the prosecutor's summary of a case referred for prosecution, a
case's flags and decisions, the pages of a variation of its conditions and of its earlier documents, and a
financial penalty's: the same statements for a case with one condition and one earlier decision (and variation) as
for one with eight conditions, twelve earlier decisions and three earlier variations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.compliance import decisions, penalties, variations
from app.compliance.models import FlagKind
from app.compliance.services import raise_flag
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

VARIATION = "/cases/{varying}/variations/{variation}"
PAGES = [("approve a decision on a flag", "supervisor", "/cases/{waiting}/decisions/{decision}/approval", {}),
         ("the prosecutor's summary", "officer-north", "/cases/{referred}/prosecution-summary", {}),
         ("the supervisor's flags and decisions", "supervisor", "/cases/supervision", {}),
         ("a case's flags and decisions", "officer-north", "/cases/{varying}/decisions", {}),
         ("vary the conditions", "officer-north", VARIATION, {}),
         ("add a condition to a variation", "officer-north", VARIATION + "/conditions/new", {}),
         ("change a condition in a variation", "officer-north", VARIATION + "/conditions/{first}", {}),
         ("the varied document to sign", "officer-north", VARIATION + "/document", {}),
         ("withdraw a variation", "officer-north", VARIATION + "/withdraw", {}),
         ("the first version of the document", "officer-north", "/cases/{varying}/document/1", {}),
         ("a financial penalty", "officer-north", "/cases/{penalised}/penalty", {}),
         ("its registration data", "officer-north", "/cases/{penalised}/penalty/registration", {}),
         ("its registration data as CSV", "officer-north", "/cases/{penalised}/penalty/registration.csv", {})]


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
    varying = factories.issued(conditions=(factories.REHABILITATIVE,) * conditions, given="varying")
    for i in range(max(1, earlier // 4)):  # earlier variations, each signed: a version of the document each
        factories.varied(varying, details=f"The course, intake {i}")
    variation = factories.varying(varying)
    variations.add(variation, factories.REHABILITATIVE | {"due_on": varying.deadline}, by=varying.officer)
    today = clock.today()
    with factories.on_day(today - timedelta(days=90)):
        penalised = factories.issued(victim=False, regime="pcsc_2022", disposal="community_caution",
                                     conditions=(factories.REHABILITATIVE,) * conditions, given="penalised")
    with factories.on_day(today - timedelta(days=60)):
        for i in range(earlier):
            _decided(penalised, f"earlier:{penalised.id}:{i}", "excuse_accepted")
        penalty = factories.penalised(penalised, 80)
    penalties.produce_registration(penalty, local_justice_area="Northshire", by=factories.user("officer-north"))
    return ids | {"varying": str(varying.public_id), "variation": str(variation.public_id),
                  "first": str(varying.conditions[0].public_id), "penalised": str(penalised.public_id)}


@pytest.fixture(scope="module")
def grow(app, tmp_path_factory):
    # The packs as they may read once PCSC Part 6 commences with a penalty's amount (a year ago, here).
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.extensions, "rule_packs", factories.commenced_packs(
            tmp_path_factory.mktemp("packs"), clock.today() - timedelta(days=365), maximum_pounds=100,
            days_to_pay=28))
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

"""What the person is told, per regime and disposal, comes from the rule pack: the title of their page, what happens
if they do not comply, and the document they sign. A community resolution is never called a caution."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.cases.pack_reader import load_all
from app.cases.packs import disposal_of
from app.extensions import db
from tests import factories
from tests.conftest import redeem

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

DISPOSALS = [("current_practice", "adult_conditional_caution"), ("current_practice", "community_resolution"),
             ("pcsc_2022", "diversionary_caution"), ("pcsc_2022", "community_caution")]


@pytest.fixture
def commenced(app, tmp_path, monkeypatch):
    """The rule packs as they will read once PCSC Part 6 commences (two months ago, in this test)."""
    monkeypatch.setitem(app.extensions, "rule_packs",
                        factories.commenced_packs(tmp_path, clock.today() - timedelta(days=60)))


def _given(regime: str, disposal: str):
    """An issued case of this disposal with an invitation for its person, who is new to the portal: their page
    shows this case alone."""
    conditions = (factories.REHABILITATIVE,)
    case = factories.issued(regime=regime, disposal=disposal, conditions=conditions, given="Pat", family="Told")
    code = factories.invitation(case)
    db.session.commit()
    return case, code


@pytest.mark.parametrize(("regime", "disposal"), DISPOSALS)
def test_the_persons_page_and_document_say_what_the_pack_says(app, commenced, demo_data, regime, disposal):
    with app.app_context():
        case, code = _given(regime, disposal)
        born = case.offender.date_of_birth
        d, text = disposal_of(case), case.document.text
        assert text.startswith(d.document_title.upper() + "\n")
        assert f"Date of {d.noun}: " in text and d.warning_text in text
        title, consequence = d.person_title, d.consequence_text
        db.session.remove()
    page = redeem(app.test_client(), code, born, name="Pat Told", email="pat.told@example.org").get_data(
        as_text=True)
    assert f'<h1 class="govuk-heading-l">{title}</h1>' in page
    assert consequence in page
    if disposal == "community_resolution":
        words = re.sub(r"<[^>]+>", " ", page).replace("not a conviction or a caution", "")
        assert "caution" not in words.lower(), "a community resolution is called a caution"
        assert "caution" not in text.lower().replace("not a conviction or a caution", "")


def test_each_disposal_says_something_different_where_the_law_differs(app, commenced):
    with app.app_context():
        told = {key: load_all()[regime].latest.disposal(key) for regime, key in DISPOSALS}
    assert "financial penalty" in told["community_caution"].consequence_text
    assert "registered and enforced as if a court had fined you" in told["community_caution"].consequence_text
    for key in ("adult_conditional_caution", "diversionary_caution"):
        assert "reasonable excuse" in told[key].consequence_text and "prosecuted" in told[key].consequence_text
    assert "not a conviction or a caution" in told["community_resolution"].consequence_text
    assert len({d.consequence_text for d in told.values()}) == 3  # the two prosecutable cautions share words

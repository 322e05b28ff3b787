"""Rule packs as dated versions: the version in force on a decision's date applies; the case and the decision
record it; a case decided under one version is not re-judged by a later one."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
import yaml

from app import clock, demo
from app.cases import readiness
from app.cases.models import CaseStatus
from app.cases.pack_reader import RULES_DIR, load_all
from app.cases.packs import pack_of
from app.errors import RuleViolation
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

TWENTY_HOURS_UNPAID = {"type": "unpaid_work", "hours": 15, "details": "Clean the park"}


@pytest.fixture
def two_versions(app, ctx, demo_data, tmp_path, monkeypatch):
    """Current practice as two versions: the shipped one until a month from now, then one that caps unpaid work
    at 10 hours. Returns the day the second starts."""
    change = clock.today() + timedelta(days=30)
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    first_path = rules / "current_practice" / "2026.1.yaml"
    first = yaml.safe_load(first_path.read_text())
    second = yaml.safe_load(first_path.read_text())
    first["effective_to"] = change
    second |= {"version": "2027.1", "effective_from": change}
    unpaid = next(cap for cap in second["disposal_types"]["adult_conditional_caution"]["hour_caps"]
                  if cap["counts"] == ["unpaid_work"])
    unpaid["hours"] = 10
    first_path.write_text(yaml.safe_dump(first))
    (rules / "current_practice" / "2027.1.yaml").write_text(yaml.safe_dump(second))
    monkeypatch.setitem(app.extensions, "rule_packs", load_all(rules))
    return change


def test_every_decision_records_the_version_it_was_made_under(two_versions):
    case = factories.issued(conditions=(factories.REHABILITATIVE, TWENTY_HOURS_UNPAID))
    assert case.pack_version == "2026.1"
    assert (case.screening.pack_id, case.screening.pack_version) == ("current_practice", "2026.1")
    assert case.document.pack_version == "2026.1"
    with factories.on_day(two_versions):
        later = factories.draft(given="Lou", family="Later")
    assert later.pack_version == "2027.1"


def test_an_issued_case_keeps_the_version_it_was_given_under(two_versions):
    case = factories.issued(conditions=(factories.REHABILITATIVE, TWENTY_HOURS_UNPAID))
    with factories.on_day(two_versions + timedelta(days=1)):
        db.session.expire_all()
        assert pack_of(case).version == "2026.1"  # 15 hours of unpaid work were within its rules, and still are
        assert readiness.condition_problems(case, case.issued_on, case.deadline) == []


def test_a_case_still_being_prepared_is_judged_by_the_version_in_force_when_it_is_decided(two_versions):
    case = factories.ready(conditions=(factories.REHABILITATIVE, TWENTY_HOURS_UNPAID))
    assert case.status is CaseStatus.READY and case.pack_version == "2026.1"
    with factories.on_day(two_versions):
        demo.screen(case, officer=factories.user("officer-north"))
        assert case.pack_version == "2027.1" and case.screening.pack_version == "2027.1"
        assert [s.pack_version for s in case.screenings] == ["2026.1", "2027.1"]  # the first is kept as it was
        assert ("Unpaid work adds up to 15 hours; the most allowed for an adult conditional caution is 10 hours."
                in readiness.condition_problems(case))
        assert case.status is CaseStatus.SCREENING


def test_no_version_in_force_on_the_decision_day_is_refused(two_versions, app, monkeypatch):
    case = factories.ready()
    regimes = dict(app.extensions["rule_packs"])
    current = regimes["current_practice"]
    monkeypatch.setitem(app.extensions, "rule_packs", regimes | {"current_practice": type(current)(
        current.id, current.versions[:1])})  # only the first version, which ends at the change
    with factories.on_day(two_versions), pytest.raises(RuleViolation, match="the law for it is not in force"):
        demo.screen(case, officer=factories.user("officer-north"))

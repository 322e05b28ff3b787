"""A community caution's financial penalty after a flag: offered only where the pack holds its amount (the shipped
pack holds none, as the regulations are unmade), at most that amount; the case ends with it; the payment is recorded
with evidence; unpaid after its date, the sweep flags it and the registration certificate's data are produced, as a
printable page and a CSV row."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases.models import CaseStatus
from app.compliance import decisions, penalties
from app.compliance.jobs import sweep
from app.compliance.models import DecisionFact, FactKind, FinancialPenalty, Flag, FlagKind, FlagStatus
from app.compliance.services import raise_flag
from app.errors import InvalidTransition, RuleViolation
from app.extensions import db
from app.victims.models import VictimUpdate
from tests import factories
from tests.conftest import csrf_from

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

ISSUED_ON = date(2026, 10, 5)
LATER = ISSUED_ON + timedelta(days=20)
DAYS_TO_PAY = 28


COMMENCED = date(2025, 1, 1)  # PCSC Part 6, in these tests


@pytest.fixture
def regulated(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.extensions, "rule_packs", factories.commenced_packs(
        tmp_path, COMMENCED, maximum_pounds=100, days_to_pay=DAYS_TO_PAY))


@pytest.fixture
def unregulated(app, tmp_path, monkeypatch):
    """Commenced, but no amounts: as the shipped pack holds them."""
    monkeypatch.setitem(app.extensions, "rule_packs", factories.commenced_packs(tmp_path, COMMENCED))


def _flagged(**names):
    with factories.on_day(ISSUED_ON):
        case = factories.issued(regime="pcsc_2022", disposal="community_caution",
                                conditions=(factories.REHABILITATIVE,), **names)
    flag = raise_flag(case, FlagKind.CONDITION_OVERDUE, f"condition_overdue:{case.conditions[0].public_id}",
                      "A condition is overdue", condition=case.conditions[0])
    return case, flag


def _impose(case, flag, amount):
    with factories.on_day(LATER):
        return decisions.decide(case, flag, explanation="No reason given", attempts=[], evidence="Provider's note",
                                decision="financial_penalty", reason="No reasonable excuse", penalty_pounds=amount,
                                by=factories.user("officer-north"))


def test_without_the_regulations_amount_no_penalty_is_offered(ctx, demo_data, unregulated):
    case, flag = _flagged()
    assert decisions.offered(case) == ["excuse_accepted", "conditions_varied"]
    assert decisions.not_available(case) == ["financial_penalty"]
    with pytest.raises(RuleViolation, match="Choose a decision from the list"):
        _impose(case, flag, 50)
    assert flag.status is FlagStatus.OPEN


@pytest.mark.parametrize(("amount", "refused"), [(None, "Enter the amount"), (0, "between £1 and £100"),
                                                  (101, "between £1 and £100"), (1, None), (100, None)])
def test_the_amount_is_at_most_the_packs(ctx, demo_data, regulated, amount, refused):
    case, flag = _flagged()
    if refused:
        with pytest.raises(RuleViolation, match=refused):
            _impose(case, flag, amount)
        assert case.status is CaseStatus.ISSUED
        return
    _impose(case, flag, amount)
    penalty = db.session.scalars(select(FinancialPenalty)).one()
    assert (penalty.amount_pounds, penalty.due_on) == (amount, LATER + timedelta(days=DAYS_TO_PAY))


def test_a_penalty_ends_the_case_and_is_paid_with_evidence(ctx, demo_data, regulated):
    case, flag = _flagged()
    _impose(case, flag, 75)
    assert (case.status, case.ended_on) == (CaseStatus.NON_COMPLIANCE, LATER)
    assert "non_compliance" in db.session.scalars(select(VictimUpdate.decision).where(
        VictimUpdate.case_id == case.id)).all()
    assert db.session.scalars(select(DecisionFact.value).where(DecisionFact.case_id == case.id,
                                                               DecisionFact.kind == FactKind.OUTCOME)).all() == [
        "financial_penalty"]
    penalty = db.session.scalars(select(FinancialPenalty)).one()
    officer = factories.user("officer-north")
    with factories.on_day(LATER + timedelta(days=3)):
        for on, words in ((LATER - timedelta(days=1), "between the day it was imposed and today"),
                          (LATER + timedelta(days=4), "between the day it was imposed and today"),
                          (None, "Enter the date")):
            with pytest.raises(RuleViolation, match=words):
                penalties.record_payment(penalty, paid_on=on, evidence="Receipt", by=officer)
        with pytest.raises(RuleViolation, match="evidence"):
            penalties.record_payment(penalty, paid_on=LATER, evidence=" ", by=officer)
        penalties.record_payment(penalty, paid_on=LATER + timedelta(days=3), evidence="Receipt seen", by=officer)
        with pytest.raises(InvalidTransition, match="recorded paid"):
            penalties.record_payment(penalty, paid_on=LATER, evidence="Receipt", by=officer)
        with pytest.raises(InvalidTransition, match="recorded paid"):
            penalties.produce_registration(penalty, local_justice_area="Northshire", by=officer)


def test_unpaid_after_its_date_it_is_flagged_once_then_its_registration_data_are_produced(ctx, demo_data,
                                                                                       regulated):
    case, flag = _flagged()
    _impose(case, flag, 90)
    penalty = db.session.scalars(select(FinancialPenalty)).one()
    officer = factories.user("officer-north")

    def unpaid_flags():
        return db.session.scalars(select(Flag).where(Flag.kind == FlagKind.PENALTY_UNPAID,
                                                     Flag.status == FlagStatus.OPEN)).all()

    with factories.on_day(penalty.due_on):  # the last day to pay: not late yet
        sweep()
        assert unpaid_flags() == []
        with pytest.raises(InvalidTransition, match="can be registered only after that"):
            penalties.produce_registration(penalty, local_justice_area="Northshire", by=officer)
    with factories.on_day(penalty.due_on + timedelta(days=1)):
        sweep()
        sweep()
        assert [f.reason for f in unpaid_flags()] == [
            f"Financial penalty of £90 not paid by {penalty.due_on.day} November 2026: produce the registration data"]
        with pytest.raises(RuleViolation, match="local justice area"):
            penalties.produce_registration(penalty, local_justice_area=" ", by=officer)
        penalties.produce_registration(penalty, local_justice_area="Northshire", by=officer)
        assert unpaid_flags() == []
        sweep()
        assert unpaid_flags() == []
    data = penalties.registration(penalty)
    assert (data.name, data.amount_pounds, data.local_justice_area) == ("Sam Lee", 90, "Northshire")
    assert data.last_known_address == "1 High Street, Northtown NT1 1AA"
    assert "Registrable as a fine" in data.registrable


def test_the_registration_pages_print_and_export_it_and_a_formula_is_not_run(app, demo_data, regulated,
                                                                             login_as):
    with app.app_context():
        case, flag = _flagged(given="=HYPERLINK(1)")  # a name a spreadsheet would run as a formula
        _impose(case, flag, 60)
        penalty = db.session.scalars(select(FinancialPenalty)).one()
        base, due = f"/cases/{case.public_id}", penalty.due_on
        db.session.commit()
    officer = login_as("officer-north")
    assert login_as("freshstart-manager").get(f"{base}/penalty").status_code == 404
    assert officer.get(f"{base}/penalty/registration.csv").status_code == 404  # not produced yet
    with factories.on_day(due + timedelta(days=2)):
        page = officer.get(f"{base}/penalty/registration")
        assert page.status_code == 200
        refused = officer.post(f"{base}/penalty/registration", data={"csrf_token": csrf_from(page.get_data(
            as_text=True)), "local_justice_area": ""})
        assert refused.status_code == 422 and "Enter the local justice area" in refused.get_data(as_text=True)
        done = officer.post(f"{base}/penalty/registration", data={"csrf_token": csrf_from(page.get_data(
            as_text=True)), "local_justice_area": "Northshire"})
        assert done.status_code == 303
        printed = officer.get(f"{base}/penalty/registration").get_data(as_text=True)
        exported = officer.get(f"{base}/penalty/registration.csv")
    assert "Registrable as a fine" in printed and "Northshire" in printed
    assert exported.mimetype == "text/csv"
    row = next(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert row["name"] == "'=HYPERLINK(1) Lee"
    assert (row["amount_pounds"], row["local_justice_area"], row["due_on"]) == ("60", "Northshire", due.isoformat())


def test_an_unpaid_penalty_is_on_the_officers_home_with_a_link_to_it(app, demo_data, regulated, login_as):
    with app.app_context():
        case, flag = _flagged()
        _impose(case, flag, 40)
        penalty = db.session.scalars(select(FinancialPenalty)).one()
        late = penalty.due_on + timedelta(days=1)
        with factories.on_day(late):
            sweep()
        reason, where = penalties.unpaid_reason(40, penalty.due_on), f"/cases/{case.public_id}/penalty"
        db.session.commit()
    with factories.on_day(late):
        home = login_as("officer-north").get("/").get_data(as_text=True)
    section = home[home.index("app-attention"):]
    assert reason in section and f'href="{where}"' in section

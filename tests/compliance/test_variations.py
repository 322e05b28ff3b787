"""Varying the conditions after a flag, with the person's consent: nothing changes until they sign the next version
of the caution document; then the old conditions are kept as history (never edited in place), the referrals follow
the changed condition, the new deadline holds, and the earlier version stays readable. Within the pack's caps and its
maximum deadline; withdrawn, nothing changes and the flag opens again."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import rules
from app.cases import services as case_services
from app.cases.document import document_hash
from app.cases.models import CaseStatus, Condition, Standing
from app.cases.packs import pack_of
from app.compliance import decisions, ending, variations
from app.compliance.models import DecisionFact, DecisionStatus, FactKind, FlagKind, FlagStatus, VariationStatus
from app.compliance.services import raise_flag
from app.errors import InvalidTransition, RuleViolation
from app.extensions import db
from app.referrals.queries import conditions_of_case
from app.timeline.models import Audience, TimelineEvent
from tests import factories

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

ISSUED_ON = date(2026, 10, 5)
LATER = ISSUED_ON + timedelta(days=20)
UNPAID_WORK = {"type": "unpaid_work", "details": "Clean the park", "hours": 5}


def _flagged(**kw):
    with factories.on_day(ISSUED_ON):
        case = factories.issued(conditions=(factories.REHABILITATIVE, factories.RESTRICTIVE), **kw)
        referral = factories.accepted(case)
    flag = raise_flag(case, FlagKind.CONDITION_OVERDUE, f"condition_overdue:{case.conditions[0].public_id}",
                      "A condition is overdue", condition=case.conditions[0])
    return case, flag, referral


def _varying(case, flag, by="officer-north"):
    with factories.on_day(LATER):
        made = decisions.decide(case, flag, explanation="Was in hospital", attempts=[], evidence="Discharge note seen",
                                decision="conditions_varied", reason="A good reason: a later course date",
                                by=factories.user(by))
    return made, variations.open_variation(case)


def _values(**kw) -> dict:
    return {"type": "attendance", "purpose": "rehabilitative", "hours": 6, "details": "Alcohol awareness course, "
            "the next intake", "due_on": ISSUED_ON + timedelta(weeks=14)} | kw


def _sign(variation, by="officer-north", **kw):
    with factories.on_day(LATER):
        return variations.sign(variation, signed_by_name="Sam Lee", shown_hash=document_hash(variations.text(
            variation)), administered_by="sergeant_or_above", by=factories.user(by), **kw)


def test_nothing_changes_until_the_person_signs_then_the_old_conditions_are_kept_as_history(ctx, demo_data):
    case, flag, referral = _flagged()
    attendance, restriction = case.conditions
    made, variation = _varying(case, flag)
    assert (made.status, flag.status, variation.status) == (DecisionStatus.TAKEN, FlagStatus.DECIDED,
                                                             VariationStatus.PROPOSED)
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        changed = variations.change(variation, attendance, _values(), by=officer)
        added = variations.add(variation, UNPAID_WORK | {"due_on": LATER + timedelta(weeks=4)}, by=officer)
        variations.remove(variation, restriction, by=officer)
        # Proposed only: the case, the person's page and the sweep still see the conditions in force.
        assert [row.condition for row in conditions_of_case(officer, case)] == [attendance, restriction]
        assert [c.id for c in variations.conditions_after(variation)] == [changed.id, added.id]
        first = case.document
        document = _sign(variation)
    assert (document.version, first.version, case.document) == (2, 1, document)
    assert "It replaces version 1, signed on 5 October 2026" in document.text
    assert "Clean the park" in document.text and "Do not enter the Co-op" not in document.text
    assert "Do not enter the Co-op" in first.text and first.sha256 == document_hash(first.text)
    db.session.expire_all()
    assert [c.id for c in case.conditions] == [changed.id, added.id]
    assert [(c.id, c.standing) for c in case.condition_history] == [
        (attendance.id, Standing.ENDED), (restriction.id, Standing.ENDED), (changed.id, Standing.CURRENT),
        (added.id, Standing.CURRENT)]
    assert (attendance.hours, attendance.details, changed.replaces_id) == (4, "Alcohol awareness course",
                                                                           attendance.id)
    assert referral.condition_id == changed.id  # the provider's work goes on, on the condition as changed
    assert variation.status is VariationStatus.SIGNED and variations.open_variation(case) is None
    kinds = db.session.scalars(select(TimelineEvent.kind).where(
        TimelineEvent.case_id == case.id, TimelineEvent.audiences.op("&")(int(Audience.OFFENDER)) != 0)).all()
    assert "conditions_varied" in kinds
    assert "conditions_varied" in db.session.scalars(select(DecisionFact.value).where(
        DecisionFact.case_id == case.id, DecisionFact.kind == FactKind.COMPLIANCE_DECISION)).all()


def test_a_later_deadline_within_the_packs_maximum_needs_a_reason_and_a_supervisors_approval(ctx, demo_data):
    case, flag, _ = _flagged()
    _, variation = _varying(case, flag)
    pack, officer = pack_of(case), factories.user("officer-north")
    maximum = rules.latest_deadline(pack, ISSUED_ON)
    with factories.on_day(LATER):
        with pytest.raises(RuleViolation, match="at most 20 weeks after the caution"):
            variations.set_deadline(variation, maximum + timedelta(days=1), "Hospital stay", by=officer)
        with pytest.raises(RuleViolation, match="needs a reason"):
            variations.set_deadline(variation, maximum, " ", by=officer)
        variations.set_deadline(variation, maximum, "Hospital stay", by=officer)
        assert variations.problems(variation) == ["The later deadline is waiting for a supervisor's approval."]
        with pytest.raises(RuleViolation, match="waiting for a supervisor"):
            _sign(variation)
        case_services.decide_approval(variations.approval_of(variation), approve=True, comment=None,
                                      by=factories.user("supervisor"))
        _sign(variation)
    assert (case.deadline, case.deadline_extension_reason) == (maximum, "Hospital stay")


def test_the_packs_hour_caps_hold_for_the_conditions_as_varied_at_the_cap_and_above(ctx, demo_data):
    case, flag, _ = _flagged()
    _, variation = _varying(case, flag)
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        added = variations.add(variation, UNPAID_WORK | {"hours": 20, "due_on": LATER + timedelta(weeks=2)},
                               by=officer)  # exactly the cap
        with pytest.raises(RuleViolation, match="Unpaid work adds up to 21 hours; the most allowed for an adult "
                                                "conditional caution is 20 hours"):
            variations.add(variation, UNPAID_WORK | {"hours": 1, "due_on": LATER + timedelta(weeks=2)}, by=officer)
        with pytest.raises(RuleViolation, match="after the deadline"):
            variations.change(variation, added, UNPAID_WORK | {"due_on": case.deadline + timedelta(days=1)},
                              by=officer)
        assert variations.problems(variation) == []


def test_withdrawn_nothing_changes_and_the_flag_is_open_for_another_decision(ctx, demo_data):
    case, flag, _ = _flagged()
    made, variation = _varying(case, flag)
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        variations.change(variation, case.conditions[0], _values(), by=officer)
        variations.remove(variation, case.conditions[1], by=officer)
        with pytest.raises(RuleViolation, match="Say why"):
            variations.withdraw(variation, because=" ", by=officer)
        variations.withdraw(variation, because="The person did not agree", by=officer)
    assert (variation.status, made.status, flag.status) == (VariationStatus.WITHDRAWN, DecisionStatus.WITHDRAWN,
                                                            FlagStatus.OPEN)
    assert [c.ended_by_id for c in case.conditions] == [None, None]
    assert db.session.scalars(select(Condition).where(Condition.standing == Standing.PROPOSED)).all() == []
    with pytest.raises(InvalidTransition):
        variations.add(variation, _values(), by=officer)
    with factories.on_day(LATER):
        again = decisions.decide(case, flag, explanation="Was in hospital", attempts=[], evidence="Note",
                                 decision="excuse_accepted", reason="Accepted after all", by=officer)
    assert again.status is DecisionStatus.TAKEN


def test_one_variation_at_a_time_and_no_completion_while_it_waits(ctx, demo_data):
    case, flag, _ = _flagged()
    _varying(case, flag)
    other = raise_flag(case, FlagKind.DEADLINE_PASSED, f"deadline_passed:{case.id}", "Deadline passed")
    with pytest.raises(RuleViolation, match="already being agreed"):
        _varying(case, other)
    assert other.status is FlagStatus.OPEN
    with pytest.raises(InvalidTransition, match="waiting for the person's signature"):
        ending.complete(case, by=factories.user("officer-north"))


def test_the_signature_is_refused_when_the_document_changed_after_it_was_shown_or_nothing_is_varied(ctx, demo_data):
    case, flag, _ = _flagged()
    _, variation = _varying(case, flag)
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        assert variations.problems(variation) == ["Nothing is varied yet: change, add or remove a condition, or set "
                                                  "a new deadline."]
        variations.change(variation, case.conditions[0], _values(), by=officer)
        shown = document_hash(variations.text(variation))
        variations.change(variation, case.conditions[0], _values(hours=8), by=officer)
        with pytest.raises(RuleViolation, match="changed after it was shown"):
            variations.sign(variation, signed_by_name="Sam Lee", shown_hash=shown,
                            administered_by="sergeant_or_above", by=officer)
        with pytest.raises(RuleViolation, match="sergeant rank or above"):
            variations.sign(variation, signed_by_name="Sam Lee", shown_hash=document_hash(variations.text(variation)),
                            administered_by="constable", by=officer)
    assert case.document.version == 1


def test_a_done_condition_stays_and_one_with_an_open_referral_is_changed_not_removed(ctx, demo_data):
    case, flag, _ = _flagged()
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        ending.record_condition_result(case, case.conditions[1], result="completed", evidence="Shop confirmed",
                                       on=LATER, by=officer)
    _, variation = _varying(case, flag)
    with factories.on_day(LATER):
        with pytest.raises(InvalidTransition, match="done"):
            variations.remove(variation, case.conditions[1], by=officer)
        with pytest.raises(RuleViolation, match="referral that is still open"):
            variations.remove(variation, case.conditions[0], by=officer)


def test_a_community_resolution_is_varied_too_and_an_ended_case_is_not(ctx, demo_data):
    case, flag, _ = _flagged(disposal="community_resolution")
    _, variation = _varying(case, flag)
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        variations.change(variation, case.conditions[0], _values(), by=officer)
        document = variations.sign(variation, signed_by_name="Sam Lee", shown_hash=document_hash(variations.text(
            variation)), administered_by="constable", by=officer)
    assert "caution" not in document.text.lower().replace("not a conviction or a caution", "")
    assert case.status is CaseStatus.ISSUED and document.version == 2


@pytest.mark.parametrize(("regime", "disposal", "cap", "decisions_offered"), [
    ("current_practice", "adult_conditional_caution", 20, ["excuse_accepted", "conditions_varied",
                                                           "refer_for_prosecution"]),
    ("current_practice", "community_resolution", None, ["excuse_accepted", "conditions_varied"]),
    ("pcsc_2022", "diversionary_caution", 20, ["excuse_accepted", "conditions_varied", "refer_for_prosecution"]),
    ("pcsc_2022", "community_caution", 10, ["excuse_accepted", "conditions_varied"]),
])
def test_each_disposal_varies_within_its_own_packs_unpaid_work_cap(app, ctx, demo_data, tmp_path, monkeypatch,
                                                                   regime, disposal, cap, decisions_offered):
    monkeypatch.setitem(app.extensions, "rule_packs", factories.commenced_packs(tmp_path, date(2025, 1, 1)))
    case, flag, _ = _flagged(regime=regime, disposal=disposal)
    assert decisions.offered(case) == decisions_offered
    _, variation = _varying(case, flag)
    officer, due = factories.user("officer-north"), LATER + timedelta(weeks=2)
    with factories.on_day(LATER):
        if cap is None:
            with pytest.raises(RuleViolation, match="cannot have an unpaid work condition"):
                variations.add(variation, UNPAID_WORK | {"due_on": due}, by=officer)
            return
        variations.add(variation, UNPAID_WORK | {"hours": cap, "due_on": due}, by=officer)
        with pytest.raises(RuleViolation, match=f"the most allowed for an? {disposal.replace('_', ' ')} is {cap} "):
            variations.add(variation, UNPAID_WORK | {"hours": 0.5, "due_on": due}, by=officer)
        assert _sign(variation).version == 2


def test_the_variation_pages_refuse_bad_input_in_words_and_sign_with_consent(app, demo_data, login_as):
    from tests.conftest import csrf_from

    with app.app_context():
        case, flag, referral = _flagged()
        _, variation = _varying(case, flag)
        base = f"/cases/{case.public_id}/variations/{variation.public_id}"
        referral_page = f"/referrals/{referral.public_id}"
        first, case_id = str(case.conditions[0].public_id), str(case.public_id)
        db.session.commit()
    officer = login_as("officer-north")
    with factories.on_day(LATER):  # the day the officer varies it, on every page
        page = officer.get(base)
        token = csrf_from(page.get_data(as_text=True))
        assert page.status_code == 200 and "Nothing is varied yet" in page.get_data(as_text=True)
        for due, status in ((ISSUED_ON + timedelta(weeks=16, days=1), 422), (LATER + timedelta(weeks=2), 303)):
            sent = officer.post(f"{base}/conditions/{first}", data={
                "csrf_token": token, "type": "attendance", "purpose": "rehabilitative", "hours": "6",
                "details": "Later", "due_on": [due.day, due.month, due.year]})
            assert sent.status_code == status
        assert "after the deadline" in officer.post(f"{base}/conditions/{first}", data={
            "csrf_token": token, "type": "attendance", "purpose": "rehabilitative", "hours": "6", "details": "Later",
            "due_on": ["1", "1", "2030"]}).get_data(as_text=True)
        document = officer.get(f"{base}/document").get_data(as_text=True)
        assert "VARIATION" in document and "It replaces version 1" in document
        signature = {"csrf_token": token, "signed_by_name": "Sam Lee", "signed": "y",
                     "administered_by": "sergeant_or_above",
                     "document_hash": re.search(r'name="document_hash" value="([0-9a-f]{64})"', document).group(1)}
        no_consent = officer.post(f"{base}/document", data=signature)
        assert no_consent.status_code == 422 and "Confirm the person agrees" in no_consent.get_data(as_text=True)
        signed = officer.post(f"{base}/document", data=signature | {"consented": "y"})
    assert signed.status_code == 303 and signed.headers["Location"].endswith(f"/cases/{case_id}/document")
    latest = officer.get(f"/cases/{case_id}/document").get_data(as_text=True)
    earlier = officer.get(f"/cases/{case_id}/document/1").get_data(as_text=True)
    assert "Version 2" in latest and "It replaces version 1" in latest
    assert "It was replaced by version 2" in earlier and "VARIATION" not in earlier
    # The provider's referral now names the condition as varied, beside what was sent to it.
    provider = login_as("freshstart-manager").get(referral_page).get_data(as_text=True)
    assert "The conditions were varied after this referral was sent. The condition now reads: Attendance: Later" \
        in provider
    assert officer.get(base).status_code == 200  # now a record of what was signed
    assert officer.get(f"{base}/document").status_code == 404  # nothing more to sign


def test_the_supervisor_sees_the_varied_deadline_to_approve(app, demo_data, login_as):
    with app.app_context():
        case, flag, _ = _flagged()
        _, variation = _varying(case, flag)
        later = rules.latest_deadline(pack_of(case), ISSUED_ON)
        with factories.on_day(LATER):
            variations.set_deadline(variation, later, "A hospital stay", by=factories.user("officer-north"))
        db.session.commit()
    page = login_as("supervisor").get("/cases/approvals").get_data(as_text=True)
    assert "Later deadline, in varied conditions" in page and "A hospital stay" in page
    assert f"{later.day} February 2027 (now 25 January 2027)" in page

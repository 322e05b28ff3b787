"""After issue: the officer records whether a condition was done (with the evidence seen) and confirms completion
when every condition is done; the case ends with its disposal's outcome code and the person is told. Who may, and
the refusals with what to do instead."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.cases.models import CaseStatus
from app.compliance import ending, facts
from app.compliance.models import DecisionFact, FactKind, FlagKind, FlagStatus
from app.compliance.services import raise_flag
from app.errors import InvalidTransition, RuleViolation
from app.extensions import db
from app.notifications.models import Notification
from app.timeline.models import Audience, TimelineEvent
from tests import factories
from tests.compliance.test_flags import flags_of
from tests.conftest import csrf_from

ISSUED_ON = date(2026, 10, 5)
LATER = ISSUED_ON + timedelta(days=20)



def _issued(**kw):
    with factories.on_day(ISSUED_ON):
        return factories.issued(victim=False, conditions=(factories.RESTRICTIVE,), **kw)


def _record(case, *, result="completed", evidence="Seen by the officer", on=None, by="officer-north"):
    condition = case.conditions[0]
    ending.record_condition_result(case, condition, result=result, evidence=evidence, on=on or LATER,
                                   by=factories.user(by))
    return condition


@pytest.mark.parametrize(("on", "allowed"), [
    (ISSUED_ON - timedelta(days=1), False), (ISSUED_ON, True), (LATER, True), (LATER + timedelta(days=1), False)])
def test_the_date_a_condition_was_done_lies_between_the_caution_and_today(ctx, demo_data, on, allowed):
    case = _issued()
    with factories.on_day(LATER):
        if allowed:
            assert _record(case, on=on).outcome_on == on
        else:
            with pytest.raises(RuleViolation, match="between the day the caution was given and today"):
                _record(case, on=on)


def test_a_result_needs_evidence_and_a_known_answer(ctx, demo_data):
    case = _issued()
    with factories.on_day(LATER):
        with pytest.raises(RuleViolation) as refused:
            _record(case, result="breached", evidence="  ")
        assert {p.field for p in refused.value.by_field} == {"result", "evidence"}


def test_not_done_then_done_but_never_undone_and_the_overdue_flag_goes(ctx, demo_data):
    case = _issued()
    condition = case.conditions[0]
    raise_flag(case, FlagKind.CONDITION_OVERDUE, f"condition_overdue:{condition.public_id}", "Overdue",
               condition=condition)
    with factories.on_day(LATER):
        _record(case, result="not_done", evidence="The shop's manager saw them inside")
        assert flags_of(case, FlagKind.CONDITION_OVERDUE)[0].status is FlagStatus.CLEARED
        assert not ending.can_complete(factories.user("officer-north"), case)
        _record(case, result="completed", evidence="Kept away for the whole period")
        with pytest.raises(InvalidTransition, match="already recorded as done"):
            _record(case, result="not_done")
    said = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                          TimelineEvent.kind == "condition_result")).all()
    assert [e.detail["result"] for e in said] == ["not_done", "completed"]
    assert all(e.audiences & Audience.OFFENDER and not e.audiences & Audience.VICTIM for e in said)
    assert [f.value for f in db.session.scalars(select(DecisionFact).where(
        DecisionFact.case_id == case.id, DecisionFact.kind == FactKind.COMPLIANCE_DECISION))] == [
        "condition_not_done", "condition_completed"]


@pytest.mark.parametrize(("disposal", "code"), [("adult_conditional_caution", "3"),
                                                ("community_resolution", "8")])
def test_completion_needs_every_condition_done_and_records_the_outcome_code(ctx, demo_data, disposal, code):
    case = _issued(disposal=disposal)
    officer = factories.user("officer-north")
    with factories.on_day(LATER):
        with pytest.raises(InvalidTransition, match="Not every condition is done"):
            ending.complete(case, by=officer)
        _record(case)
        ending.complete(case, by=officer)
    assert (case.status, case.outcome_code, case.ended_on, case.ended_by_id) == (
        CaseStatus.COMPLETED, code, LATER, officer.id)
    outcome = db.session.scalars(select(DecisionFact).where(DecisionFact.case_id == case.id,
                                                            DecisionFact.kind == FactKind.OUTCOME)).one()
    assert (outcome.value, outcome.quarter) == ("completed", facts.quarter(LATER))
    with pytest.raises(InvalidTransition, match="not open"):
        ending.complete(case, by=officer)


def test_the_person_is_told_by_their_own_channel_and_open_flags_close(ctx, demo_data):
    case = _issued()
    case.offender.email, case.offender.preferred_channel = "sam@example.org", "email"
    raise_flag(case, FlagKind.DEADLINE_PASSED, f"deadline_passed:{case.public_id}", "Deadline passed")
    with factories.on_day(LATER):
        _record(case)
        ending.complete(case, by=factories.user("supervisor"))
    told = db.session.scalars(select(Notification).where(Notification.case_id == case.id,
                                                         Notification.template == "case_finished")).all()
    assert [(n.medium, n.person_id) for n in told] == [("email", case.offender_id)]
    assert all(f.status is FlagStatus.CLEARED for f in flags_of(case))


def _page(login_as, who, path):
    client = login_as(who)
    return client, client.get(path)


@pytest.mark.parametrize(("who", "status"), [("officer-north", 200), ("supervisor", 200), ("coordinator", 200),
                                             ("officer-south", 404), ("supervisor-south", 404),
                                             ("freshstart-manager", 404), ("westshire-coordinator", 404)])
def test_who_may_record_a_result(app, demo_data, login_as, who, status):
    with app.app_context():
        case = _issued()
        path = f"/cases/{case.public_id}/conditions/{case.conditions[0].public_id}/result"
        db.session.commit()
    assert _page(login_as, who, path)[1].status_code == status


def test_bad_input_is_422_keeping_what_was_typed_then_the_result_and_completion(app, demo_data, login_as):
    with app.app_context():
        case = _issued()
        base, condition = f"/cases/{case.public_id}", case.conditions[0].public_id
        db.session.commit()
    client, page = _page(login_as, "officer-north", f"{base}/conditions/{condition}/result")
    token = csrf_from(page.get_data(as_text=True))
    today = clock.today()
    typed = "Kept away, seen on the camera"
    refused = client.post(f"{base}/conditions/{condition}/result", data={
        "csrf_token": token, "evidence": typed, "on": [today.day, today.month, ""]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Choose whether the condition was done" in html and "must include a year" in html and typed in html
    assert login_as("officer-north").get(f"{base}/complete").status_code == 200  # says what is missing
    done = client.post(f"{base}/conditions/{condition}/result", data={
        "csrf_token": token, "result": "completed", "evidence": typed, "on": [today.day, today.month, today.year]})
    assert done.status_code == 303
    confirm = client.get(f"{base}/complete")
    assert "Home Office outcome code 3" in confirm.get_data(as_text=True)
    assert client.post(f"{base}/complete", data={"csrf_token": token}).status_code == 303
    after = client.get(f"{base}/conditions/{condition}/result")
    assert after.status_code == 409 and "not open" in after.get_data(as_text=True)


def test_a_victim_who_opted_in_is_owed_the_completion_in_their_own_words(ctx, demo_data):
    from app.victims.models import VictimUpdate

    with factories.on_day(ISSUED_ON):
        case = factories.issued(conditions=(factories.RESTRICTIVE,))
    with factories.on_day(LATER):
        _record(case)
        ending.complete(case, by=factories.user("officer-north"))
    owed = db.session.scalars(select(VictimUpdate).where(VictimUpdate.decision == "completed")).all()
    assert [u.case_victim_id for u in owed] == [case.victims[0].id]
    words = db.session.scalars(select(TimelineEvent.kind).where(
        TimelineEvent.case_id == case.id, TimelineEvent.audiences.op("&")(int(Audience.VICTIM)) != 0)).all()
    assert "victim_completed" in words and "case_completed" not in words


def test_when_the_service_and_then_the_case_end_nobody_is_reminded_of_them(app, ctx, demo_data):
    """An appointment still booked when the end-of-service report comes, and the deadline's reminder once the case
    is complete: what has not gone is cancelled, so the person is never reminded of a finished caution."""
    from app.notifications.jobs import plan_reminders
    from app.notifications.models import NotificationStatus
    from app.referrals import services as referrals

    with factories.on_day(ISSUED_ON):
        case = factories.by_email(factories.issued(victim=False, conditions=(
            factories.REHABILITATIVE, factories.RESTRICTIVE)), "sam@example.org")
        working = factories.accepted(case)
        booked = factories.appointment(working, factories.at(10))

    def pending(prefix: str) -> int:
        return len(db.session.scalars(select(Notification).where(
            Notification.case_id == case.id, Notification.status == NotificationStatus.PENDING,
            Notification.key.startswith(prefix))).all())

    assert pending(f"reminder:{booked.public_id}:") == 3  # 7, 3 and 1 days before
    with factories.on_day(ISSUED_ON + timedelta(days=2)):
        referrals.end_referral(working, "completed", summary="Came to every session", reason=None,
                               by=factories.user("freshstart-manager"))
    assert pending(f"reminder:{booked.public_id}:") == 0
    with factories.on_day(case.deadline - timedelta(days=7)):  # the restriction is still open
        plan_reminders(app)
        assert pending("deadline:") == 1
        officer = factories.user("officer-north")
        ending.record_condition_result(case, case.conditions[1], result="completed", evidence="The shop confirmed",
                                       on=clock.today(), by=officer)
        ending.complete(case, by=officer)
    assert case.status is CaseStatus.COMPLETED and pending("deadline:") == 0
    assert pending(f"finished:{case.public_id}") == 1  # what tells the person it is finished still goes

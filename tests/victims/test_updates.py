"""Victims' Code times: each key decision owes each opted-in victim an update, due in the pack's working days
(England and Wales: weekends and bank holidays skipped), written to the outbox with the decision when they chose
email or a text, given when it is sent (or at once on the portal); one no message can carry is the officer's to
give and record; one not given by its date is a flag for the officer and a line on the coordinator's page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.cases import closure
from app.cases.models import Case
from app.compliance.models import Flag, FlagKind, FlagStatus
from app.extensions import db
from app.notifications import dispatch, messages
from app.notifications.channels import Channel, OutboxChannel, PermanentFailure
from app.notifications.models import Notification, NotificationStatus
from app.notifications.timings import working_days_after
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words
from app.victims import jobs, services
from app.victims.models import VictimUpdate
from tests import factories
from tests.conftest import csrf_from, sign_in
from tests.notifications.helpers import london
from tests.victims.helpers import issued_with_kim, ready_with_kim, text

pytestmark = pytest.mark.calendar

FRIDAY = date(2027, 5, 28)  # the Friday before the late May bank holiday (Monday 31 May 2027)


def test_working_days_skip_the_weekend_and_the_bank_holiday():
    assert working_days_after(FRIDAY, 1) == date(2027, 6, 1)  # not Saturday, Sunday or the bank holiday Monday
    assert working_days_after(FRIDAY, 5) == date(2027, 6, 7)
    assert working_days_after(date(2027, 6, 1), 5) == date(2027, 6, 8)  # an ordinary week
    assert working_days_after(date(2026, 12, 24), 5) == date(2027, 1, 5)  # Christmas, Boxing Day (Mon), New Year


def _updates(case=None) -> list[VictimUpdate]:
    query = select(VictimUpdate).order_by(VictimUpdate.id)
    return list(db.session.scalars(query.where(VictimUpdate.case_id == case.id) if case else query))


def test_the_update_is_due_in_five_working_days_or_one_for_enhanced_rights(ctx, demo_data):
    with factories.on_day(FRIDAY):
        plain = issued_with_kim()
        enhanced = issued_with_kim(enhanced=True)
    (owed,) = _updates(plain)
    assert (owed.decision, owed.decided_on, owed.due_on) == ("caution_given", FRIDAY, date(2027, 6, 7))
    assert _updates(enhanced)[0].due_on == date(2027, 6, 1)
    # On the portal: given when written (their page shows it).
    assert owed.given_how == "portal" and owed.given_at is not None and owed.message_key is None
    # Deciding again is a no-op: one update per decision per victim.
    with factories.on_day(FRIDAY):
        services.decision_made(plain, "caution_given")
    assert len(_updates(plain)) == 1
    with pytest.raises(ValueError):
        services.decision_made(plain, "lunch")


def test_a_victim_who_did_not_opt_in_reads_the_decision_but_is_owed_no_update(ctx, demo_data):
    case = issued_with_kim(channel=None)
    assert _updates(case) == []
    assert db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "victim_caution_given",
                                                         TimelineEvent.case_id == case.id)) is not None


def test_by_email_the_update_is_written_with_the_decision_and_given_when_sent(ctx, demo_data):
    with factories.on_day(FRIDAY):
        case = issued_with_kim(channel="email", val_channel="sms")
    kim_update, val_update = _updates(case)
    sent = {n.key: n for n in db.session.scalars(select(Notification).where(Notification.template == "victim_update"))}
    assert set(sent) == {kim_update.message_key, val_update.message_key}
    assert {n.medium for n in sent.values()} == {"email", "sms"}
    for n in sent.values():
        subject, body = messages.render(n.template, n.medium, n.personalisation)
        said = f"{subject} {body} {n.personalisation}".lower()
        assert "there is an update about your case" in said and f"/my/victim-cases/{case.public_id}" in said
        # Nothing about the offence or the person on a lock screen.
        assert not [w for w in ("caution", "police", "offence", "oli", "fender", "theft") if w in said]
    assert kim_update.given_at is None
    with clock.frozen(london(2027, 5, 28, 11, 0)):
        dispatch.dispatch(OutboxChannel())
        db.session.commit()
        jobs.sweep()
    db.session.expire_all()
    kim_update, val_update = _updates(case)
    assert kim_update.given_how == "email" and kim_update.given_at == london(2027, 5, 28, 11, 0)
    assert val_update.given_how == "sms"


def _late_flags(case) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.case_id == case.id,
                                                      Flag.kind == FlagKind.VICTIM_UPDATE_LATE)))


def test_an_update_not_given_by_its_date_is_flagged_shown_to_the_coordinator_and_cleared_when_given(app,
                                                                                                    demo_data):
    with app.app_context():
        with factories.on_day(FRIDAY):
            case = issued_with_kim(channel="post")  # no message can carry it: the officer must
        ids = {"case": case.public_id, "update": _updates(case)[0].public_id, "reference": case.reference}
        db.session.commit()
        for at, flagged in ((london(2027, 6, 7, 23, 0), False), (london(2027, 6, 8, 0, 30), True),
                            (london(2027, 6, 8, 9, 0), True)):
            with clock.frozen(at):
                jobs.sweep()
                db.session.commit()
            assert [f.status for f in _late_flags(case)] == ([FlagStatus.OPEN] if flagged else []), at
        (flag,) = _late_flags(case)
        assert "was due by 7 June 2027" in flag.reason
        told = db.session.scalars(select(Notification).where(Notification.template == "flag_raised")).all()
        assert len(told) == 2  # once, in the portal and by email, however often the sweep runs
        db.session.remove()
    with clock.frozen(london(2027, 6, 8, 10, 0)):
        coordinator = app.test_client()
        sign_in(coordinator, "coordinator")
        home = text(coordinator.get("/").get_data(as_text=True))
        assert "Late victim updates" in home
        assert f"Case Decision Due by Officer {ids['reference']} Caution given 7 June 2027 PC Amy Clarke" in home
        officer = app.test_client()
        sign_in(officer, "officer-north")
        page = officer.get(f"/cases/{ids['case']}").get_data(as_text=True)
        assert "I have told the victim" in page and "Tell them yourself, then record it." in text(page)
        url = f"/cases/{ids['case']}/victim-updates/{ids['update']}/given"
        bad = officer.post(url, data={"csrf_token": csrf_from(page)})
        assert bad.status_code == 422 and "Choose how you told the victim" in text(bad.get_data(as_text=True))
        assert officer.post(url, data={"csrf_token": csrf_from(page), "how": "carrier pigeon"}).status_code == 422
        assert officer.post(url, data={"csrf_token": csrf_from(page), "how": "phone"}).status_code == 303
        again = officer.post(url, data={"csrf_token": csrf_from(page), "how": "phone"})
        assert again.status_code == 409  # already given
        assert "Every victim update in the force is on time." in text(coordinator.get("/").get_data(as_text=True))
        assert "Given 8 June 2027 by phone" in text(officer.get(f"/cases/{ids['case']}").get_data(as_text=True))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == ids["case"]))
        assert [f.status for f in _late_flags(case)] == [FlagStatus.CLEARED]
        with clock.frozen(london(2027, 6, 9, 9, 0)):
            jobs.sweep()
        assert [f.status for f in _late_flags(case)] == [FlagStatus.CLEARED]
        event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "victim_update_given"))
        assert words(event, None) == "Victim told of the caution given by phone"


class _Refusing(Channel):
    """A channel that refuses every address for good, as Notify does an invalid one."""

    name, media = "refusing", frozenset({"email", "sms"})

    def send(self, message):
        raise PermanentFailure("the address is not valid")


def test_a_message_that_cannot_be_sent_leaves_the_update_to_the_officer(ctx, demo_data):
    case = issued_with_kim(channel="email")
    assert len(_updates(case)) == 1
    with clock.frozen(clock.now() + timedelta(minutes=1)):
        dispatch.dispatch(_Refusing())
    db.session.expire_all()
    from app.victims import queries

    (row,) = queries.for_case(case)
    assert row.needs_officer and row.message is NotificationStatus.FAILED
    jobs.sweep()
    assert _updates(case)[0].given_at is None
    # The officer is told in words for a victim, not as if reminders to the person were failing.
    reasons = db.session.scalars(select(Flag.reason).where(Flag.case_id == case.id,
                                                           Flag.kind == FlagKind.NOT_REACHING)).all()
    assert reasons == ["Updates are not reaching a victim by email: check their contact details"]


def test_a_case_closed_before_issue_tells_each_victim_and_the_officer_gives_it(ctx, demo_data):
    with factories.on_day(FRIDAY):
        case = ready_with_kim(channel="portal")
        closure.close_case(case, reason="no_further_action", note=None, by=case.officer)
    (owed,) = _updates(case)
    assert owed.decision == "case_closed" and owed.due_on == date(2027, 6, 7)
    assert owed.given_at is None  # before issue the public have no page of the case
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "victim_case_closed"))
    assert words(event, Audience.VICTIM) == (
        "The police closed the case on 28 May 2027. The police will take no further action. Your police contact "
        "can tell you more")


def test_later_decisions_are_worded_for_the_victim(ctx, demo_data):

    case = issued_with_kim()
    with factories.on_day(FRIDAY):
        services.decision_made(case, "completed")
        services.decision_made(case, "non_compliance", outcome="they will be prosecuted for the offence")
    read = {e.kind: words(e, Audience.VICTIM) for e in db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.kind.in_(("victim_completed", "victim_non_compliance"))))}
    assert read == {"victim_completed": "The person did everything the caution asked. The case finished on 28 May 2027",
                    "victim_non_compliance": "The person did not do everything the caution asked. The police "
                                             "decided what happens next on 28 May 2027: they will be prosecuted for "
                                             "the offence"}
    assert {u.decision for u in _updates(case)} == {"caution_given", "completed", "non_compliance"}


def test_the_compliance_sweep_leaves_a_late_update_on_a_closed_case_open(ctx, demo_data):
    from app.compliance import jobs as compliance_jobs

    with factories.on_day(FRIDAY):
        case = ready_with_kim(channel="email")  # before issue: the email still goes
        closure.close_case(case, reason="sent_for_charge", note=None, by=case.officer)
    (owed,) = _updates(case)
    n = db.session.scalar(select(Notification).where(Notification.key == owed.message_key))
    n.status = NotificationStatus.CANCELLED  # say the address stopped working before it went
    with clock.frozen(london(2027, 6, 8, 9, 0)):
        jobs.sweep()
        compliance_jobs.sweep()
    assert [f.status for f in _late_flags(case)] == [FlagStatus.OPEN]

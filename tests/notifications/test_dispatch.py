"""The dispatcher, through the real GOV.UK Notify client against the loopback Notify server (which checks the
client's JWT), and through the development outbox: sent once, retried with backoff up to the budget, failed for
good on an invalid number, recovered after a crash without sending twice, held in quiet hours."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.auth import public_invitations
from app.cases import corrections
from app.compliance.models import Flag, FlagKind, FlagStatus
from app.extensions import db
from app.notifications import dispatch, timings
from app.notifications.channels import OutboxChannel, Outgoing
from app.notifications.models import NotificationStatus
from app.notifications.notify import NotifyChannel
from app.organisations.models import Role
from tests import factories
from tests.notifications.helpers import PHONE, case_for, london, pending, rows

T = timings.get()
STARTS = london(2027, 6, 15, 14, 30)
SEVEN_DAYS_BEFORE = timings.at_london(STARTS.date() - timedelta(days=7), T.send_at)


@pytest.fixture
def notify(notify_server):
    channel = NotifyChannel(notify_server.api_key, notify_server.base_url,
                            {"*.sms": str(uuid.uuid4()), "*.email": str(uuid.uuid4())})
    yield channel
    channel.close()


def _booked(medium: str = "sms"):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, sent = case_for(medium)
        appointment = factories.appointment(sent, STARTS)
        db.session.commit()
    return case, appointment


def test_a_due_reminder_is_sent_once(ctx, demo_data, notify, notify_server):
    _booked()
    with clock.frozen(SEVEN_DAYS_BEFORE):
        assert dispatch.dispatch(notify) == 1
        assert dispatch.dispatch(notify) == 0
    (message,) = notify_server.messages
    sent, *later = rows(template="appointment_reminder")
    assert sent.status is NotificationStatus.SENT and sent.reference == message["id"] and sent.channel == "notify"
    assert message["to"] == PHONE and message["reference"] == sent.key and message["type"] == "sms"
    body = message["personalisation"]["body"]
    assert "in 7 days, Tuesday 15 June 2027 at 2:30pm" in body
    assert all(n.status is NotificationStatus.PENDING for n in later)


def test_a_temporary_failure_is_retried_with_backoff_until_the_budget(ctx, demo_data, notify, notify_server):
    case, _ = _booked()
    moment = SEVEN_DAYS_BEFORE
    for attempt in range(1, T.max_attempts + 1):
        notify_server.fail_next(500)
        with clock.frozen(moment):
            dispatch.dispatch(notify)
        n = rows(template="appointment_reminder")[0] if attempt < T.max_attempts else None
        if n is None:
            break
        ceiling = min(T.backoff_cap_seconds, T.backoff_seconds * 2 ** (attempt - 1))
        assert n.status is NotificationStatus.PENDING and n.attempts == attempt
        assert moment + timedelta(seconds=ceiling / 2) <= n.next_attempt_at <= moment + timedelta(seconds=ceiling)
        moment = n.next_attempt_at
    failed = rows(status=NotificationStatus.FAILED)
    assert len(failed) == 1 and failed[0].attempts == T.max_attempts
    assert [m["type"] for m in notify_server.messages] == ["email"]  # only the officer's, about the flag below
    assert case.offender.phone_failed_at is None  # the number may work: only this message failed
    flag, = db.session.scalars(select(Flag).where(Flag.case_id == case.id)).all()
    assert flag.kind is FlagKind.NOT_REACHING and flag.reason.startswith("Reminders are not reaching the person")


def test_an_invalid_number_fails_for_good_and_is_not_tried_again(ctx, demo_data, notify, notify_server):
    case, _ = _booked()
    notify_server.invalid.add(PHONE)
    with clock.frozen(SEVEN_DAYS_BEFORE):
        dispatch.dispatch(notify)
    failed, = rows(status=NotificationStatus.FAILED)
    assert PHONE not in failed.last_error and failed.attempts == 1
    db.session.refresh(case.offender)
    assert case.offender.phone_failed_at == SEVEN_DAYS_BEFORE
    with clock.frozen(SEVEN_DAYS_BEFORE + timedelta(days=4)):  # the 3-day reminder: no working number
        dispatch.dispatch(notify)
    assert rows(status=NotificationStatus.CANCELLED)[0].last_error == "no working number"
    flag, = db.session.scalars(select(Flag).where(Flag.case_id == case.id)).all()
    assert flag.kind is FlagKind.NOT_REACHING and flag.status is FlagStatus.OPEN
    officer_messages = rows(template="flag_raised")
    assert {n.medium for n in officer_messages} == {"in_app", "email"}  # told once, both ways
    assert PHONE not in str(officer_messages[0].personalisation)
    with clock.frozen(SEVEN_DAYS_BEFORE + timedelta(days=6)):  # the 1-day reminder: still no flag twice
        dispatch.dispatch(notify)
    assert len(rows(template="flag_raised")) == 2
    corrections.correct_contact_details(case, case.offender, {"phone": "07700 900999"},
                                        by=factories.user("officer-north"))
    assert case.offender.phone_failed_at is None
    db.session.refresh(flag)
    assert flag.status is FlagStatus.CLEARED


def test_after_a_crash_nothing_is_sent_twice_and_nothing_is_lost(ctx, demo_data, notify, notify_server):
    """Two reminders claimed by a dispatcher that died: it had sent the first and not recorded it, and had not
    reached the second. Past the lease, the first is found at Notify by its reference; the second is sent."""
    _booked()
    with clock.frozen(STARTS - timedelta(days=2)):  # the 7- and 3-day reminders are both due
        _, ids = dispatch.claim(10)
        first, second = rows(template="appointment_reminder")[:2]
        assert sorted([first.id, second.id]) == ids and first.status is NotificationStatus.SENDING
        notify.send(Outgoing(key=first.key, medium="sms", to=PHONE, template=first.template, subject="",
                             body="sent before the crash"))
        assert dispatch.dispatch(notify) == 0  # within the lease: left alone
    with clock.frozen(STARTS - timedelta(days=2) + timedelta(seconds=T.lease_seconds + 1)):
        dispatch.dispatch(notify)
    assert sorted(m["reference"] for m in notify_server.messages) == sorted([first.key, second.key])
    assert {n.status for n in (first, second)} == {NotificationStatus.SENT}


def test_a_text_message_is_held_in_quiet_hours_without_using_an_attempt(ctx, demo_data, notify, notify_server):
    _booked()
    late = timings.at_london(SEVEN_DAYS_BEFORE.date(), T.quiet_from)  # the dispatcher was down all day
    with clock.frozen(late):
        dispatch.dispatch(notify)
    n = pending()[0]
    assert notify_server.messages == [] and n.attempts == 0
    assert n.next_attempt_at == timings.at_london(SEVEN_DAYS_BEFORE.date() + timedelta(days=1), T.quiet_until)


def test_an_opt_out_after_booking_cancels_what_has_not_gone(ctx, demo_data, notify, notify_server):
    case, _ = _booked()
    corrections.correct_contact_details(case, case.offender, {"reminders_opt_out": True},
                                        by=factories.user("officer-north"))
    with clock.frozen(SEVEN_DAYS_BEFORE):
        dispatch.dispatch(notify)
    assert notify_server.messages == []
    assert rows(status=NotificationStatus.CANCELLED)[0].last_error == "the person asked for no reminders"


def test_an_opt_out_of_reminders_does_not_stop_an_invitation_or_the_code_the_person_asked_for(
        ctx, demo_data, notify, notify_server):
    case, _ = _booked()
    officer = factories.user("officer-north")
    corrections.correct_contact_details(case, case.offender, {"reminders_opt_out": True}, by=officer)
    invitation, _ = public_invitations.issue(case, case.offender, Role.OFFENDER, sent_by="sms", by=officer)
    public_invitations.send_contact_code(invitation)
    with clock.frozen(SEVEN_DAYS_BEFORE):
        dispatch.dispatch(notify)
    assert sorted(n.template for n in rows(status=NotificationStatus.SENT)) == ["portal_check_code",
                                                                                 "portal_invitation"]
    assert [n.template for n in rows(status=NotificationStatus.CANCELLED)] == ["appointment_reminder"]
    assert len(notify_server.messages) == 2


def test_the_outbox_channel_and_in_app_messages(ctx, demo_data):
    _booked("email")
    with clock.frozen(SEVEN_DAYS_BEFORE):
        dispatch.dispatch(OutboxChannel())
    sent = rows(status=NotificationStatus.SENT)
    assert len(sent) == 1 and sent[0].channel == "outbox" and sent[0].medium == "email"


def test_a_deployment_that_cannot_send_texts_says_so(ctx, demo_data):
    from app.notifications.smtp import SmtpChannel

    _booked("sms")
    channel = SmtpChannel(host="127.0.0.1", port=1, security="none", username=None, password=None, sender="x@y.z")
    with clock.frozen(SEVEN_DAYS_BEFORE):
        dispatch.dispatch(channel)
    assert rows(status=NotificationStatus.CANCELLED)[0].last_error == "this deployment cannot send sms"

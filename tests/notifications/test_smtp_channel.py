"""The SMTP channel against a real SMTP server on loopback: what arrives, and what each refusal does to the
outbox row when the dispatcher sends a reminder written the product's way (an appointment booked)."""

from __future__ import annotations

import re
import ssl
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.formats import time_of_day
from app.notifications import dispatch, jobs, reminders, timings
from app.notifications.channels import Outgoing, PermanentFailure, TransientFailure
from app.notifications.models import Notification, NotificationStatus
from app.notifications.smtp import SmtpChannel
from app.people.models import Person
from tests import factories as f
from tests.smtp_server import free_port

pytestmark = pytest.mark.calendar  # the reminder is due on a day counted from today: CI runs these on hostile dates
SENDER = "Resolve <no-reply@resolve.invalid>"
ADDRESS = "sam.lee@example.com"


def channel_for(server, **options) -> SmtpChannel:
    return SmtpChannel(host=server.host, port=server.port, security=options.pop("security", "none"),
                       username=options.pop("username", None), password=options.pop("password", None),
                       sender=SENDER, timeout=5, **options)


def message(to=ADDRESS, key=None) -> Outgoing:
    return Outgoing(key=key or f"test:{uuid.uuid4()}", medium="email", to=to, template="appointment_reminder",
                    subject="Your appointment", body="Your appointment is on Tuesday at 10am.")


@pytest.fixture
def channel(smtp_server):
    channel = channel_for(smtp_server)
    yield channel
    channel.close()


# --- the channel alone ---------------------------------------------------------------------------------------------


def test_a_message_arrives_with_its_headers_and_a_message_id_from_its_key(channel, smtp_server):
    outgoing = message()
    reference = channel.send(outgoing)

    [received] = smtp_server.received()
    assert received.rcpt == (ADDRESS,)
    assert (received.sender, received.to, received.subject) == (SENDER, ADDRESS, "Your appointment")
    assert received.body == "Your appointment is on Tuesday at 10am."
    assert received.message_id == SmtpChannel.message_id(outgoing.key) == reference


def test_one_connection_carries_several_messages(channel, smtp_server):
    keys = [f"test:{i}" for i in range(3)]
    for key in keys:
        channel.send(message(key=key))
    assert [m.message_id for m in smtp_server.received()] == [SmtpChannel.message_id(k) for k in keys]


def test_an_address_refused_for_good_is_permanent(channel, smtp_server):
    smtp_server.refuse[ADDRESS] = "550 5.1.1 No such mailbox"
    with pytest.raises(PermanentFailure) as failure:
        channel.send(message())
    assert ADDRESS not in str(failure.value)
    assert smtp_server.received() == []
    channel.send(message(to="someone.else@example.com"))  # the connection is still good for the next one
    assert len(smtp_server.received()) == 1


def test_an_address_deferred_is_transient(channel, smtp_server):
    smtp_server.refuse[ADDRESS] = "451 4.3.0 Try again later"
    with pytest.raises(TransientFailure, match="451"):
        channel.send(message())
    assert smtp_server.received() == []


def test_a_server_that_wants_a_login_takes_the_right_one(start_smtp_server):
    server = start_smtp_server(auth=("resolve", "right-password"))
    channel = channel_for(server, username="resolve", password="right-password")
    channel.send(message())
    channel.close()
    assert len(server.received()) == 1


@pytest.mark.parametrize("username, password", [("resolve", "wrong-password"), (None, None)])
def test_a_wrong_or_missing_login_is_transient_for_an_operator_to_fix(start_smtp_server, username, password):
    server = start_smtp_server(auth=("resolve", "right-password"))
    channel = channel_for(server, username=username, password=password)
    with pytest.raises(TransientFailure) as failure:
        channel.send(message())
    channel.close()
    assert "right-password" not in str(failure.value)
    assert server.received() == []


def test_no_server_is_transient():
    channel = SmtpChannel(host="127.0.0.1", port=free_port(), security="none", username=None, password=None,
                          sender=SENDER, timeout=2)
    with pytest.raises(TransientFailure, match="cannot reach"):
        channel.send(message())


def _tls_server(start_smtp_server):
    pytest.importorskip("cryptography", reason="the STARTTLS test makes its certificate with `cryptography`")
    return start_smtp_server(tls=True, auth=("resolve", "right-password"))


def test_starttls_to_a_trusted_certificate_then_login(start_smtp_server):
    server = _tls_server(start_smtp_server)
    channel = channel_for(server, security="starttls", username="resolve", password="right-password",
                          context=ssl.create_default_context(cafile=str(server.cafile)))
    channel.send(message())
    channel.close()
    assert len(server.received()) == 1


def test_starttls_to_an_untrusted_certificate_is_refused_before_anything_is_sent(start_smtp_server):
    server = _tls_server(start_smtp_server)
    channel = channel_for(server, security="starttls", username="resolve", password="right-password")
    with pytest.raises(TransientFailure, match="SSLCertVerificationError"):
        channel.send(message())
    assert server.received() == []


# --- through the dispatcher, with a reminder written by booking an appointment ----------------------------------------


@pytest.fixture
def booked(ctx, demo_data):
    """Sam Lee, reachable by email, has an appointment the day after tomorrow at 2pm, booked today at 9am:
    the reminder the day before is the only one whose time had not passed (returns it and its appointment)."""
    booked_at, starts_at = f.at(0, 9), f.at(2, 14)
    with clock.frozen(booked_at):
        case = f.by_email(f.issued(), ADDRESS)
        appointment = f.appointment(f.accepted(case), starts_at)
        db.session.commit()
    [reminder] = db.session.scalars(select(Notification).where(Notification.appointment_id == appointment.id))
    return reminder, appointment, case


def _due(reminder):
    """Five minutes after the reminder is due."""
    return clock.frozen(reminder.next_attempt_at + timedelta(minutes=5))


def _to_sam(server):
    return [m for m in server.received() if m.rcpt == (ADDRESS,)]


def test_the_reminder_arrives_saying_when_and_nothing_about_the_offence(booked, channel, smtp_server):
    reminder, appointment, case = booked
    assert reminder.medium == "email" and reminder.status is NotificationStatus.PENDING
    with _due(reminder):
        dispatch.dispatch(channel)

    [received] = _to_sam(smtp_server)
    # The words as the template renders them: the day and time in UK time, from the appointment itself.
    day, time = reminders.day_words(appointment.starts_at), time_of_day(appointment.starts_at)
    assert received.subject == f"Reminder: your appointment on {day}"
    assert "You have an appointment tomorrow." in received.body
    assert f"When: {day} at {time}" in received.body
    assert f"With: {appointment.referral.service.provider.name}" in received.body
    assert received.message_id == SmtpChannel.message_id(reminder.key)
    said = f"{received.subject}\n{received.body}"
    offence = case.offences[0].offence.title
    for words in ("caution", "police", "offence", offence, "theft", "Co-op", "Val", "Ng", case.reference):
        assert not re.search(rf"\b{re.escape(words)}\b", said, re.IGNORECASE), words
    db.session.refresh(reminder)
    assert reminder.status is NotificationStatus.SENT and reminder.channel == "smtp"
    assert reminder.reference == received.message_id


def test_the_dispatch_job_sends_through_the_configured_smtp_server(app, booked, smtp_server, monkeypatch):
    reminder, _, _ = booked
    for name, value in {"NOTIFICATION_CHANNEL": "smtp", "SMTP_HOST": smtp_server.host, "SMTP_PORT": smtp_server.port,
                        "SMTP_SECURITY": "none", "SMTP_USERNAME": None, "SMTP_PASSWORD": None}.items():
        monkeypatch.setitem(app.config, name, value)
    with _due(reminder):
        jobs.dispatch_due(app)
    [received] = _to_sam(smtp_server)
    assert received.message_id == SmtpChannel.message_id(reminder.key)
    db.session.refresh(reminder)
    assert reminder.status is NotificationStatus.SENT


def test_an_address_refused_for_good_fails_the_reminder_and_marks_the_address(booked, channel, smtp_server):
    reminder, _, case = booked
    smtp_server.refuse[ADDRESS] = "550 5.1.1 No such mailbox"
    with _due(reminder):
        dispatch.dispatch(channel)
        now = clock.now()
    db.session.expire_all()
    assert reminder.status is NotificationStatus.FAILED
    assert reminder.attempts == 1
    assert db.session.get(Person, case.offender_id).email_failed_at == now
    assert _to_sam(smtp_server) == []


def test_a_deferred_address_is_retried_later_then_failed_after_the_budget(booked, channel, smtp_server):
    reminder, _, case = booked
    smtp_server.refuse[ADDRESS] = "451 4.3.0 Try again later"
    budget, moment = timings.get().max_attempts, reminder.next_attempt_at + timedelta(minutes=5)
    for attempt in range(1, budget):
        with clock.frozen(moment):
            dispatch.dispatch(channel)
        db.session.expire_all()
        assert (reminder.status, reminder.attempts) == (NotificationStatus.PENDING, attempt)
        assert reminder.next_attempt_at > moment
        assert "451" in reminder.last_error
        with clock.frozen(reminder.next_attempt_at - timedelta(seconds=1)):
            dispatch.dispatch(channel)  # not before its time
        db.session.expire_all()
        assert reminder.attempts == attempt
        moment = reminder.next_attempt_at + timedelta(seconds=1)
    with clock.frozen(moment):
        dispatch.dispatch(channel)
    db.session.expire_all()
    assert (reminder.status, reminder.attempts) == (NotificationStatus.FAILED, budget)
    assert db.session.get(Person, case.offender_id).email_failed_at is None  # deferred is not a bad address
    assert _to_sam(smtp_server) == []

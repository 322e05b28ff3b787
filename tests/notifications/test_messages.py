"""The messages themselves: a text message fits in two fragments with the longest values it can carry, uses only
the GSM alphabet, and nothing the person cautioned is sent names the offence, the caution, the police or the
victim. Also the pages that list messages, and Notify's delivery receipts."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from app import clock
from app.cases import packs
from app.compliance.models import Flag, FlagKind
from app.extensions import db
from app.notifications import dispatch, messages, reminders
from app.notifications.channels import OutboxChannel
from app.notifications.models import NotificationStatus
from app.notifications.notify import NotifyChannel
from app.people.models import Person
from app.referrals.models import WHAT_TO_BRING_MAX
from tests import factories
from tests.notifications.helpers import case_for, london, rows

GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
          "¿abcdefghijklmnopqrstuvwxyzäöñüà")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "messages"
LONGEST = {"day": "Wednesday 30 September 2026", "time": "10:30am", "old_day": "Wednesday 30 September 2026",
           "old_time": "10:30am", "days": 7, "place": "x" * 50, "how": reminders.MODES_SAID["video"],
           "provider": "P" * 200, "phone": "0" * 32, "deadline": "2026-09-30", "link": "https://resolve.example.police.uk/i/ABCDEFGHJKMN",
           "code": "ABCD-EFGH-JKMN", "minutes": 15}
FORBIDDEN = ("caution", "police", "offence", "prosecut", "theft", "victim")


def _consequences(app) -> list[str]:
    return [d.reminder_text for r in packs.regimes().values() for p in r.versions for d in p.disposal_types.values()]


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.sms.txt")), ids=lambda p: p.name)
def test_every_text_message_fits_two_fragments_in_the_gsm_alphabet(app, path, locale):
    """In English and in Welsh, with every consequence text, every way to say where or how, a reminder for
    tomorrow or later, and what to bring: none, the longest a text carries in full, and the longest there is (left
    to the page)."""
    wheres = ({"place": LONGEST["place"], "how": None}, {"place": "y" * 51, "how": None},
              *({"place": None, "how": how} for how in reminders.MODES_SAID.values()))
    with app.test_request_context():
        for consequence, where, days, bring in itertools.product(
                _consequences(app), wheres, (1, 7), (None, "b" * 20, "b" * WHAT_TO_BRING_MAX)):
            _, body = messages.render(path.name.split(".")[0], "sms", LONGEST | where | {
                "consequence": consequence, "days": days, "bring": bring}, locale=locale)
            assert len(body) <= messages.SMS_LIMIT, (path.name, len(body), body)
            assert set(body) - set("xyPb0") <= GSM, set(body) - GSM


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.email.txt")), ids=lambda p: p.name)
def test_every_email_has_a_subject(app, path):
    with app.test_request_context():
        subject, body = messages.render(path.name.split(".")[0], "email", LONGEST | {"reference": "NSP-1",
                                                                                     "consequence": "c"})
    assert subject and body and "\n" not in subject


def test_nothing_sent_to_the_person_names_the_offence_the_caution_the_police_or_the_victim(ctx, demo_data):
    """A case with a victim (Val Ng) and a theft: the person's reminders and notices, as rendered."""
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        _, sent = case_for("email")
        appointment = factories.appointment(sent, london(2027, 6, 15, 14, 0))
        from app.referrals import services as referrals

        referrals.reschedule(appointment, starts_at=london(2027, 6, 16, 14, 0), minutes=60, requested_by="person",
                             reason="Clash", version=appointment.version, by=factories.user("freshstart-caseworker"))
    person_rows = [n for n in rows() if n.audience.value == "offender"]
    assert {n.template for n in person_rows} == {"appointment_reminder", "appointment_moved"}
    for n in person_rows:
        subject, body = messages.render(n.template, n.medium, n.personalisation)
        text = f"{subject}\n{body}\n{n.personalisation}".lower()
        assert not [word for word in (*FORBIDDEN, "val ng", "val@") if word in text], text


def _issued_with_a_sent_reminder():
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        case, sent = case_for("sms")
        factories.appointment(sent, london(2027, 6, 15, 14, 30))
        db.session.commit()
    with clock.frozen(london(2027, 6, 8, 10, 0)):
        dispatch.dispatch(OutboxChannel())
    return case, sent


def test_the_case_page_lists_messages_for_the_police_and_the_referral_page_for_its_provider(app, demo_data,
                                                                                             login_as):
    with app.app_context():
        case, sent = _issued_with_a_sent_reminder()
        case_id, referral_id = case.public_id, sent.public_id
    page = login_as("officer-north").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Appointment reminder" in page and "Person cautioned, by text message" in page and "Sent" in page
    assert "Waiting to send" in page  # the 3- and 1-day ones
    assert "Reminder: you have" not in page  # the list says what went, not what it said
    provider = login_as("freshstart-caseworker").get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "Appointment reminder" in provider
    other = login_as("pathways-caseworker").get(f"/referrals/{referral_id}")
    assert other.status_code == 404


def test_the_development_outbox_shows_each_message_as_read_and_is_off_unless_asked(app, demo_data, login_as):
    with app.app_context():
        _issued_with_a_sent_reminder()
    client = login_as("officer-north")
    assert client.get("/notifications/dev-outbox").status_code == 404
    app.config["DEV_OUTBOX"] = True
    try:
        page = client.get("/notifications/dev-outbox").get_data(as_text=True)
    finally:
        app.config["DEV_OUTBOX"] = False
    assert "Reminder: you have an appointment in 7 days, Tuesday 15 June 2027 at 2:30pm" in page


@pytest.fixture
def token(app):
    app.config["NOTIFY_CALLBACK_TOKEN"] = "receipt-token"
    yield "receipt-token"
    app.config["NOTIFY_CALLBACK_TOKEN"] = None


def test_notify_delivery_receipts(app, demo_data, notify_server, token):
    with app.app_context():
        with clock.frozen(london(2027, 6, 1, 9, 0)):
            _, sent = case_for("sms")
            factories.appointment(sent, london(2027, 6, 15, 14, 30))
            db.session.commit()
        channel = NotifyChannel(notify_server.api_key, notify_server.base_url, {"*.sms": str(uuid.uuid4())})
        with clock.frozen(london(2027, 6, 8, 10, 0)):
            dispatch.dispatch(channel)
        notify_id = rows(status=NotificationStatus.SENT)[0].reference
    client = app.test_client()
    receipt = {"id": notify_id, "reference": "x", "to": "07700900456", "status": "delivered",
               "created_at": "2027-06-08T09:00:00.000000Z", "completed_at": None, "sent_at": None,
               "notification_type": "sms"}
    assert client.post("/notifications/notify/receipt", json=receipt).status_code == 401
    assert client.post("/notifications/notify/receipt", json=receipt,
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = {"Authorization": f"Bearer {token}"}
    assert client.post("/notifications/notify/receipt", json={"id": notify_id}, headers=ok).status_code == 400
    assert client.post("/notifications/notify/receipt", data="[", headers=ok).status_code == 400
    assert client.post("/notifications/notify/receipt", json=receipt | {"id": str(uuid.uuid4())},
                       headers=ok).status_code == 204  # not ours: nothing to do
    assert client.post("/notifications/notify/receipt", json=receipt, headers=ok).status_code == 204
    with app.app_context():
        delivered = rows(status=NotificationStatus.DELIVERED)
        assert len(delivered) == 1 and delivered[0].delivered_at is not None
        with clock.frozen(london(2027, 6, 12, 10, 0)):  # the 3-day reminder: sent, then it bounces for good
            dispatch.dispatch(channel)
        bounced = rows(status=NotificationStatus.SENT)[0].reference
    assert client.post("/notifications/notify/receipt", json=receipt | {"id": bounced, "status": "permanent-failure"},
                       headers=ok).status_code == 204
    with app.app_context():
        failed, = rows(status=NotificationStatus.FAILED)
        person = db.session.get(Person, failed.person_id)
        assert failed.reference == bounced and person.phone_failed_at is not None
        assert db.session.scalar(select(Flag.kind).where(Flag.case_id == failed.case_id)) is FlagKind.NOT_REACHING

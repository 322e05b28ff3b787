"""The person cautioned's calendar: a file per appointment and a private feed, read back with `icalendar`. A move
keeps the event's UID and raises its SEQUENCE; a cancellation is STATUS:CANCELLED; a revoked feed is a 404."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from app.people.models import CalendarFeed
from app.referrals import services as referrals
from app.referrals.models import Appointment
from app.web.redact import redact
from tests import factories
from tests.conftest import csrf_from, redeem

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def _booked(app, given="Cal", family="Endar") -> dict:
    """An issued case with an accepted referral and two appointments, and an invitation for its person."""
    with app.app_context():
        case = factories.issued(given=given, family=family)
        sent = factories.accepted(case)
        first = factories.appointment(sent, factories.at(3, 10), minutes=60)
        second = factories.appointment(sent, factories.at(5, 14), minutes=90, mode="phone")
        code = factories.invitation(case)
        db.session.commit()
        found = {"code": code, "born": case.offender.date_of_birth, "first": str(first.public_id),
                 "second": str(second.public_id), "first_start": first.starts_at.astimezone(UTC),
                 "first_end": first.ends_at.astimezone(UTC), "service": sent.service.name,
                 "provider": sent.service.provider.name}
        db.session.remove()
    return found


def _signed_in(app, data: dict, name="Cal Endar"):
    client = app.test_client()
    page = redeem(client, data["code"], data["born"], name=name, email=f"{name.split()[0].lower()}@example.org")
    assert page.status_code == 200
    return client, page.get_data(as_text=True)


def _events(response) -> dict:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _change(app, public_id: str, how: str) -> None:
    with app.app_context():
        appointment = db.session.scalar(select(Appointment).where(Appointment.public_id == uuid.UUID(public_id)))
        by = factories.user("freshstart-caseworker")
        if how == "move":
            referrals.reschedule(appointment, starts_at=appointment.starts_at + timedelta(days=1), minutes=45,
                                 requested_by="person", reason="Work shift", version=appointment.version, by=by)
        else:
            referrals.cancel(appointment, party="provider", reason="Room closed", version=appointment.version, by=by)
        db.session.commit()
        db.session.remove()


def test_an_appointment_file_and_its_changes(app, demo_data):
    data = _booked(app)
    client, home = _signed_in(app, data)
    link = f"/my/appointments/{data['first']}.ics"
    assert link in home and "Subscribe to your appointments" in home

    response = client.get(link)
    assert "attachment; filename=" in response.headers["Content-Disposition"]
    events = _events(response)
    uid = f"{data['first']}@resolve"
    assert list(events) == [uid]
    event = events[uid]
    assert event.decoded("DTSTART") == data["first_start"] and event.decoded("DTEND") == data["first_end"]
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["LOCATION"]) == "Fresh Start"
    assert data["service"] in str(event["SUMMARY"]) and data["provider"] in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED" and "DTSTAMP" in event
    assert "Endar" not in response.get_data(as_text=True)  # not even the person's own name

    _change(app, data["first"], "move")
    moved = _events(client.get(link))[uid]
    assert moved.decoded("DTSTART") == data["first_start"] + timedelta(days=1)
    assert moved.decoded("DTEND") == data["first_start"] + timedelta(days=1, minutes=45)
    assert int(moved["SEQUENCE"]) == 1

    _change(app, data["first"], "cancel")
    cancelled = _events(client.get(link))[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2

    phone = _events(client.get(f"/my/appointments/{data['second']}.ics"))[f"{data['second']}@resolve"]
    assert str(phone["LOCATION"]) == "By phone" and "they will call you" in str(phone["DESCRIPTION"])

    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_file.view")).all()
        assert {r.object_id for r in rows} == {data["first"], data["second"]}


def test_only_the_persons_own_appointments(app, demo_data, login_as):
    mine, theirs = _booked(app), _booked(app, given="Other", family="Person")
    client, _ = _signed_in(app, mine)
    assert client.get(f"/my/appointments/{theirs['first']}.ics").status_code == 404
    assert client.get("/my/appointments/not-a-uuid.ics").status_code == 404
    caseworker = login_as("freshstart-caseworker")  # works on the referral, but this is the person's route
    assert caseworker.get(f"/my/appointments/{mine['first']}.ics").status_code == 404
    assert caseworker.get("/my/calendar-feed").status_code == 404
    assert login_as("victim").get("/my/calendar-feed").status_code == 404  # no case as the person cautioned


def _make_feed(client) -> str:
    page = client.get("/my/calendar-feed")
    assert page.status_code == 200
    made = client.post("/my/calendar-feed", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert made.status_code == 200
    url = re.search(r'id="calendar-address">([^<]+)<', made.get_data(as_text=True)).group(1)
    return "/calendar/" + url.rsplit("/calendar/", 1)[1]


def test_the_feed_follows_changes_and_can_be_revoked(app, demo_data):
    data = _booked(app)
    client, _ = _signed_in(app, data)
    path = _make_feed(client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 43
    with app.app_context():
        feed = db.session.scalars(select(CalendarFeed)).one()
        assert token not in feed.token_hash and len(feed.token_hash) == 64  # only its SHA-256 is kept
    assert "[redacted]" in redact(f'"GET {path} HTTP/1.1" 200') and token not in redact(f"GET {path}")

    anonymous = app.test_client()  # a phone calendar: no session
    events = _events(anonymous.get(path))
    first, second = f"{data['first']}@resolve", f"{data['second']}@resolve"
    assert set(events) == {first, second}
    _change(app, data["first"], "move")
    _change(app, data["second"], "cancel")
    events = _events(anonymous.get(path))
    assert set(events) == {first, second}
    assert events[first].decoded("DTSTART") == data["first_start"] + timedelta(days=1)
    assert int(events[first]["SEQUENCE"]) == 1
    assert str(events[second]["STATUS"]) == "CANCELLED"
    with app.app_context():
        fetches = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_feed.view")).all()
        assert len(fetches) == 2 and {f.actor_id for f in fetches} == {None}
        assert all(token not in str(f.detail) for f in fetches)

    page = client.get("/my/calendar-feed").get_data(as_text=True)
    revoked = client.post("/my/calendar-feed/revoke", data={"csrf_token": csrf_from(page)})
    assert revoked.status_code == 303
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/calendar/made-up-token.ics").status_code == 404

    again = _make_feed(client)
    assert again != path and set(_events(anonymous.get(again))) == {first, second}
    replaced = _make_feed(client)  # a new address stops the one before
    assert anonymous.get(again).status_code == 404 and anonymous.get(replaced).status_code == 200


def test_feed_shows_nobody_elses_appointments(app, demo_data):
    mine, theirs = _booked(app), _booked(app, given="Other", family="Person")
    client, _ = _signed_in(app, mine)
    events = _events(app.test_client().get(_make_feed(client)))
    assert f"{theirs['first']}@resolve" not in events and len(events) == 2


def test_the_dates_do_not_depend_on_today(app, demo_data):
    """Frozen at a clock change (the last Sunday of October): the file is still in UTC, an hour from London."""
    with clock.frozen(factories.at(0).replace(month=10, day=20).astimezone(UTC)):
        data = _booked(app, given="Frozen", family="Clock")
        client, _ = _signed_in(app, data, name="Frozen Clock")
        event = _events(client.get(f"/my/appointments/{data['first']}.ics"))[f"{data['first']}@resolve"]
    assert event.decoded("DTSTART") == data["first_start"]

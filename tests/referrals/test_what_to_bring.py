"""What to bring: set by the caseworker when booking (1:1 or a group session, whose every place gets it) or moving
an appointment; refused when too long (422, what was typed kept); shown to the person on their page for each
appointment still to come, in their reminders (a text message stays within two fragments: a long note is left to
their page) and in the calendar file's DESCRIPTION."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app import clock
from app.errors import RuleViolation
from app.extensions import db
from app.notifications import messages
from app.people import calendar
from app.referrals import services as referrals
from app.referrals.models import WHAT_TO_BRING_MAX, Appointment, GroupSession
from tests import factories
from tests.cases.test_workflow_routes import Officer, _d, _summary
from tests.notifications.helpers import case_for, london, rows
from tests.referrals.conftest import load_world
from tests.referrals.test_routes import _appointments, accept

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

LONG = "Photo ID, your appointment letter, glasses, any medication you take, and a pen. " * 3  # over 200


def _ids(app) -> dict:
    with app.app_context():
        w = load_world()
        ids = {"case": str(w.case.public_id), "sent": str(w.sent.public_id),
               "caseworker": str(w.users["freshstart-caseworker"].public_id)}
        db.session.remove()
    return ids


@pytest.fixture
def worker(app, login_as, demo_data):
    ids = _ids(app)
    accept(Officer(login_as("freshstart-manager")), ids["sent"], ids["caseworker"])
    return Officer(login_as("freshstart-caseworker")), ids


def _form(days=2, **extra) -> dict:
    return {"on": _d(clock.today() + timedelta(days=days)), "at": "10:00", "minutes": "60", "mode": "in_person",
            "place": "Fresh Start"} | extra


def test_the_rule_its_boundary_and_blank(ctx, demo_data):
    _, sent = case_for("email")
    exactly = "x" * WHAT_TO_BRING_MAX
    a = referrals.book_appointment(sent, starts_at=factories.at(2, 10), minutes=60, mode="in_person", place="Hall",
                                   what_to_bring=f"  {exactly}  ", by=factories.user("freshstart-caseworker"))
    assert a.what_to_bring == exactly
    with pytest.raises(RuleViolation) as refused:
        referrals.book_appointment(sent, starts_at=factories.at(3, 10), minutes=60, mode="in_person", place="Hall",
                                   what_to_bring=exactly + "x", by=factories.user("freshstart-caseworker"))
    assert [p.field for p in refused.value.by_field] == ["what_to_bring"]
    blank = referrals.book_appointment(sent, starts_at=factories.at(4, 10), minutes=60, mode="in_person",
                                       place="Hall", what_to_bring="  \n ", by=factories.user("freshstart-caseworker"))
    assert blank.what_to_bring is None


def test_booking_with_what_to_bring_too_long_is_a_422_that_keeps_what_was_typed(app, worker):
    client, ids = worker
    html = _summary(client.post(f"/referrals/{ids['sent']}/appointments", _form(what_to_bring=LONG), expect=422))
    assert f"What to bring (optional) must be {WHAT_TO_BRING_MAX} characters or fewer" in html
    assert LONG.strip() in html and 'value="Fresh Start"' in html
    assert _appointments(app, ids["sent"]) == []
    # The person reads it: a victim of the case (Kim Taylor) is never named in it.
    html = _summary(client.post(f"/referrals/{ids['sent']}/appointments",
                                _form(what_to_bring="The letter you wrote to Kim Taylor"), expect=422))
    assert "What to bring mentions the victim&#39;s details" in html and "The letter you wrote to Kim Taylor" in html
    assert _appointments(app, ids["sent"]) == []
    client.post(f"/referrals/{ids['sent']}/appointments", _form(what_to_bring="Photo ID and this letter"))
    (a,) = _appointments(app, ids["sent"])
    assert a.what_to_bring == "Photo ID and this letter"
    page = client.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    assert "What to bring (the person sees this): Photo ID and this letter" in page


def test_rescheduling_shows_what_to_bring_and_changes_it(app, worker):
    client, ids = worker
    client.post(f"/referrals/{ids['sent']}/appointments", _form(what_to_bring="Photo ID"))
    (a,) = _appointments(app, ids["sent"])
    url = f"/referrals/appointments/{a.public_id}/reschedule"
    assert ">Photo ID</textarea>" in client.get(url).get_data(as_text=True)
    moved = {"on": _d(clock.today() + timedelta(days=3)), "at": "11:00", "minutes": "60", "requested_by": "person",
             "reason": "Work", "version": a.version}
    html = _summary(client.post(url, moved | {"what_to_bring": LONG}, expect=422))
    assert LONG.strip() in html and "Work</textarea>" in html
    assert _appointments(app, ids["sent"])[0].what_to_bring == "Photo ID"  # nothing saved
    client.post(url, moved | {"what_to_bring": "Your bank card"})
    (a,) = _appointments(app, ids["sent"])
    assert a.what_to_bring == "Your bank card" and a.starts_at.astimezone(clock.LONDON).hour == 11


def test_a_group_session_gives_every_place_what_to_bring(app, worker):
    client, ids = worker
    group = {"title": "Workshop", "on": _d(clock.today() + timedelta(days=2)), "at": "10:00", "minutes": "120",
             "mode": "in_person", "place": "Hall", "participants": [ids["sent"]]}
    html = _summary(client.post("/referrals/groups/new", group | {"what_to_bring": LONG}, expect=422))
    assert LONG.strip() in html and 'value="Workshop"' in html
    html = _summary(client.post("/referrals/groups/new", group | {"what_to_bring": "Notes about Kim Taylor"},
                                expect=422))
    assert "Jordan Smith: What to bring mentions the victim" in html
    r = client.post("/referrals/groups/new", group | {"what_to_bring": "A pen and paper"})
    (a,) = _appointments(app, ids["sent"])
    assert a.what_to_bring == "A pen and paper" and a.group_session_id is not None
    with app.app_context():
        session = db.session.get(GroupSession, a.group_session_id)
        assert session.what_to_bring == "A pen and paper"
    page = client.get(r.headers["Location"].split("localhost")[-1]).get_data(as_text=True)
    assert "What to bring (each person sees this): A pen and paper" in page


def test_the_person_sees_it_for_appointments_to_come_only(app, login_as, demo_data):
    with app.app_context():
        w = load_world()
        cw, manager = w.users["freshstart-caseworker"], w.users["freshstart-manager"]
        referrals.accept_referral(w.sent, cw, by=manager)
        held = referrals.book_appointment(w.sent, starts_at=w.at(0, 0, 5), minutes=60, mode="in_person",
                                          place="Fresh Start", what_to_bring="Old note", by=cw)
        referrals.record_attendance(held, code="attended", note="", version=held.version, by=cw)
        referrals.book_appointment(w.sent, starts_at=w.at(4, 10), minutes=60, mode="phone", place=None,
                                   what_to_bring="Your appointment letter", by=cw)
        case_id = str(w.case.public_id)
        db.session.commit()
    page = login_as("offender").get(f"/my/cases/{case_id}").get_data(as_text=True)
    coming, before = page.split('id="upcoming"', 1)[1].split('id="past"', 1)
    assert "What to bring: Your appointment letter" in coming
    assert "Old note" not in before


def _rendered(notification) -> tuple[str, str]:
    return messages.render(notification.template, notification.medium, notification.personalisation)


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_reminders_say_what_to_bring_and_a_text_stays_within_two_fragments(ctx, demo_data, channel):
    with clock.frozen(london(2027, 6, 1, 9, 0)):
        _, sent = case_for(channel)
        cw = factories.user("freshstart-caseworker")
        short = referrals.book_appointment(sent, starts_at=london(2027, 6, 15, 14, 0), minutes=60, mode="in_person",
                                           place="Fresh Start", what_to_bring="Photo ID", by=cw)
        long = referrals.book_appointment(sent, starts_at=london(2027, 6, 22, 14, 0), minutes=60, mode="in_person",
                                          place="Fresh Start", what_to_bring="x" * WHAT_TO_BRING_MAX, by=cw)
        referrals.reschedule(long, starts_at=london(2027, 6, 23, 14, 0), minutes=60, requested_by="person",
                             reason="Clash", version=long.version, by=cw, what_to_bring="y" * WHAT_TO_BRING_MAX)
    found = {(n.appointment_id, n.template): _rendered(n) for n in rows() if n.audience.value == "offender"}
    _, short_body = found[(short.id, "appointment_reminder")]
    _, long_body = found[(long.id, "appointment_reminder")]
    _, moved_body = found[(long.id, "appointment_moved")]
    if channel == "email":
        assert "What to bring: Photo ID" in short_body and f"What to bring: {'y' * WHAT_TO_BRING_MAX}" in long_body
        assert f"What to bring: {'y' * WHAT_TO_BRING_MAX}" in moved_body
    else:
        assert "Bring: Photo ID." in short_body
        assert "What to bring: see Resolve." in long_body and "yyyy" not in long_body
        assert "What to bring: see Resolve." in moved_body
        assert max(len(short_body), len(long_body), len(moved_body)) <= messages.SMS_LIMIT


def test_the_calendar_file_says_what_to_bring(ctx, demo_data):
    _, sent = case_for("email")
    a = referrals.book_appointment(sent, starts_at=factories.at(3, 10), minutes=60, mode="in_person",
                                   place="Fresh Start", what_to_bring="Photo ID", by=factories.user(
                                       "freshstart-caseworker"))
    plain = factories.appointment(sent, factories.at(4, 10))
    events = {str(e["UID"]): e for e in Calendar.from_ical(calendar.calendar([a, plain])).walk("VEVENT")}
    assert "What to bring: Photo ID." in str(events[calendar.uid(a)]["DESCRIPTION"])
    assert "What to bring" not in str(events[calendar.uid(plain)]["DESCRIPTION"])


def test_the_calendar_route_carries_it(app, login_as, demo_data):
    with app.app_context():
        w = load_world()
        cw = w.users["freshstart-caseworker"]
        referrals.accept_referral(w.sent, cw, by=w.users["freshstart-manager"])
        a = referrals.book_appointment(w.sent, starts_at=w.at(3, 10), minutes=60, mode="in_person",
                                       place="Fresh Start", what_to_bring="Photo ID", by=cw)
        public_id = a.public_id
        db.session.commit()
    response = login_as("offender").get(f"/my/appointments/{public_id}.ics")
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert "What to bring: Photo ID." in str(event["DESCRIPTION"])
    with app.app_context():
        assert db.session.scalar(select(Appointment.what_to_bring).where(
            Appointment.public_id == uuid.UUID(str(public_id)))) == "Photo ID"

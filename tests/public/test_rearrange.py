"""The person cautioned asks to change an appointment, and the provider decides: the request made (with what
suits them), bad input kept and refused in plain words, one open request at a time; it reaches the caseworker (a
message that names no reason and no offence, a timeline event for each party) and shows on the referral page;
the caseworker declines (the person reads why) or moves the appointment (the request closes). Nobody else asks
or decides: another person, the case's victim, another provider, the police."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.errors import RuleViolation
from app.extensions import db
from app.notifications import messages
from app.notifications.models import Notification
from app.organisations.models import Role
from app.referrals import rearrange
from app.referrals.models import Appointment, RearrangeRequest, RearrangeStatus
from app.timeline.models import Audience, TimelineEvent
from tests import factories
from tests.cases.test_workflow_routes import Officer, _d, _summary
from tests.conftest import redeem

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

REASON = "I start a new job that week"


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


@pytest.fixture
def booked(app, demo_data):
    """Pat Told's caution, referred to Fresh Start and accepted (its caseworker assigned), with an appointment in
    three days; Pat signed in through their invitation."""
    with app.app_context():
        case = factories.issued(conditions=(factories.REHABILITATIVE,), given="Pat", family="Told")
        sent = factories.accepted(case)
        soon = factories.appointment(sent, factories.at(3, 14, 30))
        code, born = factories.invitation(case), case.offender.date_of_birth
        ids = {"case": str(case.public_id), "referral": str(sent.public_id), "appointment": str(soon.public_id),
               "appointment_id": soon.id, "case_id": case.id}
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    redeem(client, code, born, name="Pat Told", email="pat.told@example.org")
    return ids | {"person": Officer(client)}


def _requests(app, appointment_id) -> list[RearrangeRequest]:
    with app.app_context():
        found = db.session.scalars(select(RearrangeRequest).where(RearrangeRequest.appointment_id == appointment_id)
                                   .order_by(RearrangeRequest.id)).all()
        db.session.expunge_all()
        return found


def _ask(booked, expect=303, **data):
    return booked["person"].post(f"/my/appointments/{booked['appointment']}/rearrange",
                                 {"reason": REASON, "suits": "Tuesday mornings"} | data, expect=expect)


def test_the_person_asks_and_it_reaches_the_caseworker(app, booked):
    person = booked["person"]
    page = person.get(f"/my/cases/{booked['case']}").get_data(as_text=True)
    ask_link = f'href="/my/appointments/{booked["appointment"]}/rearrange"'
    assert ask_link in page and "Ask to change this appointment" in page
    form = person.get(f"/my/appointments/{booked['appointment']}/rearrange")
    assert form.status_code == 200 and "Why do you need to change it?" in form.get_data(as_text=True)
    done = _ask(booked)
    assert done.headers["Location"].startswith(f"/my/cases/{booked['case']}#appointment-")
    [asked] = _requests(app, booked["appointment_id"])
    assert (asked.status, asked.reason, asked.suits) == (RearrangeStatus.OPEN, REASON, "Tuesday mornings")
    words = _text(person.get(f"/my/cases/{booked['case']}").get_data(as_text=True))
    assert "You asked to change this appointment. Your caseworker will contact you. Until then, your appointment " \
           "stays as it is." in words
    assert ask_link not in person.get(f"/my/cases/{booked['case']}").get_data(as_text=True)
    with app.app_context():
        caseworker = factories.user("freshstart-caseworker")
        sent = db.session.scalars(select(Notification).where(Notification.template == "rearrange_asked")).all()
        assert {(n.user_id, n.medium) for n in sent} == {(caseworker.id, "in_app"), (caseworker.id, "email")}
        subject, body = messages.render("rearrange_asked", "email", sent[0].personalisation)
        said = f"{subject} {body} {sent[0].personalisation}".lower()
        assert REASON.lower() not in said and "tuesday" not in said.replace(sent[0].personalisation["day"].lower(), "")
        assert not [w for w in ("caution", "offence", "theft", "pat", "told") if w in said], said
        assert f"/referrals/rearrange/{asked.public_id}" in body
        event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "rearrange_asked"))
        assert Audience(event.audiences) == Audience.POLICE | Audience.PROVIDER | Audience.OFFENDER
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rearrange.create",
                                                          AuditEvent.object_id == str(asked.public_id)))


def test_bad_input_is_refused_in_plain_words_and_what_was_typed_is_kept(app, booked):
    html = _summary(_ask(booked, expect=422, reason="   ", suits="Any Friday after 2pm"))
    assert "Tell us why you need to change this appointment" in html and "Any Friday after 2pm" in html
    html = _summary(_ask(booked, expect=422, reason="x" * 2001))
    assert "2000 characters or fewer" in html
    assert _requests(app, booked["appointment_id"]) == []
    # A crafted POST: a field the form does not ask for, or the same answer twice.
    _summary(_ask(booked, expect=422, status="rearranged"))
    assert _requests(app, booked["appointment_id"]) == []


def test_asking_again_while_a_request_is_open_says_so(app, booked):
    _ask(booked)
    again = _text(booked["person"].get(f"/my/appointments/{booked['appointment']}/rearrange").get_data(as_text=True))
    assert "You have already asked to change this appointment." in again and "Send your request" not in again
    html = _summary(_ask(booked, expect=422, reason="Still cannot go", suits=""))
    assert "You have already asked to change this appointment" in html and "Still cannot go" in html
    assert len(_requests(app, booked["appointment_id"])) == 1


def test_the_caseworker_declines_and_the_person_reads_why(app, booked, login_as):
    _ask(booked)
    [asked] = _requests(app, booked["appointment_id"])
    worker = Officer(login_as("freshstart-caseworker"))
    referral = worker.get(f"/referrals/{booked['referral']}").get_data(as_text=True)
    assert "Requests to change an appointment" in referral and f"/referrals/rearrange/{asked.public_id}" in referral
    page = worker.get(f"/referrals/rearrange/{asked.public_id}").get_data(as_text=True)
    assert REASON in page and "Tuesday mornings" in page
    assert f"/referrals/appointments/{booked['appointment']}/reschedule" in page
    html = _summary(worker.post(f"/referrals/rearrange/{asked.public_id}", {"answer": " "}, expect=422))
    assert "Say why the appointment cannot change" in html
    worker.post(f"/referrals/rearrange/{asked.public_id}", {"answer": "This is the last course before your deadline."})
    [asked] = _requests(app, booked["appointment_id"])
    assert asked.status is RearrangeStatus.DECLINED and asked.open_for_id is None
    words = _text(booked["person"].get(f"/my/cases/{booked['case']}").get_data(as_text=True))
    assert "This appointment cannot change. The service said: This is the last course before your deadline." in words
    # Answered: a second answer is refused in words (409); the person may ask again.
    assert worker.post(f"/referrals/rearrange/{asked.public_id}", {"answer": "Again"}, expect=409)
    _ask(booked, reason="My new job starts that day")
    assert [r.status for r in _requests(app, booked["appointment_id"])] == [RearrangeStatus.DECLINED,
                                                                             RearrangeStatus.OPEN]
    with app.app_context():
        event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "rearrange_declined"))
        assert Audience(event.audiences) == Audience.POLICE | Audience.PROVIDER | Audience.OFFENDER


def test_moving_the_appointment_closes_the_request_as_rearranged(app, booked, login_as):
    _ask(booked)
    [asked] = _requests(app, booked["appointment_id"])
    worker = Officer(login_as("freshstart-caseworker"))
    with app.app_context():
        version = db.session.get(Appointment, booked["appointment_id"]).version
    new_day = clock.today().fromordinal(clock.today().toordinal() + 5)
    worker.post(f"/referrals/appointments/{booked['appointment']}/reschedule", {
        "on": _d(new_day), "at": "10:00", "minutes": "60", "requested_by": "person", "reason": REASON,
        "version": version})
    [asked] = _requests(app, booked["appointment_id"])
    assert asked.status is RearrangeStatus.REARRANGED and asked.open_for_id is None and asked.decided_at
    words = _text(booked["person"].get(f"/my/cases/{booked['case']}").get_data(as_text=True))
    assert "It has moved: the time above is the new time." in words
    assert worker.get(f"/referrals/rearrange/{asked.public_id}").status_code == 200  # read, no longer decided
    assert "Decline the request" not in worker.get(f"/referrals/rearrange/{asked.public_id}").get_data(as_text=True)


def test_nobody_else_asks_or_decides(app, booked, login_as):
    _ask(booked)
    [asked] = _requests(app, booked["appointment_id"])
    ask, decide = f"/my/appointments/{booked['appointment']}/rearrange", f"/referrals/rearrange/{asked.public_id}"
    # Another person cautioned, and the case's own victim (Val Ng, linked to the demo's victim persona).
    with app.app_context():
        from app.cases.models import Case
        case = db.session.get(Case, booked["case_id"])
        factories.link_public(case, case.victims[0].person, Role.VICTIM, "victim")
        db.session.commit()
    for who in ("offender", "victim", "officer-north", "pathways-manager", "freshstart-caseworker-2"):
        client = Officer(login_as(who))
        assert client.get(ask).status_code == 404, who
        client.post(ask, {"reason": "Not mine"}, expect=404)
        assert client.get(decide).status_code == 404, who
        client.post(decide, {"answer": "Not mine"}, expect=404)
    assert booked["person"].get(decide).status_code == 404
    assert booked["person"].get("/my/appointments/not-an-id/rearrange").status_code == 404
    assert len(_requests(app, booked["appointment_id"])) == 1


def test_an_appointment_that_has_passed_or_was_cancelled_cannot_be_asked_about(app, booked):
    _ask(booked)  # then the service cancels it: the request has nothing left to change
    with app.app_context():
        from app.referrals import services as referrals
        appointment = db.session.get(Appointment, booked["appointment_id"])
        referrals.cancel(appointment, party="provider", reason="Room closed", version=appointment.version,
                         by=factories.user("freshstart-caseworker"))
        db.session.commit()
    page = booked["person"].get(f"/my/appointments/{booked['appointment']}/rearrange").get_data(as_text=True)
    assert "cannot be changed here now" in page and "Send your request" not in page
    _ask(booked, expect=409)
    [closed] = _requests(app, booked["appointment_id"])
    assert (closed.status, closed.open_for_id) == (RearrangeStatus.DECLINED, None)
    assert closed.answer == rearrange.CANCELLED_ANSWER


def test_with_its_caseworker_disabled_the_request_reaches_the_providers_managers(ctx, demo_data, monkeypatch):
    """Fresh Start's manager disables the assigned caseworker's account: the request goes to every active
    manager of the provider instead. Called as the service, as the route would."""
    from app.organisations import staff
    from app.organisations.models import Membership
    case = factories.issued(conditions=(factories.REHABILITATIVE,), given="Pat", family="Told")
    sent = factories.accepted(case)
    soon = factories.appointment(sent, factories.at(3, 14, 30))
    pat = factories.public_user("pat-told", case, case.offender, Role.OFFENDER)
    worker, manager = factories.user("freshstart-caseworker"), factories.user("freshstart-manager")
    staff.set_enabled(worker, db.session.scalar(select(Membership).where(Membership.user_id == worker.id)), False,
                      by=manager)
    asked = rearrange.ask(soon, reason="Hospital appointment", suits=None, by=pat)
    told = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.template == "rearrange_asked"))}
    assert told == {manager.id}
    # Two requests racing: neither saw the other open, and the database keeps it to one.
    monkeypatch.setattr(rearrange, "open_request", lambda appointment: None)
    with pytest.raises(RuleViolation):
        rearrange.ask(soon, reason="Again", suits=None, by=pat)
    assert asked.status is RearrangeStatus.OPEN and asked.open_for_id == soon.id
    assert len(db.session.scalars(select(RearrangeRequest)).all()) == 1

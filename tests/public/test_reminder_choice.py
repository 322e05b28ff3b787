"""The person cautioned chooses how reminders reach them (text message, email or none) among the contact points
that work, sees where they go (partly hidden), and asks their officer to correct a number or address (they never
type one here). The choice decides how the next reminder goes, or that none does; a channel with no working
contact point is not offered, and a forged POST for it is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases import corrections
from app.cases.models import Case
from app.extensions import db
from app.notifications import dispatch, messages
from app.notifications.models import Notification, NotificationStatus
from app.people.models import Person
from app.timeline.models import Audience as Seen
from app.timeline.models import TimelineEvent
from tests import factories
from tests.cases.test_workflow_routes import Officer, _summary
from tests.conftest import redeem

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

PHONE, EMAIL = "07700 900456", "pat.told@example.org"


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


def _signed_in(app, contact: dict) -> dict:
    """Pat Told's caution, referred and accepted; Pat's contact details as the officer recorded them."""
    with app.app_context():
        case = factories.issued(conditions=(factories.REHABILITATIVE,), given="Pat", family="Told")
        corrections.correct_contact_details(case, case.offender, contact, by=case.officer)
        sent = factories.accepted(case)
        code, born = factories.invitation(case), case.offender.date_of_birth
        ids = {"case": str(case.public_id), "case_id": case.id, "person_id": case.offender_id,
               "referral_id": sent.id, "officer_id": case.officer_id}
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    redeem(client, code, born, name="Pat Told", email="pat.told@example.org")
    return ids | {"person": Officer(client)}


@pytest.fixture
def both(app, demo_data):
    return _signed_in(app, {"phone": PHONE, "email": EMAIL, "preferred_channel": "sms"})


def _book(app, ids, days: int) -> list[tuple[int, str]]:
    """An appointment `days` ahead: the reminders its booking wrote for the person, (id, medium)."""
    from app.referrals.models import Referral
    with app.app_context():
        appointment = factories.appointment(db.session.get(Referral, ids["referral_id"]), factories.at(days, 14))
        found = db.session.scalars(select(Notification).where(
            Notification.appointment_id == appointment.id, Notification.template == "appointment_reminder")).all()
        found = [(n.id, n.medium) for n in found]
        db.session.commit()
        db.session.remove()
        return found


def _choose(ids, channel, expect=303):
    return ids["person"].post(f"/my/cases/{ids['case']}/reminders", {"channel": channel}, expect=expect)


def test_the_page_says_how_reminders_come_and_where_to(app, both):
    page = both["person"].get(f"/my/cases/{both['case']}").get_data(as_text=True)
    words = _text(page)
    assert "Your reminders come by text message to the mobile number ending 456." in words
    assert PHONE not in page and EMAIL not in page.replace('value="pat.told', "")  # partly hidden, never whole
    assert "Text message to the mobile number ending 456" in words and "Email to the email address p…@example.org" \
        in words and "No reminders" in words
    assert f'action="/my/cases/{both["case"]}/reminders"' in page
    assert f'href="/my/cases/{both["case"]}/contact-details"' in page
    assert both["person"].get(f"/my/cases/{both['case']}/reminders").status_code == 200


def test_the_choice_decides_how_the_next_reminder_goes_or_that_none_does(app, both):
    before = _book(app, both, 10)
    assert before and {medium for _, medium in before} == {"sms"}
    _choose(both, "email")
    assert {medium for _, medium in _book(app, both, 11)} == {"email"}
    with app.app_context():  # the reminders already planned, not yet sent, go by the new choice too
        planned = db.session.scalars(select(Notification).where(
            Notification.id.in_([n for n, _ in before]))).all()
        assert {(n.medium, n.status) for n in planned} == {("email", NotificationStatus.PENDING)}
        person = db.session.get(Person, both["person_id"])
        assert (person.preferred_channel, person.reminders_opt_out) == ("email", False)
        event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "reminders_chosen"))
        assert event.detail == {"choice": "email"} and Seen(event.audiences) == Seen.POLICE
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.reminders"))
    words = _text(both["person"].get(f"/my/cases/{both['case']}").get_data(as_text=True))
    assert "Your reminders come by email to the email address p…@example.org." in words

    _choose(both, "none")
    assert _book(app, both, 12) == []
    with app.app_context():  # one planned before: the dispatcher reads the opt-out as it sends
        planned = db.session.get(Notification, before[0][0])
        assert dispatch._address(planned) == (None, "the person asked for no reminders")
    words = _text(both["person"].get(f"/my/cases/{both['case']}").get_data(as_text=True))
    assert "You do not get reminders now." in words

    _choose(both, "sms")
    assert {medium for _, medium in _book(app, both, 13)} == {"sms"}
    with app.app_context():
        assert dispatch._address(db.session.get(Notification, before[0][0])) == (PHONE, None)


def test_a_channel_with_no_working_contact_point_is_not_offered_and_a_forged_choice_is_refused(app, demo_data):
    ids = _signed_in(app, {"phone": None, "email": EMAIL, "preferred_channel": "email"})
    page = ids["person"].get(f"/my/cases/{ids['case']}/reminders").get_data(as_text=True)
    assert 'value="email"' in page and 'value="none"' in page and 'value="sms"' not in page
    html = _summary(_choose(ids, "sms", expect=422))
    assert "Choose one of the ways shown" in html
    _summary(_choose(ids, "carrier pigeon", expect=422))
    _summary(ids["person"].post(f"/my/cases/{ids['case']}/reminders", {}, expect=422))
    with app.app_context():
        person = db.session.get(Person, ids["person_id"])
        assert (person.preferred_channel, person.reminders_opt_out) == ("email", False)
        assert db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "reminders_chosen")) is None


def test_no_working_contact_point_means_no_reminders_and_says_so(app, demo_data):
    ids = _signed_in(app, {"phone": None, "email": None, "preferred_channel": "sms"})
    words = _text(ids["person"].get(f"/my/cases/{ids['case']}").get_data(as_text=True))
    assert "You do not get reminders now. We do not have a number or email for you that works." in words


def test_asking_the_officer_to_change_the_contact_details_reaches_the_officer(app, both):
    person = both["person"]
    form = person.get(f"/my/cases/{both['case']}/contact-details")
    assert form.status_code == 200 and "What is wrong with your contact details?" in form.get_data(as_text=True)
    html = _summary(person.post(f"/my/cases/{both['case']}/contact-details", {"what": "  "}, expect=422))
    assert "Tell us what is wrong with your contact details" in html
    person.post(f"/my/cases/{both['case']}/contact-details", {"what": "I have a new phone"})
    with app.app_context():
        [told_in_app, told_by_email] = db.session.scalars(select(Notification).where(
            Notification.template == "contact_change_asked").order_by(Notification.medium)).all()
        assert told_in_app.user_id == both["officer_id"] == told_by_email.user_id
        _, body = messages.render("contact_change_asked", "email", told_by_email.personalisation)
        assert "new phone" not in body and f"/cases/{both['case']}/contact-details/person" in body
        event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "contact_change_asked"))
        assert event.detail == {"what": "I have a new phone"} and Seen(event.audiences) == Seen.POLICE
    words = _text(person.get(f"/my/cases/{both['case']}").get_data(as_text=True))
    assert "Your officer will check them and update them." in words
    # The officer corrects the number: the page no longer says they will.
    with app.app_context():
        case = db.session.get(Case, both["case_id"])
        corrections.correct_contact_details(case, case.offender, {"phone": "07700 900999"}, by=case.officer)
        db.session.commit()
    words = _text(person.get(f"/my/cases/{both['case']}").get_data(as_text=True))
    assert "Your officer will check them" not in words and "mobile number ending 999" in words


def test_only_the_person_cautioned_chooses(app, both, login_as):
    for who in ("offender", "victim", "officer-north", "freshstart-caseworker"):
        client = Officer(login_as(who))
        for path in (f"/my/cases/{both['case']}/reminders", f"/my/cases/{both['case']}/contact-details"):
            assert client.get(path).status_code == 404, (who, path)
        client.post(f"/my/cases/{both['case']}/reminders", {"channel": "none"}, expect=404)
        client.post(f"/my/cases/{both['case']}/contact-details", {"what": "x"}, expect=404)

"""The person cautioned's own page: what they must do (each condition in the pack's plain words, its due date and
where it stands), the deadline and the days left, the consequence from the pack; their appointments with where or
how, who with, and what happened (late and refused entry included); who to contact at work addresses; and their
copy of the signed document, which nobody else reaches through that page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.cases.packs import disposal_of, said_to_person
from app.extensions import db
from app.formats import long_date, time_of_day
from app.referrals import services as referrals
from app.referrals.outcomes import outcomes
from tests import factories
from tests.cases.test_person_told import DISPOSALS, commenced  # noqa: F401  (commenced: a fixture)
from tests.conftest import redeem

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


def _signed_in(app, case, code, born):
    client = app.test_client()
    redeem(client, code, born, name="Pat Told", email="pat.told@example.org")
    return client


@pytest.mark.usefixtures("commenced")
@pytest.mark.parametrize(("regime", "disposal"), DISPOSALS)
def test_the_person_reads_each_condition_its_date_status_days_left_and_the_consequence(app, demo_data, regime,
                                                                                        disposal):
    with app.app_context():
        conditions = (factories.REHABILITATIVE, factories.RESTRICTIVE)
        case = factories.issued(regime=regime, disposal=disposal, conditions=conditions, given="Pat", family="Told",
                                deadline=clock.today() + timedelta(weeks=10))
        code, born = factories.invitation(case), case.offender.date_of_birth
        said = [(said_to_person(case, c), long_date(c.due_on)) for c in case.conditions]
        d, case_id, deadline = disposal_of(case), str(case.public_id), case.deadline
        db.session.commit()
        db.session.remove()
    client = _signed_in(app, case, code, born)
    home = client.get("/").get_data(as_text=True)
    assert f'href="/my/cases/{case_id}"' in home
    page = client.get(f"/my/cases/{case_id}")
    assert page.status_code == 200
    words = _text(page.get_data(as_text=True))
    assert d.person_title in words and d.consequence_text in words
    for condition_words, due in said:
        assert condition_words in words and f"Do it by: {due}" in words
    assert "Go to this and take part, for 4 hours in all: Alcohol awareness course." in words
    assert "Do not go into this place or area: Do not enter the Co-op." in words
    assert words.count("To do") == 2
    assert f"Finish everything by {long_date(deadline)}. You have {(deadline - clock.today()).days} days left." in words
    if disposal == "community_resolution":
        assert "caution" not in words.lower().replace("not a conviction or a caution", "")


def _with_appointments():
    """An issued caution whose attendance condition is referred, accepted and booked: one session this morning at
    which the person arrived late and was refused entry, one cancelled, and one by phone in three days; Fresh
    Start's course lists a work phone and email."""
    case = factories.issued(conditions=(factories.REHABILITATIVE,), given="Pat", family="Told")
    service = factories.change_service(factories.service("Drug awareness course"), contact_phone="0800 123 4567",
                                       contact_email="course@freshstart.example.org",
                                       delivery_modes=["in_person", "phone"])
    sent = factories.accepted(case)
    cw = factories.user("freshstart-caseworker")
    late = factories.appointment(sent, factories.at(0, 0, 5))
    referrals.record_attendance(late, code="late_refused", note="Arrived 20 minutes late", version=late.version,
                                by=cw)
    gone = factories.appointment(sent, factories.at(2, 11))
    referrals.cancel(gone, party="provider", reason="Room not available", version=gone.version, by=cw)
    soon = factories.appointment(sent, factories.at(3, 14, 30), mode="phone")
    return case, service, late, soon


def test_appointments_say_when_where_or_how_who_with_and_what_happened(app, demo_data):
    with app.app_context():
        case, service, late, soon = _with_appointments()
        code, born, case_id = factories.invitation(case), case.offender.date_of_birth, str(case.public_id)
        officer = case.officer
        expected = {"late_day": time_of_day(late.starts_at), "soon_time": time_of_day(soon.starts_at),
                    "soon_day": long_date(soon.starts_at), "officer": officer.display_name, "email": officer.email,
                    "provider": service.provider.name, "refused": outcomes()["late_refused"].to_person}
        db.session.commit()
        db.session.remove()
    client = _signed_in(app, case, code, born)
    html = client.get(f"/my/cases/{case_id}").get_data(as_text=True)
    words = _text(html)
    coming, before = words.split("Coming up", 1)[1].split("Before", 1)
    assert f"{expected['soon_day']} at {expected['soon_time']}" in coming
    assert "How: by phone: they will call you" in coming
    assert f"With: Drug awareness course ({expected['provider']})" in coming
    assert "Where: Fresh Start" in before and "Cancelled" in before
    assert f"What happened: {expected['refused']}" in before
    assert "not let in" in expected["refused"] and "counts as missing it" in expected["refused"]
    assert "Arrived 20 minutes late" not in words  # the caseworker's note is for the police
    assert 'href="tel:+448001234567"' in html and "mailto:course@freshstart.example.org" in html
    assert expected["officer"] in words and f"mailto:{expected['email']}" in html
    # The referral's caseworker, at work: with no work phone recorded, the service's phone and email are given.
    assert "Hannah Price" in words and "There is no work phone number for them here." in words
    assert f'href="/my/cases/{case_id}/document"' in html


def test_the_signed_document_is_the_persons_own_only(app, demo_data, login_as):
    with app.app_context():
        mine = factories.issued(conditions=(factories.REHABILITATIVE,), given="Pat", family="Told")
        theirs = factories.issued(conditions=(factories.REHABILITATIVE,), given="Sam", family="Other")
        code, born = factories.invitation(mine), mine.offender.date_of_birth
        factories.invitation(theirs)
        text, mine_id, theirs_id = mine.document.text, str(mine.public_id), str(theirs.public_id)
        db.session.commit()
        db.session.remove()
    client = _signed_in(app, mine, code, born)
    page = client.get(f"/my/cases/{mine_id}/document")
    assert page.status_code == 200
    assert text.splitlines()[0] in page.get_data(as_text=True)
    for path in (f"/my/cases/{theirs_id}", f"/my/cases/{theirs_id}/document", "/my/cases/not-an-id/document"):
        assert client.get(path).status_code == 404
    officer = login_as("officer-north")
    for path in (f"/my/cases/{mine_id}", f"/my/cases/{mine_id}/document"):
        assert officer.get(path).status_code == 404
    # The victim of the demo's case is a party to it, but not the person cautioned.
    assert login_as("victim").get(f"/my/cases/{_demo_case(app)}/document").status_code == 404


def _demo_case(app) -> str:
    from sqlalchemy import select

    from app.cases.models import Case
    from app.people.models import Person
    with app.app_context():
        return str(db.session.scalar(select(Case.public_id).join(Person, Case.offender_id == Person.id)
                                     .where(Person.given_name == "Jordan")))


def test_each_view_of_their_own_record_is_audited(app, demo_data):
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    with app.app_context():
        case = factories.issued(conditions=(factories.REHABILITATIVE,), given="Pat", family="Told")
        code, born, case_id = factories.invitation(case), case.offender.date_of_birth, str(case.public_id)
        db.session.commit()
        db.session.remove()
    client = _signed_in(app, case, code, born)
    client.get(f"/my/cases/{case_id}")
    client.get(f"/my/cases/{case_id}/document")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == case_id)).all()
    assert "case.view" in actions and "case.document.view" in actions

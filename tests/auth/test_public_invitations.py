"""Invitations for the person cautioned and victims, end to end through the real OIDC flow: the officer invites,
the person gives the code and a second fact, signs in with the public provider, and their identity is bound to
their person record once. Expired, used, revoked, locked and unknown invitations give a plain page and never a
session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, create_app
from app.audit.models import AuditEvent
from app.auth.models import PublicInvitation
from app.extensions import db
from app.notifications.models import Notification
from app.people.models import Person
from tests import factories
from tests.conftest import csrf_from, through_idp
from tests.notifications.helpers import EMAIL, case_for

BORN = "{d.day} {d.month} {d.year}"


def _invite(officer_client, case: dict, sent_by="print") -> tuple[str, str]:
    """The officer invites the person cautioned from the case's invitations page; returns (page, code shown)."""
    page = officer_client.get(f"/cases/{case['public_id']}/invitations")
    assert page.status_code == 200
    done = officer_client.post(f"/cases/{case['public_id']}/invitations/{case['person']}",
                               data={"csrf_token": csrf_from(page.get_data(as_text=True)), "sent_by": sent_by})
    html = done.get_data(as_text=True)
    code = re.search(r'class="app-code">([A-Z0-9-]+)<', html)
    return html, code.group(1).replace("-", "") if code else ""


def _born(client, code: str, when) -> object:
    page = client.get(f"/i/{code}")
    if page.status_code != 200:
        return page
    day, month, year = BORN.format(d=when).split()
    return client.post(f"/i/{code}/birth-date", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "date_of_birth": [day, month, year]})


def _issued_case(app, maker=None) -> dict:
    """An issued case (north team), committed; what the tests need of it, read while the app context lasts."""
    with app.app_context():
        case = maker() if maker else factories.issued(given="Rowan", family="Invited")
        db.session.commit()
        return {"id": case.id, "public_id": case.public_id, "reference": case.reference,
                "person": case.offender.public_id, "person_id": case.offender_id, "born": case.offender.date_of_birth,
                "first_line": case.document.text.splitlines()[0]}


def _read(app, func):
    with app.app_context():
        return func()


def test_the_person_redeems_on_a_phone_and_sees_their_case_beside_the_one_they_are_a_victim_in(
        app, demo_data, login_as):
    case = _issued_case(app)
    officer = login_as("officer-north")
    letter, code = _invite(officer, case)
    assert "Print Rowan Invited\N{RIGHT SINGLE QUOTATION MARK}s copy now" in letter and len(code) == 12
    assert case["first_line"] in letter  # on the person's copy of the caution document
    stored = _read(app, lambda: db.session.scalar(select(PublicInvitation).where(
        PublicInvitation.case_id == case["id"])))
    assert code not in stored.code_hash and stored.sent_by == "print"

    person = app.test_client()
    # A wrong date of birth: said plainly, counted, nothing bound.
    wrong = _born(person, code, case["born"] - timedelta(days=1))
    assert wrong.status_code == 422
    assert "That does not match what we hold. You can try 4 more times" in wrong.get_data(as_text=True)
    right = _born(person, code, case["born"])
    assert right.status_code == 303 and right.headers["Location"].endswith("/sign-in/dev-public")
    # Kim (the demo's victim persona) signs in: the same login is now also the person cautioned here.
    home = through_idp(person, person.get("/sign-in/dev-public"), "victim")
    html = home.get_data(as_text=True)
    assert home.status_code == 200 and case["reference"] in html
    assert "The case where you are the victim" in html and "Support for victims" in html
    kim = _read(app, lambda: factories.user("victim").id)
    assert _read(app, lambda: db.session.get(Person, case["person_id"]).user_id) == kim
    used = _read(app, lambda: db.session.get(PublicInvitation, stored.id))
    assert used.used_at is not None and used.user_id == kim

    # The police timeline says both, in the police's words; the person's own timeline says neither.
    police = officer.get(f"/cases/{case['public_id']}").get_data(as_text=True)
    assert "The person cautioned invited to see the case online (on paper)" in police
    assert "The person cautioned signed in to see the case online" in police
    assert "invited to see the case online" not in html

    # Used once: another identity with the same code and the right date of birth gets nothing.
    other = app.test_client()
    again = other.get(f"/i/{code}")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert _born(other, code, case["born"]).status_code == 410


def test_a_held_invitation_redeemed_by_a_second_identity_for_a_bound_person_is_refused(app, demo_data, login_as):
    case = _issued_case(app)
    officer = login_as("officer-north")
    _, first = _invite(officer, case)
    person = app.test_client()
    assert _born(person, first, case["born"]).status_code == 303
    through_idp(person, person.get("/sign-in/dev-public"), "victim")
    # A second invitation for the same person, redeemed by someone else: binding happened once.
    _, second = _invite(officer, case)
    stranger = app.test_client()
    assert _born(stranger, second, case["born"]).status_code == 303
    refused = through_idp(stranger, stranger.get("/sign-in/dev-public"), "offender")
    assert refused.status_code == 403 and "meant for someone else" in refused.get_data(as_text=True)
    assert stranger.get("/").headers["Location"].endswith("/sign-in")  # no session
    kim = _read(app, lambda: factories.user("victim").id)
    assert _read(app, lambda: db.session.get(Person, case["person_id"]).user_id) == kim
    reasons = _read(app, lambda: list(db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "invitation.refused"))))
    assert {"kind": "public", "reason": "wrong_person"} in reasons


def test_five_wrong_answers_lock_it_and_then_even_the_right_one_is_refused(app, demo_data, login_as):
    case = _issued_case(app)
    born = case["born"]
    _, code = _invite(login_as("officer-north"), case)
    guesser = app.test_client()
    for left in (4, 3, 2, 1):
        page = _born(guesser, code, born + timedelta(days=left))
        assert page.status_code == 422 and f"try {left} more time" in page.get_data(as_text=True)
    locked = _born(guesser, code, born + timedelta(days=9))
    assert locked.status_code == 410 and "too many wrong answers" in locked.get_data(as_text=True)
    assert _born(app.test_client(), code, born).status_code == 410
    officer_page = login_as("officer-north").get(f"/cases/{case['public_id']}/invitations")
    assert "Locked: too many wrong answers" in officer_page.get_data(as_text=True)


def test_expired_revoked_and_unknown_codes_say_what_to_do(app, demo_data, login_as):
    case = _issued_case(app)
    officer = login_as("officer-north")
    _, code = _invite(officer, case)
    days = app.config["PUBLIC_INVITATION_DAYS"]
    with clock.frozen(clock.now() + timedelta(days=days, seconds=1)):
        expired = app.test_client().get(f"/i/{code}")
    assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
    with clock.frozen(clock.now() + timedelta(days=days, seconds=-60)):
        assert app.test_client().get(f"/i/{code}").status_code == 200  # the last minute still works

    page = officer.get(f"/cases/{case['public_id']}/invitations").get_data(as_text=True)
    revoke = re.search(r'action="(/cases/[^"]+/revoke)"', page).group(1)
    assert officer.post(revoke, data={"csrf_token": csrf_from(page)}).status_code == 303
    withdrawn = app.test_client().get(f"/i/{code}")
    assert withdrawn.status_code == 410 and "withdrawn" in withdrawn.get_data(as_text=True)
    assert "Contact the police officer dealing with your case" in withdrawn.get_data(as_text=True)

    anyone = app.test_client()
    form = anyone.get("/invitation")
    typo = anyone.post("/invitation", data={"csrf_token": csrf_from(form.get_data(as_text=True)),
                                            "code": "ZZZZ-ZZZZ-ZZZZ"})
    assert typo.status_code == 422 and "We cannot find an invitation with that code" in typo.get_data(as_text=True)
    assert anyone.get("/i/ZZZZZZZZZZZZ").status_code == 404


def test_a_code_sent_to_the_contact_point_is_the_second_fact(app, demo_data, login_as):
    case = _issued_case(app, lambda: case_for("email")[0])
    officer = login_as("officer-north")
    _invite(officer, case, sent_by="email")
    sent = _read(app, lambda: db.session.scalar(select(Notification).where(
        Notification.template == "portal_invitation", Notification.case_id == case["id"])))
    code = sent.personalisation["code"].replace("-", "")
    assert sent.medium == "email" and sent.personalisation["link"].endswith(f"/i/{code}")

    person = app.test_client()
    page = person.get(f"/i/{code}").get_data(as_text=True)
    assert f"the email address {EMAIL[0]}…@{EMAIL.split('@')[1]}" in page and EMAIL not in page
    asked = person.post(f"/i/{code}/send-code", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    check = _read(app, lambda: db.session.scalar(select(Notification).where(
        Notification.template == "portal_check_code", Notification.case_id == case["id"])))
    token, right_code = csrf_from(asked.get_data(as_text=True)), check.personalisation["code"]
    wrong = person.post(f"/i/{code}/code", data={"csrf_token": token,
                                                 "code": "000000" if right_code != "000000" else "111111"})
    assert wrong.status_code == 422
    right = person.post(f"/i/{code}/code", data={"csrf_token": token, "code": right_code})
    assert right.status_code == 303
    home = through_idp(person, person.get("/sign-in/dev-public"), "offender")
    assert home.status_code == 200 and case["reference"] in home.get_data(as_text=True)


def test_only_the_case_team_invites_and_only_while_the_caution_runs(app, demo_data, login_as):
    case = _issued_case(app)
    for persona in ("officer-south", "freshstart-manager", "offender"):
        assert login_as(persona).get(f"/cases/{case['public_id']}/invitations").status_code == 404
    officer = login_as("officer-north")
    page = officer.get(f"/cases/{case['public_id']}/invitations").get_data(as_text=True)
    crafted = officer.post(f"/cases/{case['public_id']}/invitations/{case['person']}",
                           data={"csrf_token": csrf_from(page), "sent_by": "sms"})  # no phone on the case
    assert crafted.status_code == 422 and "Not a valid choice" in crafted.get_data(as_text=True)
    assert _read(app, lambda: db.session.scalar(select(PublicInvitation).where(
        PublicInvitation.case_id == case["id"]))) is None


@pytest.fixture
def limited(live_url):
    """An app that allows 3 unknown codes (or sign-in starts) a minute per address."""
    second = create_app("test", {"SERVER_NAME": live_url.split("//")[1], "SIGN_IN_RATE_LIMIT": 3,
                                 "SIGN_IN_RATE_WINDOW_SECONDS": 60})
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()


def test_codes_cannot_be_guessed_at_speed_and_check_codes_are_not_sent_twice_a_minute(app, limited, demo_data,
                                                                                      login_as):
    start = clock.now().replace(second=0, microsecond=0)
    with clock.frozen(start + timedelta(seconds=5)):
        guesser = limited.test_client()
        assert [guesser.get(f"/i/ZZZZZZZZZZZ{n}").status_code for n in range(4)] == [404, 404, 404, 429]
    case = _issued_case(app, lambda: case_for("sms")[0])
    _invite(login_as("officer-north"), case, sent_by="sms")
    code = _read(app, lambda: db.session.scalar(select(Notification).where(
        Notification.template == "portal_invitation", Notification.case_id == case["id"]))).personalisation["code"]
    person, code = app.test_client(), code.replace("-", "")
    token = csrf_from(person.get(f"/i/{code}").get_data(as_text=True))
    with clock.frozen(start + timedelta(minutes=2)):
        first = person.post(f"/i/{code}/send-code", data={"csrf_token": token}, follow_redirects=True)
        assert "We have sent a code to the mobile number ending 456" in first.get_data(as_text=True)
        again = person.post(f"/i/{code}/send-code", data={"csrf_token": token}, follow_redirects=True)
        assert "Wait a minute before asking for another" in again.get_data(as_text=True)
    with clock.frozen(start + timedelta(minutes=3, seconds=1)):
        person.post(f"/i/{code}/send-code", data={"csrf_token": token})
    sent = _read(app, lambda: db.session.scalars(select(Notification.medium).where(
        Notification.template == "portal_check_code", Notification.case_id == case["id"])).all())
    assert sent == ["sms", "sms"]

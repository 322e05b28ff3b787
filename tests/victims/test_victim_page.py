"""The victim's own page: per regime and disposal, the decision in their words and what of it concerns them (never
the offender's address, contact details or special-category data); their update choices with bad input; support
per force with tel: links; restorative justice interest that reaches the officer once; and 404 for anyone else."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.notifications.models import Notification
from app.organisations.models import Role
from app.timeline.models import TimelineEvent
from app.victims.models import RestorativeInterest
from tests import factories
from tests.cases.test_person_told import DISPOSALS, commenced  # noqa: F401  (commenced: a fixture)
from tests.conftest import csrf_from
from tests.victims.helpers import issued_with_kim, text

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def _case(public_id: str) -> Case:
    return db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(public_id)))


def _ids(case: Case) -> dict:
    ids = {"case": str(case.public_id), "address": case.offender.address, "postcode": case.offender.postcode,
           "offender": case.offender.full_name}
    db.session.commit()
    db.session.remove()
    return ids


@pytest.mark.usefixtures("commenced")
@pytest.mark.parametrize(("regime", "disposal"), DISPOSALS)
def test_the_victim_reads_the_decision_and_what_concerns_them_in_each_regime(app, demo_data, login_as, regime,
                                                                           disposal):
    with app.app_context():
        case = issued_with_kim(regime=regime, disposal=disposal,
                               conditions=(factories.REHABILITATIVE, factories.RESTRICTIVE,
                                           factories.no_contact({"given_name": "Kim", "family_name": "Taylor"})))
        noun = "community resolution" if disposal == "community_resolution" else "caution"
        ids = _ids(case)
    kim = login_as("victim")
    home = kim.get("/").get_data(as_text=True)
    assert f'href="/my/victim-cases/{ids["case"]}"' in home
    page = kim.get(f"/my/victim-cases/{ids['case']}")
    assert page.status_code == 200
    words = text(page.get_data(as_text=True))
    a = "a"
    assert f"The person who committed the offence was given {a} {noun}" in words
    assert (f"What the {noun} means for you: they must not contact the people the police named. They must not go "
            "to places the police named.") in words
    assert "You get updates on Resolve." in words
    assert "they must tell you within 5 working days" in words
    # Never the person's address, name or the conditions' own words (they name people and places).
    for secret in (ids["address"], ids["postcode"], ids["offender"], "Co-op", "Alcohol awareness"):
        assert secret not in words
    if disposal == "community_resolution":
        assert "caution" not in words.lower()


def test_a_remedy_the_victim_asked_for_is_worded_for_them_and_enhanced_rights_give_one_day(app, demo_data,
                                                                                          login_as):
    with app.app_context():
        case = issued_with_kim(enhanced=True, remedy="A letter of apology", conditions=(
            factories.REHABILITATIVE, {"type": "attendance", "purpose": "reparative", "hours": 2,
                                       "details": "Write a letter of apology"}))
        ids = _ids(case)
    words = text(login_as("victim").get(f"/my/victim-cases/{ids['case']}").get_data(as_text=True))
    assert "What you asked for is part of it: A letter of apology." in words
    assert "they must tell you within 1 working day." in words


def test_two_victims_each_see_only_their_own_events(app, demo_data, login_as):
    with app.app_context():
        case = issued_with_kim(val_channel="email")
        factories.public_user("val", case, next(v.person for v in case.victims if v.person.given_name == "Val"),
                              Role.VICTIM)
        ids = _ids(case)
    kim = login_as("victim")
    kim.post(f"/my/victim-cases/{ids['case']}/updates", data={
        "csrf_token": csrf_from(kim.get(f"/my/victim-cases/{ids['case']}").get_data(as_text=True)),
        "updates": "yes", "channel": "email"})
    with app.app_context():
        case = _case(ids["case"])
        kim_id, val_id = (next(v.person_id for v in case.victims if v.person.given_name == n) for n in ("Kim", "Val"))
        events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                                TimelineEvent.kind.startswith("victim_"))).all()
        # Each victim has their own decision event and views; Kim's choice is hers alone.
        assert sorted((e.kind, e.victim_id == kim_id) for e in events if e.victim_id in (kim_id, val_id)) == sorted([
            ("victim_caution_given", True), ("victim_caution_given", False), ("victim_updates_chosen", True),
            ("victim_views", True), ("victim_views", False)])
    page = text(kim.get(f"/my/victim-cases/{ids['case']}").get_data(as_text=True))
    assert page.count("What the caution means for you") == 1
    assert "You chose to get updates by email" in page
    assert "Val" not in page and "Ng" not in page


def test_update_choices_and_bad_input(app, demo_data, login_as):
    with app.app_context():
        ids = _ids(issued_with_kim())
    kim = login_as("victim")
    url = f"/my/victim-cases/{ids['case']}"
    page = kim.get(url).get_data(as_text=True)
    token = csrf_from(page)
    assert "k…@example.org" in text(page)  # Kim's email, masked
    assert "By text message (we do not have one for you)" in text(page)
    # Yes without a channel; text message with no number; a made-up channel; a field it does not ask for.
    for data, said in (({"updates": "yes"}, "Choose how you want to get updates"),
                       ({"updates": "yes", "channel": "sms"}, "We do not have a mobile number for you"),
                       ({"updates": "yes", "channel": "pigeon"}, "Not a valid choice"),
                       ({}, "Say if you want updates"),
                       ({"updates": "no", "evil": "1"}, "something it does not ask for")):
        bad = kim.post(f"{url}/updates", data={"csrf_token": token} | data)
        assert bad.status_code == 422, data
        body = bad.get_data(as_text=True)
        assert "There is a problem" in body and said in text(body), data
    assert kim.post(f"{url}/updates", data={"updates": "yes", "channel": "email"}).status_code == 400  # no CSRF
    done = kim.post(f"{url}/updates", data={"csrf_token": token, "updates": "no"})
    assert done.status_code == 303
    assert "You do not get updates." in text(kim.get(url).get_data(as_text=True))
    kim.post(f"{url}/updates", data={"csrf_token": token, "updates": "yes", "channel": "email"})
    with app.app_context():
        case = _case(ids["case"])
        kim_link = next(v for v in case.victims if v.person.given_name == "Kim")
        assert (kim_link.updates_opted_in, kim_link.update_channel) == (True, "email")
        police = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                                TimelineEvent.kind == "victim_updates_chosen")).all()
        assert len(police) == 2


def test_restorative_justice_interest_reaches_the_officer_once(app, demo_data, login_as):
    with app.app_context():
        ids = _ids(issued_with_kim())
    kim = login_as("victim")
    url = f"/my/victim-cases/{ids['case']}"
    token = csrf_from(kim.get(url).get_data(as_text=True))
    for _ in range(2):
        assert kim.post(f"{url}/restorative-justice", data={"csrf_token": token}).status_code == 303
    page = text(kim.get(url).get_data(as_text=True))
    assert "You told us you are interested. Your police contact will get in touch" in page
    assert "I am interested" not in page
    with app.app_context():
        assert len(db.session.scalars(select(RestorativeInterest)).all()) == 1
        told = db.session.scalars(select(Notification).where(Notification.template == "victim_rj_interest")).all()
        officer = factories.user("officer-north")
        assert {(n.user_id, n.medium) for n in told} == {(officer.id, "in_app"), (officer.id, "email")}
        events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.kind == "victim_rj_interest")).all()
        assert len(events) == 1
    officer_page = login_as("officer-north").get(f"/cases/{ids['case']}").get_data(as_text=True)
    assert "A victim is interested in restorative justice" in officer_page


def test_support_services_for_the_force_with_tel_links(app, demo_data, login_as):
    with app.app_context():
        ids = _ids(issued_with_kim())
    page = login_as("victim").get(f"/my/victim-cases/{ids['case']}").get_data(as_text=True)
    assert 'href="tel:+448081689111"' in page  # Victim Support's national line, for every force
    assert "Northshire Victim Care" in page and 'href="tel:+441632960100"' in page  # Northshire's own
    assert "You can complain to Northshire Police" in text(page)
    assert "mailto:" in page  # the officer's work email, to ask a question


def test_support_for_a_force_with_no_entry_is_the_default(app):
    from app.victims import support

    westshire = support.for_force("WSP")
    assert [s.name for s in westshire.services] == ["Victim Support"]
    assert westshire.services[0].phone == "0808 16 89 111"
    assert westshire.complain.startswith("You can complain to the police force")
    assert [s.name for s in support.for_force("NSP").services] == ["Victim Support", "Northshire Victim Care"]


def test_nobody_else_reaches_the_page(app, demo_data, login_as):
    with app.app_context():
        kims = issued_with_kim()
        other = factories.issued(given="Not", family="Kims")  # Val is its victim
        factories.link_public(other, other.offender, Role.OFFENDER, "offender")  # Jordan: cautioned there
        ids = {"kims": str(kims.public_id), "other": str(other.public_id)}
        db.session.commit()
        db.session.remove()
    kim, jordan, officer = login_as("victim"), login_as("offender"), login_as("officer-north")
    assert kim.get(f"/my/victim-cases/{ids['other']}").status_code == 404  # another victim's case
    assert jordan.get(f"/my/victim-cases/{ids['other']}").status_code == 404  # the person cautioned
    assert jordan.get(f"/my/victim-cases/{ids['kims']}").status_code == 404  # not in that case at all
    assert officer.get(f"/my/victim-cases/{ids['kims']}").status_code == 404  # staff
    assert kim.get("/my/victim-cases/not-an-id").status_code == 404
    assert app.test_client().get(f"/my/victim-cases/{ids['kims']}").status_code == 302  # sign in first
    token = csrf_from(jordan.get("/").get_data(as_text=True))
    assert jordan.post(f"/my/victim-cases/{ids['kims']}/updates", data={"csrf_token": token, "updates": "no"}
                       ).status_code == 404
    assert jordan.post(f"/my/victim-cases/{ids['kims']}/restorative-justice", data={"csrf_token": token}
                       ).status_code == 404

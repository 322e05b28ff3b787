"""Each party's timeline of one case, in its own words: a case with two victims, both referred conditions' events,
and what the police, the providers, the person cautioned, each victim and the scrutiny panel read of it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app import access, clock, demo
from app.auth.models import User
from app.cases import conditions, corrections
from app.cases import services as cases
from app.cases.models import Case
from app.extensions import db
from app.organisations.models import Role
from app.people.models import Person
from app.referrals import services as referrals
from app.timeline import queries as timeline
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words
from tests import factories
from tests.statements.conftest import PARTIAL, measure

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
VIEWS = {"attempts": [], "could_not_contact": False, "views": "Would like an apology", "remedy_requested": None,
         "remedy_declined_reason": None, "taken_into_account": "Noted"}
TITLE = re.compile(r'<h3 class="moj-timeline__title">(.*?)</h3>', re.S)


def _words(day: date) -> str:
    """3 December 2026, written out here independently of the filters."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@pytest.fixture
def two_victims(app, demo_data) -> dict:
    """An issued caution with two victims, Val Ng and Kim Taylor (the demo's victim), each with their views
    recorded; after issue the officer corrects Val's email. The first condition is referred to Fresh Start
    (accepted, an appointment tomorrow at 10am, attended) and to Pathways (sent)."""
    with app.app_context():
        officer = factories.user("officer-north")
        case = factories.ready(officer, given="Ira", family="Twice")  # Val Ng, the factories' victim
        kim = db.session.scalar(select(Person).where(Person.given_name == "Kim"))
        link = cases.add_victim(case, kim, enhanced_rights=False, updates_opted_in=True, update_channel="email",
                                by=officer)
        cases.record_victim_view(case, link, VIEWS, by=officer)
        conditions.confirm_conditions(case, by=officer)
        demo.issue_case(case, officer=officer, signed_by="Ira Twice")
        val = next(v.person for v in case.victims if v.person.given_name == "Val")
        corrections.correct_contact_details(case, val, {"email": "val.ng@example.org"}, by=officer)
        factories.public_user("val", case, val, Role.VICTIM)
        factories.public_user("ira", case, case.offender, Role.OFFENDER)
        fresh = factories.accepted(case)
        appointment = factories.appointment(fresh, factories.at(1))
        with clock.frozen(factories.at(1, hour=12)):
            referrals.record_attendance(appointment, code="attended", note=None, version=appointment.version,
                                        by=factories.user("freshstart-caseworker"))
        pathways = referrals.send_referral(case, case.conditions[0], factories.new_service("Money advice"),
                                           by=officer)
        ids = {"case": case.public_id, "fresh": fresh.id, "pathways": pathways.id, "deadline": case.deadline,
               "kim": kim.id, "val": val.id, "today": clock.today()}
        db.session.commit()
        db.session.remove()
    return ids


def _case(ids) -> Case:
    return db.session.scalar(select(Case).where(Case.public_id == ids["case"]))


def _user(key: str) -> User:
    return db.session.scalar(select(User).where(User.issuer == demo.IDENTITY, User.subject == key))


def _seen(user, case) -> list[TimelineEvent]:
    return list(db.session.scalars(access.visible_timeline(user, case)))


def _event(case, kind: str) -> TimelineEvent:
    return db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                          TimelineEvent.kind == kind)).one()


def test_each_victim_reads_the_events_for_every_victim_and_their_own_only(app, two_victims):
    with app.app_context():
        case = _case(two_victims)
        kim, val = _user("victim"), _user("val")
        for user, person_id, own in ((kim, two_victims["kim"], {"victim_views", "victim_caution_given"}),
                                     (val, two_victims["val"], {"victim_views", "victim_caution_given",
                                                                "contact_corrected"})):
            events = _seen(user, case)
            assert {e.kind for e in events} == {"caution_issued"} | own, user.subject
            # Every event is for all victims or for this one, never for the other.
            assert {e.victim_id for e in events} == {None, person_id}, user.subject
            assert [e.id for e in db.session.scalars(access.visible_timelines(user, [case]))] == [
                e.id for e in events]
        # The police read both victims' events, without a name.
        police = [e for e in _seen(factories.user("officer-north"), case) if e.kind == "victim_views"]
        assert {e.victim_id for e in police} == {two_victims["kim"], two_victims["val"]}
        assert {words(e, Audience.POLICE) for e in police} == {"Victim's views: views recorded"}
        assert words(police[0], Audience.VICTIM) == "Your views about the offence were recorded"


def test_the_victims_page_shows_kim_her_own_events_only(app, two_victims, login_as):
    page = login_as("victim").get("/").get_data(as_text=True)
    titles = TITLE.findall(page)
    assert "Your views about the offence were recorded" in titles
    assert "Your contact details were corrected" not in titles  # Val's, not Kim's
    assert f"The person who committed the offence was given a caution on {_words(two_victims['today'])}" in titles


def test_the_police_timeline_never_reads_words_written_to_the_person(app, two_victims, login_as):
    partial = login_as("officer-north").get(f"/cases/{two_victims['case']}", headers=PARTIAL)
    titles = TITLE.findall(partial.get_data(as_text=True))
    with app.app_context():
        case = _case(two_victims)
        police = _seen(factories.user("officer-north"), case)
        assert len(titles) == len(police) > 15
        # The same events, in the person's words, do speak to them.
        person = [words(e, Audience.OFFENDER) for e in _seen(_user("ira"), case)]
        victim = [words(e, Audience.VICTIM) for e in police if e.kind == "contact_corrected"]
    assert not [t for t in titles if "Your " in t]
    assert any(t.startswith("Your conditions") for t in person)
    assert victim == ["Your contact details were corrected"]


def test_each_audience_words_the_main_kinds(app, two_victims):
    today, deadline, tomorrow = two_victims["today"], two_victims["deadline"], factories.at(1).date()
    police, provider, offender, victim, scrutiny = (Audience.POLICE, Audience.PROVIDER, Audience.OFFENDER,
                                                    Audience.VICTIM, Audience.SCRUTINY)
    expected = {
        "caution_issued": {police: "Adult conditional caution given", scrutiny: "Adult conditional caution given",
                           offender: f"You were given a caution on {_words(today)}",
                           victim: f"The person who committed the offence was given a caution on {_words(today)}"},
        "conditions_set": {police: f"Conditions set: 2 to complete by {_words(deadline)}",
                           scrutiny: f"Conditions set: 2 to complete by {_words(deadline)}",
                           offender: f"Your conditions: 2 conditions to complete by {_words(deadline)}"},
        "attendance_recorded": {
            police: f"Drug awareness course: Attendance on {_words(tomorrow)} at 10am: attended",
            provider: f"Drug awareness course: Attendance on {_words(tomorrow)} at 10am: attended",
            scrutiny: "Attendance: attended"},
        "appointment_booked": {
            police: f"Drug awareness course: appointment booked for {_words(tomorrow)} at 10am",
            offender: f"Appointment with Drug awareness course booked for {_words(tomorrow)} at 10am"},
    }
    with app.app_context():
        case = _case(two_victims)
        for kind, wording in expected.items():
            event = _event(case, kind)
            assert set(wording) <= set(Audience(event.audiences)), kind
            assert {audience: words(event, audience) for audience in wording} == wording
        sent = db.session.scalar(select(TimelineEvent).where(TimelineEvent.referral_id == two_victims["fresh"],
                                                             TimelineEvent.kind == "referral_sent"))
        assert Audience(sent.audiences) == police | provider | scrutiny
        assert words(sent, police) == "Referred to Drug awareness course (Fresh Start Recovery)"
        assert words(sent, scrutiny) == words(sent, police)
        assert words(sent, provider) == "Referral received for Drug awareness course"


def test_the_scrutiny_panel_reads_the_decisions_and_outcomes_and_no_name(app, two_victims):
    with app.app_context():
        case = _case(two_victims)
        read = {e.kind: words(e, Audience.SCRUTINY) for e in db.session.scalars(timeline.for_scrutiny(case.id))}
        assert {"case_opened", "screened", "caution_issued", "conditions_set", "referral_sent",
                "attendance_recorded"} <= set(read)
        assert not set(read) & {"victim_views", "contact_corrected", "progress_note", "offender_updated"}
        names = ("Ira", "Twice", "Val", "Kim", "Ng", "Taylor", "Hannah", case.officer.display_name, case.reference)
        assert [(kind, text) for kind, text in read.items() if any(n in text for n in names)] == []


def test_a_provider_reads_only_the_events_of_its_own_referral(app, two_victims):
    with app.app_context():
        case = _case(two_victims)
        fresh, pathways = _seen(_user("freshstart-manager"), case), _seen(_user("pathways-manager"), case)
        assert {e.referral_id for e in fresh} == {two_victims["fresh"]}
        assert {e.kind for e in fresh} == {"referral_sent", "referral_accepted", "appointment_booked",
                                          "attendance_recorded"}
        assert [(e.kind, e.referral_id) for e in pathways] == [("referral_sent", two_victims["pathways"])]
        assert _seen(_user("freshstart-caseworker-2"), case) == []  # not assigned to them


def test_the_case_pages_timeline_reads_the_same_statements_for_a_short_and_a_long_story(app, two_victims, login_as):
    with app.app_context():
        short = factories.issued(given="Sho", family="Rt", victim=False)
        short_id = short.public_id
        db.session.commit()
        db.session.remove()
    officer = login_as("officer-north")
    small = measure(app, officer, f"/cases/{short_id}", headers=PARTIAL)
    large = measure(app, officer, f"/cases/{two_victims['case']}", headers=PARTIAL)
    assert small.shape() == large.shape(), f"small: {small}\nlarge: {large}"


def test_every_kind_a_service_writes_has_its_template():
    """A kind without a template would read as its name in words (the fallback): every literal kind written in
    app/ has its own, and so do the two kinds of a supervisor's decision."""
    root = Path(__file__).resolve().parents[2]
    written = {kind for path in (root / "app").rglob("*.py")
               for kind in re.findall(r'timeline\([\w.]+, "(\w+)"', path.read_text())}
    written |= {"approval_approved", "approval_returned", "condition_added", "condition_changed",
                "attendance_recorded", "attendance_corrected", "flag_raised"}  # kinds named in a variable
    assert len(written) > 30
    assert sorted(k for k in written if not (root / "templates" / "timeline" / f"{k}.txt").exists()) == []

"""Welsh on the public's timeline: the person cautioned and a victim read their events in Welsh when they chose it
(one line each, dates in Welsh), English is unchanged, and the police, providers and scrutiny read English."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.formats import london_datetime, long_date
from app.people.models import Person
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


def _choose_welsh(app, user_id):
    with app.app_context():
        db.session.get(User, user_id).locale = "cy"
        db.session.commit()
        db.session.remove()


def _demo_dates(app, locale: str) -> tuple[str, str]:
    """The demo caution's day and deadline, as the pages write them in `locale` (the demo gives it days ago)."""
    with app.app_context(), app.test_request_context(), force_locale(locale):
        case = db.session.scalars(select(Case).join(Person, Person.id == Case.offender_id)
                                  .where(Person.family_name == "Smith", Case.issued_on.is_not(None))).one()
        found = long_date(case.issued_on), long_date(case.deadline)
        db.session.remove()
    return found


def test_the_person_cautioned_reads_their_timeline_in_welsh(app, login_as, demo_data):
    client = login_as("offender")
    english = _text(client.get("/").get_data(as_text=True))
    given, by = _demo_dates(app, "en")
    assert f"Your conditions: 2 conditions to complete by {by}" in english
    assert f"You were given a caution on {given}" in english
    _choose_welsh(app, demo_data["offender"])
    welsh = _text(client.get("/").get_data(as_text=True))
    given, by = _demo_dates(app, "cy")
    assert f"Eich amodau: rhaid cwblhau 2 amod erbyn {by}" in welsh
    assert f"Rhoddwyd rhybudd i chi ar {given}" in welsh
    assert "Your conditions:" not in welsh and "You were given a caution" not in welsh


def test_a_victim_reads_their_timeline_in_welsh(app, login_as, demo_data):
    client = login_as("victim")
    english = _text(client.get("/").get_data(as_text=True))
    assert "What the caution means for you: They must not go to places the police named." in english
    assert f"The person who committed the offence was given a caution on {_demo_dates(app, 'en')[0]}" in english
    assert "Your views about the offence were recorded" in english
    _choose_welsh(app, demo_data["victim"])
    welsh = _text(client.get("/").get_data(as_text=True))
    assert ("Beth mae'r rhybudd yn ei olygu i chi: Rhaid iddynt beidio â mynd i leoedd a enwyd gan yr heddlu."
            in welsh)
    assert f"Rhoddwyd rhybudd i'r person a gyflawnodd y drosedd ar {_demo_dates(app, 'cy')[0]}" in welsh
    assert "Cafodd eich barn am y drosedd ei chofnodi" in welsh
    assert "What the caution means" not in welsh and "Your views about the offence" not in welsh


AT, WAS = "2027-01-12T10:30:00+00:00", "2027-01-05T14:00:00+00:00"
EVENTS = [  # (kind, detail, the public audiences that read it)
    ("appointment_booked", {"service": "Kindle", "at": AT}, ["offender"]),
    ("appointment_booked", {"service": "Kindle", "at": AT, "late": True}, ["offender"]),
    ("appointment_booked", {"service": "Kindle", "at": AT, "group": "Choices"}, ["offender"]),
    ("appointment_booked", {"service": "Kindle", "at": AT, "group": "Choices", "late": True}, ["offender"]),
    ("appointment_cancelled", {"service": "Kindle", "at": AT, "party": "provider"}, ["offender"]),
    ("appointment_moved", {"service": "Kindle", "at": AT, "was_at": WAS, "asked": "provider"}, ["offender"]),
    ("case_completed", {"noun": "caution", "outcome_code": "OC1"}, ["offender"]),
    ("caution_issued", {"noun": "community resolution", "disposal": "Community resolution", "on": "2027-01-05"},
     ["offender", "victim"]),
    ("compliance_decided", {"decision": "excuse_accepted"}, ["offender"]),
    ("compliance_decided", {"decision": "refer_for_prosecution"}, ["offender"]),
    ("compliance_decided", {"decision": "financial_penalty", "amount": 80}, ["offender"]),
    ("conditions_varied", {"version": 2, "deadline": "2027-03-19", "changed": 1, "removed": 0}, ["offender"]),
    ("penalty_imposed", {"amount": 80, "due_on": "2027-02-02"}, ["offender"]),
    ("penalty_paid", {"on": "2027-01-05"}, ["offender"]),
    ("condition_result", {"result": "completed", "on": "2027-01-05"}, ["offender"]),
    ("condition_result", {"result": "not_done", "on": "2027-01-05"}, ["offender"]),
    ("conditions_set", {"count": 1, "deadline": "2027-03-19"}, ["offender"]),
    ("contact_change_asked", {"what": "new phone"}, ["offender", "victim"]),
    ("contact_corrected", {"whose": "offender"}, ["offender", "victim"]),
    ("rearrange_asked", {"service": "Kindle", "at": AT}, ["offender"]),
    ("rearrange_declined", {"service": "Kindle", "at": AT}, ["offender"]),
    ("reminders_chosen", {"choice": "sms"}, ["offender"]),
    ("reminders_chosen", {"choice": "none"}, ["offender"]),
    ("victim_case_closed", {"reason": "sent_for_charge", "on": "2027-01-05"}, ["victim"]),
    ("victim_caution_given", {"noun": "caution", "no_contact": True, "remedy": "an apology", "payment": True},
     ["victim"]),
    ("victim_caution_given", {"noun": "caution"}, ["victim"]),
    ("victim_completed", {"noun": "caution", "on": "2027-01-05"}, ["victim"]),
    ("victim_non_compliance", {"noun": "caution", "on": "2027-01-05", "outcome": "x"}, ["victim"]),
    ("victim_non_compliance", {"noun": "caution", "on": "2027-01-05"}, ["victim"]),
    ("victim_rj_interest", {}, ["victim"]),
    ("victim_updates_chosen", {"opted_in": True, "channel": "email"}, ["victim"]),
    ("victim_updates_chosen", {"opted_in": False}, ["victim"]),
    ("victim_views", {}, ["victim"]),
]


@pytest.mark.parametrize(("kind", "detail", "readers"), EVENTS)
def test_each_public_event_has_welsh_words_on_one_line_and_staff_words_stay_english(app, kind, detail, readers):
    event = TimelineEvent(kind=kind, detail=detail)
    with app.test_request_context():
        for audience in readers:
            with force_locale("en"):
                english = words(event, Audience[audience.upper()])
            with force_locale("cy"):
                welsh = words(event, Audience[audience.upper()])
            assert welsh and welsh != english and "\n" not in welsh
            assert "Jan" not in welsh and "January" not in welsh  # dates in Welsh
        # Staff always read English; even in a Welsh locale only the dates (filters) would change.
        dates = [v for v in detail.values() if isinstance(v, str) and v[:2] == "20"]
        for staff in (Audience.POLICE, Audience.PROVIDER, Audience.SCRUTINY):
            with force_locale("en"):
                english = words(event, staff)
                said = [(london_datetime(v) if "T" in v else long_date(v)) for v in dates]
            with force_locale("cy"):
                staff_words = words(event, staff)
                for value, in_english in zip(dates, said, strict=True):
                    cy = london_datetime(value) if "T" in value else long_date(value)
                    staff_words = staff_words.replace(cy, in_english)
            assert staff_words == english

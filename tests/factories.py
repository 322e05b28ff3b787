"""Test data through the front door: cases, referrals and appointments built by the same services the officer's,
the coordinator's and the provider's requests call, so a test only ever holds a state the product can reach.

Each builder takes the users from the demo personas (`tests.conftest.demo_data`). A case issued "on" another day
is built with the clock set to that day, as it would have been.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app import clock, demo
from app.auth.models import User
from app.cases import services as cases
from app.cases.models import Case
from app.extensions import db
from app.organisations.models import Service, Team
from app.people.models import Person
from app.referrals import services as referrals
from app.referrals.models import Appointment, Referral

NORTH = demo.NORTH
REHABILITATIVE = {"type": "attendance", "purpose": "rehabilitative", "hours": 4,
                  "details": "Alcohol awareness course"}
RESTRICTIVE = {"type": "restrictive", "subtype": "not_enter", "details": "Do not enter the Co-op"}


def user(key: str) -> User:
    return db.session.scalar(select(User).where(User.issuer == demo.IDENTITY, User.subject == key))


def team(name: str = NORTH) -> Team:
    return db.session.scalar(select(Team).where(Team.name == name))


def service(name: str) -> Service:
    return db.session.scalar(select(Service).where(Service.name == name))


def on_day(day: date | None):
    """The clock set to 10:00 (UK time) on `day`, or left alone."""
    if day is None:
        return nullcontext()
    return clock.frozen(datetime.combine(day, time(10), tzinfo=clock.LONDON).astimezone(UTC))


def draft(officer: User | None = None, *, given: str = "Sam", family: str = "Lee", team_name: str = NORTH,
          disposal: str = "adult_conditional_caution", regime: str = "current_practice",
          person: Person | None = None) -> Case:
    """A new draft case, for a new person (by name) or for `person`, already known from an earlier case."""
    officer = officer or user("officer-north")
    return cases.start_case(officer=officer, team=team(team_name), regime=regime, disposal_type=disposal,
                            given_name=given, family_name=family, person=person)


def with_details(case: Case, officer: User | None = None, *, born: date | None = None, code: str = "TH01",
                 postcode: str = "NT1 1AA") -> Case:
    officer = officer or user("officer-north")
    today = clock.today()
    cases.update_offender(case, {"date_of_birth": born or clock.years_before(today, 30),
                                 "address": "1 High Street, Northtown", "postcode": postcode}, None, by=officer)
    cases.add_offence(case, code=code, committed_on=today - timedelta(days=3), location="Co-op, High Street",
                      by=officer)
    return case


def ready(officer: User | None = None, *, conditions=(REHABILITATIVE, RESTRICTIVE), victim: bool = True,
          **draft_args) -> Case:
    """A case with everything in place for the caution: details, a victim and their views (or none), eligibility,
    needs and the conditions given."""
    officer = officer or user("officer-north")
    case = with_details(draft(officer, **draft_args), officer)
    link = None
    if victim:
        link = cases.add_new_victim(case, {"given_name": "Val", "family_name": "Ng", "email": "val@example.org",
                                           "preferred_channel": "email"}, enhanced_rights=False,
                                    updates_opted_in=True, update_channel="email", by=officer)
    else:
        cases.record_no_victims(case, by=officer)
    demo.screen(case, officer=officer)
    demo.assess_needs(case, officer=officer, alcohol="high")
    if link is not None:
        cases.record_victim_view(case, link, {"attempts": [{"on": clock.today().isoformat(), "method": "phone",
                                                            "note": None}], "could_not_contact": False,
                                              "views": "Wants an apology", "remedy_requested": None,
                                              "remedy_declined_reason": None,
                                              "taken_into_account": "A letter of apology is a condition"},
                                 by=officer)
    for values in conditions:
        cases.add_condition(case, {"due_on": clock.today() + timedelta(weeks=8)} | values, by=officer)
    return case


def issued(officer: User | None = None, *, on: date | None = None, deadline: date | None = None,
           **ready_args) -> Case:
    """An issued caution with its signed document, given on `on` (today unless said)."""
    officer = officer or user("officer-north")
    with on_day(on):
        case = ready(officer, **ready_args)
        demo.issue_case(case, officer=officer, signed_by=case.offender.full_name, deadline=deadline)
    return case


def referral(case: Case, *, condition: int = 0, service_name: str = "Drug awareness course",
             officer: User | None = None) -> Referral:
    return referrals.send_referral(case, case.conditions[condition], service(service_name),
                                   by=officer or user("officer-north"))


def accepted(case: Case, *, caseworker: str = "freshstart-caseworker", manager: str = "freshstart-manager",
             **referral_args) -> Referral:
    sent = referral(case, **referral_args)
    referrals.accept_referral(sent, user(caseworker), by=user(manager))
    return sent


def appointment(sent: Referral, starts_at: datetime, *, minutes: int = 60, by: str = "freshstart-caseworker",
                mode: str = "in_person") -> Appointment:
    return referrals.book_appointment(sent, starts_at=starts_at, minutes=minutes, mode=mode, place="Fresh Start",
                                      by=user(by))


def at(days: int = 0, hour: int = 10, minute: int = 0) -> datetime:
    """A time (UK) `days` from today."""
    return datetime.combine(clock.today() + timedelta(days=days), time(hour, minute), tzinfo=clock.LONDON)

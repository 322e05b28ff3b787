"""Test data through the front door: cases, referrals and appointments built by the same services the officer's,
the coordinator's and the provider's requests call, so a test only ever holds a state the product can reach.

Each builder takes the users from the demo personas (`tests.conftest.demo_data`). A case issued "on" another day
is built with the clock set to that day, as it would have been.
"""

from __future__ import annotations

import shutil
import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from app import clock, demo
from app.auth import public_invitations
from app.auth.models import User
from app.cases import conditions as condition_services
from app.cases import corrections
from app.cases import services as cases
from app.cases.document import document_hash
from app.cases.models import Case
from app.cases.pack_reader import RULES_DIR, load_all
from app.compliance import decisions, variations
from app.compliance.models import FinancialPenalty, FlagKind, Variation
from app.compliance.services import raise_flag
from app.extensions import db
from app.organisations import services as directory
from app.organisations.models import Membership, Organisation, OrgKind, Role, Service, Team
from app.people.models import Person
from app.referrals import services as referrals
from app.referrals.models import Appointment, Referral

NORTH = demo.NORTH
REHABILITATIVE = {"type": "attendance", "purpose": "rehabilitative", "hours": 4,
                  "details": "Alcohol awareness course"}
RESTRICTIVE = {"type": "restrictive", "subtype": "not_enter", "details": "Do not enter the Co-op"}
VICTIM = {"given_name": "Val", "family_name": "Ng", "email": "val@example.org", "preferred_channel": "email"}
# The fields of the coordinator's service form (what update_service is given on every save).
SERVICE_FIELDS = ("name", "category", "delivery_modes", "weekly_capacity", *demo.SERVICE_DEFAULTS)


def no_contact(victim: dict) -> dict:
    """A restrictive condition naming the victim, as an officer writes it."""
    name = victim["given_name"]
    return {"type": "restrictive", "subtype": "no_contact",
            "details": f"No contact with {name} {victim['family_name']} or {name}."}


def user(key: str) -> User:
    return db.session.scalar(select(User).where(User.issuer == demo.IDENTITY, User.subject == key))


def person_of(key: str) -> Person:
    """The person record the demo linked this public persona to."""
    return db.session.scalar(select(Person).where(Person.user_id == user(key).id).order_by(Person.id).limit(1))


def link_public(case, person, party, key: str) -> None:
    """Link a public persona to a person in this case, through an invitation redeemed as a person would."""
    demo.link_public(case, person, party, user(key), by=case.officer)


def invitation(case, person=None, party=Role.OFFENDER, sent_by: str = "print") -> str:
    """An invitation for the person cautioned (or `person`), issued by the case's officer: its code."""
    return public_invitations.issue(case, person or case.offender, party, sent_by=sent_by, by=case.officer)[1]


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
                 postcode: str = "NT1 1AA", special: dict | None = None) -> Case:
    """The person's details and one offence. `special` is the special-category answers of the officer's form
    (ethnicity_self_defined, ethnicity_officer_observed, sex), or None for none given."""
    officer = officer or user("officer-north")
    today = clock.today()
    cases.update_offender(case, {"date_of_birth": born or clock.years_before(today, 30),
                                 "address": "1 High Street, Northtown", "postcode": postcode}, special, by=officer)
    cases.add_offence(case, code=code, committed_on=today - timedelta(days=3), location="Co-op, High Street",
                      by=officer)
    return case


def ready(officer: User | None = None, *, conditions=(REHABILITATIVE, RESTRICTIVE), victim: bool | dict = True,
          special: dict | None = None, victim_channel: str = "portal", **draft_args) -> Case:
    """A case with everything in place for the caution: details, a victim and their views (or none), eligibility,
    needs and the conditions given. `victim` is True for VICTIM, False for none, or the victim's details."""
    officer = officer or user("officer-north")
    case = with_details(draft(officer, **draft_args), officer, special=special)
    link = None
    if victim:
        # Updates on the portal: the victim's email or text message would be one more outbox row in every test.
        link = cases.add_new_victim(case, VICTIM if victim is True else victim, enhanced_rights=False,
                                    updates_opted_in=True, update_channel=victim_channel, by=officer)
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
        condition_services.add_condition(case, {"due_on": clock.today() + timedelta(weeks=8)} | values, by=officer)
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


# --- the directory, as the coordinator changes it ------------------------------------------------------------------


def organisation(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def new_service(name: str, *, category: str = "debt", provider: str = "PWC", force: str = "NSP",
                by: str = "coordinator", **values) -> Service:
    """A service added to the force's directory by its coordinator, as the new-service form adds it."""
    return directory.add_service(force=organisation(force), provider=organisation(provider), by=user(by),
                                 values=demo.SERVICE_DEFAULTS | {"name": name, "category": category,
                                                                 "delivery_modes": ["in_person"],
                                                                 "weekly_capacity": 200} | values)


def change_service(service: Service, *, by: str = "coordinator", **changes) -> Service:
    """The coordinator's service form saved with these fields changed and every other as it was."""
    values = {field: getattr(service, field) for field in SERVICE_FIELDS} | changes
    return directory.update_service(service, provider=service.provider, values=values, by=user(by))


def set_active(service: Service, active: bool, *, by: str = "coordinator") -> Service:
    directory.set_active(service, active, by=user(by))
    return service


# --- more of the same, for pages measured with large data -------------------------------------------------------


def busy(case: Case, events: int, officer: User | None = None) -> Case:
    """`events` more events on the timeline of a case still being prepared: the officer corrects the person's
    phone number that many times (each correction is one event)."""
    officer = officer or user("officer-north")
    for i in range(events):
        cases.update_offender(case, {"phone": f"07700 9{i:05d}"}, None, by=officer)
    return case


def appointments(sent: Referral, n: int, *, first: datetime, every: timedelta = timedelta(days=1),
                 by: str = "freshstart-caseworker") -> list[Appointment]:
    """`n` appointments for one referral, one every `every` from `first`."""
    return [appointment(sent, first + i * every, by=by) for i in range(n)]


def provider(code: str, name: str, *, staff: int = 3) -> Organisation:
    """A provider organisation with a manager and `staff - 1` caseworkers, made as the demo makes its own (no use
    case makes organisations or memberships yet)."""
    org = demo.get_or_add(Organisation, {"code": code}, kind=OrgKind.PROVIDER, name=name)
    for i in range(staff):
        person = demo.get_or_add(User, {"issuer": demo.IDENTITY, "subject": f"{code.lower()}-{i}"}, kind="staff",
                                 display_name=f"{name} worker {i}", email=f"{code.lower()}-{i}@example.org")
        demo.get_or_add(Membership, {"user_id": person.id, "organisation_id": org.id,
                                     "role": Role.PROVIDER_MANAGER if i == 0 else Role.CASEWORKER})
    return org


def public_user(key: str, case: Case, person: Person, role: Role) -> User:
    """A member of the public linked to `person` (the person cautioned or a victim of `case`) as the demo links
    its own: an invitation issued by the case's officer, redeemed."""
    found = demo.get_or_add(User, {"issuer": demo.IDENTITY, "subject": key}, kind="public",
                            display_name=person.full_name)
    demo.link_public(case, person, role, found, by=case.officer)
    return found


def by_email(case: Case, address: str, officer: User | None = None) -> Case:
    """The person cautioned gives an email address for reminders, corrected by the officer after issue."""
    corrections.correct_contact_details(case, case.offender, {"email": address, "preferred_channel": "email"},
                                        by=officer or user("officer-north"))
    return case


# --- after a flag: the conditions varied, a financial penalty ----------------------------------------------------


def commenced_packs(folder: Path, commenced_on: date, **penalty) -> dict:
    """The rule packs as they may read once PCSC Part 6 commences (on `commenced_on`), with a community caution's
    penalty figures as given (maximum_pounds, days_to_pay): to put in `app.extensions["rule_packs"]`."""
    rules = folder / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "pcsc_2022" / "2026.1.yaml"
    pack = yaml.safe_load(path.read_text())
    for disposal in pack["disposal_types"].values():
        disposal["commencement"] = commenced_on
    pack["disposal_types"]["community_caution"]["non_compliance"]["financial_penalty"].update(penalty)
    path.write_text(yaml.safe_dump(pack))
    return load_all(rules)


def varying(case: Case, *, by: str = "officer-north") -> Variation:
    """A variation of the case's conditions, decided on a flag of its own, waiting for the person to sign."""
    flag = raise_flag(case, FlagKind.DEADLINE_PASSED, f"deadline_passed:{case.id}:{uuid.uuid4()}", "Deadline passed")
    decisions.decide(case, flag, explanation="Was ill", attempts=[], evidence="A letter from the hospital seen",
                     decision="conditions_varied", reason="A good reason: a later course", by=user(by))
    return variations.open_variation(case)


def varied(case: Case, *, by: str = "officer-north", **change) -> Variation:
    """The case's first condition changed (`change`: its new values) and the new version signed."""
    variation, first = varying(case, by=by), case.conditions[0]
    values = {"type": first.type, "subtype": first.subtype, "purpose": first.purpose, "hours": first.hours,
              "amount_pounds": first.amount_pounds, "details": first.details, "due_on": first.due_on} | change
    variations.change(variation, first, values, by=user(by))
    variations.sign(variation, signed_by_name=case.offender.full_name, administered_by="sergeant_or_above",
                    shown_hash=document_hash(variations.text(variation)), by=user(by))
    return variation


def penalised(case: Case, amount: int, *, by: str = "officer-north") -> FinancialPenalty:
    """A community caution's financial penalty, decided on a flag (the packs must hold its amount)."""
    flag = raise_flag(case, FlagKind.DEADLINE_PASSED, f"deadline_passed:{case.id}:penalty", "Deadline passed")
    decisions.decide(case, flag, explanation="No reason given", attempts=[], evidence="The provider's note",
                     decision="financial_penalty", reason="No reasonable excuse", penalty_pounds=amount, by=user(by))
    return db.session.scalar(select(FinancialPenalty).where(FinancialPenalty.case_id == case.id))

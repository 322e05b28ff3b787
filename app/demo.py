"""Demo personas and demo data for development and tests. Never loaded in production.

The cases, services and referrals are made through the same services an officer's, a coordinator's and a
provider's requests call, so the demo holds only states the product can reach. `seed()` is safe to repeat: the
personas are recorded under one development identity whatever port the portal runs on, and the demo cases are
made once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.auth import public_invitations
from app.auth.models import User
from app.cases import catalogue, conditions
from app.cases import services as cases
from app.cases.document import caution_text, document_hash
from app.cases.models import Case
from app.cases.needs import config as needs_config
from app.cases.packs import pack_of
from app.extensions import db
from app.organisations import services as directory
from app.organisations.models import Membership, Organisation, OrgKind, Role, Service, Team
from app.referrals import services as referrals

# The issuer the demo personas are recorded under (see OIDCProvider.identity).
IDENTITY = "urn:resolve:development"


@dataclass(frozen=True)
class Persona:
    key: str  # also the subject the development identity provider gives
    name: str
    role: Role
    org: str | None = None  # organisation code
    team: str | None = None

    @property
    def kind(self) -> str:
        return "public" if self.role in (Role.OFFENDER, Role.VICTIM) else "staff"

    @property
    def email(self) -> str:
        return f"{self.key}@example.org"


NORTH, SOUTH, CENTRAL = "North Neighbourhood Team", "South Response Team", "Central Team"
ORGANISATIONS = [
    (OrgKind.POLICE_FORCE, "NSP", "Northshire Police", [NORTH, SOUTH]),
    (OrgKind.POLICE_FORCE, "WSP", "Westshire Police", [CENTRAL]),
    (OrgKind.PROVIDER, "PWC", "Pathways Women's Centre", []),
    (OrgKind.PROVIDER, "FSR", "Fresh Start Recovery", []),
    (OrgKind.SCRUTINY_PANEL, "NSSP", "Northshire Scrutiny Panel", []),
]

PERSONAS = [
    Persona("officer-north", "PC Amy Clarke", Role.OFFICER, "NSP", NORTH),
    Persona("officer-south", "PC Ben Okafor", Role.OFFICER, "NSP", SOUTH),
    Persona("supervisor", "Sgt Carla Jones", Role.SUPERVISOR, "NSP", NORTH),
    Persona("supervisor-south", "Sgt Dan Reid", Role.SUPERVISOR, "NSP", SOUTH),
    Persona("coordinator", "Dev Patel", Role.COORDINATOR, "NSP"),
    Persona("pathways-manager", "Erin Walsh", Role.PROVIDER_MANAGER, "PWC"),
    Persona("pathways-caseworker", "Farah Ahmed", Role.CASEWORKER, "PWC"),
    Persona("pathways-caseworker-2", "Grace Obi", Role.CASEWORKER, "PWC"),
    Persona("freshstart-manager", "George Lim", Role.PROVIDER_MANAGER, "FSR"),
    Persona("freshstart-caseworker", "Hannah Price", Role.CASEWORKER, "FSR"),
    Persona("freshstart-caseworker-2", "Ivan Novak", Role.CASEWORKER, "FSR"),
    Persona("offender", "Jordan Smith", Role.OFFENDER),
    Persona("victim", "Kim Taylor", Role.VICTIM),
    Persona("scrutiny", "Leslie Morgan", Role.SCRUTINY, "NSSP"),
    Persona("westshire-officer", "PC Wendy Hart", Role.OFFICER, "WSP", CENTRAL),
    Persona("westshire-coordinator", "Xavier Lane", Role.COORDINATOR, "WSP"),
]
PERSONAS_BY_KEY = {p.key: p for p in PERSONAS}


def link_public(case, person, party: Role, user, *, by) -> None:
    """Link a member of the public to their record as they would: an invitation, the second fact, redeemed."""
    invitation, code = public_invitations.issue(case, person, party, sent_by="print", by=by)
    if person.date_of_birth:
        public_invitations.check(invitation, birth_date=person.date_of_birth)
    public_invitations.redeem(code, user, None)


def get_or_add(model, lookup: dict, **values):
    """The row of `model` matching `lookup`, added with `values` if there is none: how the demo (and tests that
    need more of the same) make organisations, teams, users and memberships, which no use case makes yet."""
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def seed(identity: str = IDENTITY) -> dict[str, User]:
    """Create the demo organisations, personas (recorded under `identity`), services and cases. Safe to run
    again: it adds what is missing."""
    catalogue.sync()
    orgs, teams = {}, {}
    for kind, code, name, team_names in ORGANISATIONS:
        orgs[code] = get_or_add(Organisation, {"code": code}, kind=kind, name=name)
        for team_name in team_names:
            teams[(code, team_name)] = get_or_add(Team, {"organisation_id": orgs[code].id, "name": team_name})
    if identity == IDENTITY:
        _adopt_earlier_personas()
    users = {}
    for p in PERSONAS:
        user = get_or_add(User, {"issuer": identity, "subject": p.key}, kind=p.kind, display_name=p.name,
                          email=p.email)
        if p.kind == "staff":
            get_or_add(Membership, {"user_id": user.id, "organisation_id": orgs[p.org].id, "role": p.role},
                       team_id=teams[(p.org, p.team)].id if p.team else None)
        users[p.key] = user
    services = {name: _service(orgs[force], orgs[provider], name, category, values, users[by])
                for force, by, provider, name, category, values in DEMO_SERVICES}
    if db.session.scalar(select(Case.id).where(Case.officer_id == users["officer-north"].id).limit(1)) is None:
        _seed_cases(teams, users, services)
    db.session.flush()
    return users


def _adopt_earlier_personas() -> None:
    """A database seeded before the personas had one identity holds them under the development provider's URL,
    once per port it ran on: the earliest of each becomes the persona, so its cases stay the demo's and nothing is
    made again."""
    known = set(db.session.scalars(select(User.subject).where(User.issuer == IDENTITY)))
    for p in PERSONAS:
        if p.key not in known and (earlier := db.session.scalar(
                select(User).where(User.subject == p.key, User.issuer.like("%/dev-idp")).order_by(User.id)
                .limit(1))):
            earlier.issuer = IDENTITY
    db.session.flush()


DEMO_SERVICES = [
    ("NSP", "coordinator", "FSR", "Alcohol awareness course", "alcohol", {
        "areas": ["NT"], "delivery_modes": ["in_person", "video"], "weekly_capacity": 10,
        "contact_name": "George Lim", "contact_email": "referrals@freshstart.example.org"}),
    ("NSP", "coordinator", "FSR", "Drug awareness course", "drugs", {
        "areas": ["NT"], "delivery_modes": ["in_person"], "weekly_capacity": 6}),
    ("NSP", "coordinator", "PWC", "Women's wrap-around support", "womens_service", {
        "sex": "female", "delivery_modes": ["in_person", "phone"], "weekly_capacity": 4, "contact_name": "Erin Walsh"}),
    ("WSP", "westshire-coordinator", "FSR", "Westshire alcohol service", "alcohol", {
        "delivery_modes": ["in_person"], "weekly_capacity": 5}),
]
SERVICE_DEFAULTS = {"description": None, "areas": [], "sex": "any", "min_age": None, "max_age": None,
                    "contact_name": None, "contact_email": None, "contact_phone": None}


def _service(force, provider, name, category, values, coordinator) -> Service:
    found = db.session.scalar(select(Service).where(Service.force_id == force.id, Service.name == name))
    if found is not None:
        return found
    return directory.add_service(force=force, provider=provider, by=coordinator,
                                 values=SERVICE_DEFAULTS | {"name": name, "category": category} | values)


# --- cases, built as an officer builds them -------------------------------------------------------------------

SCREENED = {"evidence_sufficient": True, "evidence_decided_by": "officer", "should_be_given": True,
            "should_be_given_decided_by": "officer", "admits": True, "consents": True, "exceptional_rationale": None,
            "cps_consent_reference": None, "earlier_offending_rationale": None, "earlier_records": []}
CHECKLIST = {"evidence_decided_by": "officer", "admitted": True, "consented": True, "explained": True,
             "warning_given": True}


def issue_case(case: Case, *, officer, signed_by: str, deadline: date | None = None,
               administered_by: str = "sergeant_or_above") -> None:
    """Take a ready case through the pre-issue checklist and the signature, as the officer's two pages do."""
    today = clock.today()
    cases.prepare_issue(case, CHECKLIST | {"evidence_decision_maker": officer.display_name},
                        deadline=deadline or today + timedelta(weeks=pack_of(case).deadline.normal_weeks),
                        extension_reason=None, by=officer)
    cases.record_signature(case, signed_by_name=signed_by, shown_hash=document_hash(caution_text(case)),
                           administered_by=administered_by, by=officer)


def screen(case: Case, *, officer, **answers) -> None:
    cases.record_screening(case, SCREENED | {"evidence_decision_maker": officer.display_name,
                                             "should_be_given_decision_maker": officer.display_name,
                                             "caution_date": clock.today().isoformat(),
                                             "questions": pack_of(case).eligibility_questions} | answers, by=officer)


def assess_needs(case: Case, *, officer, **levels) -> None:
    cases.record_needs(case, dict.fromkeys(needs_config().domains, "none") | levels, by=officer)


def _seed_cases(teams, users, services) -> None:
    officer = users["officer-north"]
    # Jordan Smith's caution was given five days ago; the officer has just referred the first condition.
    given = datetime.combine(clock.today() - timedelta(days=5), time(10), tzinfo=clock.LONDON)
    with clock.frozen(given.astimezone(UTC)):
        today = clock.today()
        main = cases.start_case(officer=officer, team=teams[("NSP", NORTH)], regime="current_practice",
                                disposal_type="adult_conditional_caution", given_name="Jordan", family_name="Smith")
        cases.update_offender(main, {"date_of_birth": date(1996, 3, 14), "address": "12 Mill Lane, Northtown",
                                     "postcode": "NT1 4AB", "phone": "07700 900123", "preferred_channel": "sms"},
                              {"ethnicity_self_defined": "white_british", "ethnicity_officer_observed": None,
                               "sex": "male"}, by=officer)
        cases.add_offence(main, code="TH01", committed_on=today - timedelta(days=7),
                          location="Northtown Co-op, High Street", by=officer)
        victim = cases.add_new_victim(main, {"given_name": "Kim", "family_name": "Taylor",
                                             "address": "3 Station Road, Northtown", "postcode": "NT2 7CD",
                                             "email": "kim.taylor@example.org", "preferred_channel": "email"},
                                      enhanced_rights=False, updates_opted_in=True, update_channel="portal",
                                      by=officer)
        screen(main, officer=officer)
        assess_needs(main, officer=officer, alcohol="medium", finance_debt="low")
        cases.record_victim_view(main, victim, {
            "attempts": [{"on": today.isoformat(), "method": "phone", "note": None}], "could_not_contact": False,
            "views": "Wants the person to understand the effect on the shop staff.",
            "taken_into_account": "A victim awareness session is included.", "remedy_requested": None,
            "remedy_declined_reason": None}, by=officer)
        deadline = today + timedelta(weeks=16)
        conditions.add_condition(main, {"type": "attendance", "purpose": "rehabilitative", "hours": 4,
                                   "details": "Attend an alcohol awareness course at Fresh Start Recovery.",
                                   "due_on": today + timedelta(weeks=8)}, by=officer)
        conditions.add_condition(main, {"type": "restrictive", "subtype": "not_enter",
                                   "details": "Do not enter the Northtown Co-op, High Street.", "due_on": deadline},
                            by=officer)
        issue_case(main, officer=officer, signed_by="Jordan Smith", deadline=deadline)
    link_public(main, main.offender, Role.OFFENDER, users["offender"], by=officer)
    link_public(main, victim.person, Role.VICTIM, users["victim"], by=officer)
    # One referral, waiting for Fresh Start Recovery's manager: the alcohol course condition.
    referrals.send_referral(main, main.conditions[0], services["Alcohol awareness course"], by=officer)

    drafts = [
        ("Ali", "Hassan", ("NSP", NORTH), "officer-north", "CD01"),
        ("Beth", "Rowe", ("NSP", NORTH), "officer-north", "DR03"),
        ("Carl", "Nash", ("NSP", NORTH), "supervisor", "PO03"),
        ("Dana", "Wells", ("NSP", SOUTH), "officer-south", "AS01"),
        ("Evan", "Cole", ("NSP", SOUTH), "officer-south", "TH04"),
        ("Zed", "Other", ("WSP", CENTRAL), "westshire-officer", "TH01"),
    ]
    for given_name, family_name, team, officer_key, code in drafts:
        draft = cases.start_case(officer=users[officer_key], team=teams[team], regime="current_practice",
                                 disposal_type="adult_conditional_caution", given_name=given_name,
                                 family_name=family_name)
        cases.add_offence(draft, code=code, committed_on=clock.today() - timedelta(days=3),
                          location="Northtown town centre", by=users[officer_key])

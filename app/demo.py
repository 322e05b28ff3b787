"""Demo personas and demo data for development and tests. Never loaded in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.cases import services as case_services
from app.cases.models import Case, CaseOffence, CaseStatus, Condition, NeedsAssessment, Offence, Screening, VictimView
from app.extensions import db
from app.organisations.models import Membership, Organisation, OrgKind, Role, Service, Team
from app.people.models import Person, SpecialCategory


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


FORCE = ("NSP", "Northshire Police")
ORGANISATIONS = [
    (OrgKind.POLICE_FORCE, *FORCE, ["North Neighbourhood Team", "South Response Team"]),
    (OrgKind.PROVIDER, "PWC", "Pathways Women's Centre", []),
    (OrgKind.PROVIDER, "FSR", "Fresh Start Recovery", []),
    (OrgKind.SCRUTINY_PANEL, "NSSP", "Northshire Scrutiny Panel", []),
]

PERSONAS = [
    Persona("officer-north", "PC Amy Clarke", Role.OFFICER, "NSP", "North Neighbourhood Team"),
    Persona("officer-south", "PC Ben Okafor", Role.OFFICER, "NSP", "South Response Team"),
    Persona("supervisor", "Sgt Carla Jones", Role.SUPERVISOR, "NSP", "North Neighbourhood Team"),
    Persona("coordinator", "Dev Patel", Role.COORDINATOR, "NSP"),
    Persona("pathways-manager", "Erin Walsh", Role.PROVIDER_MANAGER, "PWC"),
    Persona("pathways-caseworker", "Farah Ahmed", Role.CASEWORKER, "PWC"),
    Persona("freshstart-manager", "George Lim", Role.PROVIDER_MANAGER, "FSR"),
    Persona("freshstart-caseworker", "Hannah Price", Role.CASEWORKER, "FSR"),
    Persona("offender", "Jordan Smith", Role.OFFENDER),
    Persona("victim", "Kim Taylor", Role.VICTIM),
    Persona("scrutiny", "Leslie Morgan", Role.SCRUTINY, "NSSP"),
]
PERSONAS_BY_KEY = {p.key: p for p in PERSONAS}


def _get_or_add(model, lookup: dict, **values):
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def seed(issuer: str) -> dict[str, User]:
    """Create the demo organisations, personas and cases. Safe to run again: it adds only what is missing."""
    case_services.sync_offence_catalogue()
    orgs, teams = {}, {}
    for kind, code, name, team_names in ORGANISATIONS:
        orgs[code] = _get_or_add(Organisation, {"code": code}, kind=kind, name=name)
        for team_name in team_names:
            teams[team_name] = _get_or_add(Team, {"organisation_id": orgs[code].id, "name": team_name})

    people = {
        "offender": _get_or_add(Person, {"given_name": "Jordan", "family_name": "Smith"},
                                date_of_birth=date(1996, 3, 14), address="12 Mill Lane, Northtown",
                                postcode="NT1 4AB", phone="07700 900123", preferred_channel="sms"),
        "victim": _get_or_add(Person, {"given_name": "Kim", "family_name": "Taylor"},
                              address="3 Station Road, Northtown", postcode="NT2 7CD",
                              email="kim.taylor@example.org", preferred_channel="email"),
    }
    if db.session.get(SpecialCategory, people["offender"].id) is None:
        db.session.add(SpecialCategory(person_id=people["offender"].id, ethnicity_self_defined="white_british",
                                       sex="male"))

    users = {}
    for p in PERSONAS:
        user = _get_or_add(User, {"issuer": issuer, "subject": p.key}, kind=p.kind, display_name=p.name,
                           email=p.email)
        if p.kind == "public":
            user.person_id, user.public_role = people[p.key].id, p.role
        else:
            _get_or_add(Membership, {"user_id": user.id, "organisation_id": orgs[p.org].id, "role": p.role},
                        team_id=teams[p.team].id if p.team else None)
        users[p.key] = user

    services = _seed_services(orgs)
    # Cases belong to this issuer's personas (a different port means a different issuer, so new users).
    if db.session.scalar(select(Case.id).where(Case.officer_id == users["officer-north"].id).limit(1)) is None:
        _seed_cases(teams, users, people, services)
    db.session.flush()
    return users


DEMO_SERVICES = [
    ("FSR", "Alcohol awareness course", "alcohol", {"areas": ["NT"], "delivery_modes": ["in_person", "video"],
                                                    "weekly_capacity": 10, "contact_name": "George Lim",
                                                    "contact_email": "referrals@freshstart.example.org"}),
    ("FSR", "Drug awareness course", "drugs", {"areas": ["NT"], "delivery_modes": ["in_person"],
                                               "weekly_capacity": 6}),
    ("PWC", "Women's wrap-around support", "womens_service", {"sex": "female", "delivery_modes": ["in_person",
                                                                                                   "phone"],
                                                              "weekly_capacity": 4, "contact_name": "Erin Walsh"}),
]


def _seed_services(orgs) -> dict[str, Service]:
    found = {}
    for provider, name, category, values in DEMO_SERVICES:
        found[name] = _get_or_add(Service, {"force_id": orgs[FORCE[0]].id, "provider_id": orgs[provider].id,
                                            "name": name}, category=category, **values)
    return found


def _seed_cases(teams, users, people, services) -> None:
    north, south = teams["North Neighbourhood Team"], teams["South Response Team"]
    today = clock.today()
    main = case_services.open_case(
        officer=users["officer-north"], team=north, offender=people["offender"], regime="current_practice",
        disposal_type="adult_conditional_caution", offence_summary="Theft from a shop (under £200)",
    )
    victim = case_services.add_victim(main, people["victim"], by=users["officer-north"], enhanced_rights=False)
    _offence(main, "TH01", today - timedelta(days=12), "Northtown Co-op, High Street")
    issued = today - timedelta(days=5)
    db.session.add(Screening(case_id=main.id, eligible=True, screened_by_id=users["officer-north"].id, answers={
        "caution_date": issued.isoformat(), "evidence_sufficient": True, "evidence_decided_by": "officer",
        "evidence_decision_maker": "PC Amy Clarke", "admits": True, "consents": True, "prior_cautions": 0},
        reasons=["The person is over 18 on the day of the caution.", "The person admits the offence.",
                 "The person agrees to the caution."]))
    db.session.add(NeedsAssessment(case_id=main.id, levels={"alcohol": "medium", "finance_debt": "low"},
                                   assessed_by_id=users["officer-north"].id))
    db.session.add(VictimView(case_victim_id=victim.id, attempts=[{"on": issued.isoformat(), "method": "phone"}],
                              views="Wants the person to understand the effect on the shop staff.",
                              taken_into_account="A victim awareness session is included.",
                              recorded_by_id=users["officer-north"].id))
    main.deadline = issued + timedelta(weeks=16)
    for values in (
        {"type": "attendance", "purpose": "rehabilitative", "hours": 4, "details": "Attend an alcohol awareness "
         "course at Fresh Start Recovery.", "due_on": issued + timedelta(weeks=8)},
        {"type": "restrictive", "subtype": "not_enter", "details": "Do not enter the Northtown Co-op, High Street.",
         "due_on": main.deadline},
    ):
        db.session.add(Condition(case_id=main.id, **values))
    case_services.add_event(main, "caution_issued", "Conditional caution issued with two conditions",
                            by=users["officer-north"], offender=True, victim=True)
    case_services.add_event(main, "referral_note", "Referral to Pathways Women's Centre being prepared",
                            by=users["officer-north"])
    main.status, main.issued_on = CaseStatus.ISSUED, issued
    main.evidence_decided_by, main.evidence_decision_maker = "officer", "PC Amy Clarke"
    db.session.flush()
    db.session.refresh(main, ["conditions"])
    # One referral, waiting for Fresh Start Recovery's manager: the alcohol course condition.
    from app.referrals import services as referral_services

    referral_services.send_referral(main, main.conditions[0], services["Alcohol awareness course"],
                                    by=users["officer-north"])

    extra = [
        ("Ali", "Hassan", north, "officer-north", "CD01", "Criminal damage (value £5000 or less)"),
        ("Beth", "Rowe", north, "officer-north", "DR03", "Possession of a controlled drug, Class B"),
        ("Carl", "Nash", north, "supervisor", "PO03", "Public order: threatening behaviour"),
        ("Dana", "Wells", south, "officer-south", "AS01", "Assault by beating"),
        ("Evan", "Cole", south, "officer-south", "TH04", "Theft from a motor vehicle"),
    ]
    for given, family, team, officer_key, code, summary in extra:
        person = _get_or_add(Person, {"given_name": given, "family_name": family})
        case = case_services.open_case(officer=users[officer_key], team=team, offender=person,
                                       regime="current_practice", disposal_type="adult_conditional_caution",
                                       offence_summary=summary)
        _offence(case, code, today - timedelta(days=3), "Northtown town centre")


def _offence(case, code: str, on: date, where: str) -> bool:
    offence = db.session.scalar(select(Offence).where(Offence.code == code))
    if offence is None:
        return False
    db.session.add(CaseOffence(case_id=case.id, offence_id=offence.id, committed_on=on, location=where))
    db.session.flush()
    return True

"""Demo personas and demo data for development and tests. Never loaded in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.cases import services as case_services
from app.cases.models import Case
from app.extensions import db
from app.organisations.models import Membership, Organisation, OrgKind, Role, Team
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

    # Cases belong to this issuer's personas (a different port means a different issuer, so new users).
    if db.session.scalar(select(Case.id).where(Case.officer_id == users["officer-north"].id).limit(1)) is None:
        _seed_cases(teams, users, people)
    db.session.flush()
    return users


def _seed_cases(teams, users, people) -> None:
    north, south = teams["North Neighbourhood Team"], teams["South Response Team"]
    today = clock.today()
    main = case_services.open_case(
        officer=users["officer-north"], team=north, offender=people["offender"], regime="current_practice",
        disposal_type="adult_conditional_caution", offence_summary="Theft from a shop (under £200)",
    )
    case_services.add_victim(main, people["victim"], by=users["officer-north"], enhanced_rights=False)
    case_services.add_event(main, "caution_issued", "Conditional caution issued with two conditions",
                            by=users["officer-north"], offender=True, victim=True)
    case_services.add_event(main, "referral_note", "Referral to Pathways Women's Centre being prepared",
                            by=users["officer-north"])
    main.status = main.status.ISSUED
    main.deadline = today + timedelta(weeks=16)

    extra = [
        ("Ali", "Hassan", north, "officer-north", "Criminal damage (under £5,000)"),
        ("Beth", "Rowe", north, "officer-north", "Possession of a controlled drug, Class B"),
        ("Carl", "Nash", north, "supervisor", "Public order: threatening behaviour"),
        ("Dana", "Wells", south, "officer-south", "Assault by beating"),
        ("Evan", "Cole", south, "officer-south", "Theft from a motor vehicle"),
    ]
    for given, family, team, officer_key, offence in extra:
        person = _get_or_add(Person, {"given_name": given, "family_name": family})
        case_services.open_case(officer=users[officer_key], team=team, offender=person,
                                regime="current_practice", disposal_type="adult_conditional_caution",
                                offence_summary=offence)

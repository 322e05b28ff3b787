"""The provider directory: the coordinator adds, changes, deactivates and reactivates services and sees each
provider's staff; nobody else can; deactivation keeps history and stops new referrals."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.organisations.categories import config as directory_config
from app.organisations.categories import load
from app.organisations.models import Organisation, Service
from tests import factories
from tests.cases.test_workflow_routes import Officer, _summary

# The referral form offers services by the person's age today and by this week's places: CI runs these again on
# hostile dates.
pytestmark = pytest.mark.calendar

GOOD = {"name": "Debt advice clinic", "category": "debt", "areas": "NT1, NT2, Northshire County Council",
        "sex": "any", "min_age": "", "max_age": "", "delivery_modes": ["in_person", "phone"],
        "weekly_capacity": "5", "contact_name": "Erin Walsh", "contact_email": "debt@pathways.example.org",
        "contact_phone": "", "description": ""}


def _provider_id(app, code) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Organisation.public_id).where(Organisation.code == code)))


def _service(app, name) -> Service:
    with app.app_context():
        found = db.session.scalar(select(Service).where(Service.name == name))
        db.session.expunge_all()
        return found


def test_coordinator_adds_changes_and_deactivates_a_service(app, login_as):
    coordinator = Officer(login_as("coordinator"))
    pwc = _provider_id(app, "PWC")
    coordinator.post("/organisations/services/new", GOOD | {"provider": pwc})
    service = _service(app, "Debt advice clinic")
    assert service.areas == ["NT1", "NT2", "Northshire County Council"] and service.delivery_modes == ["in_person",
                                                                                                     "phone"]
    listing = coordinator.get("/organisations/services").get_data(as_text=True)
    assert "Debt advice clinic" in listing and "Debt and money advice" in listing
    form = coordinator.get(f"/organisations/services/{service.public_id}").get_data(as_text=True)
    assert 'name="areas" rows="2" aria-describedby="areas-hint">NT1, NT2, Northshire County Council</textarea>' in form
    coordinator.post(f"/organisations/services/{service.public_id}", GOOD | {"provider": pwc, "weekly_capacity": "8",
                                                                             "sex": "female", "min_age": "21"})
    changed = _service(app, "Debt advice clinic")
    assert changed.weekly_capacity == 8 and changed.sex == "female" and changed.min_age == 21
    coordinator.post(f"/organisations/services/{service.public_id}/active", {"active": "no"})
    assert _service(app, "Debt advice clinic").active is False
    # Deactivated: still listed (history kept), not offered to officers.
    assert "Deactivated" in coordinator.get("/organisations/services").get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(
            service.public_id))))
    assert {"service.create", "service.update", "service.deactivate"} <= actions
    coordinator.post(f"/organisations/services/{service.public_id}/active", {"active": "yes"})
    assert _service(app, "Debt advice clinic").active is True


def test_deactivated_services_are_not_offered_and_keep_their_referrals(app, login_as):
    coordinator = Officer(login_as("coordinator"))
    alcohol = _service(app, "Alcohol awareness course")
    coordinator.post(f"/organisations/services/{alcohol.public_id}/active", {"active": "no"})
    with app.app_context():
        from app.referrals.models import Referral

        referral = db.session.scalar(select(Referral).where(Referral.service_id == alcohol.id))
        case_id = str(referral.case.public_id)
        referral_id = str(referral.public_id)
    officer = Officer(login_as("officer-north"))
    page = officer.get(f"/referrals/new/{case_id}").get_data(as_text=True)
    assert "Alcohol awareness course" not in page and "Drug awareness course" in page
    assert "Alcohol awareness course" in officer.get(f"/referrals/{referral_id}").get_data(as_text=True)


def test_bad_input_is_a_422_with_the_summary_and_the_input_kept(app, login_as):
    coordinator = Officer(login_as("coordinator"))
    pwc = _provider_id(app, "PWC")
    html = _summary(coordinator.post("/organisations/services/new", GOOD | {
        "provider": pwc, "weekly_capacity": "-1", "category": "astrology", "min_age": "40", "max_age": "30",
        "areas": "NT1, <script>", "delivery_modes": ["telepathy"]}, expect=422))
    for message in ("Weekly capacity must be between 0 and 10000", "Not a valid choice",
                    "Oldest age must be the same as or more", "is not a postcode district"):
        assert message in html, message
    assert 'value="Debt advice clinic"' in html  # input kept
    # A provider that is not one, a crafted field, a police force as the provider: refused, nothing saved.
    _summary(coordinator.post("/organisations/services/new", GOOD | {"provider": str(uuid.uuid4())}, expect=422))
    nsp = _provider_id(app, "NSP")
    _summary(coordinator.post("/organisations/services/new", GOOD | {"provider": nsp}, expect=422))
    html = _summary(coordinator.post("/organisations/services/new", GOOD | {"provider": pwc, "force_id": "9"},
                                     expect=422))
    assert "does not ask for (force_id)" in html
    assert _service(app, "Debt advice clinic") is None


def test_providers_page_shows_staff_and_roles(login_as):
    page = login_as("coordinator").get("/organisations/providers").get_data(as_text=True)
    assert "Fresh Start Recovery" in page and "Hannah Price" in page and "Caseworker" in page
    assert "Provider manager" in page and "Erin Walsh" in page


def test_only_the_coordinator_manages_the_directory(login_as):
    for persona in ("officer-north", "supervisor", "freshstart-manager", "pathways-caseworker", "offender"):
        client = login_as(persona)
        assert client.get("/organisations/services").status_code == 404, persona
        assert client.get("/organisations/providers").status_code == 404, persona


def test_service_matching_rules(ctx, demo_data):
    service = factories.new_service("Women's group", category="womens_service", areas=["NT1", "SW"], sex="female",
                                    min_age=21)
    assert service.serves_area("NT1 4AB") and service.serves_area("nt14ab") and service.serves_area("SW19 1AA")
    assert not service.serves_area("NT2 7CD") and not service.serves_area(None)
    assert factories.new_service("Debt advice anywhere", areas=[]).serves_area(None)
    assert service.suits(30, "female") and not service.suits(30, "male") and not service.suits(19, "female")
    assert service.suits(None, None)  # unknown facts never exclude


def test_the_category_configuration(tmp_path):
    cfg = directory_config()
    assert {"drugs", "alcohol", "womens_service", "domestic_abuse_perpetrator", "restorative_justice", "debt",
            "employment"} <= set(cfg.categories)
    bad = tmp_path / "services.yaml"
    bad.write_text("categories:\n  x: {label: X, needs: [astrology]}\ndelivery_modes: {phone: Phone}\n")
    try:
        load(bad)
    except ValueError as exc:
        assert "astrology" in str(exc)
    else:
        raise AssertionError("an unknown needs domain must be refused")

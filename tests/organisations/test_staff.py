"""Staff administration pages: the coordinator manages their force's teams and staff and invites providers'
managers; a provider manager manages their own organisation's staff; nobody else, and never another's."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification
from app.organisations import staff
from app.organisations.models import Organisation, Role, StaffInvitation, Team
from tests import factories
from tests.cases.test_workflow_routes import Officer, _summary


def _id(app, persona: str) -> str:
    with app.app_context():
        return str(factories.user(persona).public_id)


def _team_id(app, name: str) -> str:
    with app.app_context():
        return str(factories.team(name).public_id)


def _invitations(app) -> list[StaffInvitation]:
    with app.app_context():
        found = db.session.scalars(select(StaffInvitation).order_by(StaffInvitation.id)).all()
        db.session.expunge_all()
        return found


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("staff."))
                                       .order_by(AuditEvent.seq)))


@pytest.fixture
def coordinator(login_as):
    return Officer(login_as("coordinator"))


def test_the_coordinator_invites_an_officer_into_a_team(app, coordinator):
    north = _team_id(app, factories.NORTH)
    coordinator.post("/staff/invite", {"email": "new.officer@example.org", "name": "Nat Officer", "role": "officer",
                                       "team": north})
    [invitation] = _invitations(app)
    assert invitation.role is Role.OFFICER and invitation.email == "new.officer@example.org"
    listing = coordinator.get("/staff").get_data(as_text=True)
    assert "new.officer@example.org" in listing and "PC Ben Okafor" in listing and "Westshire" not in listing
    with app.app_context():
        sent = db.session.scalars(select(Notification).where(Notification.template == "staff_invitation")).one()
        assert sent.personalisation["team"] == factories.NORTH and sent.personalisation["inviter"] == "Dev Patel"
    # Sent again: a new link; the old one stops working, and the first email is cancelled if still waiting.
    coordinator.post(f"/staff/invitations/{invitation.public_id}/reissue")
    first, second = _invitations(app)
    assert first.revoked_at is not None and second.revoked_at is None and second.team_id == first.team_id
    coordinator.post(f"/staff/invitations/{second.public_id}/revoke")
    assert _invitations(app)[1].revoked_at is not None
    assert "There are no invitations waiting" in coordinator.get("/staff").get_data(as_text=True)
    # Already withdrawn: said in words, nothing changes.
    coordinator.post(f"/staff/invitations/{second.public_id}/revoke", expect=409)
    history = coordinator.get("/staff/history").get_data(as_text=True)
    assert history.count("Invitation withdrawn") == 2 and history.count("Invited") == 2
    assert "a new one was sent" in history


@pytest.mark.parametrize("data, field", [
    ({"email": ""}, "Enter their email address"),
    ({"email": "not an email"}, "Enter an email address in the correct format"),
    ({"role": "provider_manager"}, "Not a valid choice"),
    ({"role": "scrutiny"}, "Not a valid choice"),
    ({"role": ""}, "Choose their role"),
    ({"team": ""}, "Choose the team they will work in"),
    ({"team": "OTHER"}, "Not a valid choice"),  # Westshire's team
    ({"team": str(uuid.uuid4())}, "Not a valid choice"),
])
def test_bad_invitations_are_shown_again_with_the_error_summary(app, coordinator, data, field):
    good = {"email": "new.officer@example.org", "name": "Nat Officer", "role": "officer",
            "team": _team_id(app, factories.NORTH)}
    if data.get("team") == "OTHER":
        data = {"team": _team_id(app, "Central Team")}
    response = coordinator.post("/staff/invite", good | data, expect=422)
    html = _summary(response)
    assert field in html and 'value="Nat Officer"' in html  # nothing typed is lost
    assert _invitations(app) == []


def test_a_provider_manager_invites_caseworkers_only_to_their_own_provider(app, login_as):
    manager = Officer(login_as("pathways-manager"))
    page = manager.get("/staff/invite").get_data(as_text=True)
    assert 'value="caseworker"' in page and 'value="officer"' not in page and 'name="team"' not in page
    html = _summary(manager.post("/staff/invite", {"email": "x@example.org", "role": "officer"}, expect=422))
    assert "Not a valid choice" in html
    manager.post("/staff/invite", {"email": "cw@example.org", "role": "caseworker"})
    [invitation] = _invitations(app)
    with app.app_context():
        assert db.session.get(Organisation, invitation.organisation_id).code == "PWC"
    listing = manager.get("/staff").get_data(as_text=True)
    assert "Farah Ahmed" in listing and "Hannah Price" not in listing and "PC Amy Clarke" not in listing
    # Not another provider's staff, nor the police's, nor the coordinator's provider pages.
    for path in (f"/staff/{_id(app, 'freshstart-caseworker')}", f"/staff/{_id(app, 'officer-north')}",
                 "/staff/teams/new", "/staff/providers/new"):
        assert manager.get(path).status_code == 404, path
    assert manager.post(f"/staff/{_id(app, 'freshstart-caseworker')}/enabled", {"enabled": "no"},
                        expect=404)
    manager.post(f"/staff/{_id(app, 'pathways-caseworker')}", {"role": "provider_manager"})
    with app.app_context():
        assert factories.user("pathways-caseworker").role is Role.PROVIDER_MANAGER


def test_role_change_team_move_disable_and_enable_are_audited_and_in_the_history(app, coordinator, login_as):
    south = login_as("officer-south")
    assert south.get("/").status_code == 200
    officer = _id(app, "officer-south")
    coordinator.post(f"/staff/{officer}", {"role": "supervisor", "team": _team_id(app, factories.NORTH)})
    with app.app_context():
        moved = factories.user("officer-south")
        assert moved.role is Role.SUPERVISOR and moved.membership.team.name == factories.NORTH
    # Disabled: their very next request is signed out, and they cannot sign in again.
    coordinator.post(f"/staff/{officer}/enabled", {"enabled": "no"})
    assert south.get("/").status_code == 302
    assert "Disabled" in coordinator.get("/staff").get_data(as_text=True)
    coordinator.post(f"/staff/{officer}/enabled", {"enabled": "yes"})
    assert login_as("officer-south").get("/").status_code == 200
    assert _actions(app)[-4:] == ["staff.role_changed", "staff.team_moved", "staff.disabled", "staff.enabled"]
    history = coordinator.get("/staff/history").get_data(as_text=True)
    for words in ("Role changed", "Police supervisor (was Police officer)", "Moved team", "(was South Response Team)",
                  "Account disabled", "Account enabled", "PC Ben Okafor", "Dev Patel"):
        assert words in history, words


def test_bad_changes_are_refused_with_the_error_summary(app, coordinator):
    officer = _id(app, "officer-south")
    for data, words in (({"role": "caseworker", "team": ""}, "Not a valid choice"),
                        ({"role": "officer", "team": ""}, "Choose the team they will work in"),
                        ({"role": "officer", "team": _team_id(app, "Central Team")}, "Not a valid choice"),
                        ({}, "Choose their role")):
        assert words in _summary(coordinator.post(f"/staff/{officer}", data, expect=422))
    assert "Choose whether the account" in _summary(coordinator.post(f"/staff/{officer}/enabled", {}, expect=422))
    # Not their own account (they would lock themselves out).
    me = _id(app, "coordinator")
    assert "your own account" in _summary(coordinator.post(f"/staff/{me}/enabled", {"enabled": "no"}, expect=422))
    assert "your own account" in _summary(coordinator.post(f"/staff/{me}", {"role": "officer", "team": _team_id(
        app, factories.NORTH)}, expect=422))
    with app.app_context():
        assert factories.user("officer-south").role is Role.OFFICER and factories.user("coordinator").active


def test_teams_and_providers(app, coordinator):
    coordinator.post("/staff/teams/new", {"name": "East Response Team"})
    assert "already has a team" in _summary(coordinator.post("/staff/teams/new", {"name": "east response team"},
                                                             expect=422))
    assert "Enter the team" in _summary(coordinator.post("/staff/teams/new", {"name": ""}, expect=422))
    invite = coordinator.get("/staff/invite").get_data(as_text=True)
    assert "East Response Team" in invite and "Central Team" not in invite
    coordinator.post("/staff/providers/new", {"name": "Bridge Housing", "email": "lead@bridge.example.org",
                                              "manager": "Bea Lead"})
    with app.app_context():
        bridge = db.session.scalar(select(Organisation).where(Organisation.name == "Bridge Housing"))
        invitation = db.session.scalars(select(StaffInvitation)).one()
        assert invitation.organisation_id == bridge.id and invitation.role is Role.PROVIDER_MANAGER
        assert db.session.scalar(select(Team).where(Team.name == "East Response Team")).organisation.code == "NSP"
        pwc = str(factories.organisation("PWC").public_id)
        nsp = str(factories.organisation("NSP").public_id)
    assert "already an organisation" in _summary(coordinator.post("/staff/providers/new", {
        "name": "Bridge Housing", "email": "x@example.org"}, expect=422))
    coordinator.post(f"/staff/providers/{pwc}/invite", {"email": "second@pathways.example.org"})
    assert coordinator.get(f"/staff/providers/{nsp}/invite").status_code == 404  # a police force is no provider
    listing = coordinator.get("/staff").get_data(as_text=True)
    assert "lead@bridge.example.org" in listing and "second@pathways.example.org" in listing


def test_another_force_and_everyone_else_get_nothing(app, coordinator, login_as):
    coordinator.post("/staff/invite", {"email": "n@example.org", "role": "coordinator", "team": ""})
    [invitation] = _invitations(app)
    west = Officer(login_as("westshire-coordinator"))
    officer = _id(app, "officer-south")
    assert west.get(f"/staff/{officer}").status_code == 404
    west.post(f"/staff/{officer}", {"role": "officer", "team": _team_id(app, "Central Team")}, expect=404)
    west.post(f"/staff/{officer}/enabled", {"enabled": "no"}, expect=404)
    west.post(f"/staff/invitations/{invitation.public_id}/revoke", expect=404)
    west.post(f"/staff/invitations/{invitation.public_id}/reissue", expect=404)
    listing = west.get("/staff").get_data(as_text=True)
    assert "PC Wendy Hart" in listing and "PC Ben Okafor" not in listing and "n@example.org" not in listing
    assert "Dev Patel" not in west.get("/staff/history").get_data(as_text=True)
    for path in ("/staff/not-a-uuid", "/staff/1", f"/staff/{uuid.uuid4()}"):
        assert coordinator.get(path).status_code == 404
    coordinator.post("/staff/invitations/not-a-uuid/revoke", expect=404)
    for persona in ("officer-north", "supervisor", "freshstart-caseworker", "scrutiny", "offender", "victim"):
        client = login_as(persona)
        for path in ("/staff", "/staff/invite", "/staff/history", f"/staff/{officer}"):
            assert client.get(path).status_code == 404, (persona, path)
    assert app.test_client().get("/staff").status_code == 302  # to sign in
    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.public_id == uuid.UUID(officer)))


def test_the_header_links_to_the_staff_pages_for_those_who_manage_staff(login_as):
    for persona, shown in (("coordinator", True), ("pathways-manager", True), ("officer-north", False),
                           ("freshstart-caseworker", False)):
        assert ('href="/staff"' in login_as(persona).get("/").get_data(as_text=True)) is shown, persona


def test_history_reads_the_audit_log_without_personal_data(app, coordinator):
    coordinator.post("/staff/invite", {"email": "private.person@example.org", "role": "coordinator", "team": ""})
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("staff."))).all()
        assert rows and all("example.org" not in str(r.detail) for r in rows)
        assert staff.history(factories.organisation("NSP"))[0]["who"] == "private.person@example.org"


def test_the_services_refuse_a_role_the_user_may_not_give(ctx, demo_data):
    from app.errors import RuleViolation

    manager, coordinator = factories.user("pathways-manager"), factories.user("coordinator")
    with pytest.raises(RuleViolation, match="Choose a role"):
        staff.invite(organisation=factories.organisation("PWC"), role=Role.CASEWORKER, email="c@example.org",
                     by=coordinator)  # a coordinator invites a provider's managers only
    with pytest.raises(RuleViolation, match="Choose a role"):
        staff.invite(organisation=factories.organisation("FSR"), role=Role.CASEWORKER, email="c@example.org",
                     by=manager)  # not their provider
    south = factories.user("officer-south")
    with pytest.raises(RuleViolation, match="Choose a role"):
        staff.change(south, south.membership, role=Role.OFFICER, team=factories.team(),
                     by=factories.user("westshire-coordinator"))

"""Staff invitations: the installer's command, and redemption at sign-in (single use, expiring, revocable),
through the sign-in service and through the real OIDC flow with the development identity provider."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select

from app import clock
from app.audit.models import AuditEvent
from app.auth import invitations
from app.auth import services as auth
from app.auth.models import User, UserSession
from app.extensions import db
from app.notifications import messages
from app.notifications.models import Notification
from app.organisations import staff
from app.organisations.models import Membership, Organisation, OrgKind, Role, StaffInvitation
from config.settings import ConfigError, OIDCProvider, providers_from_env
from tests import factories
from tests.conftest import csrf_from

NEWCOMER = {"sub": "someone-new", "name": "Nia Newcomer", "email": "nia@example.org"}


def _provider():
    return invitations.provider_for("staff")


def _held(token: str, provider=None) -> dict:
    return {"kind": "staff", "token": token, "provider": (provider or _provider()).name}


def _invite(**kw):
    values = {"organisation": factories.organisation("NSP"), "role": Role.OFFICER, "team": factories.team(),
              "email": "Nia@Example.org", "name": "Nia Newcomer", "by": factories.user("coordinator")} | kw
    return staff.invite(**values)


# --- the installer's command ---------------------------------------------------------------------------------------


def test_invite_coordinator_creates_the_force_the_invitation_and_its_email(app):
    runner = FlaskCliRunner(app)
    result = runner.invoke(args=["users", "invite-coordinator", "--force", "Eastshire Constabulary", "--email",
                                 "Chief@Eastshire.example.org", "--name", "Cara Chief"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith(f"{app.config['PORTAL_URL']}/staff-invitations/")
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        force = db.session.scalar(select(Organisation).where(Organisation.name == "Eastshire Constabulary"))
        assert force.kind is OrgKind.POLICE_FORCE and force.code == "EC"
        invitation = staff.by_token(token)
        assert invitation.organisation_id == force.id and invitation.role is Role.COORDINATOR
        assert invitation.email == "chief@eastshire.example.org" and invitation.team_id is None
        assert invitation.token_hash != token and token not in str(invitation.__dict__)
        assert invitation.expires_at - invitation.created_at == timedelta(days=app.config["STAFF_INVITATION_DAYS"])
        sent = db.session.scalars(select(Notification)).all()
        assert [(n.template, n.medium, n.user_id) for n in sent] == [("staff_invitation", "email", None)]
        subject, body = messages.render("staff_invitation", "email", sent[0].personalisation)
        assert "Eastshire Constabulary" in subject and link in body and "OOCD coordinator" in body
        db.session.remove()
    # Again for the same address: the force is found, a new link replaces the old one.
    again = runner.invoke(args=["users", "invite-coordinator", "--force", "Eastshire Constabulary", "--email",
                                "chief@eastshire.example.org"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 1
        assert staff.by_token(token).status(clock.now()) == "revoked"
        assert staff.by_token(again.output.strip().rsplit("/", 1)[1]).status(clock.now()) == "pending"
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.status == "cancelled")) == 1
        db.session.remove()
    bad = runner.invoke(args=["users", "invite-coordinator", "--force", "Eastshire Constabulary", "--email", "x"])
    assert bad.exit_code != 0 and "email address" in bad.output


# --- redemption, through the sign-in service -------------------------------------------------------------------


def test_redeeming_binds_the_identity_once(ctx, demo_data):
    invitation, token = _invite()
    user = auth.sign_in(_provider(), NEWCOMER, _held(token))
    assert user.role is Role.OFFICER and user.membership.team.name == factories.NORTH
    assert invitation.used_by_id == user.id and invitation.used_at is not None
    joined = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.joined")).one()
    assert joined.detail["user"] == str(user.public_id) and joined.actor_id == user.id
    # The same identity signs in again: nothing more to redeem, and it still works without the invitation.
    assert auth.sign_in(_provider(), NEWCOMER).role is Role.OFFICER
    # Another identity with the same link: refused, and nothing is given.
    with pytest.raises(invitations.Refused) as refused:
        auth.sign_in(_provider(), {"sub": "someone-else", "name": "Eve"}, _held(token))
    assert refused.value.reason == "used"
    other = db.session.scalar(select(User).where(User.subject == "someone-else"))
    assert other.memberships == []


@pytest.mark.parametrize("reason", ["expired", "revoked", "wrong_provider", "unknown"])
def test_an_unusable_invitation_is_refused_before_anything_changes(ctx, demo_data, reason):
    invitation, token = _invite()
    provider, held = _provider(), _held(token)
    if reason == "revoked":
        staff.revoke(invitation, by=factories.user("coordinator"))
    elif reason == "wrong_provider":
        held["provider"] = invitations.provider_for("public").name
    elif reason == "unknown":
        held["token"] = token[:-2] + "xx"
    later = clock.now() + timedelta(days=7, seconds=1) if reason == "expired" else clock.now()
    with clock.frozen(later), pytest.raises(invitations.Refused) as refused:
        auth.sign_in(provider, NEWCOMER, held)
    assert refused.value.reason == reason
    assert invitation.used_at is None
    assert db.session.scalar(select(func.count(Membership.id)).join(User).where(User.subject == "someone-new")) == 0
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.refused")).one()
    assert row.detail == {"kind": "staff", "reason": reason}


def test_one_second_before_expiry_it_still_works(ctx, demo_data):
    invitation, token = _invite()
    with clock.frozen(invitation.expires_at - timedelta(seconds=1)):
        assert auth.sign_in(_provider(), NEWCOMER, _held(token)).role is Role.OFFICER


def test_someone_already_working_in_resolve_is_refused(ctx, demo_data):
    invitation, token = _invite(email="officer-south@example.org")
    south = factories.user("officer-south")
    with pytest.raises(invitations.Refused) as refused:
        auth.sign_in(_provider(), {"sub": south.subject, "name": south.display_name}, _held(token))
    assert refused.value.reason == "already_staff" and invitation.used_at is None


def test_a_disabled_account_cannot_redeem(ctx, demo_data):
    caseworker = factories.user("freshstart-caseworker-2")
    db.session.execute(delete(Membership).where(Membership.user_id == caseworker.id))
    caseworker.active = False
    _, token = _invite(email=caseworker.email)
    with pytest.raises(invitations.Refused) as refused:
        auth.sign_in(_provider(), {"sub": caseworker.subject}, _held(token))
    assert refused.value.reason == "disabled"


def test_roles_from_a_claim_decide_the_membership_role(ctx, demo_data):
    base = _provider()
    provider = OIDCProvider(name=base.name, label=base.label, issuer=base.issuer, client_id=base.client_id,
                            kind="staff", client_secret="x", identity=base.identity, roles_claim="groups",
                            role_map={"oocd-sergeants": "supervisor", "provider-leads": "provider_manager"})
    _, token = _invite()
    claims = NEWCOMER | {"groups": ["staff", "provider-leads", "oocd-sergeants"]}
    user = auth.sign_in(provider, claims, _held(token))
    # provider_manager is no police role: the first mapped value that is one decides.
    assert user.role is Role.SUPERVISOR and user.membership.team is not None
    assert auth.sign_in(provider, NEWCOMER | {"groups": "nothing-mapped"}).role is Role.SUPERVISOR
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.role_changed")).one()
    assert changed.detail["because"] == "roles_claim"


# --- redemption through the real sign-in ------------------------------------------------------------------------


def _without_membership(app, persona: str) -> None:
    with app.app_context():
        user = factories.user(persona)
        db.session.execute(delete(Membership).where(Membership.user_id == user.id))
        db.session.commit()
        db.session.remove()


def _token(app, email: str, org: str = "FSR", role=Role.CASEWORKER, by="freshstart-manager") -> str:
    with app.app_context():
        _, token = staff.invite(organisation=factories.organisation(org), role=role, email=email,
                                by=factories.user(by))
        db.session.commit()
        db.session.remove()
    return token


def _hold(client, token: str):
    page = client.get(f"/staff-invitations/{token}")
    assert page.status_code == 200
    accepted = client.post(f"/staff-invitations/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert accepted.status_code == 303 and accepted.headers["Location"].endswith("/sign-in/dev-staff")
    return page


def _finish(client, persona: str):
    start = client.get("/sign-in/dev-staff")
    chosen = client.post(f"/dev-idp{start.headers['Location'].split('/dev-idp', 1)[1]}", data={"persona": persona})
    return client.get("/" + chosen.headers["Location"].split("127.0.0.1", 1)[1].split("/", 1)[1])


def _sessions(app, persona: str) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == factories.user(persona).id))
        db.session.remove()
        return n


def test_the_real_sign_in_redeems_once_and_a_second_identity_is_refused(app, demo_data):
    for persona in ("freshstart-caseworker-2", "pathways-caseworker-2"):
        _without_membership(app, persona)
    token = _token(app, "ivan@example.org")
    first, second = app.test_client(), app.test_client()
    page = _hold(first, token).get_data(as_text=True)
    assert "George Lim" in page and "Fresh Start Recovery" in page and "Caseworker" in page
    _hold(second, token)  # both hold the link before either signs in
    done = _finish(first, "freshstart-caseworker-2")
    assert done.status_code == 303 and first.get("/").status_code == 200
    with app.app_context():
        ivan = factories.user("freshstart-caseworker-2")
        assert ivan.role is Role.CASEWORKER and ivan.organisation.code == "FSR"
        assert staff.by_token(token).used_by_id == ivan.id
        db.session.remove()
    refused = _finish(second, "pathways-caseworker-2")
    assert refused.status_code == 403 and "already been used" in refused.get_data(as_text=True)
    assert _sessions(app, "pathways-caseworker-2") == 0
    assert second.get("/").status_code == 302
    # The link's page now says so, in words, with an audit row.
    used = app.test_client().get(f"/staff-invitations/{token}")
    assert used.status_code == 410 and "already been used" in used.get_data(as_text=True)


def test_a_revoked_link_is_refused_at_sign_in(app, demo_data):
    _without_membership(app, "freshstart-caseworker-2")
    token = _token(app, "ivan@example.org")
    client = app.test_client()
    _hold(client, token)
    with app.app_context():
        staff.revoke(staff.by_token(token), by=factories.user("freshstart-manager"))
        db.session.commit()
        db.session.remove()
    refused = _finish(client, "freshstart-caseworker-2")
    assert refused.status_code == 403 and "withdrawn" in refused.get_data(as_text=True)
    assert _sessions(app, "freshstart-caseworker-2") == 0


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 300, "1;DROP TABLE users", "Ω" * 20])
def test_an_unknown_link_is_a_plain_page_with_an_audit_row(app, demo_data, token):
    response = app.test_client().get(f"/staff-invitations/{token}")
    assert response.status_code == 404
    assert "ask whoever invited you" in response.get_data(as_text=True).lower()
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.invitation_unusable")).one()
        assert row.detail == {"reason": "unknown"} and row.purpose == "security"
        db.session.remove()


def test_crafted_links_are_refused_not_a_crash(app, demo_data):
    client = app.test_client()
    assert client.get("/staff-invitations/%00").status_code == 422  # refused before any route runs
    assert client.get("/staff-invitations/..%2F..%2Fetc").status_code == 404
    assert client.post("/staff-invitations/unknown", data={"csrf_token": "forged"}).status_code == 400


def test_an_expired_link_says_so(app, demo_data):
    token = _token(app, "ivan@example.org")
    with clock.frozen(clock.now() + timedelta(days=8)):
        response = app.test_client().get(f"/staff-invitations/{token}")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_no_invitation_row_holds_the_token(app, demo_data):
    token = _token(app, "ivan@example.org")
    with app.app_context():
        row = db.session.scalars(select(StaffInvitation)).one()
        assert row.token_hash == staff.token_hash(token) and len(row.token_hash) == 64
        db.session.remove()


def test_roles_claim_settings_are_checked_at_start_up():
    raw = {"name": "police", "label": "Police", "issuer": "https://idp.example", "client_id": "c",
           "client_secret": "s", "kind": "staff"}
    [ok] = providers_from_env({"OIDC_PROVIDERS": json.dumps([raw | {
        "roles_claim": "groups", "role_map": {"admins": "coordinator"}}])})
    assert ok.roles_claim == "groups" and ok.role_map == {"admins": "coordinator"}
    for bad, words in (({"role_map": {"admins": "coordinator"}}, "no roles_claim"),
                       ({"roles_claim": "groups", "role_map": {"admins": "emperor"}}, "unknown role(s) emperor"),
                       ({"roles_claim": "groups", "role_map": ["admins"]}, "must map claim values")):
        with pytest.raises(ConfigError, match=re.escape(words)):
            providers_from_env({"OIDC_PROVIDERS": json.dumps([raw | bad])})


def test_the_dispatcher_sends_the_invitation_to_its_address(ctx, demo_data):
    from app.notifications import dispatch
    from app.notifications.channels import OutboxChannel

    sent = []

    class Recording(OutboxChannel):
        def send(self, message):
            sent.append(message)
            return super().send(message)

    _, token = _invite()
    db.session.commit()
    assert dispatch.dispatch(Recording()) == 1
    [message] = sent
    assert message.to == "nia@example.org" and staff.link(token) in message.body
    assert "PC" not in message.subject and "Northshire Police" in message.subject


def test_the_access_log_never_holds_an_invitation_token():
    from app.web.redact import redact

    line = '127.0.0.1 - - "GET /staff-invitations/Abc_-123xyz HTTP/1.1" 200 -'
    assert redact(line) == '127.0.0.1 - - "GET /staff-invitations/[redacted] HTTP/1.1" 200 -'

"""The staff pages: the same statements for the demo's staff and for 40 more staff, 30 invitations and a long
history; and the invitation page a newcomer opens."""

from __future__ import annotations

import pytest

from app import demo
from app.auth.models import User
from app.organisations import staff
from app.organisations.models import Membership, Role
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

PAGES = [
    ("staff", "coordinator", "/staff", {}),
    ("invite someone", "coordinator", "/staff/invite", {}),
    ("add a team", "coordinator", "/staff/teams/new", {}),
    ("a member of staff", "coordinator", "/staff/{member}", {}),
    ("staff history", "coordinator", "/staff/history", {}),
    ("add a provider", "coordinator", "/staff/providers/new", {}),
    ("invite a provider's manager", "coordinator", "/staff/providers/{provider}/invite", {}),
    ("a provider's staff", "freshstart-manager", "/staff", {}),
    ("your work contact details", "officer-north", "/account/work-contact", {}),
    ("a caseworker's work contact details", "freshstart-manager", "/staff/{caseworker}/work-contact", {}),
    ("an invitation", None, "/staff-invitations/{token}", {}),
    ("an unknown invitation", None, "/staff-invitations/not-a-token", {"expect": 404}),
]


def _ids() -> dict:
    _, token = staff.invite(organisation=factories.organisation("NSP"), role=Role.OFFICER, team=factories.team(),
                            email="newcomer@example.org", by=factories.user("coordinator"))
    return {"member": str(factories.user("officer-south").public_id),
            "caseworker": str(factories.user("freshstart-caseworker").public_id),
            "provider": str(factories.organisation("PWC").public_id), "token": token}


def _more_staff() -> dict:
    force, north, coordinator = factories.organisation("NSP"), factories.team(), factories.user("coordinator")
    for i in range(40):
        user = demo.get_or_add(User, {"issuer": demo.IDENTITY, "subject": f"extra-{i}"}, kind="staff",
                               display_name=f"Extra officer {i}", email=f"extra-{i}@example.org")
        membership = demo.get_or_add(Membership, {"user_id": user.id, "organisation_id": force.id,
                                                  "role": Role.OFFICER}, team_id=north.id)
        staff.change(user, membership, role=Role.SUPERVISOR, team=factories.team(demo.SOUTH), by=coordinator)
    for i in range(30):
        staff.invite(organisation=force, role=Role.COORDINATOR, email=f"invitee-{i}@example.org", by=coordinator)
    return {}


@pytest.fixture(scope="module")
def grow(app):
    yield lambda *steps: module_data(app, *steps)
    empty(app)


def _all(app, clients, ids, size):
    return {name: measure(app, clients[who] if who else app.test_client(), path.format(**ids), page=name,
                          size=size, **kw) for name, who, path, kw in PAGES}


def test_staff_pages(app, clients, grow):
    ids = grow(_ids)
    small = _all(app, clients, ids, "demo")
    grow(_more_staff)
    large = _all(app, clients, ids, "40 more staff")
    for name in small:
        assert_bounded(name, small[name], large[name])

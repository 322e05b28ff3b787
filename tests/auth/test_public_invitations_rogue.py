"""A public invitation through a provider whose failure is the point (tests/auth/rogue_op.py): a sign-in whose ID
token cannot be trusted binds nothing and leaves the invitation usable; an identity that comes back from another
provider than the one the invitation was held for is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.auth.models import PublicInvitation
from app.extensions import db
from app.people.models import Person
from config.settings import OIDCProvider
from tests import factories
from tests.auth import rogue_op
from tests.auth.test_sign_in import _rogue_callback, rogue  # noqa: F401  (rogue: the module's provider fixture)
from tests.conftest import csrf_from


@pytest.fixture(scope="module")
def public_rogue_app(app, live_url, rogue):  # noqa: F811
    """An app whose public providers are the rogue's: invitations are held for the one with the bad signature."""
    configured = [OIDCProvider(name=f"rogue-{d}", label=d, issuer=rogue.issuer(d), kind="public",
                               client_id=rogue_op.CLIENT_ID, client_secret=rogue_op.CLIENT_SECRET)
                  for d in ("bad-signature", "valid")]
    second = create_app("test", {"SERVER_NAME": live_url.split("//")[1], "OIDC_PROVIDERS": configured,
                                 "INVITATION_PUBLIC_PROVIDER": "rogue-bad-signature"})
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()  # its own pool: left open, PostgreSQL's connections would be collected mid-suite


def _held(rogue_app, app) -> tuple:
    """An invitation for a new issued case's person, its date of birth given in a browser of `rogue_app`."""
    with app.app_context():
        case = factories.issued(given="Robin", family="Rogue")
        code, born, person_id = factories.invitation(case), case.offender.date_of_birth, case.offender_id
        db.session.commit()
    client = rogue_app.test_client()
    page = client.get(f"/i/{code}")
    answered = client.post(f"/i/{code}/birth-date", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                         "date_of_birth": [born.day, born.month, born.year]})
    assert answered.status_code == 303 and answered.headers["Location"].endswith("/sign-in/rogue-bad-signature")
    return client, code, person_id


def _state(app, person_id: int) -> tuple:
    with app.app_context():
        invitation = db.session.scalar(select(PublicInvitation).where(PublicInvitation.person_id == person_id))
        return db.session.get(Person, person_id).user_id, invitation.used_at


def test_an_untrusted_token_binds_nothing_and_the_invitation_still_works(app, public_rogue_app, rogue, live_url,  # noqa: F811
                                                                          demo_data):
    client, code, person_id = _held(public_rogue_app, app)
    failed = _rogue_callback(client, rogue, live_url, "bad-signature")
    assert failed.status_code == 400
    assert _state(app, person_id) == (None, None)
    assert client.get("/").status_code == 302  # no session
    assert public_rogue_app.test_client().get(f"/i/{code}").status_code == 200  # still usable


def test_an_identity_from_another_provider_than_the_one_held_for_is_refused(app, public_rogue_app, rogue,  # noqa: F811
                                                                           live_url, demo_data):
    client, _, person_id = _held(public_rogue_app, app)
    refused = _rogue_callback(client, rogue, live_url, "valid")
    assert refused.status_code == 403 and "You cannot use this invitation" in refused.get_data(as_text=True)
    assert _state(app, person_id) == (None, None)

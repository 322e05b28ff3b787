"""The access matrix: every route, by every role, by own or other object, gives the status listed here.

MATRIX is the single table. A route added to the app without a row here fails `test_every_route_is_in_the_matrix`;
a row whose probes do not reach its route, or that leaves a role out, fails `test_matrix_is_well_formed`.
The matrix itself runs once per role, with one signed-in client per role (a real OIDC sign-in each).

Objects: the "own" case is in officer-north's team (North Neighbourhood Team, Northshire); the "other" case is in
the South Response Team; the "other force" case belongs to a second police force created here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask_login import AnonymousUserMixin, login_user
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app import access, clock, demo
from app.auth.models import User
from app.cases import services as case_services
from app.cases.models import Approval, Case
from app.compliance.models import FlagKind
from app.compliance.services import raise_flag
from app.extensions import db
from app.organisations import staff
from app.organisations.models import Organisation, Role, StaffInvitation
from app.people import calendar
from app.people.models import Person
from app.referrals import rearrange
from app.referrals import services as referral_services
from app.referrals.models import Appointment, Referral
from app.timeline import queries as timeline_queries
from app.timeline import services as timeline
from app.timeline.models import Audience, TimelineEvent
from app.victims.models import VictimUpdate
from tests import factories
from tests.conftest import csrf_from

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

EVERY_PARTY = Audience.POLICE | Audience.PROVIDER | Audience.OFFENDER | Audience.VICTIM
ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *(p.key for p in demo.PERSONAS))
POLICE = ("officer-north", "officer-south", "supervisor", "supervisor-south", "coordinator", "westshire-officer",
          "westshire-coordinator")


@dataclass(frozen=True)
class Redirect:
    """A redirect whose Location has this path."""

    path: str
    status: int = 302

    def __str__(self) -> str:
        return f"{self.status}->{self.path}"


TO_SIGN_IN = Redirect("/sign-in")
TO_HOME = Redirect("/")
TO_IDP = Redirect("/dev-idp/authorize")
TO_IDP_SIGN_OUT = Redirect("/dev-idp/end-session", 303)


def grid(signed_in, *, anonymous, allow: dict | None = None) -> dict:
    """Expected outcome per role: `signed_in` for every persona unless `allow` says otherwise."""
    table = {role: signed_in for role in ROLES}
    table[ANONYMOUS] = anonymous
    table.update(allow or {})
    return table


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # may name the objects of the `objects` fixture: {own_case}, {other_case}, {unknown_case} ...
    expected: dict
    csrf: bool = False  # POST with the signed-in page's CSRF token (anonymous has no session, so sends a made-up one)
    ends_session: bool = False  # run last for the role


def case_grid(*viewers: str) -> dict:
    return grid(404, anonymous=TO_SIGN_IN, allow=dict.fromkeys(viewers, 200))


NORTH_TEAM = ("officer-north", "supervisor")  # work on the own case
SOUTH_TEAM = ("officer-south", "supervisor-south")  # work on the other case
EDITORS = (*NORTH_TEAM, *SOUTH_TEAM, "westshire-officer")  # open cases in their own team


def edit_own(anonymous=TO_SIGN_IN) -> dict:
    """The own case is issued: its team may see it but not change it (409), the coordinator may not change it."""
    return grid(404, anonymous=anonymous, allow={"officer-north": 409, "supervisor": 409, "coordinator": 403})


def after_issue(path: str) -> dict:
    """A page of the issued own case that now lives elsewhere: its team is sent there (303)."""
    return grid(404, anonymous=TO_SIGN_IN, allow=dict.fromkeys(NORTH_TEAM, Redirect(path, 303)) | {
        "coordinator": 403})


def edit_own_after_issue(ok, anonymous=TO_SIGN_IN) -> dict:
    """What the own case's team may still do after issue (correct contact details); the coordinator may not."""
    return grid(404, anonymous=anonymous, allow=dict.fromkeys(NORTH_TEAM, ok) | {"coordinator": 403})


def edit_other(ok, anonymous=TO_SIGN_IN) -> dict:
    """The other case is a draft in the south team: its team may work on it; the coordinator may only look."""
    return grid(404, anonymous=anonymous, allow=dict.fromkeys(SOUTH_TEAM, ok) | {"coordinator": 403})


def edit_other_force(ok, anonymous=TO_SIGN_IN) -> dict:
    """The other force's draft: only Westshire's officer works on it; Westshire's coordinator may only look."""
    return grid(404, anonymous=anonymous, allow={"westshire-officer": ok, "westshire-coordinator": 403})


def nobody(anonymous=TO_SIGN_IN) -> dict:
    return grid(404, anonymous=anonymous)


NORTH = ("officer-north", "supervisor", "coordinator")  # may see the own case and its referrals
FRESHSTART = ("freshstart-manager", "freshstart-caseworker")  # the working referral's manager and caseworker
PROVIDERS = ("pathways-manager", "pathways-caseworker", "pathways-caseworker-2", "freshstart-manager",
             "freshstart-caseworker", "freshstart-caseworker-2")
COORDINATORS = ("coordinator", "westshire-coordinator")
STAFF_MANAGERS = (*COORDINATORS, "pathways-manager", "freshstart-manager")


def only(status, *roles, anonymous=TO_SIGN_IN, **others) -> dict:
    """`status` for these roles, 404 for every other signed-in role; `others` maps more roles to outcomes."""
    return grid(404, anonymous=anonymous, allow=dict.fromkeys(roles, status) | {
        k.replace("_", "-"): v for k, v in others.items()})


def referral_work(ok, path, anonymous=TO_SIGN_IN) -> tuple:
    """Provider work on a referral: Fresh Start's manager and the assigned caseworker on the working referral
    (not Fresh Start's other caseworker); on the referral still waiting for a decision, its manager is told it
    cannot be done yet (409)."""
    return (
        Probe("GET", path.format(r="{working_referral}"), only(200, *FRESHSTART)),
        Probe("POST", path.format(r="{working_referral}"), only(ok, *FRESHSTART, anonymous=400), csrf=True),
        Probe("GET", path.format(r="{sent_referral}"), only(409, "freshstart-manager")),
        Probe("GET", path.format(r="{unknown_case}"), nobody()),
    )


MATRIX: dict[str, tuple[Probe, ...]] = {
    "web.home": (Probe("GET", "/", grid(200, anonymous=TO_SIGN_IN)),),
    "web.healthz": (Probe("GET", "/healthz", grid(200, anonymous=200)),),
    "web.accessibility": (Probe("GET", "/accessibility", grid(200, anonymous=200)),),
    "web.privacy": (Probe("GET", "/privacy", grid(200, anonymous=200)),),
    # The language switch: anyone may choose (tests/web/test_welsh.py); with no language chosen it is refused, and
    # signed in it needs the CSRF token.
    "web.language": (
        Probe("GET", "/language", grid(405, anonymous=405)),
        Probe("POST", "/language", grid(400, anonymous=400)),
        Probe("POST", "/language", grid(400, anonymous=400), csrf=True),
    ),
    # The person cautioned's own pages: Jordan (the "offender" persona) on the own case; the victim of that case,
    # staff and every other case: no such page.
    "my.case": (
        Probe("GET", "/my/cases/{own_case}", only(200, "offender")),
        Probe("GET", "/my/cases/{other_case}", nobody()),
        Probe("GET", "/my/cases/{unknown_case}", nobody()),
    ),
    # The victim's own page of a case: Kim (the "victim" persona) on the own case; the person cautioned, staff
    # and every other case: no such page.
    "victims.case": (
        Probe("GET", "/my/victim-cases/{own_case}", only(200, "victim")),
        Probe("GET", "/my/victim-cases/{other_case}", nobody()),
        Probe("GET", "/my/victim-cases/{unknown_case}", nobody()),
    ),
    "victims.updates": (
        Probe("POST", "/my/victim-cases/{own_case}/updates", only(422, "victim", anonymous=400), csrf=True),
        Probe("POST", "/my/victim-cases/{other_case}/updates", nobody(anonymous=400), csrf=True),
    ),
    "victims.restorative_justice": (
        Probe("POST", "/my/victim-cases/{own_case}/restorative-justice", only(
            Redirect("/my/victim-cases/{own_case}", 303), "victim", anonymous=400), csrf=True),
        Probe("POST", "/my/victim-cases/{unknown_case}/restorative-justice", nobody(anonymous=400), csrf=True),
    ),
    # The officer records telling a victim themselves: the case's team (the coordinator may only look).
    "victims.given": (
        Probe("POST", "/cases/{own_case}/victim-updates/{own_victim_update}/given", only(
            422, *NORTH_TEAM, anonymous=400), csrf=True),
        Probe("POST", "/cases/{own_case}/victim-updates/{unknown_case}/given", nobody(anonymous=400), csrf=True),
        Probe("POST", "/cases/{other_case}/victim-updates/{own_victim_update}/given", nobody(anonymous=400),
              csrf=True),
    ),
    "my.document": (
        Probe("GET", "/my/cases/{own_case}/document", only(200, "offender")),
        Probe("GET", "/my/cases/{other_case}/document", nobody()),
        Probe("GET", "/my/cases/not-an-id/document", nobody()),
    ),
    # Development only, and off here as in production: there is no such page.
    "notifications.dev_outbox": (Probe("GET", "/notifications/dev-outbox", grid(404, anonymous=404)),),
    # Notify's receipts carry its bearer token, not a session: without it (none is configured here), 401.
    "notifications.notify_receipt": (Probe("POST", "/notifications/notify/receipt", grid(401, anonymous=401)),),
    # Only one's own in-portal messages can be marked read: anyone else's, or none, does not exist.
    "notifications.mark_read": (
        Probe("POST", "/notifications/{unknown_case}/read", grid(404, anonymous=400), csrf=True),
        Probe("POST", "/notifications/not-an-id/read", grid(404, anonymous=400), csrf=True),
    ),
    "auth.sign_in": (Probe("GET", "/sign-in", grid(TO_HOME, anonymous=200)),),
    "auth.start": (
        Probe("GET", "/sign-in/dev-staff", grid(TO_IDP, anonymous=TO_IDP)),
        Probe("GET", "/sign-in/dev-public", grid(TO_IDP, anonymous=TO_IDP)),
        Probe("GET", "/sign-in/no-such-provider", grid(404, anonymous=404)),
    ),
    "auth.callback": (
        # No state that this browser started: refused, whoever asks.
        Probe("GET", "/auth/callback/dev-staff", grid(400, anonymous=400)),
        Probe("GET", "/auth/callback/dev-public?code=forged&state=forged", grid(400, anonymous=400)),
        Probe("GET", "/auth/callback/no-such-provider", grid(404, anonymous=404)),
    ),
    "auth.signed_out": (Probe("GET", "/signed-out", grid(200, anonymous=200)),),
    "auth.sign_out": (
        Probe("GET", "/sign-out", grid(405, anonymous=405)),
        Probe("POST", "/sign-out", grid(400, anonymous=400)),  # no CSRF token
        Probe("POST", "/sign-out", grid(TO_IDP_SIGN_OUT, anonymous=400), csrf=True, ends_session=True),
    ),
    "cases.show": (
        Probe("GET", "/cases/{own_case}", case_grid(*NORTH)),
        Probe("GET", "/cases/{other_case}", case_grid(*SOUTH_TEAM, "coordinator")),
        Probe("GET", "/cases/{other_force_case}", case_grid("westshire-officer", "westshire-coordinator")),
        Probe("GET", "/cases/{unknown_case}", case_grid()),
        Probe("GET", "/cases/not-a-uuid", case_grid()),
        Probe("GET", "/cases/1", case_grid()),  # integer keys never work as identifiers
    ),
    **{
        # The officer's workflow. The "own" case (north team) is already issued, so it can no longer be changed;
        # the "other" case (south team) and the other force's case are drafts. Coordinators may see their force's
        # cases but not change them (403).
        "cases.new": (
            Probe("GET", "/cases/new", grid(404, anonymous=TO_SIGN_IN, allow=dict.fromkeys(EDITORS, 200))),
            Probe("POST", "/cases/new", grid(404, anonymous=400, allow=dict.fromkeys(EDITORS, 422)), csrf=True),
        ),
        "cases.tasks": (
            Probe("GET", "/cases/{own_case}/tasks", grid(404, anonymous=TO_SIGN_IN, allow=dict.fromkeys(
                NORTH_TEAM, 200) | {"coordinator": 403})),
            Probe("GET", "/cases/{other_case}/tasks", edit_other(200)),
            Probe("GET", "/cases/{other_force_case}/tasks", edit_other_force(200)),
            Probe("GET", "/cases/{unknown_case}/tasks", nobody()),
        ),
        "cases.approvals": (
            Probe("GET", "/cases/approvals", only(200, "supervisor", "supervisor-south")),
        ),
        "cases.decide": (
            # A decision waiting for the south team's supervisor: nobody else may decide it (or know it exists).
            Probe("POST", "/cases/approvals/{approval}", only(422, "supervisor-south", anonymous=400), csrf=True),
            Probe("POST", "/cases/approvals/{unknown_case}", nobody(400), csrf=True),
            Probe("POST", "/cases/approvals/not-a-uuid", nobody(400), csrf=True),
        ),
        "cases.document": (
            # The own case's signed document: anyone who may see the case may read it.
            Probe("GET", "/cases/{own_case}/document", case_grid(*NORTH)),
            # Before issue, the text to sign: only for those who may change the case.
            Probe("GET", "/cases/{other_case}/document", case_grid(*SOUTH_TEAM)),
            Probe("POST", "/cases/{other_case}/document", edit_other(422, anonymous=400), csrf=True),
            Probe("POST", "/cases/{own_case}/document", edit_own(400), csrf=True),
        ),
        **{endpoint: (
            Probe("GET", f"/cases/{{own_case}}/{path}", after_issue(goes_to) if goes_to else edit_own()),
            Probe("GET", f"/cases/{{other_case}}/{path}", edit_other(200)),
            Probe("GET", f"/cases/{{other_force_case}}/{path}", edit_other_force(200)),
            Probe("POST", f"/cases/{{other_case}}/{path}", edit_other(422, anonymous=400), csrf=True),
        ) for endpoint, path, goes_to in (
            ("cases.offender", "offender", "/cases/{own_case}/contact-details"), ("cases.offences", "offences", None),
            ("cases.victims", "victims", "/cases/{own_case}/contact-details"), ("cases.screening", "screening", None),
            ("cases.needs", "needs", None), ("cases.conditions", "conditions", "/cases/{own_case}"),
            ("cases.issue", "issue", None))},
        # After issue: the contact details of the person and victims, and their corrections, for the case's team.
        "cases.contact_details": (
            Probe("GET", "/cases/{own_case}/contact-details", edit_own_after_issue(200)),
            Probe("GET", "/cases/{other_case}/contact-details", edit_other(409)),  # a draft: not issued yet
            Probe("GET", "/cases/{unknown_case}/contact-details", nobody()),
        ),
        **{endpoint: (
            Probe("GET", f"/cases/{{own_case}}/contact-details/{path}", edit_own_after_issue(200)),
            Probe("POST", f"/cases/{{own_case}}/contact-details/{path}", edit_own_after_issue(
                Redirect("/cases/{own_case}/contact-details", 303), anonymous=400), csrf=True),
            Probe("GET", f"/cases/{{other_case}}/contact-details/{path}", edit_other(409)),
        ) for endpoint, path in (("cases.correct_person", "person"), ("cases.correct_victim", "victims/{own_victim}"))},
        # Invitations to the portal: the case's team, while the caution runs (the draft: none yet).
        "invitations.for_case": (
            Probe("GET", "/cases/{own_case}/invitations", edit_own_after_issue(200)),
            Probe("GET", "/cases/{other_case}/invitations", edit_other(404)),
            Probe("GET", "/cases/{unknown_case}/invitations", nobody()),
        ),
        "invitations.invite": (
            # No way chosen: the team is asked to choose (422).
            Probe("POST", "/cases/{own_case}/invitations/{own_victim}", edit_own_after_issue(422, anonymous=400),
                  csrf=True),
            Probe("POST", "/cases/{own_case}/invitations/{unknown_case}", edit_own_after_issue(
                404, anonymous=400), csrf=True),
            Probe("POST", "/cases/{other_case}/invitations/{own_victim}", edit_other(404, anonymous=400),
                  csrf=True),
        ),
        "invitations.revoke": (
            Probe("POST", "/cases/{own_case}/invitations/{unknown_case}/revoke", edit_own_after_issue(
                404, anonymous=400), csrf=True),
            Probe("POST", "/cases/{own_case}/invitations/not-a-uuid/revoke", edit_own_after_issue(
                404, anonymous=400), csrf=True),
        ),
        # The person's side needs no sign-in: an unknown code is not found, whoever asks.
        "invitations.enter_code": (
            Probe("GET", "/invitation", grid(200, anonymous=200)),
            Probe("POST", "/invitation", grid(422, anonymous=400), csrf=True),
        ),
        "invitations.check": (
            Probe("GET", "/i/ABCDEFGHJKMN", grid(404, anonymous=404)),
            Probe("GET", "/i/not-a-code", grid(404, anonymous=404)),
        ),
        **{endpoint: (
            Probe("POST", f"/i/ABCDEFGHJKMN/{path}", grid(404, anonymous=400), csrf=True),
        ) for endpoint, path in (("invitations.birth_date", "birth-date"), ("invitations.contact_code", "code"),
                                 ("invitations.send_code", "send-code"))},
        "cases.confirm_conditions": (
            Probe("POST", "/cases/{own_case}/conditions/confirm", edit_own(400), csrf=True),
            # The draft has no conditions to confirm: refused in words (422) for its team.
            Probe("POST", "/cases/{other_case}/conditions/confirm", edit_other(422, anonymous=400), csrf=True),
            Probe("POST", "/cases/{other_force_case}/conditions/confirm", edit_other_force(422, anonymous=400),
                  csrf=True),
        ),
        # After issue: the officer in charge, the team's supervisor and the force's coordinator record how the
        # conditions went and confirm completion (not every condition of the own case is done: 409, in words); a
        # draft is not open for it (409) to those who may see it.
        "cases.condition_result": (
            Probe("GET", "/cases/{own_case}/conditions/{own_condition}/result", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/conditions/{own_condition}/result", only(422, *NORTH, anonymous=400),
                  csrf=True),
            Probe("GET", "/cases/{own_case}/conditions/{unknown_case}/result", nobody()),
            Probe("GET", "/cases/{other_case}/conditions/{own_condition}/result",
                  only(409, *SOUTH_TEAM, "coordinator")),
        ),
        # A flag: the same three decide (an empty form is refused in words); the supervisor approves what the pack
        # sends them (nothing waits here, so no such page); no referral for prosecution, so no prosecutor's summary.
        "cases.decide_flag": (
            Probe("GET", "/cases/{own_case}/flags/{own_flag}/decide", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/flags/{own_flag}/decide", only(422, *NORTH, anonymous=400), csrf=True),
            Probe("GET", "/cases/{own_case}/flags/{unknown_case}/decide", nobody()),
            Probe("GET", "/cases/{other_case}/flags/{own_flag}/decide", only(409, *SOUTH_TEAM, "coordinator")),
        ),
        "cases.approve_decision": (
            Probe("GET", "/cases/{own_case}/decisions/{unknown_case}/approval", nobody()),
            Probe("POST", "/cases/{own_case}/decisions/{unknown_case}/approval", nobody(anonymous=400), csrf=True),
        ),
        "cases.prosecution_summary": (Probe("GET", "/cases/{own_case}/prosecution-summary", nobody()),),
        # A supervisor's own team after issue; nobody else has the page.
        "cases.supervision_page": (Probe("GET", "/cases/supervision", only(200, "supervisor", "supervisor-south")),),
        "cases.complete": (
            Probe("GET", "/cases/{own_case}/complete", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/complete", only(409, *NORTH, anonymous=400), csrf=True),
            Probe("GET", "/cases/{other_force_case}/complete", only(409, *COORDINATORS[1:], "westshire-officer")),
        ),
        # The case's flags and decisions: the same three, once a caution was given (the draft has none: no page).
        "cases.decisions_page": (
            Probe("GET", "/cases/{own_case}/decisions", only(200, *NORTH)),
            Probe("GET", "/cases/{other_case}/decisions", nobody()),
            Probe("GET", "/cases/{unknown_case}/decisions", nobody()),
        ),
        # Varying the own case's conditions (a variation is waiting for the person's signature): the same three;
        # each form sent empty is refused in words; on the draft, nothing can be varied (409) for those who see it.
        "cases.variation": (
            Probe("GET", "/cases/{own_case}/variations/{own_variation}", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/variations/{own_variation}", only(422, *NORTH, anonymous=400),
                  csrf=True),
            Probe("GET", "/cases/{own_case}/variations/{unknown_case}", nobody()),
            Probe("GET", "/cases/{other_case}/variations/{own_variation}", only(409, *SOUTH_TEAM, "coordinator")),
        ),
        "cases.variation_add": (
            Probe("GET", "/cases/{own_case}/variations/{own_variation}/conditions/new", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/variations/{own_variation}/conditions/new",
                  only(422, *NORTH, anonymous=400), csrf=True),
        ),
        "cases.variation_change": (
            Probe("GET", "/cases/{own_case}/variations/{own_variation}/conditions/{own_condition}",
                  only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/variations/{own_variation}/conditions/{own_condition}",
                  only(422, *NORTH, anonymous=400), csrf=True),
            Probe("GET", "/cases/{own_case}/variations/{own_variation}/conditions/{unknown_case}", nobody()),
        ),
        # Keeping a condition that is not marked for removal changes nothing: back to the variation.
        "cases.variation_remove": (
            Probe("POST", "/cases/{own_case}/variations/{own_variation}/conditions/{own_condition}/keep",
                  only(Redirect("/cases/{own_case}/variations/{own_variation}", 303), *NORTH, anonymous=400),
                  csrf=True),
            Probe("POST", "/cases/{own_case}/variations/{own_variation}/conditions/{own_condition}/shred",
                  nobody(anonymous=400), csrf=True),
        ),
        "cases.variation_document": (
            Probe("GET", "/cases/{own_case}/variations/{own_variation}/document", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/variations/{own_variation}/document", only(422, *NORTH, anonymous=400),
                  csrf=True),
        ),
        "cases.variation_withdraw": (
            Probe("GET", "/cases/{own_case}/variations/{own_variation}/withdraw", only(200, *NORTH)),
            Probe("POST", "/cases/{own_case}/variations/{own_variation}/withdraw", only(422, *NORTH, anonymous=400),
                  csrf=True),
        ),
        # A version of the signed document: whoever may see the case; a version that does not exist, nobody.
        "cases.document_version": (
            Probe("GET", "/cases/{own_case}/document/1", case_grid(*NORTH)),
            Probe("GET", "/cases/{own_case}/document/2", nobody()),
            Probe("GET", "/cases/{other_case}/document/1", nobody()),
        ),
        # A financial penalty: the own case has none (a conditional caution), so for everyone there is no page.
        **{endpoint: (Probe("GET", f"/cases/{{own_case}}/{path}", nobody()),
                      *((Probe("POST", f"/cases/{{own_case}}/{path}", nobody(anonymous=400), csrf=True),)
                        if not path.endswith(".csv") else ()))
           for endpoint, path in (("cases.penalty", "penalty"), ("cases.penalty_registration", "penalty/registration"),
                                  ("cases.penalty_registration_csv", "penalty/registration.csv"))},
        # Closing: the own case is issued, so it may not be closed (409, in words); the drafts may be, by their team.
        "cases.close": (
            Probe("GET", "/cases/{own_case}/close", edit_own()),
            Probe("POST", "/cases/{own_case}/close", edit_own(400), csrf=True),
            Probe("GET", "/cases/{other_case}/close", edit_other(200)),
            Probe("POST", "/cases/{other_case}/close", edit_other(422, anonymous=400), csrf=True),
            Probe("GET", "/cases/{other_force_case}/close", edit_other_force(200)),
        ),
        # The confirmations before a removal: pages of their own, for those who may change the case.
        **{endpoint: (
            Probe("GET", f"/cases/{{own_case}}/{path}", edit_own()),
            Probe("GET", f"/cases/{{other_case}}/{path}", edit_other(404)),
        ) for endpoint, path in (
            ("cases.confirm_remove_offence", "offences/{own_offence}/remove"),
            ("cases.confirm_remove_victim", "victims/{own_victim}/remove"),
            ("cases.confirm_remove_condition", "conditions/{own_condition}/remove"),
        )},
        "cases.no_victims": (
            Probe("POST", "/cases/{own_case}/victims/none", edit_own(400), csrf=True),
            # Westshire's officer records that the draft has no victims (a valid confirmation).
            Probe("POST", "/cases/{other_force_case}/victims/none", only(
                403, "westshire-coordinator", anonymous=400,
                westshire_officer=Redirect("/cases/{other_force_case}/tasks", 303)), csrf=True),
        ),
        # Objects inside a case, named by the ids of the own case's objects: on another case they are not found.
        **{endpoint: (
            *((Probe("GET", f"/cases/{{own_case}}/{path}", after_issue("/cases/{own_case}")
                     if endpoint == "cases.edit_condition" else edit_own()),
               Probe("GET", f"/cases/{{other_case}}/{path}", edit_other(404))) if get else ()),
            Probe("POST", f"/cases/{{own_case}}/{path}", edit_own(400), csrf=True),
            Probe("POST", f"/cases/{{other_case}}/{path}", edit_other(404, anonymous=400), csrf=True),
        ) for endpoint, path, get in (
            ("cases.remove_offence", "offences/{own_offence}/remove", False),
            ("cases.remove_victim", "victims/{own_victim}/remove", False),
            ("cases.victim_views", "victims/{own_victim}/views", True),
            ("cases.edit_condition", "conditions/{own_condition}", True),
            ("cases.remove_condition", "conditions/{own_condition}/remove", False),
        )},
    },
    # --- the provider directory: each force's OOCD coordinator, for their own force's directory ---
    "organisations.service_list": (Probe("GET", "/organisations/services", only(200, *COORDINATORS)),),
    "organisations.providers": (Probe("GET", "/organisations/providers", only(200, *COORDINATORS)),),
    "organisations.new_service": (
        Probe("GET", "/organisations/services/new", only(200, *COORDINATORS)),
        Probe("POST", "/organisations/services/new", only(422, *COORDINATORS, anonymous=400), csrf=True),
    ),
    "organisations.edit_service": (
        Probe("GET", "/organisations/services/{service}", only(200, "coordinator")),
        Probe("POST", "/organisations/services/{service}", only(422, "coordinator", anonymous=400), csrf=True),
        Probe("GET", "/organisations/services/{other_force_service}", only(200, "westshire-coordinator")),
        Probe("GET", "/organisations/services/{unknown_case}", nobody()),
        Probe("GET", "/organisations/services/not-a-uuid", nobody()),
    ),
    "organisations.service_active": (
        Probe("POST", "/organisations/services/{service}/active", only(422, "coordinator", anonymous=400),
              csrf=True),
        Probe("POST", "/organisations/services/{other_force_service}/active",
              only(422, "westshire-coordinator", anonymous=400), csrf=True),
        Probe("POST", "/organisations/services/{unknown_case}/active", nobody(400), csrf=True),
    ),
    # --- staff administration: each coordinator their force's staff and providers' managers; each provider
    # manager their own organisation's staff; the invitation page, anyone with the link ---
    "staff.staff_list": (Probe("GET", "/staff", only(200, *STAFF_MANAGERS)),),
    "staff.invite": (
        Probe("GET", "/staff/invite", only(200, *STAFF_MANAGERS)),
        Probe("POST", "/staff/invite", only(422, *STAFF_MANAGERS, anonymous=400), csrf=True),
    ),
    "staff.new_team": (
        Probe("GET", "/staff/teams/new", only(200, *COORDINATORS)),
        Probe("POST", "/staff/teams/new", only(422, *COORDINATORS, anonymous=400), csrf=True),
    ),
    "staff.member": (
        Probe("GET", "/staff/{police_member}", only(200, "coordinator")),
        Probe("POST", "/staff/{police_member}", only(422, "coordinator", anonymous=400), csrf=True),
        Probe("GET", "/staff/{provider_member}", only(200, "freshstart-manager")),
        Probe("GET", "/staff/{unknown_case}", nobody()),
        Probe("GET", "/staff/not-a-uuid", nobody()),
    ),
    "staff.enabled": (
        Probe("POST", "/staff/{police_member}/enabled", only(422, "coordinator", anonymous=400), csrf=True),
        Probe("POST", "/staff/{provider_member}/enabled", only(422, "freshstart-manager", anonymous=400),
              csrf=True),
        Probe("POST", "/staff/{unknown_case}/enabled", nobody(400), csrf=True),
    ),
    # Work contact details: every member of staff their own; a coordinator or provider manager also their
    # organisation's staff (an empty form saves nothing and comes back); the public have none.
    "staff.own_contact": (
        Probe("GET", "/account/work-contact", grid(200, anonymous=TO_SIGN_IN, allow={"offender": 404, "victim": 404})),
        Probe("POST", "/account/work-contact", grid(Redirect("/account/work-contact", 303), anonymous=400,
                                                    allow={"offender": 404, "victim": 404}), csrf=True),
    ),
    "staff.member_contact": (
        Probe("GET", "/staff/{police_member}/work-contact", only(200, "coordinator")),
        Probe("POST", "/staff/{police_member}/work-contact", only(Redirect("/staff/{police_member}/work-contact", 303),
                                                                   "coordinator", anonymous=400), csrf=True),
        Probe("GET", "/staff/{provider_member}/work-contact", only(200, "freshstart-manager")),
        Probe("GET", "/staff/{unknown_case}/work-contact", nobody()),
        Probe("GET", "/staff/not-a-uuid/work-contact", nobody()),
    ),
    "staff.reissue": (
        Probe("POST", "/staff/invitations/{invitation}/reissue", only(Redirect("/staff", 303), "coordinator",
                                                                      anonymous=400), csrf=True),
        Probe("POST", "/staff/invitations/{unknown_case}/reissue", nobody(400), csrf=True),
    ),
    "staff.revoke": (
        Probe("POST", "/staff/invitations/{invitation_2}/revoke", only(Redirect("/staff", 303), "coordinator",
                                                                       anonymous=400), csrf=True),
        Probe("POST", "/staff/invitations/not-a-uuid/revoke", nobody(400), csrf=True),
    ),
    "staff.history": (Probe("GET", "/staff/history", only(200, *STAFF_MANAGERS)),),
    "staff.new_provider": (
        Probe("GET", "/staff/providers/new", only(200, *COORDINATORS)),
        Probe("POST", "/staff/providers/new", only(422, *COORDINATORS, anonymous=400), csrf=True),
    ),
    "staff.invite_manager": (
        Probe("GET", "/staff/providers/{provider}/invite", only(200, *COORDINATORS)),
        Probe("POST", "/staff/providers/{provider}/invite", only(422, *COORDINATORS, anonymous=400), csrf=True),
        Probe("GET", "/staff/providers/{unknown_case}/invite", nobody()),
    ),
    "staff.accept": (
        Probe("GET", "/staff-invitations/{invitation_token}", grid(200, anonymous=200)),
        Probe("POST", "/staff-invitations/{invitation_token}", grid(Redirect("/sign-in/dev-staff", 303),
                                                                    anonymous=400), csrf=True),
        Probe("GET", "/staff-invitations/not-a-token", grid(404, anonymous=404)),
    ),
    # --- referrals: the own (issued) case has a referral waiting for Fresh Start's decision and a working one
    # assigned to Fresh Start's caseworker, with an appointment and a group session; Pathways, and Fresh Start's
    # other caseworker, see none of it ---
    "referrals.new": (
        Probe("GET", "/referrals/new/{own_case}", only(200, *NORTH_TEAM, coordinator=403)),
        Probe("POST", "/referrals/new/{own_case}", only(422, *NORTH_TEAM, coordinator=403, anonymous=400),
              csrf=True),
        Probe("GET", "/referrals/new/{other_case}", only(409, *SOUTH_TEAM, coordinator=403)),  # a draft
        Probe("GET", "/referrals/new/{other_force_case}", only(409, "westshire-officer",
                                                                westshire_coordinator=403)),
    ),
    "referrals.send": (
        Probe("POST", "/referrals/new/{own_case}/send", only(422, *NORTH_TEAM, coordinator=403, anonymous=400),
              csrf=True),
        Probe("POST", "/referrals/new/{other_force_case}/send", only(409, "westshire-officer",
                                                                     westshire_coordinator=403, anonymous=400),
              csrf=True),
    ),
    "referrals.show": (
        Probe("GET", "/referrals/{sent_referral}", only(200, *NORTH, "freshstart-manager")),
        Probe("GET", "/referrals/{working_referral}", only(200, *NORTH, *FRESHSTART)),
        Probe("GET", "/referrals/{unknown_case}", nobody()),
        Probe("GET", "/referrals/not-a-uuid", nobody()),
    ),
    "referrals.decide": (
        Probe("GET", "/referrals/{sent_referral}/decide", only(200, "freshstart-manager")),
        Probe("POST", "/referrals/{sent_referral}/decide", only(422, "freshstart-manager", anonymous=400),
              csrf=True),
        # Already accepted: its manager is told so (409); its caseworker may not decide (403).
        Probe("GET", "/referrals/{working_referral}/decide", only(409, "freshstart-manager",
                                                                  freshstart_caseworker=403)),
    ),
    "referrals.notes": referral_work(422, "/referrals/{r}/notes"),
    "referrals.end": referral_work(422, "/referrals/{r}/end"),
    "referrals.book": referral_work(422, "/referrals/{r}/appointments"),
    **{endpoint: (
        Probe("GET", f"/referrals/appointments/{{appointment}}/{path}", only(200, *FRESHSTART)),
        Probe("POST", f"/referrals/appointments/{{appointment}}/{path}", only(422, *FRESHSTART, anonymous=400),
              csrf=True),
        # htmx fragment requests go through the same route and rules (see tests/referrals for the fragments).
        Probe("GET", f"/referrals/appointments/{{unknown_case}}/{path}", nobody()),
    ) for endpoint, path in (("referrals.attendance", "attendance"), ("referrals.reschedule", "reschedule"),
                             ("referrals.cancel", "cancel"))},
    "referrals.new_group": (
        Probe("GET", "/referrals/groups/new", only(200, *PROVIDERS)),
        Probe("POST", "/referrals/groups/new", only(422, *PROVIDERS, anonymous=400), csrf=True),
    ),
    "referrals.group": (
        # The session's facilitator and their manager; not the provider's other caseworker.
        Probe("GET", "/referrals/groups/{group}", only(200, *FRESHSTART)),
        Probe("POST", "/referrals/groups/{group}", only(422, *FRESHSTART, anonymous=400), csrf=True),
        Probe("GET", "/referrals/groups/{unknown_case}", nobody()),
    ),
    # --- the person cautioned's calendar: their own appointments only; the feed by its token, with no session ---
    "calendar.appointment_file": (
        Probe("GET", "/my/appointments/{appointment}.ics", only(200, "offender")),
        Probe("GET", "/my/appointments/{unknown_case}.ics", nobody()),
    ),
    "calendar.feed": (
        # Before the feed page's POSTs below: the offender's own run makes a new feed, which revokes this one.
        Probe("GET", "/calendar/{feed_token}.ics", grid(200, anonymous=200)),
        Probe("GET", "/calendar/not-a-token.ics", grid(404, anonymous=404)),
    ),
    # --- what the person cautioned asks for: to change an appointment (the provider decides), their reminders ---
    "rearrange.ask": (
        Probe("GET", "/my/appointments/{coming_appointment}/rearrange", only(200, "offender")),
        Probe("POST", "/my/appointments/{coming_appointment}/rearrange", only(422, "offender", anonymous=400),
              csrf=True),
        Probe("GET", "/my/appointments/{unknown_case}/rearrange", nobody()),
    ),
    "rearrange.decide": (
        Probe("GET", "/referrals/rearrange/{rearrange_request}", only(200, *FRESHSTART)),
        Probe("POST", "/referrals/rearrange/{rearrange_request}", only(422, *FRESHSTART, anonymous=400), csrf=True),
        Probe("GET", "/referrals/rearrange/{unknown_case}", nobody()),
    ),
    **{endpoint: (
        Probe("GET", f"/my/cases/{{own_case}}/{path}", only(200, "offender")),
        Probe("POST", f"/my/cases/{{own_case}}/{path}", only(422, "offender", anonymous=400), csrf=True),
        Probe("GET", f"/my/cases/{{other_case}}/{path}", nobody()),
        Probe("GET", f"/my/cases/{{unknown_case}}/{path}", nobody()),
    ) for endpoint, path in (("my.reminders", "reminders"), ("my.ask_officer", "contact-details"))},
    "calendar.feed_page": (Probe("GET", "/my/calendar-feed", only(200, "offender")),),
    "calendar.create_feed": (Probe("POST", "/my/calendar-feed", only(200, "offender", anonymous=400), csrf=True),),
    "calendar.revoke_feed": (Probe("POST", "/my/calendar-feed/revoke", only(
        Redirect("/my/calendar-feed", 303), "offender", anonymous=400), csrf=True),),
}


# --- objects ---------------------------------------------------------------------------------------------------


def _case_of(given_name: str) -> Case:
    return db.session.scalar(select(Case).join(Person, Case.offender_id == Person.id)
                             .where(Person.given_name == given_name))


def _referrals(own: Case) -> dict[str, str]:
    """The demo's referral (sent to Fresh Start, waiting), and a second one accepted for Fresh Start's caseworker
    with an appointment today, a place in a group session tomorrow, and one in three days that the person
    cautioned asked to change."""
    from datetime import datetime, time, timedelta

    from app.organisations.models import Service

    users = {u.subject: u for u in db.session.scalars(select(User))}
    sent = db.session.scalar(select(Referral).where(Referral.case_id == own.id))
    drugs = db.session.scalar(select(Service).where(Service.name == "Drug awareness course"))
    working = referral_services.send_referral(own, own.conditions[1], drugs, by=users["officer-north"])
    referral_services.accept_referral(working, users["freshstart-caseworker"], by=users["freshstart-manager"])
    today = datetime.combine(clock.today(), time(0, 5), tzinfo=clock.LONDON)
    appointment = referral_services.book_appointment(working, starts_at=today, minutes=30, mode="in_person",
                                                     place="Fresh Start, Northtown", by=users["freshstart-caseworker"])
    group = referral_services.create_group_session(
        provider_id=working.provider_id, title="Drug awareness workshop", starts_at=today + timedelta(days=1),
        minutes=120, mode="in_person", place="Fresh Start", referrals=[working], by=users["freshstart-caseworker"])
    # In three days, and the person cautioned has asked to change it.
    coming = referral_services.book_appointment(working, starts_at=today + timedelta(days=3, hours=10), minutes=60,
                                                mode="in_person", place="Fresh Start",
                                                by=users["freshstart-caseworker"])
    asked = rearrange.ask(coming, reason="A new job", suits=None, by=users["offender"])
    return {"sent_referral": str(sent.public_id), "working_referral": str(working.public_id),
            "appointment": str(appointment.public_id), "group": str(group.public_id),
            "service": str(drugs.public_id), "coming_appointment": str(coming.public_id),
            "rearrange_request": str(asked.public_id)}


def _approval() -> str:
    """A decision waiting for the south team's supervisor: exceptional circumstances on a ready case."""
    officer = factories.user("officer-south")
    case = factories.ready(officer, given="Fay", family="Waits", team_name=demo.SOUTH)
    demo.screen(case, officer=officer, exceptional_rationale="First contact with the police in ten years")
    return str(case.approvals[-1].public_id)


def _staff() -> dict[str, str]:
    """A Northshire officer and a Fresh Start caseworker (whose staff pages their managers see), a provider, and
    two pending invitations from Northshire's coordinator (one to send again, one to withdraw), and the link of a
    third, from Fresh Start's manager."""
    coordinator = factories.user("coordinator")
    invite = {"organisation": factories.organisation("NSP"), "role": Role.OFFICER, "team": factories.team(),
              "by": coordinator}
    first, _ = staff.invite(email="first@example.org", **invite)
    second, _ = staff.invite(email="second@example.org", **invite)
    _, token = staff.invite(organisation=factories.organisation("FSR"), role=Role.CASEWORKER,
                            email="third@example.org", by=factories.user("freshstart-manager"))
    return {"police_member": str(factories.user("officer-south").public_id),
            "provider_member": str(factories.user("freshstart-caseworker").public_id),
            "provider": str(factories.organisation("PWC").public_id), "invitation": str(first.public_id),
            "invitation_2": str(second.public_id), "invitation_token": token}


@pytest.fixture
def objects(app, demo_data) -> dict[str, str]:
    with app.app_context():
        own, other = _case_of("Jordan"), _case_of("Dana")
        assert own.team.name == "North Neighbourhood Team" and own.force.code == "NSP" and own.document
        assert other.team.name == "South Response Team" and other.force.code == "NSP"
        other_force = _case_of("Zed")  # Westshire Police's
        assert other_force.force.code == "WSP"
        ids = {"own_case": str(own.public_id), "other_case": str(other.public_id),
               "other_force_case": str(other_force.public_id), "unknown_case": str(uuid.uuid4()),
               "own_offence": str(own.offences[0].public_id), "own_victim": str(own.victims[0].person.public_id),
               "own_condition": str(own.conditions[0].public_id),
               "other_force_service": str(factories.service("Westshire alcohol service").public_id),
               "approval": _approval(), "feed_token": calendar.create(factories.user("offender")),
               "own_victim_update": str(db.session.scalar(select(VictimUpdate.public_id).where(
                   VictimUpdate.case_id == own.id))),
               "own_flag": str(raise_flag(own, FlagKind.CONDITION_OVERDUE, f"condition_overdue:{own.id}",
                                          "Overdue", condition=own.conditions[0]).public_id),
               "own_variation": str(factories.varying(own).public_id)}
        ids |= _referrals(own) | _staff()
        db.session.commit()
        db.session.remove()
    return ids


# --- the matrix ------------------------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - MATRIX.keys() == set(), "routes missing from the access matrix"
    assert MATRIX.keys() - endpoints == set(), "matrix rows for routes that no longer exist"


def test_matrix_is_well_formed(app):
    """Each probe reaches its own route, names every role, and every method a route accepts is probed."""
    dummy = dict.fromkeys(("own_case", "other_case", "other_force_case", "unknown_case", "sent_referral",
                           "working_referral", "appointment", "group", "service", "other_force_service",
                           "approval", "own_offence", "own_victim", "own_condition", "police_member",
                           "provider_member", "provider", "invitation", "invitation_2", "invitation_token",
                           "feed_token", "own_victim_update", "coming_appointment", "rearrange_request", "own_flag",
                           "own_variation"),
                          str(uuid.uuid4()))
    adapter = app.url_map.bind(app.config["SERVER_NAME"])
    for endpoint, probes in MATRIX.items():
        for probe in probes:
            path = urlsplit(probe.path.format(**dummy)).path
            try:
                matched = adapter.match(path, method=probe.method)[0]
            except MethodNotAllowed as exc:  # a probe of a method the route refuses must expect 405 throughout
                assert set(probe.expected.values()) == {405}, (endpoint, probe.method, probe.path)
                matched = adapter.match(path, method=exc.valid_methods[0])[0]
            assert matched == endpoint, (endpoint, probe.path)
            assert set(probe.expected) == set(ROLES), (endpoint, probe.path)
        rule_methods = set().union(*(r.methods for r in app.url_map.iter_rules(endpoint=endpoint)))
        assert rule_methods - {"HEAD", "OPTIONS"} <= {p.method for p in probes}, endpoint


def _outcome(response):
    if response.status_code in (301, 302, 303, 307, 308):
        return Redirect(urlsplit(response.headers["Location"]).path, response.status_code)
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, app, login_as, objects):
    client = app.test_client() if role == ANONYMOUS else login_as(role)
    token = "not-a-token" if role == ANONYMOUS else csrf_from(client.get("/").get_data(as_text=True))
    probes = [(endpoint, p) for endpoint, ps in MATRIX.items() for p in ps]
    probes.sort(key=lambda item: item[1].ends_session)
    wrong = []
    for endpoint, probe in probes:
        path = probe.path.format(**objects)
        data = {"csrf_token": token} if probe.csrf else None
        response = client.open(path, method=probe.method, data=data)
        got, want = _outcome(response), probe.expected[role]
        if isinstance(want, Redirect):
            want = Redirect(want.path.format(**objects), want.status)
        if got != want:
            wrong.append(f"{probe.method} {probe.path} ({endpoint}): expected {want}, got {got}")
        assert response.status_code < 500, f"{probe.method} {probe.path} gave {response.status_code}"
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    if role != ANONYMOUS:  # the last probe signed this client out, on the server too
        assert _outcome(client.get("/")) == TO_SIGN_IN


def test_development_identity_provider_is_mounted_in_tests(app, client):
    """/dev-idp is a separate WSGI app beside the portal, so it is not in app.url_map; it answers in test config."""
    assert not any(r.rule.startswith("/dev-idp") for r in app.url_map.iter_rules())
    discovery = client.get("/dev-idp/.well-known/openid-configuration")
    assert discovery.status_code == 200
    assert discovery.get_json()["issuer"] == app.config["DEV_IDP_ISSUER"]
    jwks = client.get("/dev-idp/jwks")
    assert jwks.status_code == 200 and jwks.get_json()["keys"]
    assert client.get("/dev-idp/authorize").status_code == 400  # no client, no PKCE: refused, not a crash


# --- the access functions, called directly ---------------------------------------------------------------------


@pytest.fixture
def people(app, objects):
    """Users by persona key (plus "anonymous"), the cases by name, and extra one-party timeline events."""
    with app.app_context():
        users = {u.subject: u for u in db.session.scalars(
            select(User).where(User.issuer == demo.IDENTITY))}
        users[ANONYMOUS] = AnonymousUserMixin()
        own = _case_of("Jordan")
        for kind, to in {"provider_only": Audience.PROVIDER, "offender_only": Audience.OFFENDER,
                         "victim_only": Audience.VICTIM}.items():
            timeline.record(own, kind, to=Audience.POLICE | to)
        # Recorded for the offender only, not for the police (the audiences must be honoured both ways); and for
        # the scrutiny panel only, which no one reaches from a case.
        timeline.record(own, "not_police", to=Audience.OFFENDER)
        timeline.record(own, "scrutiny_only", to=Audience.SCRUTINY)
        # Belongs to Fresh Start's working referral but is for the police only: no provider reads it.
        working = db.session.scalar(select(Referral).where(
            Referral.public_id == uuid.UUID(objects["working_referral"])))
        timeline.record(own, "referral_police_only", referral=working)
        # Another north case: the offender and victim persons are not parties to it.
        timeline.record(_case_of("Ali"), "shared", to=EVERY_PARTY)
        db.session.flush()
        cases = {"own": own, "other": _case_of("Dana"), "north_other": _case_of("Ali"),
                 "other_force": db.session.scalar(select(Case).where(Case.public_id ==
                                                                      uuid.UUID(objects["other_force_case"])))}
        yield users, cases
        db.session.rollback()
        db.session.remove()


def _names(query) -> set[str]:
    return {c.offender.given_name for c in db.session.scalars(query)}


def _kinds(user, case) -> set[str]:
    return {e.kind for e in db.session.scalars(access.visible_timeline(user, case))}


def test_visible_cases(people):
    users, _ = people
    north = {"Jordan", "Ali", "Beth", "Carl"}
    south = {"Dana", "Evan", "Fay"}
    assert _names(access.visible_cases(users["officer-north"])) == north
    assert _names(access.visible_cases(users["supervisor"])) == north
    assert _names(access.visible_cases(users["officer-south"])) == south
    assert _names(access.visible_cases(users["supervisor-south"])) == south
    assert _names(access.visible_cases(users["coordinator"])) == north | south  # not Westshire's "Zed"
    assert _names(access.visible_cases(users["westshire-officer"])) == {"Zed"}
    assert _names(access.visible_cases(users["westshire-coordinator"])) == {"Zed"}
    for key in ROLES:
        if key not in POLICE:
            assert _names(access.visible_cases(users[key])) == set(), key


def test_own_cases(people):
    users, _ = people
    assert _names(access.own_cases(users["offender"])) == {"Jordan"}
    assert _names(access.own_cases(users["victim"])) == {"Jordan"}  # the victim of Jordan Smith's case
    for key in ROLES:
        if key not in ("offender", "victim"):
            assert _names(access.own_cases(users[key])) == set(), key


def test_can_view_case_agrees_with_visible_cases(people):
    users, cases = people
    expected = {
        "own": {"officer-north", "supervisor", "coordinator"},
        "north_other": {"officer-north", "supervisor", "coordinator"},
        "other": {"officer-south", "supervisor-south", "coordinator"},
        "other_force": {"westshire-officer", "westshire-coordinator"},
    }
    for name, case in cases.items():
        viewers = {key for key in ROLES if access.can_view_case(users[key], case)}
        assert viewers == expected[name], name
        for key in ROLES:
            listed = db.session.scalar(access.visible_cases(users[key]).where(Case.id == case.id)) is not None
            assert listed == (key in viewers), (name, key)


def test_visible_timeline_per_party(people):
    users, cases = people
    own = cases["own"]
    everything = {e.kind for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == own.id))}
    assert {"case_opened", "caution_issued", "offender_only", "victim_only", "provider_only"} <= everything
    for key in ("officer-north", "supervisor", "coordinator"):
        assert _kinds(users[key], own) == everything - {"not_police", "scrutiny_only"}, key
    scrutiny = {e.kind for e in db.session.scalars(timeline_queries.for_scrutiny(own.id))}
    assert {"scrutiny_only", "case_opened", "caution_issued"} <= scrutiny
    assert not scrutiny & {"not_police", "offender_only", "victim_only", "provider_only", "offence_added"}
    assert _kinds(users["offender"], own) == {"caution_issued", "conditions_set", "offender_only", "not_police",
                                              "appointment_booked", "rearrange_asked"}
    # Their own views, and the caution in their own words.
    assert _kinds(users["victim"], own) == {"caution_issued", "victim_only", "victim_views", "victim_caution_given"}
    # Providers: only the events of their own referrals ("provider_only" belongs to no referral). Fresh Start's
    # manager sees both its referrals; its caseworker only the one assigned to them.
    referral_events = {"referral_sent", "referral_accepted", "appointment_booked", "rearrange_asked"}
    assert _kinds(users["freshstart-manager"], own) == referral_events
    assert _kinds(users["freshstart-caseworker"], own) == referral_events
    sent = {e.referral_id for e in db.session.scalars(access.visible_timeline(users["freshstart-manager"], own))}
    mine = {e.referral_id for e in db.session.scalars(access.visible_timeline(users["freshstart-caseworker"], own))}
    assert len(sent) == 2 and len(mine) == 1 and mine < sent
    for key in ("pathways-manager", "pathways-caseworker", "freshstart-caseworker-2", "scrutiny",
                "westshire-officer", ANONYMOUS):
        assert _kinds(users[key], own) == set(), key
    # Not their case: the offender and victim see nothing of it, even events marked for their party.
    assert _kinds(users["offender"], cases["north_other"]) == set()
    assert _kinds(users["victim"], cases["north_other"]) == set()
    assert _kinds(users["officer-north"], cases["north_other"]) == {"case_opened", "offence_added", "shared"}


def test_visible_timeline_is_newest_first(people):
    users, cases = people
    events = db.session.scalars(access.visible_timeline(users["officer-north"], cases["own"])).all()
    keys = [(e.occurred_at, e.id) for e in events]
    assert keys == sorted(keys, reverse=True)


# --- every predicate and list, for every persona --------------------------------------------------------------


def _who(users, predicate, *args) -> set[str]:
    """The personas for whom `predicate(user, *args)` holds."""
    return {key for key in ROLES if predicate(users[key], *args)}


def _refs(query) -> set[str]:
    return {c.reference for c in db.session.scalars(query)}


def test_case_predicates(people):
    users, cases = people
    own, ali, dana, zed = cases["own"], cases["north_other"], cases["other"], cases["other_force"]
    north, south = set(NORTH_TEAM), set(SOUTH_TEAM)
    workers = {"own": north, "north_other": north, "other": south, "other_force": {"westshire-officer"}}
    for name, case in cases.items():
        assert _who(users, access.may_work_on_case, case) == workers[name], name
        # Before issue, whoever works on the case may change it; after, nobody.
        assert _who(users, access.can_edit_case, case) == (workers[name] if case.editable else set()), name
        assert _who(users, access.can_view_special_category, case) == _who(users, access.can_view_case, case), name
    assert not own.editable and ali.editable and dana.editable and zed.editable
    # Only an issued caution's conditions are referred, by the case's team.
    assert _who(users, access.can_refer, own) == north
    assert _who(users, access.can_refer, ali) == set()
    # Jordan Smith's ethnicity and sex are held: the police who may see the case read them, nobody else.
    assert {key for key in ROLES if access.special_category_of(users[key], own) is not None} == set(NORTH)
    assert _who(users, access.is_police) == set(POLICE)
    assert _who(users, access.is_provider) == set(PROVIDERS)
    assert _who(users, access.can_open_case) == set(EDITORS)
    assert _who(users, access.can_approve_any) == {"supervisor", "supervisor-south"}
    assert _who(users, access.can_manage_directory) == set(COORDINATORS)
    for key in ROLES:
        assert (access.case_scope(users[key]) is None) == (key not in POLICE), key


def test_caseload_per_police_role(people):
    users, _ = people
    assert _names(access.caseload(users["officer-north"])) == {"Jordan", "Ali", "Beth"}  # not the supervisor's Carl
    assert _names(access.caseload(users["supervisor"])) == {"Jordan", "Ali", "Beth", "Carl"}
    assert _names(access.caseload(users["officer-south"])) == {"Dana", "Evan", "Fay"}
    assert _names(access.caseload(users["coordinator"])) == _names(access.visible_cases(users["coordinator"]))
    for key in ROLES:
        if key not in POLICE:
            assert _names(access.caseload(users[key])) == set(), key


@pytest.fixture
def public_cases(people):
    """Two more cases: a second case for Jordan Smith, still being prepared, in which Kim Taylor is again the
    victim (with events already marked for both); and another person's issued caution."""
    users, cases = people
    officer, own = users["officer-north"], cases["own"]
    again = factories.draft(officer, person=own.offender)
    case_services.add_victim(again, own.victims[0].person, enhanced_rights=False, updates_opted_in=True,
                             update_channel="email", by=officer)
    timeline.record(again, "prepared", to=EVERY_PARTY)
    stranger = factories.issued(officer, given="Ola", family="Park")
    db.session.flush()
    return {"again": again, "stranger": stranger}


def test_the_public_see_only_their_own_cases_once_issued(people, public_cases):
    users, cases = people
    again, stranger = public_cases["again"], public_cases["stranger"]
    assert again.offender_id == cases["own"].offender_id and again.issued_on is None
    assert stranger.issued_on is not None and _kinds(users["officer-north"], stranger) >= {"caution_issued"}
    for key in ("offender", "victim"):
        assert _refs(access.own_cases(users[key])) == {cases["own"].reference}, key
        assert _kinds(users[key], again) == set(), key  # theirs, but not given yet
        assert _kinds(users[key], stranger) == set(), key  # given, but not theirs
    assert _kinds(users["officer-north"], again) >= {"prepared"}


def test_referral_predicates_and_lists(people, objects):
    users, _ = people
    sent, working = (db.session.scalar(select(Referral).where(Referral.public_id == uuid.UUID(objects[k])))
                     for k in ("sent_referral", "working_referral"))
    appointment = db.session.scalar(select(Appointment).where(
        Appointment.public_id == uuid.UUID(objects["appointment"])))
    assert _who(users, access.can_decide_referrals) == {"pathways-manager", "freshstart-manager"}
    assert _who(users, access.can_decide_referral, sent) == {"freshstart-manager"}
    assert _who(users, access.can_work_on_referral, working) == set(FRESHSTART)
    assert _who(users, access.can_work_on_referral, sent) == set()  # not accepted yet
    for key in ROLES:
        seen = {r.public_id for r in db.session.scalars(access.visible_referrals(users[key]))}
        want = {sent.public_id, working.public_id} if key in (*NORTH, "freshstart-manager") else (
            {working.public_id} if key == "freshstart-caseworker" else set())
        assert seen == want, key
        sessions = {g.public_id for g in db.session.scalars(access.visible_group_sessions(users[key]))}
        assert sessions == ({uuid.UUID(objects["group"])} if key in FRESHSTART else set()), key
    # Moved or cancelled: only a booked appointment without an outcome, by who may work on its referral.
    assert _who(users, access.can_change_appointment, appointment) == set(FRESHSTART)
    referral_services.record_attendance(appointment, code="attended", note=None, version=appointment.version,
                                        by=users["freshstart-caseworker"])
    assert appointment.outcome and _who(users, access.can_change_appointment, appointment) == set()
    later = factories.appointment(working, factories.at(0, 22), minutes=30)
    assert _who(users, access.can_change_appointment, later) == set(FRESHSTART)
    referral_services.cancel(later, party="provider", reason="Unwell", version=later.version,
                             by=users["freshstart-caseworker"])
    assert _who(users, access.can_change_appointment, later) == set()


def test_directory_lists(people):
    users, _ = people
    services = {key: {s.name for s in db.session.scalars(access.visible_services(users[key]))} for key in ROLES}
    northshire = {"Alcohol awareness course", "Drug awareness course", "Women's wrap-around support"}
    for key in ROLES:
        force = users[key].membership.organisation.code if key in POLICE else None
        assert services[key] == {"NSP": northshire, "WSP": {"Westshire alcohol service"}}.get(force, set()), key
    fresh_start = db.session.scalar(select(Organisation).where(Organisation.code == "FSR"))
    for key in ROLES:
        listed = {o.code for o in db.session.scalars(access.visible_providers(users[key]))}
        assert listed == ({"PWC", "FSR"} if key in COORDINATORS else set()), key
        staff = {u.subject for u, _ in db.session.execute(access.provider_staff(users[key], [fresh_start]))}
        assert staff == ({"freshstart-manager", "freshstart-caseworker", "freshstart-caseworker-2"}
                         if key in COORDINATORS else set()), key
    # A disabled account, and a membership that has ended, are no longer listed (no service does either yet).
    users["freshstart-caseworker-2"].active = False
    users["freshstart-caseworker"].membership.active = False
    staff = {u.subject for u, _ in db.session.execute(access.provider_staff(users["coordinator"], [fresh_start]))}
    assert staff == {"freshstart-manager"}


def test_provider_or_404_loads_only_what_visible_providers_lists(app, people):
    users, cases = people
    fresh_start = db.session.scalar(select(Organisation).where(Organisation.code == "FSR"))
    with app.test_request_context():
        login_user(users["coordinator"])
        assert access.provider_or_404(fresh_start.public_id) is fresh_start
        with pytest.raises(NotFound):
            access.provider_or_404(cases["own"].force.public_id)  # a police force is no provider
        login_user(users["officer-north"])
        with pytest.raises(NotFound):
            access.provider_or_404(fresh_start.public_id)


def _changed(user, role, organisation, team=None):
    """`user` (same person, same id) after a change of membership the demo does not hold. Never stored."""
    membership = SimpleNamespace(role=role, organisation_id=organisation.id, team_id=getattr(team, "id", None))
    return SimpleNamespace(is_authenticated=True, id=user.id, role=role, membership=membership)


def test_changed_and_incomplete_memberships(people):
    users, cases = people
    ali = cases["north_other"]
    northshire = ali.force
    assert ali.officer_id == users["officer-north"].id
    # An officer whose membership names no team: no cases (not the whole force), and none to open.
    teamless = _changed(users["officer-south"], Role.OFFICER, northshire)
    assert _names(access.visible_cases(teamless)) == set() and _names(access.caseload(teamless)) == set()
    assert db.session.scalars(access.visible_referrals(teamless)).all() == []
    assert not access.can_open_case(teamless) and not access.can_view_case(teamless, ali)
    # A supervisor in no team: no decisions to approve.
    teamless_supervisor = _changed(users["supervisor"], Role.SUPERVISOR, northshire)
    assert not access.can_approve_any(teamless_supervisor)
    assert db.session.scalars(access.visible_approvals(teamless_supervisor)).all() == []
    # The officer who opened Ali's case, now the force's coordinator: still sees it, no longer works on it.
    promoted = _changed(users["officer-north"], Role.COORDINATOR, northshire)
    assert access.can_view_case(promoted, ali) and not access.may_work_on_case(promoted, ali)
    # ... or now a caseworker at a provider: no longer sees it.
    moved = _changed(users["officer-north"], Role.CASEWORKER, users["freshstart-manager"].membership.organisation)
    assert not access.can_view_case(moved, ali) and not access.may_work_on_case(moved, ali)
    # A coordinator whose membership names a team still works in none.
    in_team = _changed(users["coordinator"], Role.COORDINATOR, northshire, ali.team)
    assert _names(access.visible_cases(in_team)) == _names(access.visible_cases(users["coordinator"]))
    assert not access.can_open_case(in_team) and not access.may_work_on_case(in_team, ali)
    assert not access.can_approve_any(in_team)
    # Fresh Start's caseworker, now at Pathways: the referral and session still in their name are no longer theirs.
    caseworker = users["freshstart-caseworker"]
    referral = db.session.scalars(access.visible_referrals(caseworker)).one()
    assert access.can_work_on_referral(caseworker, referral)
    assert db.session.scalars(access.visible_group_sessions(caseworker)).all()
    moved_on = _changed(caseworker, Role.CASEWORKER, users["pathways-manager"].membership.organisation)
    assert db.session.scalars(access.visible_referrals(moved_on)).all() == []
    assert db.session.scalars(access.visible_group_sessions(moved_on)).all() == []
    # ... or still at Fresh Start, in a role that is not a provider's: works on nothing there.
    other_role = _changed(caseworker, Role.SCRUTINY, referral.provider)
    assert not access.can_work_on_referral(other_role, referral)


def test_a_disabled_account_has_no_role(people):
    users, cases = people
    officer = users["officer-north"]
    officer.active = False  # what disabling an account sets; its sessions end at their next request
    assert access.role(officer) is None
    assert not access.can_view_case(officer, cases["own"]) and not access.can_open_case(officer)
    officer.active = True


def test_visible_approvals(people, objects):
    """Pending decisions for the supervisor of the case's team; once decided, for nobody."""
    users, _ = people
    approval = db.session.scalar(select(Approval).where(Approval.public_id == uuid.UUID(objects["approval"])))
    for key in ROLES:
        pending = set(db.session.scalars(access.visible_approvals(users[key])))
        assert pending == ({approval} if key == "supervisor-south" else set()), key
    case_services.decide_approval(approval, approve=True, comment=None, by=users["supervisor-south"])
    assert db.session.scalars(access.visible_approvals(users["supervisor-south"])).all() == []


def test_loaders_refuse_a_need_they_do_not_know(app, people, objects):
    users, cases = people
    with app.test_request_context():
        login_user(users["officer-north"])
        with pytest.raises(ValueError):
            access.case_or_404(cases["own"].public_id, need="change")
        with pytest.raises(ValueError):
            access.referral_or_404(objects["sent_referral"], need="change")


def test_staff_rules(people):
    users, _ = people
    assert _who(users, access.can_manage_staff) == set(STAFF_MANAGERS)
    assert _who(users, access.can_manage_providers) == set(COORDINATORS)
    orgs = {code: db.session.scalar(select(Organisation).where(Organisation.code == code))
            for code in ("NSP", "WSP", "PWC", "FSR", "NSSP")}
    police, provider = (Role.OFFICER, Role.SUPERVISOR, Role.COORDINATOR), (Role.PROVIDER_MANAGER, Role.CASEWORKER)
    for key in ROLES:
        own = access.managed_organisation(users[key])
        assert (own.code if own else None) == {"coordinator": "NSP", "westshire-coordinator": "WSP",
                                               "pathways-manager": "PWC", "freshstart-manager": "FSR"}.get(key), key
        gives = {code: access.may_give(users[key], org) for code, org in orgs.items()}
        want = dict.fromkeys(orgs, ())
        if key in COORDINATORS:
            want |= {own.code: police, "PWC": (Role.PROVIDER_MANAGER,), "FSR": (Role.PROVIDER_MANAGER,)}
        elif own is not None:
            want[own.code] = provider
        assert gives == want, key
        listed = {u.subject for u, _ in db.session.execute(access.visible_staff(users[key]))}
        members = {p.key for p in demo.PERSONAS if own is not None and p.org == own.code}
        assert listed == members, key
        teams = {t.name for t in db.session.scalars(access.visible_teams(users[key]))}
        assert teams == ({demo.NORTH, demo.SOUTH} if key == "coordinator" else {demo.CENTRAL}
                         if key == "westshire-coordinator" else set()), key
    # Invitations: to one's own organisation; a coordinator also sees the providers' managers their force invited.
    pathways = staff.invite(organisation=orgs["PWC"], role=Role.PROVIDER_MANAGER, email="m@example.org",
                            by=users["coordinator"])[0]
    caseworker = staff.invite(organisation=orgs["PWC"], role=Role.CASEWORKER, email="c@example.org",
                              by=users["pathways-manager"])[0]
    northshire = {i.email for i in db.session.scalars(select(StaffInvitation).where(
        StaffInvitation.organisation_id == orgs["NSP"].id))}
    for key in ROLES:
        seen = {i.email for i in db.session.scalars(access.visible_invitations(users[key]))}
        want = {"coordinator": northshire | {pathways.email}, "pathways-manager": {pathways.email, caseworker.email},
                "freshstart-manager": {"third@example.org"}}.get(key, set())
        assert seen == want, key

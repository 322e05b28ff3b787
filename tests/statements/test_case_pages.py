"""The police pages of one case, and the supervisor's approvals: the same statements for a small case and for a
large one (many offences, victims, conditions, decisions, referrals and appointments, and 200 timeline events)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, demo
from app.cases import conditions
from app.cases import services as cases
from app.compliance.models import FlagKind
from app.compliance.services import raise_flag
from app.extensions import db
from app.referrals import services as referrals
from app.timeline.models import TimelineEvent
from tests import factories
from tests.statements.conftest import PARTIAL, assert_bounded, empty, form_token, measure, module_data

RESTRICTIONS = [{"type": "restrictive", "subtype": subtype, "details": f"Restriction {i}"}
                for i, subtype in enumerate(["no_contact", "not_enter", "activity", "conduct"] * 2)]
LARGE_CONDITIONS = (factories.REHABILITATIVE, factories.RESTRICTIVE, *RESTRICTIONS,
                    factories.REHABILITATIVE | {"details": "Victim awareness session", "hours": 2})
MORE_OFFENCES = ("TH02", "TH03", "TH04", "TH05", "TH06", "TH07", "TH08", "TH09", "TH10")
TIMELINE = 200  # events on the large cases


def _events(case) -> int:
    return db.session.scalar(select(func.count(TimelineEvent.id)).where(TimelineEvent.case_id == case.id))


def _large_ready(officer, **names):
    """A ready case with ten offences, five victims (each with views), eight conditions, three screenings, three
    needs assessments and 200 timeline events."""
    case = factories.ready(officer, conditions=LARGE_CONDITIONS, **names)
    today = clock.today()
    for code in MORE_OFFENCES:
        cases.add_offence(case, code=code, committed_on=today - timedelta(days=4), location="High Street", by=officer)
    for i in range(4):
        link = cases.add_new_victim(case, {"given_name": f"Vic{i}", "family_name": "Tim", "preferred_channel": "post"},
                                    enhanced_rights=i == 0, updates_opted_in=i % 2 == 0, update_channel="post",
                                    by=officer)
        cases.record_victim_view(case, link, {"attempts": [{"on": today.isoformat(), "method": "phone", "note": None}],
                                              "could_not_contact": False, "views": "No views",
                                              "remedy_requested": None, "remedy_declined_reason": None,
                                              "taken_into_account": "Noted"}, by=officer)
    conditions.confirm_conditions(case, by=officer)  # the victims' views came after the conditions were set
    for _ in range(2):
        demo.screen(case, officer=officer)
        demo.assess_needs(case, officer=officer, alcohol="high")
    return factories.busy(case, TIMELINE - _events(case), officer)


def _approval(officer, team_name):
    case = factories.ready(officer, team_name=team_name, victim=False, conditions=(factories.REHABILITATIVE,))
    demo.screen(case, officer=officer, exceptional_rationale="First contact with the police in ten years")
    return case


def _ids(ready=None, issued=None, refer=None, refer_to: str | None = None) -> dict:
    found = {}
    if ready is not None:
        found |= {"ready": str(ready.public_id), "victim": str(ready.victims[0].person.public_id),
                  "condition": str(ready.conditions[0].public_id), "offence": str(ready.offences[0].public_id)}
    if issued is not None:
        found |= {"issued": str(issued.public_id), "issued_victim": str(issued.victims[0].person.public_id),
                  "issued_condition": str(issued.conditions[0].public_id),
                  "issued_flag": str(raise_flag(issued, FlagKind.DEADLINE_PASSED, f"deadline_passed:{issued.id}",
                                                "Deadline passed").public_id)}
    if refer is not None:
        found |= {"refer": str(refer.public_id), "refer_condition": str(refer.conditions[0].public_id),
                  "refer_service": str(factories.service(refer_to).public_id)}
    return found


def _small() -> dict:
    north = factories.user("officer-north")
    ready = factories.ready(north, given="Sam", family="Small")
    assert _events(ready) < 20
    issued = factories.issued(north, given="Sid", family="Small")
    factories.appointments(factories.accepted(issued), 3, first=factories.at(1))
    return {"small": _ids(ready, issued)}


def _large_before_issue() -> dict:
    ready = _large_ready(factories.user("officer-north"), given="Lara", family="Large")
    assert _events(ready) == TIMELINE
    return {"large": _ids(ready)}


def _large_issued() -> dict:
    north = factories.user("officer-north")
    issued = _large_ready(north, given="Liz", family="Large")
    demo.issue_case(issued, officer=north, signed_by=issued.offender.full_name)
    busy = factories.accepted(issued, service_name="Alcohol awareness course")
    factories.appointments(busy, 30, first=factories.at(1))
    for i in range(5):
        referrals.add_note(busy, f"Progress note {i}",
                           by=factories.user("freshstart-manager" if i % 2 else "freshstart-caseworker"))
    factories.referral(issued, condition=1)
    # Assigned to a caseworker who has done nothing on the case yet (so nothing else on the page loads them).
    factories.accepted(issued, condition=2, caseworker="freshstart-caseworker-2")
    declined = factories.referral(issued, condition=0, service_name="Women's wrap-around support")
    referrals.decline_referral(declined, "No places for this person", by=factories.user("pathways-manager"))
    assert _events(issued) > TIMELINE
    return {"large": _ids(issued=issued, refer=issued, refer_to="Drug awareness course")}


def _many_conditions() -> dict:
    """An issued caution with fourteen conditions, six of them referred to six services of two providers (each
    accepted by a different caseworker where it can be), with five appointments each, outcomes recorded today."""
    north = factories.user("officer-north")
    extra = tuple(factories.REHABILITATIVE | {"details": f"Course {i}", "hours": i + 1} for i in range(3))
    case = factories.issued(north, given="Mo", family="Many", conditions=LARGE_CONDITIONS + extra)
    workers = {"FSR": ("freshstart-caseworker", "freshstart-caseworker-2"),
               "PWC": ("pathways-caseworker", "pathways-caseworker-2")}
    for i in range(6):
        provider = "FSR" if i % 2 else "PWC"
        worker = factories.user(workers[provider][(i // 2) % 2])
        manager = factories.user("freshstart-manager" if provider == "FSR" else "pathways-manager")
        service = factories.new_service(f"Many conditions service {i}", provider=provider)
        sent = referrals.send_referral(case, case.conditions[i], service, by=north)
        referrals.accept_referral(sent, worker, by=manager)
        for j in range(5):  # ten minutes each, one after another from 00:05 today
            booked = referrals.book_appointment(sent, starts_at=factories.at(0, 0, 5) + timedelta(minutes=10 * (
                5 * i + j)), minutes=10, mode="in_person", place="Hall", by=worker)
            if j < 2:
                referrals.record_attendance(booked, code="did_not_attend" if j else "attended", note="Not there",
                                            version=booked.version, by=worker)
    return {"many": str(case.public_id)}


def _directory_and_approvals() -> dict:
    # The officer's directory to refer to: Westshire's one service, or Northshire's with twenty more.
    west = factories.issued(factories.user("westshire-officer"), team_name=demo.CENTRAL, victim=False,
                            conditions=(factories.REHABILITATIVE,))
    for i in range(20):
        factories.new_service(f"Extra service {i:02d}")
    # Decisions waiting: one for the north team's supervisor, fifteen for the south team's.
    _approval(factories.user("officer-north"), demo.NORTH)
    for _ in range(15):
        _approval(factories.user("officer-south"), demo.SOUTH)
    return {"small": _ids(refer=west, refer_to="Westshire alcohol service")}


@pytest.fixture(scope="module")
def world(app):
    yield module_data(app, _small, _large_before_issue, _large_issued, _many_conditions, _directory_and_approvals)
    empty(app)


# name, persona (or the small data's and the large data's), path, extra request arguments
PAGES = [
    ("case page", "officer-north", "/cases/{issued}", {}),
    ("case page, timeline partial", "officer-north", "/cases/{issued}", {"headers": PARTIAL}),
    ("case page before issue", "officer-north", "/cases/{ready}", {}),
    ("task list", "officer-north", "/cases/{ready}/tasks", {}),
    ("offender details", "officer-north", "/cases/{ready}/offender", {}),
    ("offences", "officer-north", "/cases/{ready}/offences", {}),
    ("offence search partial", "officer-north", "/cases/{ready}/offences?q=theft", {"headers": PARTIAL}),
    ("victims", "officer-north", "/cases/{ready}/victims", {}),
    ("victim's views", "officer-north", "/cases/{ready}/victims/{victim}/views", {}),
    ("screening", "officer-north", "/cases/{ready}/screening", {}),
    ("needs", "officer-north", "/cases/{ready}/needs", {}),
    ("conditions", "officer-north", "/cases/{ready}/conditions", {}),
    ("condition", "officer-north", "/cases/{ready}/conditions/{condition}", {}),
    ("issue", "officer-north", "/cases/{ready}/issue", {}),
    ("close the case", "officer-north", "/cases/{ready}/close", {}),
    ("remove an offence?", "officer-north", "/cases/{ready}/offences/{offence}/remove", {}),
    ("remove a victim?", "officer-north", "/cases/{ready}/victims/{victim}/remove", {}),
    ("remove a condition?", "officer-north", "/cases/{ready}/conditions/{condition}/remove", {}),
    ("remove a condition? (dialog)", "officer-north", "/cases/{ready}/conditions/{condition}/remove",
     {"headers": PARTIAL}),
    ("document to sign", "officer-north", "/cases/{ready}/document", {}),
    ("signed document", "officer-north", "/cases/{issued}/document", {}),
    ("contact details after issue", "officer-north", "/cases/{issued}/contact-details", {}),
    ("invitations to the portal", "officer-north", "/cases/{issued}/invitations", {}),
    ("contact correction after issue", "officer-north", "/cases/{issued}/contact-details/person", {}),
    ("victim contact correction after issue", "officer-north",
     "/cases/{issued}/contact-details/victims/{issued_victim}", {}),
    ("record whether a condition was done", "officer-north",
     "/cases/{issued}/conditions/{issued_condition}/result", {}),
    ("confirm completion", "officer-north", "/cases/{issued}/complete", {}),
    ("decide on a flag", "officer-north", "/cases/{issued}/flags/{issued_flag}/decide", {}),
    ("approvals", ("supervisor", "supervisor-south"), "/cases/approvals", {}),
    ("refer", ("westshire-officer", "officer-north"), "/referrals/new/{refer}", {}),
]


@pytest.mark.parametrize(("page", "persona", "path", "kw"), PAGES, ids=[p[0] for p in PAGES])
def test_case_pages(app, clients, world, page, persona, path, kw):
    small_as, large_as = persona if isinstance(persona, tuple) else (persona, persona)
    small = measure(app, clients[small_as], path.format(**world["small"]), page=page, size="small", **kw)
    large = measure(app, clients[large_as], path.format(**world["large"]), page=page, size="large", **kw)
    assert_bounded(page, small, large)
    # Each page writes its view audit row; the offence search results show only the catalogue.
    assert bool(large.audit) == (page != "offence search partial"), f"{page}: {large}"


def test_issued_case_page_with_many_conditions(app, clients, world):
    """The issued case page reads its conditions, their referrals and their appointments in the same statements
    for a caution with two conditions and one referral as for one with fourteen and six referrals."""
    officer = clients["officer-north"]
    small = measure(app, officer, f"/cases/{world['small']['issued']}", page="issued case page", size="small")
    many = measure(app, officer, f"/cases/{world['many']}", page="issued case page", size="14 conditions")
    assert_bounded("issued case page", small, many)
    with app.app_context():
        html = officer.get(f"/cases/{world['many']}").get_data(as_text=True)
    assert html.count("govuk-summary-card app-condition") == 14 and html.count('class="app-referral"') == 6
    # Each missed appointment is also a flag, on the police timeline as "Flag raised: ... (Did not attend)".
    assert html.count("Attended") == 6 and html.count("Did not attend") - html.count("(Did not attend)") == 6
    assert html.count("Flag raised: Missed appointment on") == 6


def _condition(details: str) -> dict:
    due = clock.today() + timedelta(weeks=8)
    return {"type": "restrictive", "subtype": "conduct", "details": details,
            "due_on": [str(due.day), str(due.month), str(due.year)]}


@pytest.mark.parametrize(("page", "values", "expect"), [
    ("conditions workspace after adding (htmx)", _condition("Keep the peace"), 200),
    ("condition form with errors (htmx)", _condition("") | {"type": "nonsense"}, 422),
])
def test_condition_fragments_after_post(app, clients, world, page, values, expect):
    officer = clients["officer-north"]
    token = form_token(app, officer, "/")
    seen = [measure(app, officer, f"/cases/{world[size]['ready']}/conditions", "POST", page=page, size=size,
                    expect=expect, headers=PARTIAL, data=values | {"csrf_token": token}) for size in ("small", "large")]
    assert_bounded(page, *seen)


def test_referral_check_page_after_post(app, clients, world):
    """The check-answers page: the dataset built and searched for every victim's details (five on the large case)
    in a number of statements that does not grow with the case."""
    seen = []
    for size, persona in (("small", "westshire-officer"), ("large", "officer-north")):
        ids, client = world[size], clients[persona]
        data = {"condition": ids["refer_condition"], "service": ids["refer_service"], "risks": "None known",
                "safeguarding": "", "csrf_token": form_token(app, client, "/")}
        seen.append(measure(app, client, f"/referrals/new/{ids['refer']}", "POST", page="referral check page",
                            size=size, data=data))
    assert_bounded("referral check page", *seen)

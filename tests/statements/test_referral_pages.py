"""The referral pages, the provider inbox and group sessions: the same statements for a small provider (Pathways:
a referral with 3 appointments, a group of 3) and a large one (Fresh Start: a referral with 30 appointments, some
moved, cancelled or recorded, progress notes by several people, a group of 30 and an inbox of 30 referrals)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.referrals import services as referrals
from tests import factories
from tests.statements.conftest import (
    FLAG_READS,
    FLAG_WRITES,
    PARTIAL,
    READS,
    WRITES,
    assert_bounded,
    empty,
    form_token,
    measure,
    module_data,
)

SMALL = {"provider": "PWC", "service": "Pathways group work", "manager": "pathways-manager",
         "caseworker": "pathways-caseworker", "group": 3}
LARGE = {"provider": "FSR", "service": "Fresh Start group work", "manager": "freshstart-manager",
         "caseworker": "freshstart-caseworker", "group": 30}


def _issued(given: str, **kw):
    return factories.issued(given=given, family="Referred", victim=False, conditions=(factories.REHABILITATIVE,),
                            **kw)


def _working(size: dict, case):
    return factories.accepted(case, service_name=size["service"], manager=size["manager"],
                              caseworker=size["caseworker"])


def _referral(size: dict, past: int, future: int) -> dict:
    """A referral accepted 20 days ago, with `past` appointments since (none recorded yet), two today (one for
    the pages, one to record attendance on) and `future` to come."""
    name, worker = f"Ref{size['provider']}", size["caseworker"]
    with factories.on_day(clock.today() - timedelta(days=20)):
        case = _issued(name)
        working = _working(size, case)
        booked = factories.appointments(working, past, first=factories.at(0, 14), by=worker)
    today = [factories.appointment(working, factories.at(0, 0, 5), minutes=30, by=worker),
             factories.appointment(working, factories.at(0, 2), minutes=30, by=worker)]
    coming = factories.appointments(working, future, first=factories.at(1, 9), by=worker)
    return {"case": case, "working": working, "past": booked, "today": today, "coming": coming}


def _provider(size: dict) -> dict:
    factories.new_service(size["service"], provider=size["provider"], category="womens_service")
    made = _referral(size, past=1 if size is SMALL else 8, future=0 if size is SMALL else 20)
    working, worker, manager = made["working"], factories.user(size["caseworker"]), factories.user(size["manager"])
    if size is LARGE:  # some recorded, moved and cancelled; notes by the manager and the caseworker
        for i, appointment in enumerate(made["past"][:4]):
            referrals.record_attendance(appointment, code="attended", note=None, version=appointment.version,
                                        by=manager if i % 2 else worker)
        for appointment in made["past"][:2]:  # corrected: a history of outcomes, a correction on the timeline
            referrals.record_attendance(appointment, code="late_admitted", note="Ten minutes late",
                                        version=appointment.version, by=worker)
        for appointment in made["coming"][:3]:
            referrals.reschedule(appointment, starts_at=appointment.starts_at + timedelta(days=30), minutes=60,
                                 requested_by="person", reason="Work shift", version=appointment.version, by=worker)
        for appointment in made["coming"][3:5]:
            referrals.cancel(appointment, party="provider", reason="Staff illness", version=appointment.version,
                             by=worker)
        for i in range(6):
            referrals.add_note(working, f"Progress note {i}", by=manager if i % 2 else worker)
    else:
        referrals.add_note(working, "Came to the first session", by=worker)
    sent = factories.referral(_issued(f"New{size['provider']}"), service_name=size["service"])
    return {"referral": str(working.public_id), "sent": str(sent.public_id),
            "appointment": str(made["today"][0].public_id), "to_record": str(made["today"][1].public_id)}


def _group(size: dict) -> dict:
    """A group session this evening for `size["group"]` people referred to the provider (so the inbox lists
    them among today's sessions)."""
    people = [_working(size, _issued(f"Grp{size['provider']}{i:02d}")) for i in range(size["group"])]
    session = referrals.create_group_session(
        provider_id=people[0].provider_id, title="Workshop", starts_at=factories.at(0, 18), minutes=90,
        mode="in_person", place="Hall", referrals=people, by=factories.user(size["caseworker"]))
    return {"group": str(session.public_id)}


def _step(size: dict, make):
    return lambda: {"small" if size is SMALL else "large": make(size)}


@pytest.fixture(scope="module")
def world(app):
    yield module_data(app, *(_step(size, make) for size in (SMALL, LARGE) for make in (_provider, _group)))
    empty(app)


# name, who (a key of SMALL and LARGE, or one persona for both), path, extra request arguments
PAGES = [
    ("provider inbox (manager)", "manager", "/", {}),
    ("provider inbox (caseworker)", "caseworker", "/", {}),
    ("referral (police)", "officer-north", "/referrals/{referral}", {}),
    ("referral (manager)", "manager", "/referrals/{referral}", {}),
    ("referral (caseworker)", "caseworker", "/referrals/{referral}", {}),
    ("accept or decline", "manager", "/referrals/{sent}/decide", {}),
    ("progress note", "caseworker", "/referrals/{referral}/notes", {}),
    ("end of service", "caseworker", "/referrals/{referral}/end", {}),
    ("book an appointment", "caseworker", "/referrals/{referral}/appointments", {}),
    ("attendance", "caseworker", "/referrals/appointments/{appointment}/attendance", {}),
    ("attendance row partial", "caseworker", "/referrals/appointments/{appointment}/attendance",
     {"headers": PARTIAL}),
    ("move an appointment", "caseworker", "/referrals/appointments/{appointment}/reschedule", {}),
    ("cancel an appointment", "caseworker", "/referrals/appointments/{appointment}/cancel", {}),
    ("group session", "caseworker", "/referrals/groups/{group}", {}),
    ("new group session", "caseworker", "/referrals/groups/new", {}),
]


def _persona(who: str, size: dict) -> str:
    return size.get(who, who)


@pytest.mark.parametrize(("page", "who", "path", "kw"), PAGES, ids=[p[0] for p in PAGES])
def test_referral_pages(app, clients, world, page, who, path, kw):
    seen = [measure(app, clients[_persona(who, size)], path.format(**world[name]), page=page, size=name, **kw)
            for name, size in (("small", SMALL), ("large", LARGE))]
    assert_bounded(page, *seen)
    assert seen[1].audit, f"{page} wrote no view audit row"  # each of these pages shows the people referred


def test_attendance_row_fragment_after_post(app, clients, world):
    page, seen = "attendance row fragment after saving (htmx)", []
    for name, size in (("small", SMALL), ("large", LARGE)):
        worker = clients[size["caseworker"]]
        appointment = world[name]["to_record"]
        prefix = f"a{appointment.replace('-', '')[:12]}"
        data = {"csrf_token": form_token(app, worker, "/"), f"{prefix}-outcome": "attended", f"{prefix}-note": "",
                f"{prefix}-version": "1"}
        seen.append(measure(app, worker, f"/referrals/appointments/{appointment}/attendance", "POST", page=page,
                            size=name, headers=PARTIAL, data=data))
    assert_bounded(page, *seen)
    # On the referral page the fragment also carries the timeline (out of band): here, with a correction.
    page, seen = "attendance row fragment and timeline after a correction (htmx)", []
    for name, size in (("small", SMALL), ("large", LARGE)):
        worker = clients[size["caseworker"]]
        appointment = world[name]["to_record"]
        prefix = f"a{appointment.replace('-', '')[:12]}"
        data = {"csrf_token": form_token(app, worker, "/"), f"{prefix}-outcome": "did_not_attend",
                f"{prefix}-note": "Left before it started", f"{prefix}-version": "2"}
        seen.append(measure(app, worker, f"/referrals/appointments/{appointment}/attendance?timeline=1", "POST",
                            page=page, size=name, headers=PARTIAL, data=data))
    # "Did not attend" raises a flag for the officer: the flag, its timeline event, the message and the decision
    # fact are written too.
    assert_bounded(page, *seen, writes=WRITES + FLAG_WRITES, reads=READS + FLAG_READS)

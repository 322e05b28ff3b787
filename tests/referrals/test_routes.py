"""The referral journey through the routes, per role: the officer refers, the manager accepts, the caseworker
books and records attendance inline (htmx fragments and the no-JavaScript form), conflicts, the group form, the
end-of-service report, and the police side. Every client signed in through the development identity provider."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.referrals.models import Appointment, Referral, ReferralStatus
from tests.cases.test_workflow_routes import Officer, _d, _summary
from tests.referrals.conftest import load_world

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}


def _ids(app):
    with app.app_context():
        w = load_world()
        ids = {"case": str(w.case.public_id), "sent": str(w.sent.public_id),
               "drugs": str(w.services["Drug awareness course"].public_id),
               "alcohol": str(w.services["Alcohol awareness course"].public_id),
               "conditions": [str(c.public_id) for c in w.case.conditions],
               "caseworker": str(w.users["freshstart-caseworker"].public_id)}
        db.session.remove()
    return ids


def _referral(app, public_id) -> Referral:
    with app.app_context():
        found = db.session.scalar(select(Referral).where(Referral.public_id == uuid.UUID(public_id)))
        db.session.expunge_all()
        return found


def _appointments(app, referral_id) -> list[Appointment]:
    with app.app_context():
        rows = db.session.scalars(select(Appointment).join(Referral).where(
            Referral.public_id == uuid.UUID(referral_id)).order_by(Appointment.starts_at)).all()
        db.session.expunge_all()
        return list(rows)


@pytest.fixture
def ids(app, demo_data):
    return _ids(app)


def accept(manager, referral_id, caseworker):
    manager.post(f"/referrals/{referral_id}/decide", {"decision": "accept", "caseworker": caseworker})


def book(worker, referral_id, days=0, at="00:05", minutes="60", expect=303):
    day = clock.today() + timedelta(days=days)
    return worker.post(f"/referrals/{referral_id}/appointments", {"on": _d(day), "at": at, "minutes": minutes,
                                                                  "mode": "in_person", "place": "Fresh Start"},
                       expect=expect)


def _prefix(appointment) -> str:
    return f"a{appointment.public_id.hex[:12]}"


def record(worker, appointment, outcome, note="", version=None, expect=303, **kw):
    p = _prefix(appointment)
    return worker.post(f"/referrals/appointments/{appointment.public_id}/attendance",
                       {f"{p}-outcome": outcome, f"{p}-note": note,
                        f"{p}-version": str(version if version is not None else appointment.version)},
                       expect=expect, **kw)


# --- the journey ------------------------------------------------------------------------------------------------


def test_refer_accept_book_record_and_the_officer_sees_the_missed_appointment(app, login_as, ids):
    officer = Officer(login_as("officer-north"))
    page = officer.get(f"/referrals/new/{ids['case']}").get_data(as_text=True)
    assert "Drug awareness course" in page and "Suggested" in page  # alcohol course: suggested by the needs
    answers = {"condition": ids["conditions"][1], "service": ids["drugs"], "risks": "None known", "safeguarding": ""}
    check = officer.post(f"/referrals/new/{ids['case']}", answers, expect=200).get_data(as_text=True)
    assert "Check the referral before sending it" in check and "None known" in check
    checked = re.search(r'name="checked" value="([0-9a-f]+)"', check).group(1)
    r = officer.post(f"/referrals/new/{ids['case']}/send", answers | {"checked": checked, "submit": "y"})
    assert r.headers["Location"].endswith(f"/cases/{ids['case']}")
    with app.app_context():
        new_id = str(db.session.scalar(select(Referral.public_id).where(Referral.status == ReferralStatus.SENT,
                                                                        Referral.public_id != uuid.UUID(
                                                                            ids["sent"]))))
    # The manager sees it first thing, and accepts with a caseworker.
    manager = Officer(login_as("freshstart-manager"))
    home = manager.get("/").get_data(as_text=True)
    assert "New referrals (2)" in home and "Jordan Smith" in home
    accept(manager, new_id, ids["caseworker"])
    assert _referral(app, new_id).status is ReferralStatus.ACCEPTED
    # The caseworker books a 1:1 and a later one, and records outcomes inline.
    worker = Officer(login_as("freshstart-caseworker"))
    book(worker, new_id)
    book(worker, new_id, days=7, at="2:30pm")
    first, later = _appointments(app, new_id)
    assert later.starts_at.astimezone(clock.LONDON).hour == 14
    home = worker.get("/").get_data(as_text=True)
    assert "Sessions today (1)" in home and f'id="appt-{first.public_id.hex[:12]}"' in home
    # Did not attend without a note: 422 fragment, the row with its error, input kept.
    bad = record(worker, first, "did_not_attend", expect=422, headers=PARTIAL)
    fragment = bad.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="app-appointment') and "<html" not in fragment
    assert "Write a note" in fragment and 'value="did_not_attend" selected' in fragment
    good = record(worker, first, "did_not_attend", note="No answer on the phone", expect=200, headers=PARTIAL)
    assert "Saved: Did not attend" in good.get_data(as_text=True)
    # The officer's "needs attention" filter now has the case, at once.
    listing = officer.get("/?attention=1").get_data(as_text=True)
    with app.app_context():
        reference = load_world().case.reference
    assert reference in listing
    case_page = officer.get(f"/cases/{ids['case']}").get_data(as_text=True)
    assert "Did not attend" in case_page and "Drug awareness course" in case_page


def test_attendance_without_javascript_posts_and_redirects(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    worker = Officer(login_as("freshstart-caseworker"))
    book(worker, ids["sent"])
    (a,) = _appointments(app, ids["sent"])
    r = record(worker, a, "attended")
    assert r.headers["Location"].endswith(f"/referrals/{ids['sent']}")
    # From the home page the redirect goes back there.
    (a,) = _appointments(app, ids["sent"])
    p = _prefix(a)
    r = worker.post(f"/referrals/appointments/{a.public_id}/attendance?next=home",
                    {f"{p}-outcome": "late_admitted", f"{p}-note": "Ten minutes late", f"{p}-version": a.version})
    assert r.headers["Location"].endswith("/")
    # Bad input without JavaScript: the full page, the error summary, the input kept.
    (a,) = _appointments(app, ids["sent"])
    html = _summary(record(worker, a, "excused", expect=422))
    assert "Write a note" in html and "<html" in html


def test_a_second_writer_gets_a_conflict_with_the_current_value(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    worker = Officer(login_as("freshstart-caseworker"))
    book(worker, ids["sent"])
    (seen,) = _appointments(app, ids["sent"])  # both load the same version
    record(worker, seen, "attended")
    r = record(manager, seen, "did_not_attend", note="Not here", expect=409, headers=PARTIAL)
    html = r.get_data(as_text=True)
    assert "Someone else recorded this appointment at the same time" in html
    assert "Recorded now: <strong>Attended</strong> by Hannah Price" in html
    (now,) = _appointments(app, ids["sent"])
    assert now.outcome == "attended"
    # Without JavaScript: the full conflict page, also 409; the fresh form carries the new version.
    page = record(manager, seen, "did_not_attend", note="Not here", expect=409).get_data(as_text=True)
    assert "<html" in page and f'value="{now.version}"' in page
    record(manager, now, "did_not_attend", note="Not here")  # at the current version it saves


def test_decline_prompts_the_officer_to_refer_elsewhere(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    html = _summary(manager.post(f"/referrals/{ids['sent']}/decide", {"decision": "decline"}, expect=422))
    assert "Say why you are declining" in html
    manager.post(f"/referrals/{ids['sent']}/decide", {"decision": "decline", "reason": "Course full until May"})
    officer = Officer(login_as("officer-north"))
    page = officer.get(f"/cases/{ids['case']}").get_data(as_text=True)
    assert "Course full until May" in page and "Refer the person to another service" in page
    assert "declined a referral" in officer.get(f"/referrals/new/{ids['case']}").get_data(as_text=True)


def test_group_session_and_its_attendance_form(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    worker = Officer(login_as("freshstart-caseworker"))
    html = _summary(worker.post("/referrals/groups/new", {"title": "Workshop", "on": _d(clock.today()),
                                                          "at": "25:00", "minutes": "300", "mode": "in_person"},
                                expect=422))
    assert "must be a time like" in html and "Choose at least one person" in html and 'value="Workshop"' in html
    r = worker.post("/referrals/groups/new", {"title": "Workshop", "on": _d(clock.today()), "at": "00:05",
                                              "minutes": "300", "mode": "in_person", "place": "Hall",
                                              "participants": [ids["sent"]]})
    group_url = r.headers["Location"]
    (a,) = _appointments(app, ids["sent"])
    k = a.public_id.hex[:12]
    html = _summary(worker.post(group_url, {f"outcome_{k}": "late_refused", f"note_{k}": "",
                                            f"version_{k}": a.version}, expect=422))
    assert "Write a note" in html
    worker.post(group_url, {f"outcome_{k}": "late_refused", f"note_{k}": "Arrived 10:40",
                            f"version_{k}": a.version})
    (a,) = _appointments(app, ids["sent"])
    assert a.outcome == "late_refused"
    # Pathways' staff cannot open Fresh Start's session.
    assert login_as("pathways-manager").get(group_url.split("localhost")[-1]).status_code == 404


def test_notes_and_end_of_service_report(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    worker = Officer(login_as("freshstart-caseworker"))
    _summary(worker.post(f"/referrals/{ids['sent']}/notes", {"text": " "}, expect=422))
    worker.post(f"/referrals/{ids['sent']}/notes", {"text": "Engaging well."})
    html = _summary(worker.post(f"/referrals/{ids['sent']}/end", {"outcome": "ended_early", "summary": "Stopped"},
                                expect=422))
    assert "Say why the service ended early" in html and "Stopped" in html
    worker.post(f"/referrals/{ids['sent']}/end", {"outcome": "completed", "summary": "Attended all sessions"})
    officer = Officer(login_as("officer-north"))
    page = officer.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    assert "Engaging well." in page and "Attended all sessions" in page and "officer reviews" in page
    # Finished: nothing more can be recorded (409 in words).
    assert worker.get(f"/referrals/{ids['sent']}/notes").status_code == 409


def test_reschedule_and_cancel_through_the_routes(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    worker = Officer(login_as("freshstart-caseworker"))
    book(worker, ids["sent"], days=1, at="10:00")
    book(worker, ids["sent"], days=2, at="10:00")
    a, b = _appointments(app, ids["sent"])
    html = _summary(worker.post(f"/referrals/appointments/{a.public_id}/reschedule", {
        "on": _d(clock.today() + timedelta(days=2)), "at": "10:30", "minutes": "60", "requested_by": "person",
        "reason": "Work", "version": a.version}, expect=422))
    assert "already has an appointment" in html
    worker.post(f"/referrals/appointments/{a.public_id}/reschedule", {
        "on": _d(clock.today() + timedelta(days=3)), "at": "9am", "minutes": "60", "requested_by": "person",
        "reason": "Shift at work", "version": a.version})
    worker.post(f"/referrals/appointments/{b.public_id}/cancel", {"party": "provider", "reason": "Staff sickness",
                                                                  "version": b.version})
    page = worker.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    assert "the person asked: Shift at work" in page and "cancelled by the provider (Staff sickness)" in page


# --- bad input and access ---------------------------------------------------------------------------------------


def test_crafted_requests_are_refused_never_a_500(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    worker = Officer(login_as("freshstart-caseworker"))
    book(worker, ids["sent"])
    (a,) = _appointments(app, ids["sent"])
    html = _summary(record(worker, a, "breach", expect=422))
    assert "Choose an attendance outcome" in html
    p = _prefix(a)
    html = _summary(worker.post(f"/referrals/appointments/{a.public_id}/attendance",
                                {f"{p}-outcome": "attended", f"{p}-version": "x", "status": "completed"},
                                expect=422))
    assert "does not ask for (status)" in html
    book(worker, ids["sent"], at="nonsense", expect=422)
    worker.post(f"/referrals/{ids['sent']}/appointments", {"on": ["1", "2"], "at": "10:00", "minutes": "-5",
                                                           "mode": "teleport"}, expect=422)
    officer = Officer(login_as("officer-north"))
    officer.post(f"/referrals/new/{ids['case']}", {"condition": str(uuid.uuid4()), "service": ids["drugs"]},
                 expect=422)
    # A tampered appointment id: not found.
    assert worker.client.post(f"/referrals/appointments/{uuid.uuid4()}/attendance",
                              data={"csrf_token": worker.token}).status_code == 404


def test_providers_see_only_the_referral_dataset(app, login_as, ids):
    manager = login_as("freshstart-manager")
    page = manager.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    assert "Jordan Smith" in page and "PC Amy Clarke" in page
    for secret in ("Kim", "Taylor", "Station Road", "white", "Male", "Wants the person to understand"):
        assert secret not in page, secret
    # Never the police view of the case.
    assert manager.get(f"/cases/{ids['case']}").status_code == 404
    # Another provider, and a caseworker it is not assigned to, see nothing of it.
    assert login_as("pathways-manager").get(f"/referrals/{ids['sent']}").status_code == 404
    assert login_as("freshstart-caseworker").get(f"/referrals/{ids['sent']}").status_code == 404
    home = login_as("pathways-manager").get("/").get_data(as_text=True)
    assert "Jordan Smith" not in home and "No new referrals" in home


def test_the_referral_timeline_per_party(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    accept(manager, ids["sent"], ids["caseworker"])
    page = manager.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    assert re.search(r"accepted the referral; caseworker Hannah Price", page)
    assert "Adult conditional caution given" not in page  # a case event, not the referral's

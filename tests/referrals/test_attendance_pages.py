"""Attendance through the pages, as a caseworker trips over it: a session held before it was entered, a changed
outcome and its note, corrections on the shared timeline, the timeline after an inline (htmx) save, and the
manager's home. Every client signed in through the development identity provider."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from tests.cases.test_workflow_routes import Officer, _d, _summary
from tests.referrals.test_routes import PARTIAL, _appointments, _ids, _prefix, accept, book, record

pytestmark = pytest.mark.calendar


@pytest.fixture
def ids(app, demo_data):
    return _ids(app)


@pytest.fixture
def worker(login_as, ids):
    accept(Officer(login_as("freshstart-manager")), ids["sent"], ids["caseworker"])
    return Officer(login_as("freshstart-caseworker"))


def _items(html: str) -> list[str]:
    """The timeline's entries, as text, newest first."""
    return [re.sub(r"<[^>]+>|\s+", " ", m).strip()
            for m in re.findall(r'<h3 class="moj-timeline__title">(.*?)</h3>', html, re.S)]


def test_a_past_session_within_the_limit_is_recorded_and_marked_entered_late(app, worker, ids):
    book(worker, ids["sent"], days=-3, at="10:00")
    (held,) = _appointments(app, ids["sent"])
    assert held.entered_late
    page = worker.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    assert "Entered late" in page
    assert any("entered late" in item for item in _items(page))
    # Its attendance can be recorded at once.
    record(worker, held, "attended")
    # Beyond the limit (config: LATE_ENTRY_DAYS, 14 by default): refused, saying how far back and the first date.
    earliest = clock.today() - timedelta(days=14)
    html = _summary(book(worker, ids["sent"], days=-15, at="10:00", expect=422))
    assert "A past session can be entered up to 14 days after it was held" in html
    assert f"{earliest.day} {earliest:%B %Y}" in html
    assert len(_appointments(app, ids["sent"])) == 1


def test_a_changed_outcome_needs_its_own_note_and_the_history_is_kept_and_shown(app, worker, ids):
    book(worker, ids["sent"])
    (a,) = _appointments(app, ids["sent"])
    record(worker, a, "late_admitted", note="Arrived 20 minutes late")
    # The form does not offer the old note again as the new outcome's note.
    (a,) = _appointments(app, ids["sent"])
    page = worker.get(f"/referrals/appointments/{a.public_id}/attendance").get_data(as_text=True)
    assert "Arrived 20 minutes late" in page  # shown as recorded ...
    assert 'value="Arrived 20 minutes late"' not in page  # ... but not filled in
    # The old note sent with a changed outcome is refused, naming both outcomes; nothing is saved.
    html = _summary(record(worker, a, "did_not_attend", note="Arrived 20 minutes late", expect=422))
    assert "Write a new note for “did not attend”: this note was written for “late, admitted”" in html
    (a,) = _appointments(app, ids["sent"])
    assert (a.outcome, a.outcome_note) == ("late_admitted", "Arrived 20 minutes late")
    # A changed outcome with no note needs one when the outcome does ...
    assert "Write a note" in _summary(record(worker, a, "did_not_attend", expect=422))
    record(worker, a, "did_not_attend", note="Not there: the session was at 10am")
    (a,) = _appointments(app, ids["sent"])
    assert (a.outcome, a.outcome_note) == ("did_not_attend", "Not there: the session was at 10am")
    # ... and one that needs none does not keep the old one.
    record(worker, a, "attended")
    (a,) = _appointments(app, ids["sent"])
    assert (a.outcome, a.outcome_note) == ("attended", None)
    # Every outcome is kept, each with its own note, who and when; the referral page shows them.
    page = worker.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    history = re.search(r"Outcome history:(.*?)</ol>", page, re.S).group(1)
    rows = [re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li>(.*?)</li>", history, re.S)]
    assert len(rows) == 3
    assert rows[0].startswith("Late, admitted (Arrived 20 minutes late): Hannah Price") and "(corrected)" in rows[0]
    assert rows[1].startswith("Did not attend (Not there: the session was at 10am): Hannah Price")
    assert rows[2].startswith("Attended: Hannah Price") and rows[2].endswith("(recorded now)")


def test_the_timeline_shows_a_correction_as_a_correction(app, login_as, worker, ids):
    book(worker, ids["sent"])
    (a,) = _appointments(app, ids["sent"])
    record(worker, a, "did_not_attend", note="No answer")
    (a,) = _appointments(app, ids["sent"])
    record(worker, a, "attended")
    officer = Officer(login_as("officer-north"))
    for who, url in ((worker, f"/referrals/{ids['sent']}"), (officer, f"/referrals/{ids['sent']}"),
                     (officer, f"/cases/{ids['case']}")):
        items = _items(who.get(url).get_data(as_text=True))
        corrections = [i for i in items if "Corrected: attended (was: did not attend)" in i]
        assert len(corrections) == 1, (url, items)
        assert not corrections[0].startswith("Corrected Corrected")  # the correction itself is not superseded
        # The entry it corrects stays, marked as corrected; no unmarked "Missed appointment" is left.
        # The officer's flag for the missed appointment is the police's own entry, never the provider's.
        assert all(i.startswith("Flag raised: ") is (who is officer) for i in items if "Flag raised" in i)
        missed = [i for i in items if "Missed appointment" in i and not i.startswith("Flag raised: ")]
        assert missed and all(i.startswith("Corrected ") for i in missed), (url, items)
        assert items.index(corrections[0]) < items.index(missed[0])  # newest first


def test_an_inline_save_on_the_referral_page_refreshes_its_timeline(app, worker, ids):
    book(worker, ids["sent"])
    (a,) = _appointments(app, ids["sent"])
    page = worker.get(f"/referrals/{ids['sent']}").get_data(as_text=True)
    action = f"/referrals/appointments/{a.public_id}/attendance?timeline=1"
    assert f'hx-post="{action}"' in page
    p = _prefix(a)
    r = worker.post(action, {f"{p}-outcome": "did_not_attend", f"{p}-note": "No answer",
                             f"{p}-version": str(a.version)}, expect=200, headers=PARTIAL)
    fragment = r.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div class="app-appointment') and "<html" not in fragment
    timeline = re.search(r'<div class="moj-timeline" id="timeline" hx-swap-oob="outerHTML">.*', fragment, re.S)
    assert timeline and "Missed appointment on" in timeline.group(0)
    assert f'hx-post="{action}"' in fragment  # the row sent back saves the same way next time
    # The home page has no timeline: its rows' saves do not send one.
    (a,) = _appointments(app, ids["sent"])
    r = record(worker, a, "attended", expect=200, headers=PARTIAL)
    assert 'id="timeline"' not in r.get_data(as_text=True)


def test_the_manager_home_counts_and_lists_agree(app, login_as, ids):
    manager = Officer(login_as("freshstart-manager"))
    home = manager.get("/").get_data(as_text=True)
    new = int(re.search(r"New referrals \((\d+)\)", home).group(1))
    assert new == 1 == home.count(">Accept or decline<span")
    opened = int(re.search(r"Open referrals \((\d+)\)", home).group(1))
    assert opened == 0
    assert "There are no referrals for you yet" not in home  # there is one, waiting for a decision
    assert "None accepted yet: accept or decline the new referrals above." in home
    # Once one is accepted, both lists change together.
    accept(manager, ids["sent"], ids["caseworker"])
    home = manager.get("/").get_data(as_text=True)
    assert "New referrals (0)" in home and home.count(">Accept or decline<span") == 0
    assert "Open referrals (1)" in home and "No new referrals." in home


def test_a_past_date_on_the_booking_form_is_not_refused_as_past(app, worker, ids):
    """The form itself once refused any earlier day: the limit is the only bound now."""
    day = clock.today() - timedelta(days=1)
    worker.post(f"/referrals/{ids['sent']}/appointments", {"on": _d(day), "at": "10:00", "minutes": "60",
                                                           "mode": "in_person", "place": ""})

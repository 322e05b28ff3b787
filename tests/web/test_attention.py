"""The police home: what needs attention comes first, each case with its reasons in words and a link to act, and
the case's row in the caseload carries a mark."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.jobs import scheduler
from app.notifications.timings import get as timings
from app.referrals import services as referrals
from app.web.filters import long_date
from tests import factories
from tests.referrals.conftest import load_world

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def _rows(html: str) -> dict[str, str]:
    """Each caseload row's text, by the case reference it starts with."""
    table = html[html.index('<table class="govuk-table'):]
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr class="govuk-table__row">\s*<td[^>]*><a[^>]*>'
                                                         r'([A-Z]+-\d+-\d+)</a>.*?</tr>', table, re.S)}


@pytest.fixture
def troubled(app, demo_data):
    """Jordan Smith's case: one appointment missed, one with no outcome a day later, found by the sweep once the
    hours allowed for it have passed. A second issued case whose only referral was declined. Returned with the
    days and links the page should show."""
    with app.app_context():
        w = load_world()
        referrals.accept_referral(w.sent, w.users["freshstart-caseworker"], by=w.users["freshstart-manager"])
        missed = factories.appointment(w.sent, w.at(days=1))
        silent = factories.appointment(w.sent, w.at(days=2, hour=14))
        other = factories.issued(given="Casey", family="Novak")
        declined = factories.referral(other)
        referrals.decline_referral(declined, "No places until spring", by=w.users["freshstart-manager"])
        allowed = timedelta(hours=timings().outcome_not_recorded_hours)
        later = silent.ends_at + allowed + timedelta(minutes=1)
        with clock.frozen(later):
            referrals.record_attendance(missed, code="did_not_attend", note="No answer", version=missed.version,
                                        by=w.users["freshstart-caseworker"])
        db.session.commit()
        with clock.frozen(silent.ends_at + allowed):  # the limit reached, not passed: no flag yet
            scheduler.run_once(app, "raise-flags")
        found = {"jordan": w.case.reference, "casey": other.reference, "later": later,
                 "missed_day": long_date(missed.starts_at.astimezone(clock.LONDON).date()),
                 "silent_day": long_date(silent.starts_at.astimezone(clock.LONDON).date()),
                 "referral": str(w.sent.public_id), "other": str(other.public_id),
                 "condition": str(declined.condition.public_id), "limit": silent.ends_at + allowed}
        db.session.commit()
        db.session.remove()
    return found


def swept(app, at):
    """The scheduler's sweep run at `at`: a minute after the limit, the appointment without an outcome is flagged."""
    with clock.frozen(at):
        scheduler.run_once(app, "raise-flags")


def test_the_officers_home_shows_what_needs_attention_first_with_reasons_and_links(app, troubled, login_as):
    swept(app, troubled["later"])
    with clock.frozen(troubled["later"]):
        html = login_as("officer-north").get("/").get_data(as_text=True)
    section = html[html.index('id="attention-heading"'):html.index("All cases")]
    assert html.index("Needs attention") < html.index("All cases") < html.index('<table class="govuk-table')
    assert (f'href="/referrals/{troubled["referral"]}">Missed appointment on {troubled["missed_day"]} '
            '(Did not attend)</a>') in section
    assert (f'href="/referrals/{troubled["referral"]}">No outcome recorded for the appointment on '
            f'{troubled["silent_day"]}</a>') in section
    declined = re.search(r'href="([^"]+)">Referral declined', section)
    assert declined and declined.group(1) == (f'/referrals/new/{troubled["other"]}'
                                              f'?condition={troubled["condition"]}')
    assert troubled["jordan"] in section and troubled["casey"] in section


def test_a_case_that_needs_attention_is_marked_in_the_caseload(app, troubled, login_as):
    swept(app, troubled["later"])
    with clock.frozen(troubled["later"]):
        html = login_as("officer-north").get("/").get_data(as_text=True)
    rows = _rows(html)
    assert "Needs attention" in rows[troubled["jordan"]] and "Needs attention" in rows[troubled["casey"]]
    assert any("Needs attention" not in row for ref, row in rows.items())  # drafts are not marked


def test_an_appointment_without_an_outcome_waits_for_the_hours_allowed(troubled, login_as):
    """The provider has the hours config/notifications.yaml allows after the session ends to record it."""
    with clock.frozen(troubled["limit"]):
        html = login_as("officer-north").get("/").get_data(as_text=True)
    assert "Missed appointment on" in html and "No outcome recorded" not in html


def test_the_indexed_search_finds_exactly_the_cases_the_rule_marks(app, demo_data, tmp_path, monkeypatch):
    """`attention_ids` (one index per reason, for lists) and `needs_attention` (row by row, for marks) are one rule:
    over cases with each reason (a waiting approval, a close deadline, a referral for prosecution, an open flag, a
    declined referral, a decision waiting for a supervisor, a penalty's open flag) and cases with none, in each
    scope, both find the same cases."""
    from sqlalchemy import select

    from app import access, demo
    from app.cases.attention import attention_ids, needs_attention
    from app.cases.models import Case
    from app.compliance import decisions
    from app.compliance.jobs import sweep
    from app.compliance.models import FlagKind
    from app.compliance.services import raise_flag
    from app.people.models import Person

    monkeypatch.setitem(app.extensions, "rule_packs", factories.commenced_packs(
        tmp_path, clock.today() - timedelta(days=400), maximum_pounds=100, days_to_pay=28))
    today, soon = clock.today(), 14
    with app.app_context():
        officer = factories.user("officer-north")
        factories.ready(officer, given="Quiet", family="Ready")  # nothing needs attention
        with factories.on_day(today - timedelta(days=200)):
            factories.issued(officer, given="Long", family="Done", victim=False)  # deadline long past: due "soon"
        factories.issued(officer, given="Far", family="Off", victim=False)  # 16 weeks away: nothing
        with factories.on_day(today - timedelta(days=70)):  # its conditions due after 8 weeks: the sweep flags them
            factories.issued(officer, given="Has", family="Flag", victim=False)
        declined = factories.issued(officer, given="Was", family="Declined", victim=False)
        referrals.decline_referral(factories.referral(declined), "No places", by=factories.user("freshstart-manager"))
        waiting = factories.issued(officer, given="Is", family="Waiting", victim=False)
        flag = raise_flag(waiting, FlagKind.DEADLINE_PASSED, f"y:{waiting.id}", "Deadline passed")
        decisions.decide(waiting, flag, explanation="None", attempts=[], evidence="Note", reason="No excuse",
                         decision="refer_for_prosecution", by=officer)
        referred = factories.issued(officer, given="Was", family="Referred", victim=False)
        flag = raise_flag(referred, FlagKind.DEADLINE_PASSED, f"z:{referred.id}", "Deadline passed")
        made = decisions.decide(referred, flag, explanation="None", attempts=[], evidence="Note", reason="No excuse",
                                decision="refer_for_prosecution", by=officer)
        decisions.approve(made, approve=True, comment=None, by=factories.user("supervisor"))
        approval = factories.ready(officer, given="Needs", family="Approval", victim=False)
        demo.screen(approval, officer=officer, exceptional_rationale="First contact in ten years")  # waits
        with factories.on_day(today - timedelta(days=120)):
            unpaid = factories.issued(officer, given="Owes", family="Penalty", victim=False, regime="pcsc_2022",
                                      disposal="community_caution", conditions=(factories.REHABILITATIVE,))
            factories.penalised(unpaid, 50)
        sweep()
        db.session.commit()
        for persona in ("officer-north", "supervisor", "coordinator", "westshire-coordinator"):
            base = access.caseload(factories.user(persona))
            marked = set(db.session.scalars(base.with_only_columns(Case.offender_id).where(
                needs_attention(today, soon))))
            found = attention_ids(today, soon, base.whereclause)
            listed = set(db.session.scalars(select(Case.offender_id).where(Case.id.in_(select(found.c.id)))))
            assert listed == marked, persona
            names = {p.family_name for p in db.session.scalars(select(Person).where(Person.id.in_(marked)))}
            if persona != "westshire-coordinator":
                assert {"Done", "Flag", "Declined", "Waiting", "Referred", "Penalty", "Approval"} <= names, persona
                assert not {"Ready", "Off"} & names, persona
        db.session.remove()

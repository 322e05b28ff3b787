"""After issue: the case page shows each condition with its due date, status, referral, appointments and outcomes;
the conditions, person and victims pages lead there (or to the corrections form) instead of a dead end; contact
details can be corrected, audited and on the timeline, without changing what the person signed."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.cases.models import Case
from app.extensions import db
from app.people.models import Person
from app.referrals import services as referrals
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words
from tests import factories
from tests.cases.test_workflow_routes import Officer

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


@pytest.fixture
def noon(app):
    """The clock stopped at noon today (UK time), so appointments this morning have happened."""
    at = datetime.combine(clock.today(), time(12), tzinfo=clock.LONDON)
    with clock.frozen(at):
        yield at


@pytest.fixture
def issued(app, demo_data, noon) -> dict:
    """An issued caution with two conditions: the first referred and accepted, with an appointment attended and
    one missed; the second not referred."""
    with app.app_context():
        case = factories.issued(given="Ira", family="Issued")
        working = factories.accepted(case, condition=0)
        worker = factories.user("freshstart-caseworker")
        went, missed = (factories.appointment(working, datetime.combine(clock.today(), time(h), tzinfo=clock.LONDON))
                        for h in (9, 10))
        referrals.record_attendance(went, code="attended", note=None, version=went.version, by=worker)
        referrals.record_attendance(missed, code="did_not_attend", note="No word from him", version=missed.version,
                                    by=worker)
        ids = {"case": str(case.public_id), "victim": str(case.victims[0].person.public_id),
               "conditions": [str(c.public_id) for c in case.conditions], "sha256": case.document.sha256,
               "text": case.document.text}
        db.session.commit()
        db.session.remove()
    return ids


def _card(html: str, condition_id: str) -> str:
    start = html.index(f'id="condition-{condition_id}"')
    end = html.find('class="govuk-summary-card app-condition"', start)
    return html[start:end if end > 0 else len(html)]


def test_the_issued_case_page_lists_each_condition_with_status_referral_and_appointments(login_as, issued):
    officer = Officer(login_as("officer-north"))
    html = officer.get(f"/cases/{issued['case']}").get_data(as_text=True)
    first, second = (_card(html, c) for c in issued["conditions"])
    due = f"{clock.today() + timedelta(weeks=8):%-d %B %Y}"
    assert "Alcohol awareness course" in first and f"Complete by</dt><dd class=\"govuk-summary-list__value\">{due}" \
        in first
    assert "govuk-tag--blue" in first and "In progress" in first
    assert "Referral: Drug awareness course (Fresh Start Recovery)" in first
    assert "Referral status: <strong>In progress</strong>; caseworker Hannah Price" in first
    assert "9am: Attended" in first and "Did not attend</strong>" in first  # GOV.UK style: 9am, not 9:00am
    assert "Do not enter the Co-op" in second and "Not started" in second and "Not referred to a service." in second


@pytest.mark.parametrize(("page", "goes_to"), [
    ("conditions", "/cases/{case}#conditions"),
    ("conditions/{condition}", "/cases/{case}#conditions"),
    ("offender", "/cases/{case}/contact-details"),
    ("victims", "/cases/{case}/contact-details"),
])
def test_the_pages_of_an_issued_case_lead_on_instead_of_refusing(login_as, issued, page, goes_to):
    officer = Officer(login_as("officer-north"))
    names = {"case": issued["case"], "condition": issued["conditions"][0]}
    r = officer.get(f"/cases/{issued['case']}/{page.format(**names)}")
    assert r.status_code == 303 and r.headers["Location"].endswith(goes_to.format(**names))
    # What the person signed stays as signed: changing a condition is still refused.
    if page == "conditions":
        officer.post(r.headers["Location"].split("#")[0] + "/conditions", {"type": "restrictive"}, expect=409)


def test_a_new_phone_number_after_issue_is_audited_and_on_the_timeline_and_the_document_is_unchanged(
        app, login_as, issued):
    officer = Officer(login_as("officer-north"))
    url = f"/cases/{issued['case']}/contact-details"
    page = officer.get(url).get_data(as_text=True)
    assert "Ira Issued" in page and "Val Ng" in page
    form = officer.get(f"{url}/person").get_data(as_text=True)
    assert 'name="given_name"' not in form and 'name="date_of_birth' not in form  # the signed details
    r = officer.post(f"{url}/person", {"phone": "07700 900123", "email": "not an email", "address": "2 Low Road",
                                       "postcode": "NT2 2BB"}, expect=422)
    assert "Enter an email address in the correct format" in r.get_data(as_text=True)
    r = officer.post(f"{url}/person", {"phone": "07700 900123", "email": "", "address": "2 Low Road",
                                       "postcode": "NT2 2BB"})
    assert r.headers["Location"].endswith(url)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(issued["case"])))
        assert (case.offender.phone, case.offender.address) == ("07700 900123", "2 Low Road")
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.correct")).one()
        assert row.detail == {"fields": ["address", "phone", "postcode"], "case": issued["case"]}
        event = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                               TimelineEvent.kind == "contact_corrected")).one()
        assert "07700" not in str(event.detail) and event.detail["fields"] == ["address", "phone", "postcode"]
        assert words(event, Audience.POLICE) == "Contact details of the person cautioned corrected"
        assert words(event, Audience.OFFENDER) == "Your contact details were corrected"
        assert Audience(event.audiences) == Audience.POLICE | Audience.OFFENDER
        # What was signed is what was signed: the stored text and its hash, and the document page, are unchanged.
        assert (case.document.sha256, case.document.text) == (issued["sha256"], issued["text"])
        assert "1 High Street" in case.document.text
    document = officer.get(f"/cases/{issued['case']}/document").get_data(as_text=True)
    assert issued["sha256"] in document and "2 Low Road" not in document


def test_a_victims_contact_details_can_be_corrected_after_issue(app, login_as, issued):
    officer = Officer(login_as("officer-north"))
    url = f"/cases/{issued['case']}/contact-details/victims/{issued['victim']}"
    assert 'value="val@example.org"' in officer.get(url).get_data(as_text=True)
    officer.post(url, {"email": "val.ng@example.org", "phone": "", "address": "", "postcode": "",
                       "preferred_channel": "email"})
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.public_id == uuid.UUID(issued["victim"])))
        assert person.email == "val.ng@example.org"
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.correct")).one()
        assert row.detail["fields"] == ["email"] and row.object_id == issued["victim"]


def test_a_correction_is_refused_before_issue_and_to_other_teams(app, login_as, issued):
    with app.app_context():
        draft = str(factories.draft(given="Dee").public_id)
        db.session.commit()
    officer = Officer(login_as("officer-north"))
    assert officer.get(f"/cases/{draft}/contact-details").status_code == 409
    assert Officer(login_as("officer-south")).get(f"/cases/{issued['case']}/contact-details").status_code == 404


def test_the_document_has_signature_and_date_lines_and_a_print_button(app, login_as, issued):
    with app.app_context():
        ready = str(factories.ready(given="Rae").public_id)
        db.session.commit()
    officer = Officer(login_as("officer-north"))
    to_sign = officer.get(f"/cases/{ready}/document").get_data(as_text=True)
    lines = to_sign[to_sign.index('id="signatures"'):]
    assert "Signature of the person cautioned</dt><dd></dd>" in lines and lines.count("<dt>Date</dt><dd></dd>") == 2
    assert "Signature of the officer giving the caution</dt><dd></dd>" in lines
    assert 'data-app-print>Print this page</button>' in to_sign
    signed = officer.get(f"/cases/{issued['case']}/document").get_data(as_text=True)
    lines = signed[signed.index('id="signatures"'):]
    assert "Signed as “Ira Issued”" in lines and f"<dd>{clock.today():%-d %B %Y}</dd>" in lines
    assert f'<code class="app-hash">{issued["sha256"]}</code>' in signed


def test_the_correction_service_changes_contact_details_only_and_records_nothing_when_nothing_changed(
        app, issued):
    from app.cases.corrections import correct_contact_details

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(issued["case"])))
        officer = factories.user("officer-north")
        with pytest.raises(ValueError, match="not contact details"):
            correct_contact_details(case, case.offender, {"given_name": "Someone"}, by=officer)
        assert correct_contact_details(case, case.offender, {"phone": case.offender.phone}, by=officer) == []
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.correct")).all()
        db.session.rollback()

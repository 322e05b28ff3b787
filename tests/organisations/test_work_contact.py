"""Staff's work contact details: each member of staff records their own work phone and hours (their organisation's
coordinator or manager may record them too, nobody else); a phone that is not a UK number, or text too long, is a
422 that keeps what was typed; every change is audited without the values. The person cautioned's "Who to contact"
then shows the officer's and the caseworker's work phone (a tel: link), work email and hours, and says how else to
reach them when no work phone is recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.errors import RuleViolation
from app.extensions import db
from app.organisations.work_contact import phone_problem, set_work_contact
from app.referrals import services as referrals
from tests import factories
from tests.cases.test_workflow_routes import Officer, _summary
from tests.referrals.conftest import load_world

pytestmark = pytest.mark.calendar  # the person's page counts days to the deadline


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


@pytest.mark.parametrize("number", ["01632 960001", "01632960001", "020 7946 0000", "07700 900 982",
                                    "+44 7700 900982", "+44 (0)1632 960001", "0044 1632 960001", "0800 123 456",
                                    "0300-123-4567", "(01632) 960001"])
def test_uk_numbers_are_accepted(number):
    assert phone_problem(number) is None


@pytest.mark.parametrize("number", ["12345", "01632 9600", "01632 9600011 2", "+1 202 555 0100", "00 1632 960001",
                                    "+44 0 1632 960001", "phone me", "0" * 40, "07700 900 98x"])
def test_other_text_is_refused(number):
    assert phone_problem(number) is not None


def test_the_rule_and_its_audit(ctx, demo_data):
    officer = factories.user("officer-north")
    assert set_work_contact(officer, phone=" 01632  960001 ", hours="Monday to Friday, 9am to 5pm", by=officer)
    assert (officer.work_phone, officer.work_hours) == ("01632 960001", "Monday to Friday, 9am to 5pm")
    assert not set_work_contact(officer, phone="01632 960001", hours="Monday to Friday, 9am to 5pm", by=officer)
    with pytest.raises(RuleViolation) as refused:
        set_work_contact(officer, phone="12", hours="h" * 101, by=officer)
    assert {p.field for p in refused.value.by_field} == {"work_phone", "work_hours"}
    assert set_work_contact(officer, phone="", hours=" ", by=officer)  # cleared: none recorded
    assert officer.work_phone is None and officer.work_hours is None
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.work_contact",
                                                          AuditEvent.object_id == str(officer.public_id))).all()
    assert [sorted(a.detail["fields"]) for a in audited] == [["work_hours", "work_phone"]] * 2
    assert all(a.detail["own"] for a in audited) and "01632" not in str([a.detail for a in audited])


def test_own_page_bad_input_is_a_422_that_keeps_what_was_typed(app, login_as):
    with app.app_context():
        email = factories.user("freshstart-caseworker").email
    client = Officer(login_as("freshstart-caseworker"))
    assert "Your work contact details" in client.get("/").get_data(as_text=True)  # linked from their home page
    page = client.get("/account/work-contact").get_data(as_text=True)
    assert "Your work contact details" in page and "Never a personal phone number" in page
    assert email and email in page  # the account's work email, shown beside
    html = _summary(client.post("/account/work-contact", {"work_phone": "call me", "work_hours": "h" * 101},
                                expect=422))
    assert "Enter a UK phone number" in html and "Working hours (optional) must be 100 characters or fewer" in html
    assert 'value="call me"' in html and f'value="{"h" * 101}"' in html
    saved = client.post("/account/work-contact", {"work_phone": "01632 960002", "work_hours": "Tuesdays, 10am to 4pm"})
    assert saved.headers["Location"].endswith("/account/work-contact?saved=1")
    again = client.get("/account/work-contact?saved=1").get_data(as_text=True)
    assert "Work contact details saved" in again and 'value="01632 960002"' in again
    with app.app_context():
        worker = factories.user("freshstart-caseworker")
        assert (worker.work_phone, worker.work_hours) == ("01632 960002", "Tuesdays, 10am to 4pm")


def test_only_their_own_or_their_managers(app, login_as):
    with app.app_context():
        caseworker = str(factories.user("freshstart-caseworker").public_id)
        officer = str(factories.user("officer-south").public_id)
    # Another caseworker, another provider's manager, an officer: no such page.
    for who in ("freshstart-caseworker-2", "pathways-manager", "officer-north"):
        client = Officer(login_as(who))
        assert client.get(f"/staff/{caseworker}/work-contact").status_code == 404
        client.post(f"/staff/{caseworker}/work-contact", {"work_phone": "01632 960003"}, expect=404)
    Officer(login_as("offender")).post("/account/work-contact", {"work_phone": "01632 960003"}, expect=404)
    # The caseworker's own manager may, and so may the officer's coordinator; another force's may not.
    manager = Officer(login_as("freshstart-manager"))
    _summary(manager.post(f"/staff/{caseworker}/work-contact", {"work_phone": "0"}, expect=422))
    r = manager.post(f"/staff/{caseworker}/work-contact", {"work_phone": "01632 960004", "work_hours": ""})
    assert r.headers["Location"].endswith(f"/staff/{caseworker}/work-contact?saved=1")
    assert "01632 960004" in manager.get(f"/staff/{caseworker}").get_data(as_text=True)
    Officer(login_as("coordinator")).post(f"/staff/{officer}/work-contact", {"work_phone": "01632 960005"})
    assert login_as("westshire-coordinator").get(f"/staff/{officer}/work-contact").status_code == 404
    with app.app_context():
        assert factories.user("freshstart-caseworker").work_phone == "01632 960004"
        assert factories.user("officer-south").work_phone == "01632 960005"
        assert db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "staff.work_contact", AuditEvent.object_id == caseworker)) == {
            "fields": ["work_phone"], "own": False}


def _case_with_caseworker(app, *, phone: bool):
    """The demo's case (Jordan Smith), referred and accepted by Hannah Price; the officer's and (if `phone`) the
    caseworker's work details recorded."""
    with app.app_context():
        w = load_world()
        officer, cw = w.case.officer, w.users["freshstart-caseworker"]
        set_work_contact(officer, phone="01632 960010", hours="Monday to Friday, 8am to 4pm", by=officer)
        if phone:
            set_work_contact(cw, phone="07700 900010", hours="Weekdays, 9am to 5pm", by=cw)
        referrals.accept_referral(w.sent, cw, by=w.users["freshstart-manager"])
        found = {"case": str(w.case.public_id), "officer": officer.display_name, "officer_email": officer.email,
                 "caseworker": cw.display_name, "caseworker_email": cw.email}
        db.session.commit()
    return found


def test_the_person_sees_the_officers_and_caseworkers_work_contact(app, login_as):
    found = _case_with_caseworker(app, phone=True)
    html = login_as("offender").get(f"/my/cases/{found['case']}").get_data(as_text=True)
    contact = html.split('id="contact"', 1)[1]
    words = _text(contact)
    assert 'href="tel:+441632960010"' in contact and 'href="tel:+447700900010"' in contact
    assert f'href="mailto:{found["officer_email"]}"' in contact
    assert f'href="mailto:{found["caseworker_email"]}"' in contact
    assert "When they work: Monday to Friday, 8am to 4pm" in words and "When they work: Weekdays, 9am to 5pm" in words
    assert found["officer"] in words and found["caseworker"] in words
    assert "There is no work phone number" not in words


def test_with_no_work_phone_the_page_says_how_else_to_reach_them(app, login_as):
    found = _case_with_caseworker(app, phone=False)
    with app.app_context():
        w = load_world()
        set_work_contact(w.case.officer, phone="", hours="", by=w.case.officer)
        service = factories.change_service(w.sent.service, contact_phone="0800 123 4567", contact_email=None)
        name = service.name
        db.session.commit()
    client = login_as("offender")
    contact = client.get(f"/my/cases/{found['case']}").get_data(as_text=True).split('id="contact"', 1)[1]
    officer_part, service_part = _text(contact).split(found["caseworker"], 1)
    assert "There is no work phone number for them here. Email them, or call 101 and ask for them." in officer_part
    assert "When they work" not in officer_part
    # The caseworker has none: the service's own number is given, as a link.
    assert f"There is no work phone number for them here. You can contact {name} instead." in service_part
    assert 'href="tel:+448001234567"' in contact
    with app.app_context():
        factories.change_service(load_world().sent.service, contact_phone=None, contact_email=None)
        db.session.commit()
    words = _text(client.get(f"/my/cases/{found['case']}").get_data(as_text=True).split('id="contact"', 1)[1])
    assert "There is no work phone number for them here. Email them instead." in words.split(found["caseworker"])[1]


def test_no_caseworker_yet_shows_the_services_phone_and_email(app, login_as):
    with app.app_context():
        w = load_world()
        service = factories.change_service(w.sent.service, contact_phone="0800 123 4567",
                                           contact_email="course@freshstart.example.org")
        case_id, name = str(w.case.public_id), service.name
        db.session.commit()
    html = login_as("offender").get(f"/my/cases/{case_id}").get_data(as_text=True)
    contact = html.split('id="contact"', 1)[1]
    assert name in contact and 'href="tel:+448001234567"' in contact
    assert 'href="mailto:course@freshstart.example.org"' in contact and "Hannah Price" not in contact

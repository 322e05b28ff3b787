"""Victim details never reach a provider: whatever the officer types into the referral (risks, safeguarding) or
the condition holds, a mention of any victim detail the case holds stops the send with a message naming the field.
The officer checks the dataset before it goes; the provider's pages show that stored dataset. A restorative
referral the victim agreed to is the one exception, and is recorded as such."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.errors import RuleViolation
from app.extensions import db
from app.referrals import services
from app.referrals.models import Referral
from app.timeline.models import Audience, TimelineEvent
from app.timeline.wording import words
from tests import factories
from tests.cases.test_workflow_routes import Officer

PAT = {"given_name": "Patricia", "family_name": "Okonkwo", "phone": "07700 900321", "email": "pat.ok@example.net",
       "address": "Flat 2, 14 Orchard Close, Northtown", "postcode": "NT3 9QZ", "preferred_channel": "phone"}
# What an officer might type, each carrying one of Patricia's details in another form than the case holds it.
PLANTED = {
    "phone": "Lives near the victim, who can be reached on +44 (0)7700-900-321",
    "email": "Victim asked to be copied in: PAT.OK@EXAMPLE.NET",
    "postcode": "Must keep away from nt39qz",
    "address": "Do not go near 14 Orchard Cl.",
    "name": "Has threatened Patrcia before",  # misspelt
}


@pytest.fixture
def pat_case(app, demo_data):
    with app.app_context():
        case = factories.issued(victim=PAT, given="Robin", family="Hale")
        ids = {"case": str(case.public_id), "condition": str(case.conditions[0].public_id),
               "drugs": str(factories.service("Drug awareness course").public_id),
               "caseworker": str(factories.user("freshstart-caseworker").public_id)}
        db.session.commit()
        db.session.remove()
    return ids


def _try_to_send(officer, ids, **fields):
    """What the officer's browser does to send: the form, then the check page's confirm button if it is shown."""
    data = {"condition": ids["condition"], "service": ids["drugs"], "risks": "", "safeguarding": ""} | fields
    first = officer.client.post(f"/referrals/new/{ids['case']}", data={"csrf_token": officer.token, **data})
    html = first.get_data(as_text=True)
    if first.status_code == 200 and "Confirm and send referral" in html:
        checked = re.search(r'name="checked" value="([0-9a-f]+)"', html).group(1)
        return officer.client.post(f"/referrals/new/{ids['case']}/send",
                                   data={"csrf_token": officer.token, **data, "checked": checked, "submit": "y"})
    return first


def _provider_pages(app, login_as, ids) -> str:
    """Everything the provider's manager and caseworker are shown of the case's referrals (accepting any)."""
    with app.app_context():
        sent = [str(r) for r in db.session.scalars(select(Referral.public_id).join(Referral.case).where(
            Referral.case.has(public_id=uuid.UUID(ids["case"]))))]
    manager = Officer(login_as("freshstart-manager"))
    pages = [manager.get("/").get_data(as_text=True)]
    for rid in sent:
        pages.append(manager.get(f"/referrals/{rid}").get_data(as_text=True))
        manager.post(f"/referrals/{rid}/decide", {"decision": "accept", "caseworker": ids["caseworker"]})
    worker = Officer(login_as("freshstart-caseworker"))
    pages.append(worker.get("/").get_data(as_text=True))
    pages += [worker.get(f"/referrals/{rid}").get_data(as_text=True) for rid in sent]
    return "\n".join(pages)


@pytest.mark.parametrize("field", ["risks", "safeguarding"])
def test_victim_details_typed_by_the_officer_never_reach_the_provider(app, login_as, pat_case, field):
    officer = Officer(login_as("officer-north"))
    refusals = {}
    for kind, text in PLANTED.items():
        response = _try_to_send(officer, pat_case, **{field: text})
        refusals[kind] = (response.status_code, response.get_data(as_text=True))
    seen = _provider_pages(app, login_as, pat_case)
    for kind, text in PLANTED.items():
        assert text not in seen, kind
    for secret in ("900321", "900-321", "pat.ok", "nt39qz", "Orchard", "Patrcia"):
        assert secret.lower() not in seen.lower(), secret
    label = {"risks": "Risks", "safeguarding": "Safeguarding"}[field]
    words = {"phone": "phone number", "email": "email address", "postcode": "postcode", "address": "address",
             "name": "name"}
    for kind, (status, html) in refusals.items():
        assert status == 422, kind
        assert "govuk-error-summary" in html and f'href="#{field}"' in html
        assert f"{label} mentions the victim&#39;s {words[kind]}" in html, kind
        assert "before sending" in html


def test_a_condition_mentioning_the_victim_is_not_sent(ctx, demo_data):
    officer = factories.user("officer-north")
    case = factories.issued(officer, victim=PAT, conditions=(factories.REHABILITATIVE | {
        "details": "Write a letter of apology to Patrica Okonkwo's family"},))
    with pytest.raises(RuleViolation) as refused:
        services.send_referral(case, case.conditions[0], factories.service("Drug awareness course"), by=officer)
    assert refused.value.by_field[0].field == "condition"
    assert "The condition's details mentions the victim's name" in refused.value.problems[0]


def test_the_check_page_shows_exactly_what_is_sent_and_works_without_javascript(app, login_as, pat_case):
    officer = Officer(login_as("officer-north"))
    data = {"condition": pat_case["condition"], "service": pat_case["drugs"], "risks": "Lone working: see two",
            "safeguarding": ""}
    check = officer.post(f"/referrals/new/{pat_case['case']}", data, expect=200).get_data(as_text=True)
    assert "Check the referral before sending it" in check and "govuk-summary-list" in check
    assert "Lone working: see two" in check and 'formaction="' in check
    with app.app_context():
        assert db.session.scalar(select(Referral).join(Referral.case).where(
            Referral.case.has(public_id=uuid.UUID(pat_case["case"])))) is None  # nothing is sent by checking
    # "Change" goes back to the form with the answers kept.
    back = officer.post(f"/referrals/new/{pat_case['case']}", data | {"change": "y"}, expect=200)
    assert "Lone working: see two</textarea>" in back.get_data(as_text=True)
    # Confirming without the check (or after the dataset changed) sends nothing.
    officer.post(f"/referrals/new/{pat_case['case']}/send", data, expect=422)
    officer.post(f"/referrals/new/{pat_case['case']}/send", data | {"checked": "0" * 64}, expect=422)
    response = _try_to_send(officer, pat_case, risks="Lone working: see two")
    assert response.status_code == 303
    with app.app_context():
        sent = db.session.scalar(select(Referral).join(Referral.case).where(
            Referral.case.has(public_id=uuid.UUID(pat_case["case"]))))
        dataset, agreed = sent.dataset, sent.victim_agreed
    assert not agreed
    shown = _provider_pages(app, login_as, pat_case)
    checked_rows = re.findall(r'govuk-summary-list__value">\s*(.*?)\s*</dd>', check, re.S)
    assert checked_rows and all(row in shown for row in checked_rows)  # the provider sees what the officer checked
    assert dataset["risks"] == "Lone working: see two"


def test_a_restorative_referral_the_victim_agreed_to_may_carry_their_details(ctx, demo_data):
    officer = factories.user("officer-north")
    case = factories.issued(officer, victim=PAT)
    rj = factories.new_service("Northtown restorative justice", category="restorative_justice", provider="FSR")
    drugs = factories.service("Drug awareness course")
    risks = "Victim happy to be phoned on 07700 900321"
    with pytest.raises(RuleViolation, match="phone number"):
        services.send_referral(case, case.conditions[0], rj, risks=risks, by=officer)  # not without agreement
    with pytest.raises(RuleViolation, match="does not work with victims"):
        services.send_referral(case, case.conditions[0], drugs, risks=risks, victim_agreed=True, by=officer)
    sent = services.send_referral(case, case.conditions[0], rj, risks=risks, victim_agreed=True, by=officer)
    assert sent.victim_agreed and sent.dataset["risks"] == risks
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.referral_id == sent.id))
    assert event.detail["victim_agreed"] is True and "the victim agreed" in words(event, Audience.POLICE)
    audit_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.send",
                                                           AuditEvent.object_id == str(sent.public_id)))
    assert audit_row.detail["victim_agreed"] is True


def test_agreement_needs_a_victim_who_was_contacted(ctx, demo_data):
    officer = factories.user("officer-north")
    case = factories.issued(officer, victim=False)
    rj = factories.new_service("Northtown restorative justice", category="restorative_justice", provider="FSR")
    with pytest.raises(RuleViolation, match="Record the victim's views first"):
        services.send_referral(case, case.conditions[0], rj, victim_agreed=True, by=officer)



def test_the_restorative_exception_through_the_pages(app, login_as, pat_case):
    with app.app_context():
        rj = factories.new_service("Northtown restorative justice", category="restorative_justice", provider="FSR")
        rj_id = str(rj.public_id)
        db.session.commit()
    officer = Officer(login_as("officer-north"))
    form = officer.get(f"/referrals/new/{pat_case['case']}").get_data(as_text=True)
    assert 'name="victim_agreed"' in form
    data = {"condition": pat_case["condition"], "service": rj_id, "risks": "Victim is happy to be phoned on "
            "07700 900321", "safeguarding": "", "victim_agreed": "y"}
    check = officer.post(f"/referrals/new/{pat_case['case']}", data, expect=200).get_data(as_text=True)
    assert "the victim agreed to this restorative referral" in check and "07700 900321" in check
    checked = re.search(r'name="checked" value="([0-9a-f]+)"', check).group(1)
    officer.post(f"/referrals/new/{pat_case['case']}/send", data | {"checked": checked, "submit": "y"})
    shown = _provider_pages(app, login_as, pat_case)
    assert "07700 900321" in shown and "the victim agreed to it carrying their details" in shown


def test_provider_pages_show_the_dataset_as_sent_not_the_case(app, login_as, pat_case):
    officer = Officer(login_as("officer-north"))
    assert _try_to_send(officer, pat_case, risks="None known").status_code == 303
    with app.app_context():  # the person's phone changes on the case after the referral went
        case = db.session.scalar(select(Referral).join(Referral.case).where(
            Referral.case.has(public_id=uuid.UUID(pat_case["case"])))).case
        case.offender.phone = "07700 900999"
        db.session.commit()
    shown = _provider_pages(app, login_as, pat_case)
    assert "Robin Hale" in shown and "07700 900999" not in shown

"""The legal corrections where they reach the officer's pages and the services: disposals not commenced, the rank of
whoever gives a caution, hours kept as they are checked, victims' views before the conditions, earlier offending."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, demo
from app.cases import conditions, readiness
from app.cases import services as cases
from app.cases.document import caution_text, document_hash
from app.cases.models import Case, CaseStatus
from app.errors import RuleViolation
from app.extensions import db
from tests import factories
from tests.conftest import csrf_from

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def test_the_new_case_page_offers_only_what_has_commenced_and_says_why_the_rest_is_not(login_as):
    html = login_as("officer-north").get("/cases/new").get_data(as_text=True)
    assert 'value="current_practice:adult_conditional_caution"' in html
    assert 'value="pcsc_2022:diversionary_caution"' not in html and 'value="pcsc_2022:community_caution"' not in html
    assert "Not offered: Diversionary caution, Community caution" in html and "not commenced" in html


def test_a_case_cannot_be_started_for_a_disposal_that_has_not_commenced(ctx, demo_data):
    with pytest.raises(RuleViolation, match="Choose a disposal type"):
        factories.draft(regime="pcsc_2022", disposal="community_caution")


@pytest.mark.parametrize(("disposal", "rank", "allowed"), [
    ("adult_conditional_caution", "constable", False),  # Director's Guidance para 2.1: sergeant or above
    ("adult_conditional_caution", "sergeant_or_above", True),
    ("adult_conditional_caution", "dpp_authorised", True),
    ("community_resolution", "constable", True),
])
def test_the_rank_of_whoever_gives_it_is_checked_before_the_signature_is_recorded(ctx, demo_data, disposal, rank,
                                                                                   allowed):
    officer = factories.user("officer-north")
    case = factories.ready(officer, disposal=disposal, conditions=(factories.REHABILITATIVE,))
    cases.prepare_issue(case, demo.CHECKLIST | {"evidence_decision_maker": "PC Clarke"},
                        deadline=clock.today() + timedelta(weeks=16), extension_reason=None, by=officer)
    sign = {"signed_by_name": "Sam Lee", "shown_hash": document_hash(caution_text(case)), "administered_by": rank}
    if allowed:
        assert cases.record_signature(case, **sign, by=officer).administered_by == rank
        assert case.status is CaseStatus.ISSUED
    else:
        with pytest.raises(RuleViolation, match="is given by a police officer of sergeant rank or above or a person "
                                                "the DPP authorised") as caught:
            cases.record_signature(case, **sign, by=officer)
        assert caught.value.by_field[0].field == "administered_by"
        assert case.status is CaseStatus.READY and case.document is None


def test_hours_are_refused_with_more_precision_than_is_kept(ctx, demo_data):
    officer = factories.user("officer-north")
    case = factories.with_details(factories.draft(officer), officer)
    due = clock.today() + timedelta(weeks=4)
    with pytest.raises(RuleViolation, match="at most 2 decimal places") as caught:
        conditions.add_condition(case, {"type": "unpaid_work", "hours": "10.005", "details": "Litter pick",
                                        "due_on": due}, by=officer)
    assert caught.value.by_field[0].field == "hours" and case.conditions == []
    kept = conditions.add_condition(case, {"type": "unpaid_work", "hours": "10.25", "details": "Litter pick",
                                           "due_on": due}, by=officer)
    db.session.expire_all()
    assert str(kept.hours) == "10.25"  # the value checked is the value stored


def test_the_condition_form_refuses_a_third_decimal_place(login_as, app):
    client = login_as("officer-north")
    html = client.get("/cases/new").get_data(as_text=True)
    with app.app_context():
        case = factories.draft(factories.user("officer-north"))
        cid = case.public_id
        db.session.commit()
        db.session.remove()
    response = client.post(f"/cases/{cid}/conditions", data={
        "csrf_token": csrf_from(html), "type": "unpaid_work", "hours": "2.125", "details": "Litter pick",
        "due_on": _parts(clock.today() + timedelta(days=9))})
    assert response.status_code == 422
    assert "Enter the hours with at most 2 decimal places" in response.get_data(as_text=True)


def _parts(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_victims_views_recorded_after_the_conditions_send_the_officer_back_to_confirm_them(ctx, demo_data):
    officer = factories.user("officer-north")
    case = factories.ready(officer)
    assert case.status is CaseStatus.READY
    link = case.victims[0]
    cases.record_victim_view(case, link, {"attempts": [{"on": clock.today().isoformat(), "method": "phone",
                                                        "note": None}], "could_not_contact": False,
                                          "views": "Now wants a letter of apology", "remedy_requested": None,
                                          "remedy_declined_reason": None, "taken_into_account": "Letter added"},
                             by=officer)
    assert readiness.views_after_conditions(case) == [
        "Val Ng's views were recorded after some conditions were set: check the conditions against their views "
        "and confirm them."]
    assert case.status is CaseStatus.SCREENING
    conditions.confirm_conditions(case, by=officer)
    assert readiness.views_after_conditions(case) == [] and case.status is CaseStatus.READY


def test_the_officer_confirms_the_conditions_from_the_conditions_page(app, login_as):
    client = login_as("officer-north")
    token = csrf_from(client.get("/").get_data(as_text=True))
    with app.app_context():
        officer = factories.user("officer-north")
        case = factories.ready(officer, given="Con", family="Firm")
        cases.add_new_victim(case, {"given_name": "Late", "family_name": "Victim"}, enhanced_rights=False,
                             updates_opted_in=False, update_channel=None, by=officer)
        late = case.victims[-1]
        cases.record_victim_view(case, late, {"attempts": [{"on": clock.today().isoformat(), "method": "phone",
                                                            "note": None}], "could_not_contact": True},
                                 by=officer)
        cid = case.public_id
        db.session.commit()
        db.session.remove()
    page = client.get(f"/cases/{cid}/conditions").get_data(as_text=True)
    assert "Late Victim&#39;s views were recorded after some conditions were set" in page
    response = client.post(f"/cases/{cid}/conditions/confirm", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(str(cid))))
        assert case.status is CaseStatus.READY and readiness.views_after_conditions(case) == []
        db.session.remove()


def test_the_screening_page_shows_earlier_disposals_and_keeps_the_ones_the_officer_records(app, login_as):
    client = login_as("officer-north")
    with app.app_context():
        officer = factories.user("officer-north")
        earlier = factories.issued(officer, on=clock.today() - timedelta(days=500), given="Rep", family="Eat")
        again = factories.with_details(factories.draft(officer, person=earlier.offender), officer)
        cases.record_no_victims(again, by=officer)
        cid, issued_on = again.public_id, earlier.issued_on
        db.session.commit()
        db.session.remove()
    html = client.get(f"/cases/{cid}/screening").get_data(as_text=True)
    in_resolve = f"Adult conditional caution: Theft from a shop (value £200 or less), {issued_on.day} {issued_on:%B %Y}"
    assert in_resolve in html
    answers = {"csrf_token": csrf_from(html), "caution_date": _parts(clock.today()), "evidence_sufficient": "yes",
               "evidence_decided_by": "officer", "evidence_decision_maker": "PC Clarke", "should_be_given": "yes",
               "should_be_given_decided_by": "officer", "should_be_given_decision_maker": "PC Clarke",
               "admits": "yes", "consents": "yes", "earlier1_on": _parts(clock.today() - timedelta(days=900)),
               "earlier1_offence": "Assault by beating", "earlier1_outcome": "conviction"}
    refused = client.post(f"/cases/{cid}/screening", data=answers, follow_redirects=True).get_data(as_text=True)
    assert "record how you took it into account" in refused and "Conviction: Assault by beating" in refused
    assert in_resolve in refused

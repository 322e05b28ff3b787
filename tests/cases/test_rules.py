"""The law as the rule packs write it: each rule at its boundary, and its bad input."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.cases.models import Case, CaseStatus
from app.cases.packs import load_all
from app.cases.rules import (
    ConditionFacts,
    OffenceFacts,
    ScreeningFacts,
    check_conditions,
    check_deadline,
    normal_deadline,
    screen,
)
from app.errors import InvalidTransition

REGIMES = load_all()
STATUTORY = REGIMES["pcsc_2022"].latest
START = STATUTORY.offences_committed_from
TODAY = START + timedelta(days=30)
CURRENT = REGIMES["current_practice"].in_force(TODAY)
THEFT = OffenceFacts("Theft from a shop", "summary", None, TODAY - timedelta(days=3))
KNIFE = OffenceFacts("Possession of a bladed article", "either_way", "bladed_article", TODAY - timedelta(days=3))
ROBBERY = OffenceFacts("Robbery", "indictable_only", None, TODAY - timedelta(days=3))


def facts(**changes) -> ScreeningFacts:
    base = ScreeningFacts(date_of_birth=date(1990, 1, 1), caution_date=TODAY, offences=(THEFT,),
                          evidence_sufficient=True, evidence_decided_by="officer", evidence_decision_maker="PC Clarke",
                          admits=True, consents=True, prior_cautions=0)
    return replace(base, **changes)


def test_an_adult_who_admits_and_consents_is_eligible_with_reasons_in_words():
    result = screen(STATUTORY, "community_caution", facts())
    assert result.eligible, result.problems
    assert any("18 or over is needed" in r for r in result.reasons)
    assert any("decided by a police officer (PC Clarke)" in r for r in result.reasons)
    assert result.approvals == ()


def test_eighteenth_birthday_on_the_caution_date_is_allowed_and_the_day_before_is_not():
    born = date(TODAY.year - 18, TODAY.month, TODAY.day)
    assert screen(STATUTORY, "community_caution", facts(date_of_birth=born)).eligible
    too_young = screen(STATUTORY, "community_caution", facts(date_of_birth=born + timedelta(days=1)))
    assert not too_young.eligible
    assert "youth process" in too_young.problems[0]


def test_missing_date_of_birth_is_a_problem_not_a_crash():
    result = screen(CURRENT, "adult_conditional_caution", facts(date_of_birth=None))
    assert not result.eligible
    assert "date of birth is needed" in result.problems[0]


@pytest.mark.parametrize(("change", "words"), [
    ({"admits": False}, "must admit"),
    ({"admits": None}, "must admit"),
    ({"consents": False}, "must agree"),
    ({"evidence_sufficient": False}, "enough evidence to charge"),
    ({"evidence_decided_by": None}, "enough evidence to charge"),
    ({"evidence_decision_maker": ""}, "enough evidence to charge"),
])
def test_statutory_gates(change, words):
    result = screen(CURRENT, "adult_conditional_caution", facts(**change))
    assert not result.eligible
    assert any(words in p for p in result.problems)


def test_community_resolution_has_no_statutory_gates():
    assert screen(CURRENT, "community_resolution", facts(admits=None, consents=None, evidence_sufficient=None)).eligible


def test_offence_the_day_before_commencement_is_refused_for_a_statutory_caution():
    on_the_day = replace(THEFT, committed_on=START)
    day_before = replace(THEFT, committed_on=START - timedelta(days=1))
    assert screen(STATUTORY, "diversionary_caution", facts(offences=(on_the_day,))).eligible
    refused = screen(STATUTORY, "diversionary_caution", facts(offences=(day_before,)))
    assert not refused.eligible
    assert "before the scheme started" in refused.problems[0]


def test_excluded_offence_bars_a_community_caution_but_not_a_diversionary_one():
    assert not screen(STATUTORY, "community_caution", facts(offences=(KNIFE,))).eligible
    assert screen(STATUTORY, "diversionary_caution", facts(offences=(KNIFE,))).eligible


def test_indictable_only_needs_exceptional_circumstances_and_cps_consent_and_a_supervisor():
    assert not screen(STATUTORY, "community_caution", facts(offences=(ROBBERY,))).eligible
    missing = screen(STATUTORY, "diversionary_caution", facts(offences=(ROBBERY,), exceptional_rationale="Carer"))
    assert not missing.eligible
    assert "consent reference" in missing.problems[0]
    granted = screen(STATUTORY, "diversionary_caution",
                     facts(offences=(ROBBERY,), exceptional_rationale="Sole carer", cps_consent_reference="CPS/1"))
    assert granted.eligible
    assert set(granted.approvals) == {"indictable_only", "exceptional_circumstances"}


def test_repeat_caution_needs_exceptional_circumstances_and_approval():
    refused = screen(CURRENT, "adult_conditional_caution", facts(prior_cautions=1))
    assert not refused.eligible
    allowed = screen(CURRENT, "adult_conditional_caution", facts(prior_cautions=1, exceptional_rationale="Why"))
    assert allowed.eligible
    assert "repeat_caution" in allowed.approvals


def test_an_unset_offence_date_rule_means_not_in_force_and_any_means_no_rule():
    not_in_force = replace(STATUTORY, offences_committed_from=None)
    refused = screen(not_in_force, "diversionary_caution", facts())
    assert not refused.eligible and "are not in force" in refused.problems[0]
    long_ago = replace(THEFT, committed_on=date(1990, 1, 1))
    assert CURRENT.offences_committed_from == "any"
    assert screen(CURRENT, "adult_conditional_caution", facts(offences=(long_ago,))).eligible


def test_no_offence_is_a_problem():
    result = screen(CURRENT, "adult_conditional_caution", facts(offences=()))
    assert "At least one offence is needed." in result.problems


# --- deadlines ------------------------------------------------------------------------------------------------

def test_deadline_at_exactly_the_normal_maximum_needs_no_reason():
    issued = TODAY
    assert check_deadline(CURRENT, issued, normal_deadline(CURRENT, issued), None) == []
    late = normal_deadline(CURRENT, issued) + timedelta(days=1)
    assert "needs a reason" in check_deadline(CURRENT, issued, late, None)[0]
    assert check_deadline(CURRENT, issued, late, "Course starts in week 17") == []


def test_extension_one_day_past_the_exceptional_maximum_is_refused_even_with_a_reason():
    issued = TODAY
    maximum = issued + timedelta(weeks=CURRENT.deadline.exceptional_weeks)
    assert check_deadline(CURRENT, issued, maximum, "Reason") == []
    assert "at most 20 weeks" in check_deadline(CURRENT, issued, maximum + timedelta(days=1), "Reason")[0]
    assert "after the day" in check_deadline(CURRENT, issued, issued, None)[0]


# --- conditions -----------------------------------------------------------------------------------------------

DEADLINE = TODAY + timedelta(weeks=16)


def cond(type_="attendance", purpose="rehabilitative", hours=None, amount=None, due=None, remedy=False):
    return ConditionFacts(type_, purpose, hours, amount, due or TODAY + timedelta(weeks=4), remedy)


def problems(conditions, disposal="community_caution", pack=STATUTORY, modes=("summary",), **kw):
    return check_conditions(pack, disposal, conditions, list(modes), TODAY, DEADLINE, **kw)


def test_ten_hours_unpaid_work_is_allowed_and_ten_and_a_half_is_refused_for_a_community_caution():
    assert problems([cond("unpaid_work", None, hours=10)]) == []
    refused = problems([cond("unpaid_work", None, hours=10.5)])
    assert refused == ["Unpaid work adds up to 10.5 hours; the most allowed for a community caution is 10 hours."]
    assert problems([cond("unpaid_work", None, hours=20)], disposal="diversionary_caution") == []


def test_hours_add_up_across_conditions_and_rehabilitative_attendance_has_no_cap():
    split = [cond("attendance", "reparative", hours=6), cond("attendance", "reparative", hours=5)]
    assert "Reparative attendance adds up to 11 hours" in problems(split)[0]
    assert problems([cond("attendance", "rehabilitative", hours=200)]) == []


def test_an_hour_cap_or_penalty_cap_left_unset_means_the_condition_is_not_available():
    caution = STATUTORY.disposal("community_caution")
    no_hours = replace(caution, hour_caps=caution.hour_caps | {"unpaid_work": None})
    no_money = replace(caution, financial_penalty_caps=dict.fromkeys(caution.financial_penalty_caps))
    pack = replace(STATUTORY, disposal_types={"community_caution": no_hours, "other": no_money})
    assert "Unpaid work is not available" in problems([cond("unpaid_work", None, hours=1)], pack=pack)[0]
    assert "financial penalty is not available" in problems(
        [cond(), cond("financial_penalty", None, amount=1)], disposal="other", pack=pack)[0]
    assert problems([cond(), cond("financial_penalty", None, amount=50)]) == []  # set: allowed up to the cap


def test_at_least_one_condition_and_one_rehabilitative_or_reparative():
    assert problems([]) == ["Add at least one condition."]
    assert problems([cond("restrictive", None)]) == ["At least one condition must be rehabilitative or reparative."]


def test_financial_penalty_cap_follows_the_most_serious_offence():
    fifty, fifty_one = cond("financial_penalty", None, amount=50), cond("financial_penalty", None, amount=51)
    base = [cond()]
    assert problems([*base, fifty], disposal="adult_conditional_caution", pack=CURRENT) == []
    assert "most allowed for this offence is £50" in problems(
        [*base, fifty_one], disposal="adult_conditional_caution", pack=CURRENT)[0]
    assert problems([*base, cond("financial_penalty", None, amount=100)], disposal="adult_conditional_caution",
                    pack=CURRENT, modes=("summary", "either_way")) == []


def test_due_dates_within_the_deadline_and_condition_types_the_disposal_allows():
    assert problems([cond(due=DEADLINE)]) == []
    assert "after the deadline" in problems([cond(due=DEADLINE + timedelta(days=1))])[0]
    assert "before the caution is given" in problems([cond(due=TODAY - timedelta(days=1))])[0]
    assert "cannot have a foreign offender condition" in problems([cond(), cond("foreign_offender", None)])[0]


def test_a_requested_community_remedy_is_attached_or_its_refusal_explained():
    assert "community remedy" in problems([cond()], remedy_requested=True)[0]
    assert problems([cond(remedy=True)], remedy_requested=True) == []
    assert problems([cond()], remedy_requested=True, remedy_declined_reason="Victim asked for contact") == []


# --- the state machine ----------------------------------------------------------------------------------------

def test_state_machine_allows_the_workflow_and_refuses_out_of_order_moves():
    case = Case(status=CaseStatus.DRAFT)
    for step in (CaseStatus.SCREENING, CaseStatus.READY, CaseStatus.ISSUED, CaseStatus.COMPLETED):
        case.move_to(step)
    assert case.status is CaseStatus.COMPLETED
    draft = Case(status=CaseStatus.DRAFT)
    with pytest.raises(InvalidTransition, match="This case is draft, so it cannot be moved to issued"):
        draft.move_to(CaseStatus.ISSUED)
    with pytest.raises(InvalidTransition):
        Case(status=CaseStatus.COMPLETED).move_to(CaseStatus.DRAFT)
    assert Case(status=CaseStatus.READY).editable and not Case(status=CaseStatus.ISSUED).editable

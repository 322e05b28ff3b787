"""The law as the rule packs write it: each rule at its boundary, on each side, and its bad input."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.cases.models import Case, CaseStatus
from app.cases.pack_reader import load_all
from app.cases.rules import (
    ConditionFacts,
    EarlierRecord,
    OffenceFacts,
    RemedyFacts,
    ScreeningFacts,
    check_conditions,
    check_deadline,
    normal_deadline,
    screen,
)
from app.errors import InvalidTransition

REGIMES = load_all()
CURRENT, STATUTORY = REGIMES["current_practice"].latest, REGIMES["pcsc_2022"].latest
TODAY = date(2027, 6, 1)  # a fixed day: these are pure rules
START = TODAY - timedelta(days=30)  # when, in the tests below, the statutory scheme has commenced


def commenced(pack=STATUTORY, on: date = START):
    """The statutory pack as it will read once its sections commence on `on` (today they have not)."""
    return replace(pack, disposal_types={k: replace(d, commencement=on) for k, d in pack.disposal_types.items()})


COMMENCED = commenced()
THEFT = OffenceFacts("Theft from a shop", "summary", None, TODAY - timedelta(days=3))
KNIFE = OffenceFacts("Possession of a bladed article", "either_way", "bladed_article", TODAY - timedelta(days=3))
ROBBERY = OffenceFacts("Robbery", "indictable_only", None, TODAY - timedelta(days=3))


def facts(**changes) -> ScreeningFacts:
    base = ScreeningFacts(date_of_birth=date(1990, 1, 1), caution_date=TODAY, offences=(THEFT,),
                          evidence_sufficient=True, evidence_decided_by="officer", evidence_decision_maker="PC Clarke",
                          should_be_given=True, should_be_given_decided_by="officer",
                          should_be_given_decision_maker="PC Clarke", admits=True, consents=True)
    return replace(base, **changes)


# --- eligibility -------------------------------------------------------------------------------------------------


def test_an_adult_who_admits_and_consents_is_eligible_with_reasons_in_words():
    result = screen(COMMENCED, "community_caution", facts())
    assert result.eligible, result.problems
    assert any("18 or over is needed" in r for r in result.reasons)
    assert any("decided by a police officer (PC Clarke)" in r for r in result.reasons)
    assert any("should be given, as decided by a police officer" in r for r in result.reasons)
    assert result.approvals == ()


def test_eighteenth_birthday_on_the_caution_date_is_allowed_and_the_day_before_is_not():
    born = date(TODAY.year - 18, TODAY.month, TODAY.day)
    assert screen(COMMENCED, "community_caution", facts(date_of_birth=born)).eligible
    too_young = screen(COMMENCED, "community_caution", facts(date_of_birth=born + timedelta(days=1)))
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
    # CJA 2003 s.23(2)(b), PCSC s.99(2)(a)(ii): the decision that a caution should be given, and who made it.
    ({"should_be_given": False}, "should be given"),
    ({"should_be_given": None}, "should be given"),
    ({"should_be_given_decided_by": None}, "should be given"),
    ({"should_be_given_decision_maker": " "}, "should be given"),
])
def test_statutory_gates(change, words):
    result = screen(CURRENT, "adult_conditional_caution", facts(**change))
    assert not result.eligible
    assert any(words in p for p in result.problems)


def test_community_resolution_has_no_statutory_gates():
    assert screen(CURRENT, "community_resolution", facts(admits=None, consents=None, evidence_sufficient=None,
                                                         should_be_given=None)).eligible


def test_the_statutory_scheme_is_not_commenced_so_neither_caution_can_be_given():
    for disposal in ("diversionary_caution", "community_caution"):
        assert STATUTORY.disposal(disposal).commencement == "not_commenced"
        assert not STATUTORY.disposal(disposal).available_on(date(2099, 1, 1))
        refused = screen(STATUTORY, disposal, facts())
        assert not refused.eligible and "is not in force" in refused.problems[0]


def test_once_commenced_an_offence_the_day_before_commencement_is_refused_and_on_the_day_allowed():
    on_the_day = replace(THEFT, committed_on=START)
    day_before = replace(THEFT, committed_on=START - timedelta(days=1))
    for disposal in ("diversionary_caution", "community_caution"):  # s.99(4), s.108(3)
        assert screen(COMMENCED, disposal, facts(offences=(on_the_day,))).eligible
        refused = screen(COMMENCED, disposal, facts(offences=(day_before,)))
        assert not refused.eligible and "before the scheme started" in refused.problems[0]


def test_once_section_118_commences_a_conditional_caution_is_only_for_offences_committed_before_it():
    ends = TODAY - timedelta(days=3)
    conditional = CURRENT.disposal("adult_conditional_caution")
    assert conditional.offences_committed_before == "not_commenced"  # no end yet
    ended = replace(CURRENT, disposal_types={"adult_conditional_caution": replace(
        conditional, offences_committed_before=ends)})
    before = replace(THEFT, committed_on=ends - timedelta(days=1))
    on_the_day = replace(THEFT, committed_on=ends)
    assert screen(ended, "adult_conditional_caution", facts(offences=(before,))).eligible
    refused = screen(ended, "adult_conditional_caution", facts(offences=(on_the_day,)))
    assert not refused.eligible and "only be given for an offence committed before" in refused.problems[0]


def test_excluded_offence_bars_a_community_caution_but_not_a_diversionary_one():
    assert not screen(COMMENCED, "community_caution", facts(offences=(KNIFE,))).eligible
    assert screen(COMMENCED, "diversionary_caution", facts(offences=(KNIFE,))).eligible


def test_the_draft_codes_missing_exclusion_groups_bar_a_community_caution():
    groups = STATUTORY.disposal("community_caution").excluded_offence_groups
    for group in ("sex_trafficking", "firearm_in_public_place"):
        assert group in groups
        offence = replace(THEFT, exclusion_group=group)
        assert not screen(COMMENCED, "community_caution", facts(offences=(offence,))).eligible


def test_indictable_only_needs_exceptional_circumstances_cps_consent_a_prosecutors_decision_and_a_supervisor():
    assert not screen(COMMENCED, "community_caution", facts(offences=(ROBBERY,))).eligible
    prosecutor = {"evidence_decided_by": "prosecutor"}
    missing = screen(CURRENT, "adult_conditional_caution",
                     facts(offences=(ROBBERY,), exceptional_rationale="Carer", **prosecutor))
    assert not missing.eligible and "consent reference" in missing.problems[0]
    granted = screen(CURRENT, "adult_conditional_caution", facts(
        offences=(ROBBERY,), exceptional_rationale="Sole carer", cps_consent_reference="CPS/1", **prosecutor))
    assert granted.eligible
    assert set(granted.approvals) == {"indictable_only", "exceptional_circumstances"}
    # The Director's Guidance (section 6): the charging decision for an indictable-only offence is a prosecutor's.
    by_officer = screen(CURRENT, "adult_conditional_caution", facts(
        offences=(ROBBERY,), exceptional_rationale="Sole carer", cps_consent_reference="CPS/1"))
    assert not by_officer.eligible and "must be a prosecutor's" in by_officer.problems[0]
    assert screen(CURRENT, "adult_conditional_caution", facts()).eligible  # a summary offence: an officer may decide


def test_earlier_offending_is_listed_whatever_its_age_and_needs_a_rationale_and_a_supervisor():
    long_ago = EarlierRecord(date(2009, 5, 1), "Theft from a shop", "Conviction")
    recent = EarlierRecord(TODAY - timedelta(days=40), "Criminal damage", "Community resolution")
    assert screen(CURRENT, "adult_conditional_caution", facts()).eligible  # none: nothing to weigh
    for earlier in ((long_ago,), (recent,), (long_ago, recent)):
        refused = screen(CURRENT, "adult_conditional_caution", facts(earlier=earlier))
        assert not refused.eligible and "record how you took it into account" in refused.problems[0]
        allowed = screen(CURRENT, "adult_conditional_caution", facts(
            earlier=earlier, earlier_offending_rationale="Years apart, different offence; a course will help"))
        assert allowed.eligible and "repeat_caution" in allowed.approvals
        assert any("Conviction, Theft from a shop, 1 May 2009" in r for r in allowed.reasons) == (long_ago in earlier)
    blank = screen(CURRENT, "adult_conditional_caution", facts(earlier=(recent,), earlier_offending_rationale="  "))
    assert not blank.eligible


def test_hate_crime_brings_the_guidance_to_the_officer_without_refusing():
    aggravated = replace(THEFT, flags=("hate_crime",))
    result = screen(CURRENT, "adult_conditional_caution", facts(offences=(aggravated,)))
    assert result.eligible
    assert result.guidance and "hate crime will generally not be suitable" in result.guidance[0]
    assert screen(CURRENT, "adult_conditional_caution", facts()).guidance == ()


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


def cond(type_="attendance", purpose="rehabilitative", hours=None, amount=None, due=None, remedy=None):
    hours = Decimal(str(hours)) if hours is not None else None
    return ConditionFacts(type_, purpose, hours, amount, due or TODAY + timedelta(weeks=4), remedy)


def problems(conditions, disposal="community_caution", pack=STATUTORY, modes=("summary",), **kw):
    return check_conditions(pack, disposal, conditions, list(modes), TODAY, DEADLINE, **kw)


def conditional(conditions, **kw):
    return problems(conditions, disposal="adult_conditional_caution", pack=CURRENT, **kw)


def test_ten_hours_unpaid_work_is_allowed_and_ten_and_a_half_is_refused_for_a_community_caution():
    assert problems([cond("unpaid_work", None, hours=10)]) == []
    refused = problems([cond("unpaid_work", None, hours=10.5)])
    assert refused == ["Unpaid work adds up to 10.5 hours; the most allowed for a community caution is 10 hours."]
    assert problems([cond("unpaid_work", None, hours=20)], disposal="diversionary_caution") == []


def test_a_total_exactly_at_the_cap_is_allowed_whatever_its_parts():
    # 8.05 + 1.9 + 0.05 is 10.000000000000002 in floating point, and exactly 10 in decimal.
    parts = [cond("unpaid_work", None, hours=h) for h in (8.05, 1.9, 0.05)]
    assert problems(parts) == []
    assert "adds up to 10.01 hours" in problems([*parts, cond("unpaid_work", None, hours=0.01)])[0]


def test_conditional_caution_attendance_not_for_rehabilitation_is_capped_at_20_hours_in_total():
    # CJA 2003 s.22(3A)-(3B): every non-rehabilitative attendance condition counts together.
    twenty = [cond("attendance", "reparative", hours=12), cond("attendance", "punitive", hours=8)]
    assert conditional([cond(), *twenty]) == []
    over = conditional([cond(), *twenty, cond("attendance", "reparative", hours=0.25)])
    assert over == ["Attendance not for rehabilitation adds up to 20.25 hours; the most allowed for an adult "
                    "conditional caution is 20 hours."]
    # Attendance for rehabilitation does not count towards it, and has no cap.
    assert conditional([cond("attendance", "rehabilitative", hours=200), *twenty]) == []


def test_hours_add_up_across_conditions_and_rehabilitative_attendance_has_no_cap():
    split = [cond("attendance", "reparative", hours=6), cond("attendance", "reparative", hours=5)]
    assert "Attendance not for rehabilitation adds up to 11 hours" in problems(split)[0]
    assert problems([cond("attendance", "rehabilitative", hours=200)]) == []


def test_at_least_one_condition_and_one_rehabilitative_or_reparative():
    assert problems([]) == ["Add at least one condition."]
    assert problems([cond("restrictive", None)]) == ["At least one condition must be rehabilitative or reparative."]
    assert problems([cond("restrictive", "rehabilitative")]) == []  # restrictive, unpaid work, attendance can


def test_a_financial_penalty_or_foreign_offender_condition_never_counts_as_rehabilitative_or_reparative():
    commenced_diversionary = "diversionary_caution"
    for kind in ("financial_penalty", "foreign_offender"):
        found = problems([cond(kind, "reparative", amount=10 if kind == "financial_penalty" else None)],
                         disposal=commenced_diversionary)
        assert "At least one condition must be rehabilitative or reparative." in found, kind


def test_a_conditional_caution_may_have_a_punitive_condition_alone():
    # CJA 2003 s.22(3)(c): the pack says a rehabilitative or reparative condition is not required.
    assert not CURRENT.disposal("adult_conditional_caution").requires_rehabilitative_or_reparative
    assert conditional([cond("financial_penalty", "punitive", amount=50)]) == []
    assert problems([cond("financial_penalty", "punitive", amount=50)], disposal="diversionary_caution") != []


def test_a_purpose_the_disposal_does_not_have_is_refused():
    assert "cannot have a punitive condition" in problems([cond(), cond("attendance", "punitive", hours=1)],
                                                          disposal="community_resolution", pack=CURRENT)[0]


def test_conditional_caution_financial_penalty_cap_follows_the_most_serious_offence():
    fifty, fifty_one = cond("financial_penalty", None, amount=50), cond("financial_penalty", None, amount=51)
    base = [cond()]
    assert conditional([*base, fifty]) == []
    assert "most allowed for this offence is £50" in conditional([*base, fifty_one])[0]
    assert conditional([*base, cond("financial_penalty", None, amount=100)], modes=("summary", "either_way")) == []


def test_statutory_financial_penalties_are_not_offered_while_no_regulations_set_the_amounts():
    for disposal in ("diversionary_caution", "community_caution"):
        d = STATUTORY.disposal(disposal)
        assert set(d.financial_penalty_caps.values()) == {None}  # s.102(3), s.111(3): none made
        assert "financial_penalty" in d.condition_types and "financial_penalty" not in d.offered_condition_types
        refused = problems([cond(), cond("financial_penalty", None, amount=1)], disposal=disposal)
        assert "not available" in refused[0]
    assert "financial_penalty" in CURRENT.disposal("adult_conditional_caution").offered_condition_types


def test_a_community_resolution_may_include_a_payment_to_the_victim_with_no_cap_but_never_a_penalty():
    # ASBCPA 2014 s.102(6): a payment to the victim, never a penalty.
    resolution = CURRENT.disposal("community_resolution")
    assert "financial_penalty" not in resolution.condition_types
    assert problems([cond(), cond("payment_to_victim", None, amount=750)], disposal="community_resolution",
                    pack=CURRENT) == []
    refused = problems([cond(), cond("financial_penalty", None, amount=10)], disposal="community_resolution",
                       pack=CURRENT)
    assert "cannot have a financial penalty condition" in refused[0]


def test_due_dates_within_the_deadline_and_condition_types_the_disposal_allows():
    assert problems([cond(due=DEADLINE)]) == []
    assert "after the deadline" in problems([cond(due=DEADLINE + timedelta(days=1))])[0]
    assert "before the caution is given" in problems([cond(due=TODAY - timedelta(days=1))])[0]
    assert "cannot have a foreign offender condition" in problems([cond(), cond("foreign_offender", None)])[0]


def test_each_victims_requested_community_remedy_is_answered_on_its_own():
    val = RemedyFacts("v1", "Val Ng", "A letter of apology")
    kim = RemedyFacts("v2", "Kim Taylor", "Repair the fence")
    both = [val, kim]
    unanswered = problems([cond()], remedies=both)
    assert len(unanswered) == 2 and "Val Ng asked" in unanswered[0] and "Kim Taylor asked" in unanswered[1]
    # Val's action attached: Kim's request still needs its own answer.
    assert problems([cond(remedy="v1")], remedies=both) == [unanswered[1]]
    assert problems([cond(remedy="v1")], remedies=[val, replace(kim, declined_reason="Kim asked for contact")]) == []
    # Another victim's reasons do not answer Kim's request.
    assert problems([cond()], remedies=[replace(val, declined_reason="Not safe"), kim]) == [unanswered[1]]


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

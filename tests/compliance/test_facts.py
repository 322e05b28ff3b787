"""Decision facts: each decision writes its fact with the pack, the team, and the person's age band, sex and
ethnicity as they stood then; a later change to the person's record does not rewrite them; a report by group is
one statement; on PostgreSQL the facts cannot be changed or deleted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from app import clock
from app.cases import services as cases
from app.cases.closure import close_case
from app.compliance import facts
from app.compliance.models import DecisionFact, DecisionFactPerson, FactKind, FlagKind
from app.compliance.services import raise_flag
from app.extensions import db
from config.settings import ConfigError
from tests import factories
from tests.counting import statements

SPECIAL = {"ethnicity_self_defined": "black_caribbean", "ethnicity_officer_observed": "IC3", "sex": "female"}


def _facts(case, kind=None) -> list[tuple[DecisionFact, DecisionFactPerson]]:
    query = (select(DecisionFact, DecisionFactPerson).join(
        DecisionFactPerson, DecisionFactPerson.fact_id == DecisionFact.public_id)
             .where(DecisionFact.case_id == case.id).order_by(DecisionFact.id))
    return db.session.execute(query.where(DecisionFact.kind == kind) if kind else query).all()


@pytest.mark.parametrize(("born", "on", "band"), [
    (date(2000, 6, 15), date(2018, 6, 15), "18-24"),  # the 18th birthday
    (date(2000, 6, 15), date(2025, 6, 14), "18-24"),  # the day before the 25th
    (date(2000, 6, 15), date(2025, 6, 15), "25-34"),
    (date(1970, 6, 15), date(2025, 6, 15), "55+"),
    (date(2008, 6, 15), date(2025, 6, 15), None),  # below the first band
    (None, date(2025, 6, 15), None),  # not known
])
def test_the_age_band_on_the_day_of_the_decision(born, on, band):
    assert facts.age_band(born, on) == band


@pytest.mark.parametrize("raw", [None, [], [25, 18], [18, 18, 25], [18, "25"], [0, 18]])
def test_age_bands_that_do_not_make_sense_are_refused(raw):
    with pytest.raises(ConfigError, match="age_bands"):
        facts.parse_bands(raw)


def test_quarters():
    assert [facts.quarter(date(2026, m, 1)) for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [
        "2026Q1", "2026Q1", "2026Q2", "2026Q2", "2026Q3", "2026Q3", "2026Q4", "2026Q4"]


def test_screening_and_issue_write_their_facts_as_the_person_stood_then(ctx, demo_data):
    case = factories.issued(special=SPECIAL)
    today, officer = clock.today(), factories.user("officer-north")
    written = _facts(case)
    assert [(f.kind, f.value) for f, _ in written] == [
        (FactKind.ELIGIBILITY, "eligible"), (FactKind.DISPOSAL, "adult_conditional_caution")] + [
        (FactKind.CONDITION, f"{c.type}.{c.subtype}" if c.subtype else c.type) for c in case.conditions]
    for fact, person in written:
        assert (fact.force_id, fact.team_id, fact.decided_by_id) == (case.force_id, case.team_id, officer.id)
        assert (fact.regime, fact.pack_version, fact.disposal_type) == (case.regime, case.pack_version,
                                                                        case.disposal_type)
        assert (fact.decided_on, fact.quarter) == (today, facts.quarter(today))
        assert (person.age_band, person.sex, person.ethnicity_self_defined, person.ethnicity_officer_observed) == (
            "25-34", "female", "black_caribbean", "IC3")  # the factories' person is 30
    # The officer corrects the person's record afterwards: what was decided then stays as it was.
    cases.update_offender(case, {}, SPECIAL | {"ethnicity_self_defined": "white_irish"}, by=officer)
    db.session.flush()
    db.session.expire_all()
    assert {p.ethnicity_self_defined for _, p in _facts(case)} == {"black_caribbean"}


def test_a_flag_is_a_fact_once_and_a_case_closed_before_issue_is_an_outcome(ctx, demo_data):
    case = factories.issued(victim=False)
    assert raise_flag(case, FlagKind.CONDITION_OVERDUE, f"overdue:{case.id}", "A condition is overdue")
    assert raise_flag(case, FlagKind.CONDITION_OVERDUE, f"overdue:{case.id}", "A condition is overdue") is None
    flagged = _facts(case, FactKind.FLAG)
    assert [(f.value, f.decided_by_id, f.team_id) for f, _ in flagged] == [("condition_overdue", None, case.team_id)]

    draft = factories.with_details(factories.draft(given="Ash"))
    close_case(draft, reason="no_further_action", note=None, by=factories.user("officer-north"))
    assert [(f.kind, f.value) for f, _ in _facts(draft)] == [(FactKind.OUTCOME, "closed:no_further_action")]


def test_the_rate_of_a_decision_by_ethnicity_relative_to_a_reference_group_is_one_statement(ctx, demo_data):
    """Being found not eligible, per screening, by ethnicity: the same query that counts referrals for
    prosecution after a flag once those decisions exist."""
    officer = factories.user("officer-north")
    for i, (ethnicity, admits) in enumerate([("white_irish", True), ("white_irish", True),
                                             ("white_irish", True), ("white_irish", False),
                                             ("black_african", False), ("black_african", True)]):
        case = factories.with_details(factories.draft(given=f"P{i}"), special=SPECIAL | {
            "ethnicity_self_defined": ethnicity})
        cases.record_no_victims(case, by=officer)
        from app import demo

        demo.screen(case, officer=officer, admits=admits)
    db.session.flush()
    force = factories.user("officer-north").memberships[0].organisation_id
    with statements() as seen:
        found = facts.rates(force, facts.quarter(clock.today()), base=(FactKind.ELIGIBILITY, None),
                            outcome=(FactKind.ELIGIBILITY, "not_eligible"), reference="white_irish")
    assert seen.reads == 1, str(seen)
    by_group = {r.group: r for r in found}
    assert (by_group["white_irish"].base, by_group["white_irish"].outcomes) == (4, 1)
    assert (by_group["black_african"].base, by_group["black_african"].outcomes) == (2, 1)
    assert by_group["white_irish"].relative == 1.0
    assert by_group["black_african"].relative == pytest.approx(2.0)  # 1 in 2 against 1 in 4
    # Another force's quarter has nothing.
    assert facts.rates(force + 999, facts.quarter(clock.today()), base=(FactKind.ELIGIBILITY, None),
                       outcome=(FactKind.ELIGIBILITY, "not_eligible")) == []


def test_postgresql_refuses_to_change_or_delete_a_fact(app, ctx, demo_data):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only triggers are PostgreSQL's")
    case = factories.issued(victim=False)
    db.session.commit()
    for statement in (update(DecisionFact).where(DecisionFact.case_id == case.id).values(value="x"),
                      text("DELETE FROM decision_fact_people")):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()

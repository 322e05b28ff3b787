"""Decision facts: one append-only row per decision, for management information and disproportionality reports
(DOMAIN.md section 9). Written in the decision's own transaction by the service that decides; flushes, never
commits. The person's age band, sex and ethnicity are copied as they stood at that moment into their own table, so
a later correction of the person's record does not rewrite what was decided about them then.

A report is one query over `ix_decision_facts_force_kind_quarter`: `rates` counts two decision points per group
(e.g. flags, and referrals for prosecution after a flag, by ethnicity, for one force and quarter) and gives each
group's rate relative to a reference group's."""

from __future__ import annotations

import functools
import uuid
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

import yaml
from sqlalchemy import and_, case, func, insert, select

from app import clock
from app.cases.models import Case
from app.cases.rules import age_on
from app.compliance.models import DecisionFact, DecisionFactPerson, FactKind
from app.extensions import db
from app.people.models import Person, SpecialCategory
from config.settings import ROOT, ConfigError

PATH = ROOT / "config" / "reporting.yaml"
GROUPS = {"ethnicity": DecisionFactPerson.ethnicity_self_defined, "sex": DecisionFactPerson.sex,
          "age_band": DecisionFactPerson.age_band}


@functools.cache
def age_bands() -> tuple[int, ...]:
    return parse_bands(yaml.safe_load(PATH.read_text()).get("age_bands"))


def parse_bands(raw) -> tuple[int, ...]:
    if not (isinstance(raw, list) and raw and all(isinstance(a, int) and a > 0 for a in raw) and raw == sorted(raw)
            and len(set(raw)) == len(raw)):
        raise ConfigError(f"{PATH.name}: age_bands must be a list of ages in increasing order, like [18, 25, 35]")
    return tuple(raw)


def age_band(born: date | None, on: date) -> str | None:
    """"18-24", ..., "55+"; None when the date of birth is not known or the age falls below the first band."""
    if born is None:
        return None
    bands, age = age_bands(), age_on(born, on)
    at = bisect_right(bands, age) - 1
    if at < 0:
        return None
    return f"{bands[at]}+" if at == len(bands) - 1 else f"{bands[at]}-{bands[at + 1] - 1}"


def quarter(on: date) -> str:
    return f"{on.year}Q{(on.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Decision:
    case_id: int
    kind: FactKind
    value: str
    by_id: int | None = None
    team_id: int | None = None  # the decision maker's team; none: the case's team


def team_of(user, case: Case) -> int:
    """The decision maker's team in the case's force (a supervisor may sit in another team than the officer's)."""
    for membership in getattr(user, "memberships", None) or ():
        if membership.active and membership.organisation_id == case.force_id and membership.team_id:
            return membership.team_id
    return case.team_id


def record(case: Case, kind: FactKind, values: list[str] | str, *, by=None) -> None:
    """One fact per value (a condition set at issue is one fact per condition) about `case`, decided by `by`."""
    team = team_of(by, case) if by is not None else case.team_id
    record_many([Decision(case.id, kind, value, getattr(by, "id", None), team)
                 for value in ([values] if isinstance(values, str) else values)])


def record_many(decisions: list[Decision]) -> None:
    """The bulk form (the flags' sweep): one read of the cases and people, then one insert per table."""
    if not decisions:
        return
    today = clock.today()
    rows = {r.id: r for r in db.session.execute(
        select(Case.id, Case.force_id, Case.team_id, Case.regime, Case.pack_version, Case.disposal_type,
               Person.date_of_birth, SpecialCategory.sex, SpecialCategory.ethnicity_self_defined,
               SpecialCategory.ethnicity_officer_observed)
        .join(Person, Person.id == Case.offender_id)
        .outerjoin(SpecialCategory, SpecialCategory.person_id == Person.id)
        .where(Case.id.in_({d.case_id for d in decisions})))}
    facts = [{"public_id": uuid.uuid4(), "case_id": d.case_id, "force_id": rows[d.case_id].force_id,
              "team_id": d.team_id or rows[d.case_id].team_id, "kind": d.kind, "value": d.value[:64],
              "regime": rows[d.case_id].regime, "pack_version": rows[d.case_id].pack_version,
              "disposal_type": rows[d.case_id].disposal_type, "decided_on": today, "quarter": quarter(today),
              "decided_by_id": d.by_id} for d in decisions]
    db.session.execute(insert(DecisionFact), facts)
    people = [rows[d.case_id] for d in decisions]
    db.session.execute(insert(DecisionFactPerson), [
        {"fact_id": fact["public_id"], "age_band": age_band(p.date_of_birth, today), "sex": p.sex,
         "ethnicity_self_defined": p.ethnicity_self_defined, "ethnicity_officer_observed": p.ethnicity_officer_observed}
        for fact, p in zip(facts, people, strict=True)])


@dataclass(frozen=True)
class Rate:
    group: str | None  # e.g. an ethnicity code; None: not recorded
    base: int  # how many reached the first decision point (e.g. flagged)
    outcomes: int  # how many of the second (e.g. referred for prosecution after a flag)
    rate: float | None
    relative: float | None  # rate / the reference group's rate


def rates(force_id: int, quarter_: str, *, base: tuple[FactKind, str | None], outcome: tuple[FactKind, str],
          by: str = "ethnicity", reference: str | None = None) -> list[Rate]:
    """Per group, how many facts of `base` and of `outcome` the force had in the quarter, the rate, and the rate
    relative to the `reference` group's (e.g. base=(FLAG, None), outcome=(COMPLIANCE_DECISION, "prosecute")).
    One statement, through the force/kind/quarter index."""
    column = GROUPS[by]

    def point(kind: FactKind, value: str | None):
        return and_(DecisionFact.kind == kind, *([DecisionFact.value == value] if value else []))

    found = db.session.execute(
        select(column, func.sum(case((point(*base), 1), else_=0)), func.sum(case((point(*outcome), 1), else_=0)))
        .join(DecisionFactPerson, DecisionFactPerson.fact_id == DecisionFact.public_id)
        .where(DecisionFact.force_id == force_id, DecisionFact.quarter == quarter_,
               DecisionFact.kind.in_({base[0], outcome[0]}))
        .group_by(column).order_by(column)).all()
    by_group = {g: (int(b), int(o), o / b if b else None) for g, b, o in found}
    ref = by_group.get(reference, (0, 0, None))[2]
    return [Rate(g, b, o, r, (r / ref) if r is not None and ref else None) for g, (b, o, r) in by_group.items()]

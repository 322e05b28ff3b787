"""Rule packs: the legal parameters of each regime, as dated versions (read and checked by pack_reader.py).

`config/rules/<regime>/<version>.yaml` holds one version of a regime's rules, in force from `effective_from` until
its `effective_to` (or until the next version starts). The version in force on a decision's date applies, and the
case and the decision record it, so a case decided under one version is never silently re-judged by a later one.
Each disposal says when it commenced (or that it has not), so a regime's disposals can start on different days.

A legal value a pack leaves unset (null) means "not available": the portal refuses what depends on it, never
skips the check; "unlimited", "in_force", "none" and "not_commenced" say in words that there is no restriction.
Code asks the pack; no figure that lives in a pack is repeated in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import current_app

from app.errors import Problem, RuleViolation
from app.formats import long_date, money, number

CONDITION_TYPES = ("restrictive", "unpaid_work", "attendance", "financial_penalty", "foreign_offender",
                   "payment_to_victim")
HOURS_TYPES = ("unpaid_work", "attendance")  # the condition types measured in hours
AMOUNT_TYPES = ("financial_penalty", "payment_to_victim")  # the condition types measured in pounds
PURPOSES = ("rehabilitative", "reparative", "punitive")
REHABILITATIVE_OR_REPARATIVE = ("rehabilitative", "reparative")
MODES_OF_TRIAL = ("summary", "either_way", "indictable_only")
INDICTABLE_ONLY_POLICIES = ("barred", "exceptional_with_cps_consent")
RANKS = ("constable", "sergeant_or_above", "dpp_authorised")  # who may administer a disposal
# What the officer may decide when a flag asks whether the person failed without a reasonable excuse.
NON_COMPLIANCE_DECISIONS = ("excuse_accepted", "conditions_varied", "refer_for_prosecution", "financial_penalty")
OFFENCE_FLAGS = ("hate_crime", "domestic_abuse")  # kinds of offence a pack may have guidance for
APPROVALS = ("exceptional_circumstances", "indictable_only", "deadline_extension", "repeat_caution")
QUESTIONS = ("evidence_sufficient", "evidence_decided_by", "should_be_given", "should_be_given_decided_by",
             "admits", "consents", "exceptional_rationale", "cps_consent_reference", "earlier_offending_rationale")
UNLIMITED = Decimal("Infinity")
IN_FORCE, NOT_COMMENCED, NONE = "in_force", "not_commenced", "none"


@dataclass(frozen=True)
class Deadline:
    normal_weeks: int
    exceptional_weeks: int


@dataclass(frozen=True)
class VictimUpdates:
    """Victims' Code: working days within which a victim who opted in hears of a key decision."""

    working_days: int
    enhanced_working_days: int


@dataclass(frozen=True)
class HourCap:
    """Hours allowed in total across the conditions it counts ("attendance" or "attendance.reparative")."""

    name: str
    hours: Decimal | None  # a number of hours, UNLIMITED, or None (not available: refused)
    counts: tuple[str, ...]


@dataclass(frozen=True)
class PenaltyRule:
    """A financial penalty for failing the conditions without a reasonable excuse (a community caution): the most it
    may be, and the days given to pay it. None: not available (no regulations made), so it is not offered."""

    maximum_pounds: int | None
    days_to_pay: int | None
    registrable_as: str  # what the registration certificate says of it, unpaid

    @property
    def available(self) -> bool:
        return self.maximum_pounds is not None and self.days_to_pay is not None


@dataclass(frozen=True)
class DisposalType:
    key: str
    label: str
    noun: str  # what the person is told they were given: "caution", "community resolution"
    person_title: str  # the heading of the person's own page
    document_title: str  # the title of the document they sign
    statutory: bool
    outcome_code: str
    commencement: date | str  # a date, IN_FORCE, or NOT_COMMENCED
    offences_from_commencement: bool  # e.g. PCSC 2022 s.99(4): not for offences committed before it
    offences_committed_before: date | str  # a date (none on or after it), NONE or NOT_COMMENCED (no end yet)
    condition_types: tuple[str, ...]
    purposes: tuple[str, ...]
    requires_rehabilitative_or_reparative: bool
    counts_always: tuple[str, ...]  # these condition types are always rehabilitative or reparative
    counts_with_purpose: tuple[str, ...]  # these are, when given a rehabilitative or reparative purpose
    hour_caps: tuple[HourCap, ...]
    financial_penalty_caps: dict[str, int | None]  # by mode of trial; None: not available
    indictable_only: str
    indictable_only_decided_by: str  # "prosecutor" or "any"
    administered_by: tuple[str, ...]  # RANKS
    excluded_offence_groups: tuple[str, ...]
    guidance: dict[str, str]  # words for the officer, by offence flag (hate_crime, domestic_abuse)
    warning_text: str
    consequence_text: str
    reminder_text: str  # in reminders: never names the offence, the caution or the police (lock screens)
    non_compliance_decisions: tuple[str, ...] = ()  # NON_COMPLIANCE_DECISIONS the law allows for this disposal
    non_compliance_approved_by_supervisor: tuple[str, ...] = ()  # of those, what a supervisor approves first
    penalty: PenaltyRule | None = None  # where the decisions include a financial penalty

    def available_on(self, day: date) -> bool:
        return self.commencement == IN_FORCE or (isinstance(self.commencement, date) and self.commencement <= day)

    def hour_cap(self, condition_type: str, purpose: str | None) -> HourCap | None:
        """The cap a condition's hours count towards (by type and purpose, else by type), or None when none does."""
        keys = (f"{condition_type}.{purpose}", condition_type) if purpose else (condition_type,)
        return next((cap for key in keys for cap in self.hour_caps if key in cap.counts), None)

    def counts_as_rehabilitative_or_reparative(self, condition_type: str, purpose: str | None) -> bool:
        return condition_type in self.counts_always or (condition_type in self.counts_with_purpose
                                                        and purpose in REHABILITATIVE_OR_REPARATIVE)

    @property
    def offered_condition_types(self) -> tuple[str, ...]:
        """The types a condition may be: a financial penalty only where the pack sets some amount for it."""
        unset = all(v is None for v in self.financial_penalty_caps.values())
        return tuple(t for t in self.condition_types if not (t == "financial_penalty" and unset))


@dataclass(frozen=True)
class RulePack:
    """One version of a regime's rules."""

    id: str
    title: str
    version: str
    effective_from: date
    effective_to: date | None
    sources: tuple[str, ...]
    minimum_age: int
    deadline: Deadline
    earlier_offending_rationale_required: bool
    victim_updates: VictimUpdates
    approval_required: frozenset[str]
    eligibility_questions: dict[str, str]
    disposal_types: dict[str, DisposalType]
    path: Path
    # What the person is told each condition asks, in plain words, by type or "restrictive.<subtype>": filled with
    # the condition's {details}, {hours} and {amount}.
    condition_words: dict[str, str] = field(default_factory=dict)

    def disposal(self, key: str) -> DisposalType:
        return self.disposal_types[key]

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class Regime:
    """A regime's dated versions, oldest first; none overlaps another."""

    id: str
    versions: tuple[RulePack, ...]

    def in_force(self, day: date) -> RulePack | None:
        return next((p for p in reversed(self.versions) if p.in_force_on(day)), None)

    def version(self, version: str) -> RulePack:
        return next(p for p in self.versions if p.version == version)

    @property
    def latest(self) -> RulePack:
        return self.versions[-1]


# --- the pack a case is judged by ----------------------------------------------------------------------------


def regimes() -> dict[str, Regime]:
    return current_app.extensions["rule_packs"]


def in_force(regime: str, day: date) -> RulePack | None:
    """The version of a regime in force on `day` (None: none is, so nothing under it can be decided)."""
    found = regimes().get(regime)
    return found.in_force(day) if found else None


def disposals_on(day: date) -> tuple[dict[str, DisposalType], dict[str, DisposalType]]:
    """The disposals that may be given on `day`, and those that may not (not commenced), keyed "regime:key"."""
    offered, not_offered = {}, {}
    for regime in regimes().values():
        pack = regime.in_force(day) or regime.latest
        for key, d in pack.disposal_types.items():
            available = regime.in_force(day) is not None and d.available_on(day)
            (offered if available else not_offered)[f"{pack.id}:{key}"] = d
    return offered, not_offered


def lowest_minimum_age(day: date) -> int:
    """The youngest age at which any regime in force on `day` (or, if none is, any regime) allows a caution."""
    found = [r.in_force(day) or r.latest for r in regimes().values()]
    return min(p.minimum_age for p in found)


def pack_of(case) -> RulePack:
    """The version the case's latest decision was made under (its opening, its screening, its issue)."""
    return regimes()[case.regime].version(case.pack_version)


def disposal_of(case) -> DisposalType:
    return pack_of(case).disposal(case.disposal_type)


def said_to_person(case, condition) -> str:
    """A condition of the case in the plain words its pack gives the person, filled with the condition's details."""
    words = pack_of(case).condition_words
    template = words.get(f"{condition.type}.{condition.subtype}") or words[condition.type]
    return template.format(details=" ".join(condition.details.split()).rstrip("."), hours=number(condition.hours),
                           amount=money(condition.amount_pounds))


def decided_under(case, day: date, field: str | None) -> RulePack:
    """The version of the case's rules in force on the day of a decision, which the case then records; a decision
    on a day when no version is in force, or when the disposal has not commenced, is refused (the problem is tied
    to the form field `field`)."""
    pack = in_force(case.regime, day)
    if pack is None or case.disposal_type not in pack.disposal_types or not pack.disposal(
            case.disposal_type).available_on(day):
        raise RuleViolation(Problem(field, f"{disposal_of(case).label} cannot be given on {long_date(day)}: "
                                           "the law for it is not in force on that day."))
    case.pack_version = pack.version
    return pack

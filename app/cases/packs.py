"""Rule packs: the legal parameters of each regime, as dated versions, read from config/rules/ and checked at
start-up.

`config/rules/<regime>/<version>.yaml` holds one version of a regime's rules, in force from `effective_from` until
its `effective_to` (or until the next version starts). The version in force on a decision's date applies, and the
case and the decision record it, so a case decided under one version is never silently re-judged by a later one.

A malformed pack stops start-up with a message naming the file, the field and the problem. A legal value a pack
leaves unset (null) means "not available": the portal refuses what depends on it, never skips the check; "any"
and "unlimited" say explicitly that there is no restriction. Code asks the pack; no figure that lives in a pack is
repeated in code.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from flask import current_app

from app.errors import Problem, RuleViolation

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "rules"
CONDITION_TYPES = ("restrictive", "unpaid_work", "attendance", "financial_penalty", "foreign_offender")
HOURS_TYPES = ("unpaid_work", "attendance")  # the condition types measured in hours
PURPOSES = ("rehabilitative", "reparative")
MODES_OF_TRIAL = ("summary", "either_way", "indictable_only")
INDICTABLE_ONLY_POLICIES = ("barred", "exceptional_with_cps_consent")
APPROVALS = ("exceptional_circumstances", "indictable_only", "deadline_extension", "repeat_caution")
QUESTIONS = ("evidence_sufficient", "evidence_decided_by", "admits", "consents", "exceptional_rationale",
             "cps_consent_reference")
UNLIMITED = math.inf
ANY = "any"


class RulePackError(Exception):
    """A rule pack is malformed. The message names the file, the field and the problem."""


@dataclass(frozen=True)
class Deadline:
    normal_weeks: int
    exceptional_weeks: int


@dataclass(frozen=True)
class RepeatCaution:
    lookback_years: int
    needs_exceptional_circumstances: bool


@dataclass(frozen=True)
class VictimUpdates:
    """Victims' Code: working days within which a victim who opted in hears of a key decision."""

    working_days: int
    enhanced_working_days: int


@dataclass(frozen=True)
class DisposalType:
    key: str
    label: str
    statutory: bool
    outcome_code: str
    condition_types: tuple[str, ...]
    # Hours allowed in total per condition type, or per purpose within a type: {type: cap | {purpose: cap}}.
    # A cap is a number of hours, UNLIMITED, or None (not available: refused).
    hour_caps: dict[str, float | dict[str, float | None] | None]
    financial_penalty_caps: dict[str, int | None]  # by mode of trial; None: not available
    # Which conditions meet "at least one rehabilitative or reparative condition".
    counts_always: tuple[str, ...]  # these types always do
    counts_with_purpose: tuple[str, ...]  # these do when given a rehabilitative or reparative purpose
    indictable_only: str
    excluded_offence_groups: tuple[str, ...]
    warning_text: str

    def hour_cap(self, condition_type: str, purpose: str | None) -> tuple[str, float | None]:
        """The cap that a condition's hours count towards, with its name in words ("reparative attendance")."""
        cap = self.hour_caps.get(condition_type)
        words = condition_type.replace("_", " ")
        if isinstance(cap, dict):
            return f"{purpose} {words}" if purpose else words, cap.get(purpose) if purpose else None
        return words, cap

    def counts_as_rehabilitative_or_reparative(self, condition_type: str, purpose: str | None) -> bool:
        return condition_type in self.counts_always or (condition_type in self.counts_with_purpose
                                                        and purpose in PURPOSES)


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
    offences_committed_from: date | str | None  # a date, ANY, or None (not in force: refused)
    deadline: Deadline
    repeat_caution: RepeatCaution
    victim_updates: VictimUpdates
    approval_required: frozenset[str]
    eligibility_questions: dict[str, str]
    disposal_types: dict[str, DisposalType]
    path: Path

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


class _Reader:
    """Reads one pack's fields, turning every problem into a RulePackError that names file and field."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field: str, problem: str):
        raise RulePackError(f"{self.path.parent.name}/{self.path.name}: {field}: {problem}")

    def get(self, data: dict, field: str, kind, *, where: str = "", optional: bool = False):
        name = f"{where}{field}"
        if field not in data:
            self.fail(name, "is missing")
        value = data[field]
        if value is None and optional:
            return None
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(name, f"must be a whole number, not {value!r}")
        if kind is date and not isinstance(value, date):
            self.fail(name, f"must be a date (YYYY-MM-DD), not {value!r}")
        if kind in (str, bool, list, dict) and not isinstance(value, kind):
            self.fail(name, f"must be a {kind.__name__}, not {value!r}")
        return value

    def hours(self, value, field: str) -> float | None:
        if value is None or value == "unlimited":
            return None if value is None else UNLIMITED
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(field, f"must be a positive number of hours, unlimited, or null (not available), not {value!r}")
        return float(value)

    def types(self, raw: dict, field: str, where: str) -> tuple[str, ...]:
        found = self.get(raw, field, list, where=where)
        for t in found:
            if t not in CONDITION_TYPES:
                self.fail(f"{where}{field}", f"unknown condition type {t!r} (known: {', '.join(CONDITION_TYPES)})")
        return tuple(found)


def _hour_caps(r: _Reader, raw: dict, types: tuple[str, ...], where: str) -> dict:
    caps_raw = r.get(raw, "hour_caps", dict, where=where)
    caps = {}
    for t in caps_raw:
        if t not in HOURS_TYPES:
            r.fail(f"{where}hour_caps.{t}", f"unknown cap (hours are counted for {', '.join(HOURS_TYPES)})")
    for t in (t for t in HOURS_TYPES if t in types):
        value = r.get(caps_raw, t, object, where=f"{where}hour_caps.")
        if isinstance(value, dict):
            if unknown := set(value) - set(PURPOSES):
                r.fail(f"{where}hour_caps.{t}", f"unknown purpose(s) {', '.join(sorted(unknown))}")
            caps[t] = {p: r.hours(r.get(value, p, object, where=f"{where}hour_caps.{t}."), f"{where}hour_caps.{t}.{p}")
                       for p in PURPOSES}
        else:
            caps[t] = r.hours(value, f"{where}hour_caps.{t}")
    return caps


def _disposal(r: _Reader, key: str, raw) -> DisposalType:
    where = f"disposal_types.{key}."
    if not isinstance(raw, dict):
        r.fail(where.rstrip("."), "must be a mapping")
    types = r.types(raw, "condition_types", where)
    money_raw = r.get(raw, "financial_penalty_caps", dict, where=where)
    money = {}
    for mode in MODES_OF_TRIAL:
        value = r.get(money_raw, mode, int, where=f"{where}financial_penalty_caps.", optional=True)
        if value is not None and value < 0:
            r.fail(f"{where}financial_penalty_caps.{mode}", "must not be negative")
        money[mode] = value
    counts = r.get(raw, "rehabilitative_or_reparative", dict, where=where)
    policy = r.get(raw, "indictable_only", str, where=where)
    if policy not in INDICTABLE_ONLY_POLICIES:
        r.fail(f"{where}indictable_only", f"must be one of {', '.join(INDICTABLE_ONLY_POLICIES)}")
    text = r.get(raw, "warning_text", str, where=where).strip()
    if not text:
        r.fail(f"{where}warning_text", "must not be empty")
    return DisposalType(
        key=key, label=r.get(raw, "label", str, where=where), statutory=r.get(raw, "statutory", bool, where=where),
        outcome_code=str(r.get(raw, "outcome_code", str, where=where)), condition_types=types,
        hour_caps=_hour_caps(r, raw, types, where), financial_penalty_caps=money,
        counts_always=r.types(counts, "always", f"{where}rehabilitative_or_reparative."),
        counts_with_purpose=r.types(counts, "with_purpose", f"{where}rehabilitative_or_reparative."),
        indictable_only=policy, excluded_offence_groups=tuple(r.get(raw, "excluded_offence_groups", list,
                                                                    where=where)),
        warning_text=" ".join(text.split()),
    )


def load_pack(path: Path) -> RulePack:
    r = _Reader(path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path.parent.name}/{path.name}: not valid YAML ({getattr(exc, 'problem', exc)})") \
            from None
    if not isinstance(data, dict):
        raise RulePackError(f"{path.parent.name}/{path.name}: must be a mapping of fields")
    g = r.get
    pack_id, version = g(data, "id", str), str(g(data, "version", str))
    if pack_id != path.parent.name:
        r.fail("id", f"must match the folder name ({path.parent.name!r}), not {pack_id!r}")
    if version != path.stem:
        r.fail("version", f"must match the file name ({path.stem!r}), not {version!r}")
    effective_from, effective_to = g(data, "effective_from", date), g(data, "effective_to", date, optional=True)
    if effective_to and effective_to <= effective_from:
        r.fail("effective_to", "must be after effective_from")
    offences_from = g(data, "offences_committed_from", object)
    if offences_from is not None and offences_from != ANY and not isinstance(offences_from, date):
        r.fail("offences_committed_from", f"must be a date, {ANY}, or null (not in force), not {offences_from!r}")
    deadline_raw = g(data, "deadline", dict)
    deadline = Deadline(g(deadline_raw, "normal_weeks", int, where="deadline."),
                        g(deadline_raw, "exceptional_weeks", int, where="deadline."))
    if deadline.normal_weeks <= 0:
        r.fail("deadline.normal_weeks", "must be more than 0")
    if deadline.exceptional_weeks < deadline.normal_weeks:
        r.fail("deadline.exceptional_weeks", "must not be shorter than normal_weeks")
    repeat_raw = g(data, "repeat_caution", dict)
    repeat = RepeatCaution(g(repeat_raw, "lookback_years", int, where="repeat_caution."),
                           g(repeat_raw, "needs_exceptional_circumstances", bool, where="repeat_caution."))
    updates_raw = g(data, "victim_updates", dict)
    updates = VictimUpdates(g(updates_raw, "working_days", int, where="victim_updates."),
                            g(updates_raw, "enhanced_working_days", int, where="victim_updates."))
    approvals = g(data, "approval_required", list)
    for a in approvals:
        if a not in APPROVALS:
            r.fail("approval_required", f"unknown decision {a!r} (known: {', '.join(APPROVALS)})")
    questions = g(data, "eligibility_questions", dict)
    for q in QUESTIONS:
        if not g(questions, q, str, where="eligibility_questions.").strip():
            r.fail(f"eligibility_questions.{q}", "must not be empty")
    if unknown := set(questions) - set(QUESTIONS):
        r.fail("eligibility_questions", f"unknown question(s) {', '.join(sorted(unknown))}")
    disposals_raw = g(data, "disposal_types", dict)
    if not disposals_raw:
        r.fail("disposal_types", "must list at least one disposal type")
    minimum_age = g(data, "minimum_age", int)
    if minimum_age <= 0:
        r.fail("minimum_age", "must be more than 0")
    return RulePack(
        id=pack_id, title=g(data, "title", str), version=version, effective_from=effective_from,
        effective_to=effective_to, sources=tuple(g(data, "sources", list)), minimum_age=minimum_age,
        offences_committed_from=offences_from, deadline=deadline, repeat_caution=repeat, victim_updates=updates,
        approval_required=frozenset(approvals),
        eligibility_questions={q: " ".join(questions[q].split()) for q in QUESTIONS},
        disposal_types={k: _disposal(r, k, v) for k, v in disposals_raw.items()}, path=path,
    )


def load_regime(folder: Path) -> Regime:
    versions = sorted((load_pack(f) for f in sorted(folder.glob("*.yaml"))), key=lambda p: p.effective_from)
    if not versions:
        raise RulePackError(f"{folder.name}/: holds no rule pack versions")
    for earlier, later in itertools.pairwise(versions):  # an open end closes when the next starts
        if earlier.effective_from == later.effective_from or (earlier.effective_to is not None
                                                               and earlier.effective_to > later.effective_from):
            raise RulePackError(f"{folder.name}/{earlier.path.name}: effective_to: must end on or before "
                                f"{later.path.name} starts ({later.effective_from})")
    return Regime(folder.name, tuple(versions))


def load_all(directory: Path = RULES_DIR) -> dict[str, Regime]:
    folders = sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    if not folders:
        raise RulePackError(f"no rule packs found in {directory.name}/")
    return {f.name: load_regime(f) for f in folders}


# --- the pack a case is judged by ----------------------------------------------------------------------------


def regimes() -> dict[str, Regime]:
    return current_app.extensions["rule_packs"]


def in_force(regime: str, day: date) -> RulePack | None:
    """The version of a regime in force on `day` (None: none is, so nothing under it can be decided)."""
    found = regimes().get(regime)
    return found.in_force(day) if found else None


def lowest_minimum_age(day: date) -> int:
    """The youngest age at which any regime in force on `day` (or, if none is, any regime) allows a caution."""
    found = [r.in_force(day) or r.latest for r in regimes().values()]
    return min(p.minimum_age for p in found)


def pack_of(case) -> RulePack:
    """The version the case's latest decision was made under (its opening, its screening, its issue)."""
    return regimes()[case.regime].version(case.pack_version)


def disposal_of(case) -> DisposalType:
    return pack_of(case).disposal(case.disposal_type)


def decided_under(case, day: date, field: str | None) -> RulePack:
    """The version of the case's rules in force on the day of a decision, which the case then records; a decision
    on a day when no version is in force is refused (the problem is tied to the form field `field`)."""
    pack = in_force(case.regime, day)
    if pack is None or case.disposal_type not in pack.disposal_types:
        raise RuleViolation(Problem(field, f"{disposal_of(case).label} cannot be given on {day.day} {day:%B %Y}: "
                                           "no rules for it are in force on that day."))
    case.pack_version = pack.version
    return pack

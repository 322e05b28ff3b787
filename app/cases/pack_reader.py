"""Reading the rule packs from config/rules/ and checking them, at start-up and by `flask rules check`.

A malformed pack stops start-up with one line naming the file, the field and the problem.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

from app.cases.packs import (
    APPROVALS,
    CONDITION_TYPES,
    HOURS_TYPES,
    IN_FORCE,
    INDICTABLE_ONLY_POLICIES,
    MODES_OF_TRIAL,
    NON_COMPLIANCE_DECISIONS,
    NONE,
    NOT_COMMENCED,
    OFFENCE_FLAGS,
    PURPOSES,
    QUESTIONS,
    RANKS,
    UNLIMITED,
    Deadline,
    DisposalType,
    HourCap,
    PenaltyRule,
    Regime,
    RulePack,
    VictimUpdates,
)

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "rules"


class RulePackError(Exception):
    """A rule pack is malformed. The message names the file, the field and the problem."""


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

    def text(self, raw: dict, field: str, where: str) -> str:
        words = " ".join(self.get(raw, field, str, where=where).split())
        if not words:
            self.fail(f"{where}{field}", "must not be empty")
        return words

    def one_of(self, raw: dict, field: str, allowed: tuple, where: str) -> str:
        value = self.get(raw, field, str, where=where)
        if value not in allowed:
            self.fail(f"{where}{field}", f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def day_or(self, raw: dict, field: str, words: tuple[str, ...], where: str) -> date | str:
        value = self.get(raw, field, object, where=where)
        if not isinstance(value, date) and value not in words:
            self.fail(f"{where}{field}", f"must be a date or one of {', '.join(words)}, not {value!r}")
        return value

    def hours(self, value, field: str) -> Decimal | None:
        if value is None or value == "unlimited":
            return None if value is None else UNLIMITED
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(field, f"must be a positive number of hours, unlimited, or null (not available), not {value!r}")
        return Decimal(str(value))

    def positive(self, raw: dict, field: str, where: str) -> int | None:
        """A whole number above 0, or null: not available (e.g. an amount regulations have not set)."""
        value = self.get(raw, field, int, where=where, optional=True)
        if value is not None and value <= 0:
            self.fail(f"{where}{field}", "must be more than 0, or null (not available)")
        return value

    def listed(self, raw: dict, field: str, allowed: tuple[str, ...], where: str, what: str) -> tuple[str, ...]:
        found = self.get(raw, field, list, where=where)
        for t in found:
            if t not in allowed:
                self.fail(f"{where}{field}", f"unknown {what} {t!r} (known: {', '.join(allowed)})")
        return tuple(found)


def _hour_caps(r: _Reader, raw: dict, types: tuple[str, ...], purposes: tuple[str, ...], where: str):
    caps = []
    for i, item in enumerate(r.get(raw, "hour_caps", list, where=where)):
        at = f"{where}hour_caps[{i}]."
        if not isinstance(item, dict):
            r.fail(at.rstrip("."), "must be a mapping with name, hours and counts")
        counts = r.get(item, "counts", list, where=at)
        for key in counts:
            kind, _, purpose = str(key).partition(".")
            if kind not in HOURS_TYPES or (purpose and purpose not in purposes):
                r.fail(f"{at}counts", f"{key!r} is not an hours condition type (or type.purpose) of this disposal")
        caps.append(HourCap(r.text(item, "name", at), r.hours(r.get(item, "hours", object, where=at),
                                                            f"{at}hours"), tuple(counts)))
    counted = [key for cap in caps for key in cap.counts]
    if duplicated := sorted({k for k in counted if counted.count(k) > 1}):
        r.fail(f"{where}hour_caps", f"{', '.join(duplicated)} counted by more than one cap")
    for kind in (t for t in HOURS_TYPES if t in types):
        if kind not in counted and any(f"{kind}.{p}" not in counted for p in purposes):
            r.fail(f"{where}hour_caps", f"no cap counts the hours of every {kind.replace('_', ' ')} condition")
    return tuple(caps)


def _disposal(r: _Reader, key: str, raw) -> DisposalType:
    where = f"disposal_types.{key}."
    if not isinstance(raw, dict):
        r.fail(where.rstrip("."), "must be a mapping")
    g = r.get
    types = r.listed(raw, "condition_types", CONDITION_TYPES, where, "condition type")
    purposes = r.listed(raw, "purposes", PURPOSES, where, "purpose")
    money = {}
    if "financial_penalty" in types:
        money_raw = g(raw, "financial_penalty_caps", dict, where=where)
        for mode in MODES_OF_TRIAL:
            value = g(money_raw, mode, int, where=f"{where}financial_penalty_caps.", optional=True)
            if value is not None and value < 0:
                r.fail(f"{where}financial_penalty_caps.{mode}", "must not be negative")
            money[mode] = value
    counts = g(raw, "rehabilitative_or_reparative", dict, where=where)
    counts_where = f"{where}rehabilitative_or_reparative."
    guidance = g(raw, "guidance", dict, where=where)
    after = g(raw, "non_compliance", dict, where=where)
    after_where = f"{where}non_compliance."
    decisions = r.listed(after, "decisions", NON_COMPLIANCE_DECISIONS, after_where, "decision")
    approved = r.listed(after, "approved_by_supervisor", decisions, after_where, "decision it allows")
    penalty = None
    if "financial_penalty" in decisions:  # the amount and the time to pay: null until regulations set them
        raw_penalty = g(after, "financial_penalty", dict, where=after_where)
        at = f"{after_where}financial_penalty."
        penalty = PenaltyRule(*(r.positive(raw_penalty, name, at) for name in ("maximum_pounds", "days_to_pay")),
                              registrable_as=r.text(raw_penalty, "registrable_as", at))
    for flag in set(guidance) - set(OFFENCE_FLAGS):
        r.fail(f"{where}guidance.{flag}", f"must be one of {', '.join(OFFENCE_FLAGS)}")
    return DisposalType(
        key=key, label=r.text(raw, "label", where), noun=r.text(raw, "noun", where),
        person_title=r.text(raw, "person_title", where), document_title=r.text(raw, "document_title", where),
        statutory=g(raw, "statutory", bool, where=where),
        outcome_code=str(g(raw, "outcome_code", str, where=where)),
        commencement=r.day_or(raw, "commencement", (IN_FORCE, NOT_COMMENCED), where),
        offences_from_commencement=g(raw, "offences_from_commencement", bool, where=where),
        offences_committed_before=r.day_or(raw, "offences_committed_before", (NONE, NOT_COMMENCED), where),
        condition_types=types, purposes=purposes,
        requires_rehabilitative_or_reparative=g(counts, "required", bool, where=counts_where),
        counts_always=r.listed(counts, "always", CONDITION_TYPES, counts_where, "condition type"),
        counts_with_purpose=r.listed(counts, "with_purpose", CONDITION_TYPES, counts_where, "condition type"),
        hour_caps=_hour_caps(r, raw, types, purposes, where), financial_penalty_caps=money,
        indictable_only=r.one_of(raw, "indictable_only", INDICTABLE_ONLY_POLICIES, where),
        indictable_only_decided_by=r.one_of(raw, "indictable_only_decided_by", ("prosecutor", "any"), where),
        administered_by=r.listed(raw, "administered_by", RANKS, where, "rank") or r.fail(
            f"{where}administered_by", "must name who may give it"),
        excluded_offence_groups=tuple(g(raw, "excluded_offence_groups", list, where=where)),
        guidance={k: r.text(guidance, k, f"{where}guidance.") for k in guidance},
        warning_text=r.text(raw, "warning_text", where), consequence_text=r.text(raw, "consequence_text", where),
        reminder_text=r.text(raw, "reminder_text", where),
        non_compliance_decisions=decisions, non_compliance_approved_by_supervisor=approved,
        penalty=penalty,
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
    deadline_raw = g(data, "deadline", dict)
    deadline = Deadline(g(deadline_raw, "normal_weeks", int, where="deadline."),
                        g(deadline_raw, "exceptional_weeks", int, where="deadline."))
    if deadline.normal_weeks <= 0:
        r.fail("deadline.normal_weeks", "must be more than 0")
    if deadline.exceptional_weeks < deadline.normal_weeks:
        r.fail("deadline.exceptional_weeks", "must not be shorter than normal_weeks")
    earlier = g(data, "earlier_offending", dict)
    updates_raw = g(data, "victim_updates", dict)
    updates = VictimUpdates(g(updates_raw, "working_days", int, where="victim_updates."),
                            g(updates_raw, "enhanced_working_days", int, where="victim_updates."))
    approvals = r.listed(data, "approval_required", APPROVALS, "", "decision")
    questions = g(data, "eligibility_questions", dict)
    for q in QUESTIONS:
        r.text(questions, q, "eligibility_questions.")
    if unknown := set(questions) - set(QUESTIONS):
        r.fail("eligibility_questions", f"unknown question(s) {', '.join(sorted(unknown))}")
    disposals_raw = g(data, "disposal_types", dict)
    if not disposals_raw:
        r.fail("disposal_types", "must list at least one disposal type")
    disposals = {k: _disposal(r, k, v) for k, v in disposals_raw.items()}
    minimum_age = g(data, "minimum_age", int)
    if minimum_age <= 0:
        r.fail("minimum_age", "must be more than 0")
    return RulePack(
        id=pack_id, title=g(data, "title", str), version=version, effective_from=effective_from,
        effective_to=effective_to, sources=tuple(g(data, "sources", list)), minimum_age=minimum_age,
        deadline=deadline, victim_updates=updates, approval_required=frozenset(approvals),
        earlier_offending_rationale_required=g(earlier, "rationale_required", bool, where="earlier_offending."),
        eligibility_questions={q: " ".join(questions[q].split()) for q in QUESTIONS},
        disposal_types=disposals, path=path, condition_words=_condition_words(r, data, disposals),
    )


WORD_FIELDS = {"details": "x", "hours": "1", "amount": "£1"}  # what condition words may be filled with


def _condition_words(r: _Reader, data: dict, disposals: dict[str, DisposalType]) -> dict[str, str]:
    """Plain words for every condition type the pack's disposals allow (and, optionally, per restrictive subtype),
    naming only the fields a condition fills them with."""
    raw = r.get(data, "condition_words", dict)
    words = {key: r.text(raw, key, "condition_words.") for key in raw}
    for key in sorted({t for d in disposals.values() for t in d.condition_types} - set(words)):
        r.fail(f"condition_words.{key}", "must say what this condition type asks of the person")
    for key, text in words.items():
        if key.split(".")[0] not in CONDITION_TYPES:
            r.fail(f"condition_words.{key}", "is not a condition type (or restrictive.<kind>)")
        try:
            text.format(**WORD_FIELDS)
        except (KeyError, IndexError, ValueError):
            r.fail(f"condition_words.{key}", f"may only be filled with {{{'}, {'.join(WORD_FIELDS)}}}")
    return words


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

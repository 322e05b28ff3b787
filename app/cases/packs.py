"""Rule packs: the legal parameters of each regime, read from config/rules/*.yaml and checked at start-up.

A malformed pack stops start-up with a message naming the file, the field and the problem. Code asks the pack
(`pack_of(case).deadline.normal_weeks`); no figure that lives in a pack is repeated in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from flask import current_app

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "rules"
CONDITION_TYPES = ("restrictive", "unpaid_work", "attendance", "financial_penalty", "foreign_offender")
HOUR_CAP_KEYS = ("unpaid_work", "attendance_reparative", "attendance_rehabilitative")
MODES_OF_TRIAL = ("summary", "either_way", "indictable_only")
INDICTABLE_ONLY_POLICIES = ("barred", "exceptional_with_cps_consent")
APPROVALS = ("exceptional_circumstances", "indictable_only", "deadline_extension", "repeat_caution")
QUESTIONS = ("evidence_sufficient", "evidence_decided_by", "admits", "consents", "exceptional_rationale",
             "cps_consent_reference")


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
class DisposalType:
    key: str
    label: str
    statutory: bool
    outcome_code: str
    condition_types: tuple[str, ...]
    hour_caps: dict[str, float | None]
    financial_penalty_caps: dict[str, int]
    indictable_only: str
    excluded_offence_groups: tuple[str, ...]
    warning_text: str


@dataclass(frozen=True)
class RulePack:
    id: str
    title: str
    version: str
    effective_from: date
    effective_to: date | None
    sources: tuple[str, ...]
    minimum_age: int
    commencement: date | None
    deadline: Deadline
    repeat_caution: RepeatCaution
    approval_required: frozenset[str]
    eligibility_questions: dict[str, str]
    disposal_types: dict[str, DisposalType]
    path: Path

    def disposal(self, key: str) -> DisposalType:
        return self.disposal_types[key]


class _Reader:
    """Reads one pack's fields, turning every problem into a RulePackError that names file and field."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field: str, problem: str):
        raise RulePackError(f"{self.path.name}: {field}: {problem}")

    def get(self, data: dict, field: str, kind, *, where: str = "", optional: bool = False):
        name = f"{where}{field}"
        if field not in data:
            if optional:
                return None
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


def _hours(reader: _Reader, value, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        reader.fail(field, f"must be a positive number of hours or null, not {value!r}")
    return float(value)


def _disposal(reader: _Reader, key: str, raw) -> DisposalType:
    where = f"disposal_types.{key}."
    if not isinstance(raw, dict):
        reader.fail(where.rstrip("."), "must be a mapping")
    types = reader.get(raw, "condition_types", list, where=where)
    for t in types:
        if t not in CONDITION_TYPES:
            known = ", ".join(CONDITION_TYPES)
            reader.fail(f"{where}condition_types", f"unknown condition type {t!r} (known: {known})")
    caps_raw = reader.get(raw, "hour_caps", dict, where=where)
    for k in caps_raw:
        if k not in HOUR_CAP_KEYS:
            reader.fail(f"{where}hour_caps.{k}", f"unknown cap (known: {', '.join(HOUR_CAP_KEYS)})")
    caps = {k: _hours(reader, caps_raw.get(k), f"{where}hour_caps.{k}") for k in HOUR_CAP_KEYS}
    money_raw = reader.get(raw, "financial_penalty_caps", dict, where=where)
    money = {}
    for mode in MODES_OF_TRIAL:
        value = reader.get(money_raw, mode, int, where=f"{where}financial_penalty_caps.")
        if value < 0:
            reader.fail(f"{where}financial_penalty_caps.{mode}", "must not be negative")
        money[mode] = value
    policy = reader.get(raw, "indictable_only", str, where=where)
    if policy not in INDICTABLE_ONLY_POLICIES:
        reader.fail(f"{where}indictable_only", f"must be one of {', '.join(INDICTABLE_ONLY_POLICIES)}")
    text = reader.get(raw, "warning_text", str, where=where).strip()
    if not text:
        reader.fail(f"{where}warning_text", "must not be empty")
    return DisposalType(
        key=key, label=reader.get(raw, "label", str, where=where), statutory=reader.get(raw, "statutory", bool,
                                                                                        where=where),
        outcome_code=str(reader.get(raw, "outcome_code", str, where=where)), condition_types=tuple(types),
        hour_caps=caps, financial_penalty_caps=money, indictable_only=policy,
        excluded_offence_groups=tuple(reader.get(raw, "excluded_offence_groups", list, where=where)),
        warning_text=" ".join(text.split()),
    )


def load_pack(path: Path) -> RulePack:
    reader = _Reader(path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path.name}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise RulePackError(f"{path.name}: must be a mapping of fields")
    g = reader.get
    pack_id = g(data, "id", str)
    if pack_id != path.stem:
        reader.fail("id", f"must match the file name ({path.stem!r}), not {pack_id!r}")
    effective_from, effective_to = g(data, "effective_from", date), g(data, "effective_to", date, optional=True)
    if effective_to and effective_to <= effective_from:
        reader.fail("effective_to", "must be after effective_from")
    deadline_raw = g(data, "deadline", dict)
    deadline = Deadline(g(deadline_raw, "normal_weeks", int, where="deadline."),
                        g(deadline_raw, "exceptional_weeks", int, where="deadline."))
    if deadline.normal_weeks <= 0:
        reader.fail("deadline.normal_weeks", "must be more than 0")
    if deadline.exceptional_weeks < deadline.normal_weeks:
        reader.fail("deadline.exceptional_weeks", "must not be shorter than normal_weeks")
    repeat_raw = g(data, "repeat_caution", dict)
    repeat = RepeatCaution(g(repeat_raw, "lookback_years", int, where="repeat_caution."),
                           g(repeat_raw, "needs_exceptional_circumstances", bool, where="repeat_caution."))
    approvals = g(data, "approval_required", list)
    for a in approvals:
        if a not in APPROVALS:
            reader.fail("approval_required", f"unknown decision {a!r} (known: {', '.join(APPROVALS)})")
    questions = g(data, "eligibility_questions", dict)
    for q in QUESTIONS:
        text = g(questions, q, str, where="eligibility_questions.").strip()
        if not text:
            reader.fail(f"eligibility_questions.{q}", "must not be empty")
    if unknown := set(questions) - set(QUESTIONS):
        reader.fail("eligibility_questions", f"unknown question(s) {', '.join(sorted(unknown))}")
    disposals_raw = g(data, "disposal_types", dict)
    if not disposals_raw:
        reader.fail("disposal_types", "must list at least one disposal type")
    minimum_age = g(data, "minimum_age", int)
    if minimum_age < 18:
        reader.fail("minimum_age", "must be at least 18 (under-18s go to the youth process)")
    return RulePack(
        id=pack_id, title=g(data, "title", str), version=str(g(data, "version", str)), effective_from=effective_from,
        effective_to=effective_to, sources=tuple(g(data, "sources", list)), minimum_age=minimum_age,
        commencement=g(data, "commencement", date, optional=True), deadline=deadline, repeat_caution=repeat,
        approval_required=frozenset(approvals),
        eligibility_questions={q: " ".join(questions[q].split()) for q in QUESTIONS},
        disposal_types={k: _disposal(reader, k, v) for k, v in disposals_raw.items()}, path=path,
    )


def load_all(directory: Path = RULES_DIR) -> dict[str, RulePack]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RulePackError(f"no rule packs found in {directory.name}/")
    return {p.id: p for p in (load_pack(f) for f in files)}


def pack_of(case) -> RulePack:
    return current_app.extensions["rule_packs"][case.regime]


def disposal_of(case) -> DisposalType:
    return pack_of(case).disposal(case.disposal_type)

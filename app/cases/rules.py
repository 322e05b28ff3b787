"""Rule packs: the legal parameters of each regime, read from config/rules/*.yaml and checked at start-up.

A malformed pack stops start-up with a message naming the file, the field and the problem. Code asks the pack
(`pack("current_practice").deadline.normal_weeks`); no figure that lives in a pack is repeated in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

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


# --- Applying a pack: pure functions over plain facts, so the same facts always give the same answer. ---------

SERIOUSNESS = {mode: rank for rank, mode in enumerate(MODES_OF_TRIAL)}
REHABILITATIVE_OR_REPARATIVE = ("rehabilitative", "reparative")


@dataclass(frozen=True)
class OffenceFacts:
    title: str
    mode_of_trial: str
    exclusion_group: str | None
    committed_on: date


@dataclass(frozen=True)
class ScreeningFacts:
    date_of_birth: date | None
    caution_date: date
    offences: tuple[OffenceFacts, ...]
    evidence_sufficient: bool | None
    evidence_decided_by: str | None  # officer or prosecutor
    evidence_decision_maker: str | None
    admits: bool | None
    consents: bool | None
    prior_cautions: int  # within the pack's look-back period
    exceptional_rationale: str | None = None
    cps_consent_reference: str | None = None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # every check, in words, passed or not
    problems: tuple[str, ...]  # the checks that failed
    approvals: tuple[str, ...]  # decisions a supervisor must approve before the caution is given


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def screen(pack: RulePack, disposal_key: str, f: ScreeningFacts) -> Eligibility:
    """Apply the pack's eligibility rules (DOMAIN s.3) and say why, in words, for each one."""
    d = pack.disposal(disposal_key)
    ok, bad, approvals = [], [], []

    def check(passed: bool, good: str, problem: str):
        (ok if passed else bad).append(good if passed else problem)

    if f.date_of_birth is None:
        bad.append("The person's date of birth is needed to check they are 18 or over.")
    else:
        age = age_on(f.date_of_birth, f.caution_date)
        check(age >= pack.minimum_age,
              f"The person will be {age} on the day of the caution ({pack.minimum_age} or over is needed).",
              f"The person will be {age} on the day of the caution. Only people aged {pack.minimum_age} or over "
              "can be given one; under-18s go through the youth process, which Resolve does not cover.")
    if d.statutory:
        who = {"officer": "a police officer", "prosecutor": "a prosecutor"}.get(f.evidence_decided_by or "")
        check(bool(f.evidence_sufficient and who and f.evidence_decision_maker),
              f"There is enough evidence to charge, as decided by {who} ({f.evidence_decision_maker}).",
              "A recorded decision that there is enough evidence to charge, and who made it, is needed.")
        check(f.admits is True, "The person admits the offence.", "The person must admit the offence.")
        check(f.consents is True, "The person agrees to the caution.", "The person must agree to the caution.")
    if not f.offences:
        bad.append("At least one offence is needed.")
    for o in f.offences:
        if o.exclusion_group and o.exclusion_group in d.excluded_offence_groups:
            bad.append(f"{o.title} is an excluded offence: a {d.label.lower()} cannot be given for it.")
        if d.statutory and pack.commencement and o.committed_on < pack.commencement:
            bad.append(f"{o.title} was committed on {o.committed_on:%d %B %Y}, before the scheme started on "
                       f"{pack.commencement:%d %B %Y}, so a {d.label.lower()} cannot be given for it.")
        if o.mode_of_trial == "indictable_only":
            if d.indictable_only == "barred":
                bad.append(f"{o.title} can only be tried in the Crown Court: a {d.label.lower()} cannot be given.")
            else:
                check(bool(f.exceptional_rationale and f.cps_consent_reference),
                      f"{o.title} can only be tried in the Crown Court: exceptional circumstances are recorded "
                      f"with prosecutor consent {f.cps_consent_reference}.",
                      f"{o.title} can only be tried in the Crown Court: record the exceptional circumstances and "
                      "the prosecutor's (DPP/CPS) consent reference.")
                approvals.append("indictable_only")
    if f.prior_cautions:
        years = pack.repeat_caution.lookback_years
        if pack.repeat_caution.needs_exceptional_circumstances:
            check(bool(f.exceptional_rationale),
                  f"The person has {f.prior_cautions} caution(s) in the last {years} years: exceptional "
                  "circumstances are recorded.",
                  f"The person has {f.prior_cautions} caution(s) in the last {years} years: record the "
                  "exceptional circumstances.")
        approvals.append("repeat_caution")
    if f.exceptional_rationale:
        approvals.append("exceptional_circumstances")
    needed = tuple(dict.fromkeys(a for a in approvals if a in pack.approval_required))
    return Eligibility(eligible=not bad, reasons=tuple(ok + bad), problems=tuple(bad), approvals=needed)


@dataclass(frozen=True)
class ConditionFacts:
    type: str
    purpose: str | None
    hours: float | None
    amount_pounds: int | None
    due_on: date
    remedy_from_victim: bool = False


def _weeks(start: date, weeks: int) -> date:
    return start + timedelta(weeks=weeks)


def normal_deadline(pack: RulePack, issued_on: date) -> date:
    return _weeks(issued_on, pack.deadline.normal_weeks)


def check_deadline(pack: RulePack, issued_on: date, deadline: date, extension_reason: str | None) -> list[str]:
    """The deadline is within the normal limit, or within the exceptional limit with a recorded reason."""
    normal, maximum = normal_deadline(pack, issued_on), _weeks(issued_on, pack.deadline.exceptional_weeks)
    if deadline <= issued_on:
        return ["The deadline must be after the day the caution is given."]
    if deadline > maximum:
        return [f"The deadline can be at most {pack.deadline.exceptional_weeks} weeks after the caution "
                f"({maximum:%d %B %Y}), even in exceptional circumstances."]
    if deadline > normal and not (extension_reason or "").strip():
        return [f"A deadline later than {pack.deadline.normal_weeks} weeks ({normal:%d %B %Y}) needs a reason "
                "for the exceptional extension."]
    return []


def check_conditions(pack: RulePack, disposal_key: str, conditions: list[ConditionFacts], offence_modes: list[str],
                     issued_on: date, deadline: date, remedy_requested: bool = False,
                     remedy_declined_reason: str | None = None) -> list[str]:
    """Everything wrong with a set of conditions under the pack (DOMAIN s.4); empty when they may be issued."""
    problems = []
    if not conditions:
        return ["Add at least one condition."]
    if not any(c.type == "unpaid_work" or c.purpose in REHABILITATIVE_OR_REPARATIVE for c in conditions):
        problems.append("At least one condition must be rehabilitative or reparative.")
    problems += [message for _, message in condition_limit_problems(pack, disposal_key, conditions, offence_modes,
                                                                    issued_on, deadline)]
    if remedy_requested and not any(c.remedy_from_victim for c in conditions) and not (remedy_declined_reason or
                                                                                       "").strip():
        problems.append("A victim asked for a community remedy: attach it as a condition, or record why it would "
                        "be inappropriate.")
    return problems


def condition_limit_problems(pack: RulePack, disposal_key: str, conditions: list[ConditionFacts],
                             offence_modes: list[str], issued_on: date, deadline: date) -> list[tuple[str, str]]:
    """The limits each condition and the set must keep to (types, due dates, hour and money caps), as
    (field, problem) pairs so a form can show each problem beside the field it is about."""
    d = pack.disposal(disposal_key)
    problems = []
    for c in conditions:
        if c.type not in d.condition_types:
            problems.append(("type", f"A {d.label.lower()} cannot have a {c.type.replace('_', ' ')} condition."))
        if c.due_on > deadline:
            problems.append(("due_on", f"A condition is due on {c.due_on:%d %B %Y}, after the deadline "
                                       f"({deadline:%d %B %Y})."))
        if c.due_on < issued_on:
            problems.append(("due_on", f"A condition is due on {c.due_on:%d %B %Y}, before the caution is given."))
    totals = {"unpaid_work": 0.0, "attendance_reparative": 0.0, "attendance_rehabilitative": 0.0}
    for c in conditions:
        key = c.type if c.type == "unpaid_work" else f"attendance_{c.purpose}" if c.type == "attendance" else None
        if key in totals and c.hours:
            totals[key] += c.hours
    labels = {"unpaid_work": "unpaid work", "attendance_reparative": "reparative attendance",
              "attendance_rehabilitative": "rehabilitative attendance"}
    for key, total in totals.items():
        cap = d.hour_caps.get(key)
        if cap is not None and total > cap:
            problems.append(("hours", f"{labels[key].capitalize()} adds up to {total:g} hours; the most allowed "
                                      f"for a {d.label.lower()} is {cap:g} hours."))
    if offence_modes:
        worst = max(offence_modes, key=SERIOUSNESS.__getitem__)
        cap = d.financial_penalty_caps[worst]
        total = sum(c.amount_pounds or 0 for c in conditions if c.type == "financial_penalty")
        if total > cap:
            problems.append(("amount_pounds", f"Financial penalties add up to £{total}; the most allowed for this "
                                              f"offence is £{cap}."))
    return problems

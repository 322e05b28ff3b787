"""Applying a rule pack: pure functions over plain facts, so the same facts always give the same answer, with
the reasons in words (DOMAIN.md sections 3 and 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.cases.packs import ANY, MODES_OF_TRIAL, RulePack

SERIOUSNESS = {mode: rank for rank, mode in enumerate(MODES_OF_TRIAL)}


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
        bad.append(f"The person's date of birth is needed to check they are {pack.minimum_age} or over.")
    else:
        age = age_on(f.date_of_birth, f.caution_date)
        check(age >= pack.minimum_age,
              f"The person will be {age} on the day of the caution ({pack.minimum_age} or over is needed).",
              f"The person will be {age} on the day of the caution. Only people aged {pack.minimum_age} or over "
              f"can be given one; under-{pack.minimum_age}s go through the youth process, which Resolve does not "
              "cover.")
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
        start = pack.offences_committed_from
        if start is None:
            bad.append(f"The rules for a {d.label.lower()} are not in force, so it cannot be given.")
        elif start != ANY and o.committed_on < start:
            bad.append(f"{o.title} was committed on {o.committed_on:%d %B %Y}, before the scheme started on "
                       f"{start:%d %B %Y}, so a {d.label.lower()} cannot be given for it.")
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


def latest_deadline(pack: RulePack, issued_on: date) -> date:
    """The latest deadline allowed, even in exceptional circumstances."""
    return _weeks(issued_on, pack.deadline.exceptional_weeks)


def check_deadline(pack: RulePack, issued_on: date, deadline: date, extension_reason: str | None) -> list[str]:
    """The deadline is within the normal limit, or within the exceptional limit with a recorded reason."""
    normal, maximum = normal_deadline(pack, issued_on), latest_deadline(pack, issued_on)
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
    d = pack.disposal(disposal_key)
    if not any(d.counts_as_rehabilitative_or_reparative(c.type, c.purpose) for c in conditions):
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
    totals: dict[str, list] = {}  # each cap the pack sets, by name: [hours so far, the cap]
    for c in conditions:
        if c.type in d.hour_caps and c.hours:
            name, cap = d.hour_cap(c.type, c.purpose)
            totals.setdefault(name, [0.0, cap])[0] += c.hours
    for name, (total, cap) in totals.items():
        if cap is None:
            problems.append(("hours", f"{name.capitalize()} is not available for a {d.label.lower()}: the rule pack "
                                      "sets no hours for it."))
        elif total > cap:
            problems.append(("hours", f"{name.capitalize()} adds up to {total:g} hours; the most allowed "
                                      f"for a {d.label.lower()} is {cap:g} hours."))
    penalties = [c.amount_pounds or 0 for c in conditions if c.type == "financial_penalty"]
    if offence_modes and penalties:
        cap = d.financial_penalty_caps[max(offence_modes, key=SERIOUSNESS.__getitem__)]
        total = sum(penalties)
        if cap is None:
            problems.append(("amount_pounds", "A financial penalty is not available for this offence: the rule pack "
                                              "sets no amount for it."))
        elif total > cap:
            problems.append(("amount_pounds", f"Financial penalties add up to £{total}; the most allowed for this "
                                              f"offence is £{cap}."))
    return problems

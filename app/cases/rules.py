"""Applying a rule pack: pure functions over plain facts, so the same facts always give the same answer, with
the reasons in words (DOMAIN.md sections 3 and 4). Hours and money are exact decimals: a total exactly at a cap
is allowed, whatever its parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.cases.packs import MODES_OF_TRIAL, DisposalType, RulePack
from app.formats import long_date as _on
from app.formats import money, number

SERIOUSNESS = {mode: rank for rank, mode in enumerate(MODES_OF_TRIAL)}
DECIDERS = {"officer": "a police officer", "prosecutor": "a prosecutor"}


def article(words: str) -> str:
    """"an adult conditional caution", "a community caution"."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


@dataclass(frozen=True)
class OffenceFacts:
    title: str
    mode_of_trial: str
    exclusion_group: str | None
    committed_on: date
    flags: tuple[str, ...] = ()  # hate_crime, domestic_abuse: the pack's guidance for each is shown


@dataclass(frozen=True)
class EarlierRecord:
    """An earlier disposal or conviction of the person: one in Resolve, or one the officer recorded (the PNC)."""

    on: date | None
    offence: str
    outcome: str


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
    should_be_given: bool | None = None
    should_be_given_decided_by: str | None = None
    should_be_given_decision_maker: str | None = None
    earlier: tuple[EarlierRecord, ...] = ()
    earlier_offending_rationale: str | None = None
    exceptional_rationale: str | None = None
    cps_consent_reference: str | None = None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # every check, in words, passed or not
    problems: tuple[str, ...]  # the checks that failed
    approvals: tuple[str, ...]  # decisions a supervisor must approve before the caution is given
    guidance: tuple[str, ...] = ()  # what the pack asks the officer to weigh (e.g. hate crime)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _offence_problems(d: DisposalType, o: OffenceFacts, f: ScreeningFacts, check) -> list[str]:
    bad, label = [], article(d.label.lower())
    if o.exclusion_group and o.exclusion_group in d.excluded_offence_groups:
        bad.append(f"{o.title} is an excluded offence: {label} cannot be given for it.")
    if d.offences_from_commencement and isinstance(d.commencement, date) and o.committed_on < d.commencement:
        bad.append(f"{o.title} was committed on {_on(o.committed_on)}, before the scheme started on "
                   f"{_on(d.commencement)}, so {label} cannot be given for it.")
    if isinstance(d.offences_committed_before, date) and o.committed_on >= d.offences_committed_before:
        bad.append(f"{o.title} was committed on {_on(o.committed_on)}: {label} can only be given for an offence "
                   f"committed before {_on(d.offences_committed_before)}.")
    if o.mode_of_trial == "indictable_only":
        if d.indictable_only == "barred":
            bad.append(f"{o.title} can only be tried in the Crown Court: {label} cannot be given.")
        else:
            check(bool(f.exceptional_rationale and f.cps_consent_reference),
                  f"{o.title} can only be tried in the Crown Court: exceptional circumstances are recorded with "
                  f"prosecutor consent {f.cps_consent_reference}.",
                  f"{o.title} can only be tried in the Crown Court: record the exceptional circumstances and the "
                  "prosecutor's (DPP/CPS) consent reference.")
        if d.indictable_only_decided_by == "prosecutor" and f.evidence_decided_by != "prosecutor":
            bad.append(f"{o.title} can only be tried in the Crown Court, so the decision that there is enough "
                       "evidence to charge must be a prosecutor's, not a police officer's.")
    return bad


def screen(pack: RulePack, disposal_key: str, f: ScreeningFacts) -> Eligibility:
    """Apply the pack's eligibility rules (DOMAIN s.3) and say why, in words, for each one."""
    d = pack.disposal(disposal_key)
    ok, bad, approvals = [], [], []

    def check(passed: bool, good: str, problem: str):
        (ok if passed else bad).append(good if passed else problem)

    if not d.available_on(f.caution_date):
        bad.append(f"The law for {article(d.label.lower())} is not in force on {_on(f.caution_date)}, so it cannot be "
                   "given.")
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
        who = DECIDERS.get(f.evidence_decided_by or "")
        check(bool(f.evidence_sufficient and who and (f.evidence_decision_maker or "").strip()),
              f"There is enough evidence to charge, as decided by {who} ({f.evidence_decision_maker}).",
              "A recorded decision that there is enough evidence to charge, and who made it, is needed.")
        given_by = DECIDERS.get(f.should_be_given_decided_by or "")
        check(bool(f.should_be_given and given_by and (f.should_be_given_decision_maker or "").strip()),
              f"The caution should be given, as decided by {given_by} ({f.should_be_given_decision_maker}).",
              "A recorded decision that the caution should be given, and who made it, is needed.")
        check(f.admits is True, "The person admits the offence.", "The person must admit the offence.")
        check(f.consents is True, "The person agrees to the caution.", "The person must agree to the caution.")
    if not f.offences:
        bad.append("At least one offence is needed.")
    for o in f.offences:
        bad += _offence_problems(d, o, f, check)
        if o.mode_of_trial == "indictable_only" and d.indictable_only != "barred":
            approvals.append("indictable_only")
    if f.earlier:
        listed = "; ".join(f"{r.outcome}, {r.offence}" + (f", {_on(r.on)}" if r.on else "") for r in f.earlier)
        ok.append(f"Earlier offending: {listed}.")
        if pack.earlier_offending_rationale_required:
            check(bool((f.earlier_offending_rationale or "").strip()),
                  "How the earlier offending was taken into account is recorded.",
                  "The person has earlier offending: record how you took it into account.")
        approvals.append("repeat_caution")
    if f.exceptional_rationale:
        approvals.append("exceptional_circumstances")
    needed = tuple(dict.fromkeys(a for a in approvals if a in pack.approval_required))
    return Eligibility(eligible=not bad, reasons=tuple(ok + bad), problems=tuple(bad), approvals=needed,
                       guidance=guidance_for(d, (flag for o in f.offences for flag in o.flags)))


def guidance_for(d: DisposalType, flags) -> tuple[str, ...]:
    """The pack's words for the officer about these kinds of offence (e.g. hate crime), each once."""
    return tuple(dict.fromkeys(d.guidance[flag] for flag in flags if flag in d.guidance))


@dataclass(frozen=True)
class ConditionFacts:
    type: str
    purpose: str | None
    hours: Decimal | None
    amount_pounds: int | None
    due_on: date | None  # None: not yet given (a form with errors is still checked for the rest)
    remedy_for: str | None = None  # the victim whose requested community remedy this condition is


@dataclass(frozen=True)
class RemedyFacts:
    """One victim's request for an action from the community remedy document, and any reasons for refusing it."""

    victim: str
    name: str
    requested: str
    declined_reason: str | None = None


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
                f"({_on(maximum)}), even in exceptional circumstances."]
    if deadline > normal and not (extension_reason or "").strip():
        return [f"A deadline later than {pack.deadline.normal_weeks} weeks ({_on(normal)}) needs a reason "
                "for the exceptional extension."]
    return []


def check_conditions(pack: RulePack, disposal_key: str, conditions: list[ConditionFacts], offence_modes: list[str],
                     issued_on: date, deadline: date, remedies: list[RemedyFacts] = ()) -> list[str]:
    """Everything wrong with a set of conditions under the pack (DOMAIN s.4); empty when they may be issued."""
    if not conditions:
        return ["Add at least one condition."]
    d, problems = pack.disposal(disposal_key), []
    if d.requires_rehabilitative_or_reparative and not any(
            d.counts_as_rehabilitative_or_reparative(c.type, c.purpose) for c in conditions):
        problems.append("At least one condition must be rehabilitative or reparative.")
    problems += [message for _, message in condition_limit_problems(pack, disposal_key, conditions, offence_modes,
                                                                    issued_on, deadline)]
    return problems + [remedy_problem(r) for r in unanswered_remedies(conditions, remedies)]


def unanswered_remedies(conditions: list[ConditionFacts], remedies: list[RemedyFacts]) -> list[RemedyFacts]:
    """Each victim's request is answered on its own: by a condition attached for it, or by reasons for refusing."""
    return [r for r in remedies
            if not any(c.remedy_for == r.victim for c in conditions) and not (r.declined_reason or "").strip()]


def remedy_problem(r: RemedyFacts) -> str:
    return (f"{r.name} asked for a community remedy (“{r.requested}”): attach it as a condition, or record on their "
            "views page why it would be inappropriate.")


def condition_limit_problems(pack: RulePack, disposal_key: str, conditions: list[ConditionFacts],
                             offence_modes: list[str], issued_on: date, deadline: date) -> list[tuple[str, str]]:
    """The limits each condition and the set must keep to (types, purposes, due dates, hour and money caps), as
    (field, problem) pairs so a form can show each problem beside the field it is about."""
    d = pack.disposal(disposal_key)
    label, problems = article(d.label.lower()), []
    for c in conditions:
        if c.type not in d.condition_types:
            kind = article(c.type.replace("_", " "))
            problems.append(("type", f"{label.capitalize()} cannot have {kind} condition."))
        if c.purpose and c.purpose not in d.purposes:
            problems.append(("purpose", f"{label.capitalize()} cannot have {article(c.purpose)} condition."))
        if c.due_on is not None and c.due_on > deadline:
            problems.append(("due_on", f"A condition is due on {_on(c.due_on)}, after the deadline "
                                       f"({_on(deadline)})."))
        if c.due_on is not None and c.due_on < issued_on:
            problems.append(("due_on", f"A condition is due on {_on(c.due_on)}, before the caution is given."))
    totals: dict[str, list] = {}  # each cap by name: [hours so far, the cap]
    for c in conditions:
        if c.hours is not None and c.type in d.condition_types:
            cap = d.hour_cap(c.type, c.purpose)
            name = cap.name if cap else c.type.replace("_", " ")
            totals.setdefault(name, [Decimal(0), cap.hours if cap else None])[0] += Decimal(c.hours)
    for name, (total, cap) in totals.items():
        if cap is None:
            problems.append(("hours", f"{name.capitalize()} is not available for {label}: the rule pack sets no "
                                      "hours for it."))
        elif total > cap:
            problems.append(("hours", f"{name.capitalize()} adds up to {number(total)} hours; the most allowed for "
                                      f"{label} is {number(cap)} hours."))
    penalties = [c.amount_pounds or 0 for c in conditions if c.type == "financial_penalty"]
    if offence_modes and penalties and "financial_penalty" in d.condition_types:
        cap = d.financial_penalty_caps[max(offence_modes, key=SERIOUSNESS.__getitem__)]
        total = sum(penalties)
        if cap is None:
            problems.append(("amount_pounds", "A financial penalty is not available for this offence: the amounts "
                                              "are not set (no regulations are made)."))
        elif total > cap:
            problems.append(("amount_pounds", f"Financial penalties add up to {money(total)}; the most allowed for "
                                              f"this offence is {money(cap)}."))
    return problems

"""The referral dataset: the only facts about the person and the case that a provider receives (DOMAIN.md
section 6). It is stored with the referral as sent, and the provider's pages render that copy, never the case.
Dates are kept as ISO dates (data, not words) and hours as a plain number ("10", never "1E+1"); the pages show
them through the same `long_date` and `number` functions as every other page."""

from __future__ import annotations

import hashlib
import json
import re

from app.cases.models import Case, Condition
from app.cases.needs import config as needs_config
from app.formats import number
from app.organisations.categories import config as directory_config
from app.organisations.models import Service
from app.referrals import victim_match
from app.referrals.victim_match import KINDS, Victim

SUBTYPE_SAFEGUARDING = {
    "no_contact": "No contact with the victim or other people named by the police (the police hold the names).",
    "not_enter": "Must not enter places or areas named in the conditions.",
    "activity": "Must not take part in activities named in the conditions.",
    "conduct": "Must not behave in ways named in the conditions.",
}


def _scrubber(case: Case):
    """Victims' names never leave in free text: each is replaced by "the victim"."""
    names = set()
    for link in case.victims:
        for part in (link.person.full_name, link.person.family_name, link.person.given_name):
            if part and len(part.strip()) >= 2:
                names.add(part.strip())
    patterns = [re.compile(r"\b" + re.escape(n) + r"\b", re.IGNORECASE)
                for n in sorted(names, key=len, reverse=True)]

    def scrub(text: str | None) -> str | None:
        if not text:
            return text
        for p in patterns:
            text = p.sub("the victim", text)
        return text
    return scrub


def referral_dataset(case: Case, condition: Condition, service: Service, *, risks: str | None,
                     safeguarding: str | None, officer) -> dict:
    """Identity and contact, offence type, conditions and deadline, relevant needs and risks, safeguarding
    constraints, the officer's contact. Never ethnicity, sex, health notes or anything about the victim."""
    person, scrub = case.offender, _scrubber(case)
    needs = needs_config()
    assessment = case.needs
    relevant = directory_config().categories.get(service.category)
    threshold = needs.levels.index(needs.suggest_from)
    need_rows = []
    if assessment and relevant:
        for domain in relevant.needs:
            level = assessment.levels.get(domain)
            if level in needs.levels and needs.levels.index(level) >= threshold:
                need_rows.append({"domain": needs.domains[domain].label, "level": level})
    constraints = [SUBTYPE_SAFEGUARDING[c.subtype] for c in case.conditions
                   if c.type == "restrictive" and c.subtype in SUBTYPE_SAFEGUARDING]
    if safeguarding and safeguarding.strip():
        constraints.append(scrub(safeguarding.strip()))
    return {
        "person": {"name": person.full_name,
                   "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
                   "address": person.address, "postcode": person.postcode, "phone": person.phone,
                   "email": person.email, "preferred_channel": person.preferred_channel,
                   "language": person.language, "interpreter_needed": person.interpreter_needed,
                   "accessibility_needs": person.accessibility_needs},
        "case_reference": case.reference,
        "offences": [co.offence.title for co in case.offences],
        "condition": {"type": condition.type, "purpose": condition.purpose, "details": scrub(condition.details),
                      "hours": number(condition.hours) if condition.hours is not None else None,
                      "due_on": condition.due_on.isoformat()},
        "other_conditions": [{"type": c.type, "subtype": c.subtype, "due_on": c.due_on.isoformat()}
                             for c in case.conditions if c.id != condition.id],
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "needs": need_rows,
        "risks": scrub(risks.strip()) if risks and risks.strip() else None,
        "safeguarding": list(dict.fromkeys(constraints)),
        "officer": {"name": officer.display_name, "email": officer.email, "team": case.team.name,
                    "force": case.force.name},
    }


# The dataset's free text (what someone typed, not a value the case holds in a field of its own): each with the
# referral form field it comes from (None: from the case) and the words an error message names it by.
FREE_TEXT = (("risks", "risks", "Risks"), ("safeguarding", "safeguarding", "Safeguarding"),
             ("condition", "condition", "The condition's details"),
             ("accessibility_needs", None, "The person's accessibility needs"))


def free_text(dataset: dict) -> dict[str, str]:
    return {"risks": dataset.get("risks") or "", "safeguarding": " ".join(dataset.get("safeguarding") or []),
            "condition": (dataset.get("condition") or {}).get("details") or "",
            "accessibility_needs": (dataset.get("person") or {}).get("accessibility_needs") or ""}


def victims_of(case: Case) -> list[Victim]:
    return [Victim(p.given_name, p.family_name, p.phone, p.email, p.address, p.postcode)
            for p in (link.person for link in case.victims)]


def victim_problems(case: Case, dataset: dict) -> list[tuple[str | None, str]]:
    """(form field, message) for each free-text part of the dataset that mentions a victim's details."""
    hits: dict[str, list[str]] = {}
    for key, kind in victim_match.find(free_text(dataset), victims_of(case), person=case.offender.full_name):
        hits.setdefault(key, []).append(KINDS[kind].removeprefix("the victim's "))
    problems = []
    for key, field, words in FREE_TEXT:
        if key not in hits:
            continue
        kinds = hits[key]
        what = " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
        close = " (or a word close to it)" if "name" in kinds else ""
        fix = {"risks": "remove {} before sending", "safeguarding": "remove {} before sending",
               "condition": "the condition as written cannot be sent to a provider"}.get(
            key, "change the person's details before sending").format("them" if len(kinds) > 1 else "it")
        problems.append((field, f"{words} mentions the victim's {what}{close}: {fix}"))
    return problems


def digest(dataset: dict) -> str:
    """A fingerprint of the dataset as the officer checked it, so the one sent is that one."""
    return hashlib.sha256(json.dumps(dataset, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

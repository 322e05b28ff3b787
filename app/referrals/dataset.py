"""The referral dataset: the only facts about the person and the case that a provider receives (DOMAIN.md
section 6). It is stored with the referral as sent, and the provider's pages render that copy, never the case."""

from __future__ import annotations

import re

from app.cases.models import Case, Condition
from app.cases.needs import config as needs_config
from app.organisations.categories import config as directory_config
from app.organisations.models import Service

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
                      "hours": str(condition.hours.normalize()) if condition.hours is not None else None,
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

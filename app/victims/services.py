"""The victim's use cases: each key decision worded for each victim and owed to each opted-in one (Victims' Code:
within the pack's working days, one for enhanced rights), their update choices, an officer recording that they
told a victim, and a victim's interest in restorative justice. Flushes; never commits."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.audit import services as audit
from app.cases import packs
from app.compliance import services as compliance
from app.compliance.models import FlagKind
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.notifications import reminders, timings
from app.notifications import services as outbox
from app.notifications.models import Audience
from app.timeline.services import POLICE
from app.timeline.services import record as timeline
from app.victims.models import GIVEN_BY_OFFICER, RestorativeInterest, VictimUpdate

# The key decisions a victim who opted in is told of; each has `templates/timeline/victim_<decision>.txt`.
DECISIONS = ("caution_given", "case_closed", "non_compliance", "completed")
CHANNELS = ("portal", "email", "sms")  # what a victim may choose on their page
BY_OUTBOX = ("email", "sms")
TEMPLATE = "victim_update"


def working_days(case, link) -> int:
    """The pack's working days for this victim's updates: the enhanced figure for enhanced rights."""
    rule = packs.pack_of(case).victim_updates
    return rule.enhanced_working_days if link.enhanced_rights else rule.working_days


def due_on(case, link, decided_on: date) -> date:
    """The Victims' Code date: that many working days after the decision, in England and Wales working days."""
    return timings.working_days_after(decided_on, working_days(case, link))


def late_key(update: VictimUpdate) -> str:
    return f"{FlagKind.VICTIM_UPDATE_LATE.value}:{update.public_id}"


def page_link(case) -> str:
    return f"{current_app.config['PORTAL_URL']}/my/victim-cases/{case.public_id}"


def _concerning(case, link) -> dict:
    """What of the caution concerns this victim, as facts the template words: never the conditions' own text
    (it may name a place or a person), only their kind; the remedy in the victim's own words."""
    restrictive = {c.subtype for c in case.conditions if c.type == "restrictive"}
    remedy = any(c.remedy_for_id == link.id for c in case.conditions)
    return {"no_contact": "no_contact" in restrictive, "not_enter": "not_enter" in restrictive,
            "remedy": (link.view.remedy_requested if link.view else None) if remedy else None,
            "payment": any(c.type == "payment_to_victim" for c in case.conditions)}


def _record(case, link, decision: str, by, detail: dict) -> None:
    # One literal call per kind, so each kind's template is checked to exist. The police read each too.
    who = {"to": POLICE, "victim": link.person, "by": by}
    if decision == "caution_given":
        timeline(case, "victim_caution_given", **who, **detail)
    elif decision == "case_closed":
        timeline(case, "victim_case_closed", **who, **detail)
    elif decision == "non_compliance":
        timeline(case, "victim_non_compliance", **who, **detail)
    else:
        timeline(case, "victim_completed", **who, **detail)


def decision_made(case, decision: str, *, by=None, on: date | None = None, **detail) -> list[VictimUpdate]:
    """A key decision on `case` (one of DECISIONS). Each victim reads it on their timeline in their own words;
    each who opted in is owed an update by the Victims' Code date, written to the outbox now when they chose
    email or a text message. `detail`: what the decision's victim wording needs beyond the case (for example
    `outcome` for a non-compliance decision), in words fit for a victim. Safe to call twice for one decision."""
    if decision not in DECISIONS:
        raise ValueError(f"not a key decision: {decision}")
    on = on or clock.today()
    noun = packs.disposal_of(case).noun
    owed = []
    for link in case.victims:
        words = {"noun": noun, "on": on.isoformat()} | detail
        if decision == "caution_given":
            words |= _concerning(case, link)
        _record(case, link, decision, by, words)
        if link.updates_opted_in:
            owed.append(_owe(case, link, decision, on))
    return owed


def _owe(case, link, decision: str, on: date) -> VictimUpdate:
    key = f"{decision}:{case.public_id}:{link.id}"
    update = db.session.scalar(select(VictimUpdate).where(VictimUpdate.key == key))
    if update is not None:
        return update
    channel = link.update_channel or "portal"
    update = VictimUpdate(key=key, case_id=case.id, case_victim_id=link.id, decision=decision, decided_on=on,
                          due_on=due_on(case, link, on), channel=channel, created_at=clock.now())
    db.session.add(update)
    db.session.flush()
    if channel == "portal" and case.issued_on is not None:
        # Their page shows it as soon as it is written (before issue the public have no page: the officer tells them).
        update.given_at, update.given_how = clock.now(), "portal"
    elif channel in BY_OUTBOX and reminders.contact(link.person, channel)[0]:
        update.message_key = f"{TEMPLATE}:{update.public_id}"
        outbox.write([outbox.row(update.message_key, audience=Audience.VICTIM, template=TEMPLATE, medium=channel,
                                 personalisation={"link": page_link(case)}, person_id=link.person_id,
                                 case_id=case.id)])
    audit.record("victim_update.owe", obj=update, detail={"decision": decision, "channel": channel})
    return update


def record_given(update: VictimUpdate, *, how: str, by) -> VictimUpdate:
    """The officer told the victim themselves (by phone, letter, in person ...). A message still waiting is
    cancelled (the victim has heard); a late flag for it clears."""
    if update.given_at is not None:
        raise InvalidTransition("This update has already been given.")
    if how not in GIVEN_BY_OFFICER:
        raise RuleViolation(Problem("how", "Choose how you told the victim"))
    update.given_at, update.given_how, update.given_by_id = clock.now(), how, by.id
    if update.message_key:
        outbox.cancel_pending(key_prefix=update.message_key)
    db.session.flush()
    timeline(update.case, "victim_update_given", by=by, decision=update.decision, how=how)
    audit.record("victim_update.given", actor=by, obj=update, detail={"how": how})
    compliance.clear_flags(key=late_key(update), because="the victim was told")
    return update


def set_updates(link, *, opted_in: bool, channel: str | None, by) -> None:
    """The victim's own choice: updates or none, and how. Email and text need a working address or number."""
    if opted_in and channel not in CHANNELS:
        raise RuleViolation(Problem("channel", "Choose how you want to get updates"))
    if opted_in and channel in BY_OUTBOX and not reminders.contact(link.person, channel)[0]:
        what = "an email address" if channel == "email" else "a mobile number"
        raise RuleViolation(Problem("channel", f"We do not have {what} for you. Choose another way, or ask your "
                                               "police contact to add it"))
    link.updates_opted_in, link.update_channel = opted_in, channel if opted_in else None
    db.session.flush()
    timeline(link.case, "victim_updates_chosen", victim=link.person, to=POLICE, by=by, opted_in=opted_in,
             channel=link.update_channel)
    audit.record("victim.updates", actor=by, obj=link.case, detail={"opted_in": opted_in,
                                                                    "channel": link.update_channel})


def restorative_interest(link, *, by) -> bool:
    """The victim said they are interested in restorative justice: the officer hears once (True when now)."""
    # Insert-or-ignore: two presses at once still make one interest, and the second is no error.
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    said = db.session.execute(dialect.insert(RestorativeInterest).values(case_victim_id=link.id, said_at=clock.now())
                              .on_conflict_do_nothing(index_elements=["case_victim_id"])
                              .returning(RestorativeInterest.id)).first()
    if said is None:
        return False
    case = link.case
    timeline(case, "victim_rj_interest", victim=link.person, to=POLICE, by=by)
    audit.record("victim.restorative_interest", actor=by, obj=case)
    outbox.notify_staff(case.officer, f"rj_interest:{case.public_id}:{link.id}", "victim_rj_interest",
                        {"reference": case.reference,
                         "link": f"{current_app.config['PORTAL_URL']}/cases/{case.public_id}"}, case_id=case.id)
    return True

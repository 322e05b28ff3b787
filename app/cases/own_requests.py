"""What the person cautioned changes or asks for from their own page: how reminders reach them (text message,
email or none, among the contact points that work), and asking their officer to correct their contact details
(they never type a new number or address here: the officer checks and changes it). Use cases flush, write the
timeline and audit, and never commit."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import services as audit
from app.auth.public_invitations import masked_contact
from app.cases.models import Case
from app.errors import Problem, RuleViolation
from app.extensions import db
from app.notifications import reminders, timings
from app.notifications.dispatch import NOT_REMINDERS
from app.notifications.models import Audience, Notification, NotificationStatus
from app.notifications.services import notify_staff
from app.timeline.models import TimelineEvent
from app.timeline.services import POLICE
from app.timeline.services import record as timeline

# The person reads these on their own page, in their language (lazy: looked up when the page is shown).
CHOICES = {"sms": _l("Text message"), "email": _l("Email"), "none": _l("No reminders")}
NOT_OFFERED = _l("Choose one of the ways shown. To use another, ask your officer to change your contact details.")


def current_choice(person) -> str:
    """How reminders reach the person now: "sms", "email" or "none" (opted out, or no working contact point)."""
    return reminders.person_medium(person) or "none"


def offered(person) -> dict[str, str]:
    """The choices the person may make: each channel with a working contact point, and none."""
    return {m: label for m, label in CHOICES.items() if m == "none" or reminders.contact(person, m)[0]}


def masked(person, medium: str) -> str | None:
    return masked_contact(person, medium) if medium in ("sms", "email") else None


def choose_reminders(case: Case, choice: str | None, *, by) -> bool:
    """Set how the person's reminders reach them; returns whether anything changed. Reminders already planned and
    not yet sent go by the new channel (a choice of none stops them when they fall due: the dispatcher reads the
    opt-out as it sends, so choosing a channel again later brings them back)."""
    person = case.offender
    if choice not in offered(person):
        raise RuleViolation(Problem("channel", str(NOT_OFFERED)))
    if choice == current_choice(person):
        return False
    if choice == "none":
        person.reminders_opt_out = True
    else:
        person.preferred_channel, person.reminders_opt_out = choice, False
        _reroute(person, choice)
    db.session.flush()
    timeline(case, "reminders_chosen", to=POLICE, by=by, choice=choice)
    audit.record("person.reminders", actor=by, obj=person, purpose=f"case {case.reference}",
                 detail={"choice": choice, "case": str(case.public_id)})
    return True


def _reroute(person, medium: str) -> None:
    pending = db.session.scalars(select(Notification).where(
        Notification.person_id == person.id, Notification.audience == Audience.OFFENDER,
        Notification.status == NotificationStatus.PENDING, Notification.template.not_in(NOT_REMINDERS),
        Notification.medium != medium)).all()
    for n in pending:
        n.medium = medium
        if medium == "sms":  # a text never arrives in quiet hours
            n.next_attempt_at = timings.after_quiet_hours(n.next_attempt_at)


ASKED, CORRECTED = "contact_change_asked", "contact_corrected"


def ask_officer(case: Case, what: str | None, *, by) -> TimelineEvent:
    """The person says what is wrong with their contact details: the officer in charge is told (a message that
    names the case reference only) and reads their words on the police timeline."""
    what = (what or "").strip()
    if not what:
        raise RuleViolation(Problem("what", _("Tell us what is wrong with your contact details.")))
    event = timeline(case, ASKED, to=POLICE, by=by, what=what)
    audit.record("person.contact_change_asked", actor=by, obj=case.offender, purpose=f"case {case.reference}",
                 detail={"case": str(case.public_id)})
    link = f"{current_app.config['PORTAL_URL']}/cases/{case.public_id}/contact-details/person"
    notify_staff(case.officer, f"contact-change:{case.public_id}:{event.id}", "contact_change_asked",
                 {"reference": case.reference, "link": link}, case_id=case.id)
    return event


def officer_asked(case: Case) -> bool:
    """The person asked their officer to change their contact details, and no correction has been made since."""
    latest = db.session.scalar(select(TimelineEvent.kind).where(
        TimelineEvent.case_id == case.id, TimelineEvent.kind.in_((ASKED, CORRECTED)))
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc()).limit(1))
    return latest == ASKED

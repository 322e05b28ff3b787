"""Use cases after issue: correcting the contact details of the person cautioned or of a victim (a new phone
number). What the person signed is never touched: the caution document is the stored text, so its hash stays."""

from __future__ import annotations

from app.audit import services as audit
from app.cases.models import Case
from app.compliance import services as compliance
from app.errors import InvalidTransition
from app.extensions import db
from app.people.models import Person
from app.timeline.services import OFFENDER, POLICE
from app.timeline.services import record as timeline

CONTACT_FIELDS = ("address", "postcode", "email", "phone", "preferred_channel", "reminders_opt_out")
# A corrected address or number is tried again: the mark that it did not work goes with the old one.
FAILED_MARKS = {"email": "email_failed_at", "phone": "phone_failed_at"}
MEDIUM_OF = {"email": "email", "phone": "sms"}
NOT_ISSUED = "This caution has not been given yet: change contact details on the case's task list."


def correct_contact_details(case: Case, person: Person, values: dict, *, by) -> list[str]:
    """Change the person's (or a victim's) contact details; returns the fields that changed. Audited with the
    field names only, and on the police timeline."""
    if case.issued_on is None:
        raise InvalidTransition(NOT_ISSUED)
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact details: {sorted(unknown)}")
    changed = sorted(k for k, v in values.items() if getattr(person, k) != v)
    if not changed:
        return []
    for k in changed:
        setattr(person, k, values[k])
        if k in FAILED_MARKS:
            setattr(person, FAILED_MARKS[k], None)
            if person.id == case.offender_id:
                compliance.contact_corrected(case, MEDIUM_OF[k])
    db.session.flush()
    # The person whose details they are reads it too (a victim alone, of the case's victims).
    if person.id == case.offender_id:
        timeline(case, "contact_corrected", to=POLICE | OFFENDER, by=by, whose="offender", fields=changed)
    else:
        timeline(case, "contact_corrected", victim=person, by=by, whose="victim", fields=changed)
    # Field names only: no personal data in the audit detail.
    audit.record("person.correct", actor=by, obj=person, purpose=f"case {case.reference}",
                 detail={"fields": changed, "case": str(case.public_id)})
    return changed

"""Invitations that link the person cautioned, or one victim, to a sign-in identity.

The officer issues one from the issued case: a single-use code, printed on the person's copy of the caution
document or sent to their email or phone, expiring after PUBLIC_INVITATION_DAYS. Whoever holds the code must also
give a second fact (the date of birth on the case, or a one-time code sent to the contact point on the case);
INVITATION_WRONG_ANSWERS wrong answers lock it, so a forwarded or guessed code gives nothing. Only then is it held
for the sign-in with the public provider, which binds the identity to the person record, once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from app import clock
from app.audit import services as audit
from app.auth import invitations
from app.auth.models import PublicInvitation
from app.extensions import db
from app.notifications import reminders
from app.notifications import services as outbox
from app.notifications.models import Audience
from app.organisations.models import Role
from app.timeline.services import record as timeline

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_LENGTH = 12
CONTACT_CODE_MINUTES = 15


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:40]


def shown(code: str) -> str:
    """The code as printed: three groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def link(code: str) -> str:
    return f"{current_app.config['PORTAL_URL']}/i/{normalise(code)}"


def ways_to_send(person) -> list[str]:
    """How this person can be given an invitation: always on paper; by email or text where a working address
    or number is on the case."""
    return ["print"] + [m for m in ("email", "sms") if reminders.contact(person, m)[0]]


def issue(case, person, party: Role, *, sent_by: str, by) -> tuple[PublicInvitation, str]:
    """A new invitation for this person in this case (any earlier one still open is revoked). Returns it with its
    code, which is shown or sent now and never kept. Flushes; never commits."""
    if sent_by not in ways_to_send(person):
        raise ValueError(sent_by)
    now = clock.now()
    for earlier in open_for(case.id, person.id):
        earlier.revoked_at = now
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    days = current_app.config["PUBLIC_INVITATION_DAYS"]
    invitation = PublicInvitation(case_id=case.id, person_id=person.id, party=party, code_hash=_hash(code),
                                  sent_by=sent_by, created_by_id=by.id, created_at=now,
                                  expires_at=now + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    if sent_by != "print":
        _send(invitation, "portal_invitation", sent_by, {"code": shown(code), "link": link(code),
                                                          "days": days})
    audit.record("invitation.issue", actor=by, obj=invitation,
                 detail={"case": str(case.public_id), "party": party.value, "sent_by": sent_by})
    timeline(case, "invitation_issued", by=by, party=party.value, sent_by=sent_by)
    return invitation, code


def open_for(case_id: int, person_id: int) -> list[PublicInvitation]:
    now = clock.now()
    return [i for i in db.session.scalars(select(PublicInvitation).where(
        PublicInvitation.case_id == case_id, PublicInvitation.person_id == person_id))
        if i.state(now) == "usable"]


def of_case(case_id: int) -> dict[int, PublicInvitation]:
    """The latest invitation of each person in the case, by person id."""
    found = db.session.scalars(select(PublicInvitation).where(PublicInvitation.case_id == case_id)
                               .order_by(PublicInvitation.created_at, PublicInvitation.id))
    return {i.person_id: i for i in found}


def revoke(invitation: PublicInvitation, *, by) -> None:
    if invitation.state(clock.now()) != "usable":
        return
    invitation.revoked_at = clock.now()
    audit.record("invitation.revoke", actor=by, obj=invitation)


def find(code: str) -> PublicInvitation | None:
    code = normalise(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(PublicInvitation).where(PublicInvitation.code_hash == _hash(code)))


def contact_point(invitation: PublicInvitation) -> str | None:
    """Where a one-time code can go: the person's own choice of email or text if it works, else either."""
    person = invitation.person
    chosen = person.preferred_channel if person.preferred_channel in ("email", "sms") else None
    for medium in filter(None, (chosen, "email", "sms")):
        if reminders.contact(person, medium)[0]:
            return medium
    return None


def masked(invitation: PublicInvitation, medium: str) -> str:
    """The contact point, partly hidden: enough for its owner to recognise it."""
    return masked_contact(invitation.person, medium)


def masked_contact(person, medium: str) -> str | None:
    """A person's working contact point for `medium`, partly hidden (their reminders page and a victim's page show
    it too); None when none works."""
    value = reminders.contact(person, medium)[0]
    if not value:
        return None
    if medium == "sms":
        return f"the mobile number ending {value[-3:]}"
    name, _, domain = value.partition("@")
    return f"the email address {name[:1]}…@{domain}"


def sent_just_now(invitation: PublicInvitation) -> bool:
    """A code went less than a minute ago: another is not sent yet (each costs a text, and could pester)."""
    expires = invitation.contact_code_expires_at
    return expires is not None and clock.now() < expires - timedelta(minutes=CONTACT_CODE_MINUTES - 1)


def send_contact_code(invitation: PublicInvitation) -> str | None:
    """Send a fresh one-time code to the contact point; returns the medium used, or None if there is none."""
    medium = contact_point(invitation)
    if medium is None or invitation.state(clock.now()) != "usable":
        return None
    code = "".join(secrets.choice("0123456789") for _ in range(6))
    invitation.contact_code_hash = _hash(code)
    invitation.contact_code_expires_at = clock.now() + timedelta(minutes=CONTACT_CODE_MINUTES)
    _send(invitation, "portal_check_code", medium, {"code": code, "minutes": CONTACT_CODE_MINUTES},
          key=f"check-code:{invitation.public_id}:{clock.now().isoformat()}")
    audit.record("invitation.check_code_sent", obj=invitation, purpose="security", detail={"medium": medium})
    return medium


def check(invitation: PublicInvitation, *, birth_date: date | None = None, contact_code: str | None = None) -> bool:
    """The second fact. Wrong: counted, and the invitation locks at the limit. Flushes; the caller commits even
    when the answer is wrong, so the count holds."""
    now = clock.now()
    if invitation.state(now) != "usable":
        return False
    if birth_date is not None:
        right = invitation.person.date_of_birth is not None and birth_date == invitation.person.date_of_birth
    else:
        right = (invitation.contact_code_hash is not None and invitation.contact_code_expires_at > now
                 and secrets.compare_digest(invitation.contact_code_hash, _hash(contact_code or "")))
    if right:
        audit.record("invitation.checked", obj=invitation, purpose="security")
        return True
    # One UPDATE, so two wrong answers at once both count.
    db.session.execute(update(PublicInvitation).where(PublicInvitation.id == invitation.id)
                       .values(wrong_answers=PublicInvitation.wrong_answers + 1))
    db.session.refresh(invitation, ["wrong_answers"])
    if invitation.wrong_answers >= current_app.config["INVITATION_WRONG_ANSWERS"]:
        invitation.locked_at = now
    audit.record("invitation.wrong_answer", obj=invitation, purpose="security",
                 detail={"wrong_answers": invitation.wrong_answers, "locked": invitation.locked_at is not None})
    return False


def tries_left(invitation: PublicInvitation) -> int:
    return max(current_app.config["INVITATION_WRONG_ANSWERS"] - invitation.wrong_answers, 0)


@invitations.redeemer("public")
def redeem(token: str, user, provider) -> None:
    """Bind the identity to the invited person record (held only after the second fact was given)."""
    invitation = find(token)
    if invitation is None:
        raise invitations.Refused("unknown")
    if (state := invitation.state(clock.now())) != "usable":
        raise invitations.Refused(state)
    person = invitation.person
    if person.user_id not in (None, user.id):
        raise invitations.Refused("wrong_person")
    person.user_id = user.id
    invitation.used_at, invitation.user_id = clock.now(), user.id
    audit.record("invitation.redeem", actor=user, obj=invitation, detail={"party": invitation.party.value})
    timeline(invitation.case, "invitation_redeemed", party=invitation.party.value)


def _send(invitation: PublicInvitation, template: str, medium: str, personalisation: dict, key: str | None = None):
    party = Audience.VICTIM if invitation.party is Role.VICTIM else Audience.OFFENDER
    outbox.write([outbox.row(key or f"invitation:{invitation.public_id}", audience=party, template=template,
                             medium=medium, personalisation=personalisation, person_id=invitation.person_id,
                             case_id=invitation.case_id)])

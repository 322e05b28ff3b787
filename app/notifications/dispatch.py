"""The dispatcher: claims due messages and sends them through the deployment's channel.

A claim is one UPDATE of up to a batch of due rows to `sending`, under this run's token, committed before anything
is sent: on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so dispatchers in several processes take
different rows; on SQLite the UPDATE holds the database's write lock, so claims are serialised. Each message's
result is committed as soon as the channel answers. A dispatcher killed mid-batch leaves its rows `sending`; after
the lease another run asks the channel whether each was taken (Notify can say, by reference) and sends only the
ones that were not (SMTP cannot say: the same Message-ID goes again, which receiving mail systems treat as one).
"""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from app import clock
from app.auth.models import User
from app.extensions import db
from app.notifications import messages, reminders, timings
from app.notifications.channels import Channel, Outgoing, PermanentFailure, TransientFailure
from app.notifications.models import Audience, Notification, NotificationStatus
from app.people.models import Person

log = logging.getLogger(__name__)
PENDING, SENDING = NotificationStatus.PENDING, NotificationStatus.SENDING


def claim(batch: int) -> tuple[str, list[int]]:
    now, token = clock.now(), uuid.uuid4().hex
    due = select(Notification.id).where(Notification.status == PENDING, Notification.next_attempt_at <= now) \
        .order_by(Notification.next_attempt_at, Notification.id).limit(batch)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = db.session.scalars(
        update(Notification).where(Notification.id.in_(due.scalar_subquery()), Notification.status == PENDING)
        .values(status=SENDING, claim=token, claimed_at=now, attempts=Notification.attempts + 1)
        .returning(Notification.id).execution_options(synchronize_session=False)).all()
    db.session.commit()
    return token, sorted(ids)


def _backoff(attempts: int, t: timings.Timings) -> timedelta:
    """Capped exponential backoff with full jitter over its upper half."""
    ceiling = min(t.backoff_cap_seconds, t.backoff_seconds * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


# Sent because someone asked for them (an officer's invitation, the code the person asked for), so an opt-out of
# reminders does not stop them.
NOT_REMINDERS = frozenset({"portal_invitation", "portal_check_code"})


def _address(n: Notification) -> tuple[str | None, str | None]:
    """(where to send it, why it cannot be sent). Read when sending, so a corrected address is used."""
    if n.audience is Audience.STAFF and n.user_id is None:  # an invitation: the person has no account yet
        return (n.personalisation.get("email"), None) if n.personalisation.get("email") else (None, "no address")
    if n.audience is Audience.STAFF:
        user = db.session.get(User, n.user_id)
        return (user.email, None) if user and user.active and user.email else (None, "no email address")
    person = db.session.get(Person, n.person_id)
    if person is None:
        return None, "no recipient"
    if n.audience is Audience.OFFENDER and person.reminders_opt_out and n.template not in NOT_REMINDERS:
        return None, "the person asked for no reminders"
    return reminders.contact(person, n.medium)


def address_hash(address: str) -> str:
    """Names an address in a flag's key without putting it there."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:12]


def mark_not_reaching(n: Notification, *, permanent: bool = True) -> None:
    """A message to a person failed for good: a permanent failure marks that contact point as not working (until
    it is corrected), and the officer is told once per contact point by a flag."""
    if n.audience is Audience.STAFF or n.case_id is None:
        return
    from app.cases.models import Case
    from app.compliance import services as compliance

    person = db.session.get(Person, n.person_id)
    address = (person.phone if n.medium == "sms" else person.email) or ""
    if permanent:
        setattr(person, "phone_failed_at" if n.medium == "sms" else "email_failed_at", clock.now())
    compliance.not_reaching(db.session.get(Case, n.case_id), person, n.medium, address_hash(address),
                            victim=n.audience is Audience.VICTIM)


def deliver(n: Notification, channel: Channel, t: timings.Timings) -> None:
    """Send one claimed message and record what happened (flushed; the caller commits)."""
    # The last commit expired the row: it is read before it changes and the recipient is looked up without a
    # flush, so the claim is cleared with the result in one UPDATE at the commit and the row is read once.
    now, medium = clock.now(), n.medium
    n.claim = None
    if medium == "in_app":
        n.status, n.channel, n.sent_at, n.delivered_at = NotificationStatus.DELIVERED, "portal", now, now
        return
    if n.medium not in channel.media:
        n.status, n.last_error = NotificationStatus.CANCELLED, f"this deployment cannot send {n.medium}"
        return
    if n.medium == "sms" and timings.in_quiet_hours(now, t):
        n.status, n.attempts, n.next_attempt_at = PENDING, n.attempts - 1, timings.after_quiet_hours(now, t)
        return
    with db.session.no_autoflush:
        to, why_not = _address(n)
        if to is not None:
            subject, body = messages.render_for(n)  # in the recipient's language, which may be looked up
    if to is None:
        n.status, n.last_error = NotificationStatus.CANCELLED, why_not
        return
    try:
        n.reference = channel.send(Outgoing(key=n.key, medium=n.medium, to=to, template=n.template,
                                            subject=subject, body=body, personalisation=n.personalisation))
    except PermanentFailure as exc:
        n.status, n.last_error, n.channel = NotificationStatus.FAILED, str(exc)[:300], channel.name
        mark_not_reaching(n)
    except TransientFailure as exc:
        n.last_error, n.channel = str(exc)[:300], channel.name
        if n.attempts >= t.max_attempts:
            n.status = NotificationStatus.FAILED
            mark_not_reaching(n, permanent=False)
        else:
            n.status, n.next_attempt_at = PENDING, now + _backoff(n.attempts, t)
    else:
        n.status, n.sent_at, n.channel, n.last_error = NotificationStatus.SENT, now, channel.name, None


def recover(channel: Channel, t: timings.Timings) -> int:
    """Messages held past the lease by a dispatcher that died: sent if the channel took them, else due again."""
    stale = db.session.scalars(select(Notification).where(
        Notification.status == SENDING,
        Notification.claimed_at < clock.now() - timedelta(seconds=t.lease_seconds)).limit(t.batch)).all()
    for n in stale:
        try:
            reference = channel.already_sent(n.key)
        except TransientFailure:
            continue  # cannot tell yet: never send blindly
        if reference:
            n.status, n.reference, n.sent_at, n.channel = NotificationStatus.SENT, reference, clock.now(), channel.name
        else:
            n.status, n.next_attempt_at, n.attempts = PENDING, clock.now(), n.attempts - 1
        n.claim = None
    db.session.commit()
    return len(stale)


def dispatch(channel: Channel, *, rounds: int | None = None) -> int:
    """Send everything due (or `rounds` batches of it); return how many messages were handled."""
    t = timings.get()
    recover(channel, t)
    done = 0
    while rounds is None or rounds > 0:
        _, ids = claim(t.batch)
        if not ids:
            break
        claimed = db.session.scalars(select(Notification).where(Notification.id.in_(ids))
                                     .order_by(Notification.id)).all()
        recipients = _load_recipients(claimed)  # held: the session keeps only weak references
        # Each result is committed as soon as it is known; the batch and its recipients, read once above, are not
        # read again after each commit.
        session = db.session()
        keep, session.expire_on_commit = session.expire_on_commit, False
        try:
            for n in claimed:
                deliver(n, channel, t)
                db.session.commit()
                done += 1
        finally:
            session.expire_on_commit = keep
        del recipients
        rounds = None if rounds is None else rounds - 1
    return done


def _load_recipients(batch: list[Notification]) -> list:
    """The batch's users and people in two statements, instead of one per message."""
    users = {n.user_id for n in batch if n.user_id}
    people = {n.person_id for n in batch if n.person_id}
    found = []
    if users:
        found += db.session.scalars(select(User).where(User.id.in_(users))).all()
    if people:
        found += db.session.scalars(select(Person).where(Person.id.in_(people))).all()
    return found

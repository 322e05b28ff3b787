"""The one writer of timeline events."""

from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.timeline.models import Audience, TimelineEvent

# The audiences by name, for short call sites: `timeline(case, kind, to=POLICE | OFFENDER)`.
POLICE, PROVIDER, OFFENDER, VICTIM, SCRUTINY = (Audience.POLICE, Audience.PROVIDER, Audience.OFFENDER,
                                                Audience.VICTIM, Audience.SCRUTINY)


def record(case, kind: str, /, *, to: Audience = POLICE, victim=None, by=None, referral=None,
           corrects: TimelineEvent | None = None, **detail) -> TimelineEvent:
    """Add an event to the case's timeline for the audiences `to` (the police only unless told otherwise; a
    provider only when the event belongs to one of its referrals). `victim`: the one victim of the case who sees
    it (VICTIM is implied); with VICTIM and no `victim`, every victim does. `detail`: what the wording of `kind`
    needs, as JSON values (dates as ISO strings; any name, `kind` too). `corrects`: the event this one corrects,
    which stays on the timeline, shown as corrected. Flushes; never commits."""
    if victim is not None:
        to |= VICTIM
    event = TimelineEvent(case_id=case.id, occurred_at=clock.now(), actor_id=getattr(by, "id", None), kind=kind,
                          detail=detail, audiences=int(to), victim_id=getattr(victim, "id", None),
                          referral_id=getattr(referral, "id", None), corrects_id=getattr(corrects, "id", None))
    db.session.add(event)
    db.session.flush()
    return event


def tell_providers(case, kind: str, /, *, by=None, **detail) -> None:
    """The event for the providers working with the person on this case: one per referral not declined, since a
    provider reads only the events of its own referrals."""
    from app.referrals.models import Referral, ReferralStatus  # the referrals' models import the cases' (a cycle)

    for referral in db.session.scalars(select(Referral).where(Referral.case_id == case.id,
                                                              Referral.status != ReferralStatus.DECLINED)):
        record(case, kind, to=PROVIDER, by=by, referral=referral, **detail)

"""The one writer of timeline events."""

from __future__ import annotations

from app import clock
from app.extensions import db
from app.timeline.models import TimelineEvent


def record(case, kind: str, summary: str, *, by=None, detail: dict | None = None, police: bool = True,
           provider: bool = False, offender: bool = False, victim: bool = False, referral=None,
           corrects: TimelineEvent | None = None) -> TimelineEvent:
    """Add an event to the case's timeline. The police see it unless told otherwise; the other flags say which
    parties may too (a provider only when the event belongs to one of its referrals). `corrects` is the event this
    one corrects: it stays on the timeline, shown as corrected. Flushes; never commits."""
    event = TimelineEvent(case_id=case.id, occurred_at=clock.now(), actor_id=getattr(by, "id", None), kind=kind,
                          summary=summary, detail=detail or {}, visible_police=police, visible_provider=provider,
                          visible_offender=offender, visible_victim=victim, referral_id=getattr(referral, "id", None),
                          corrects_id=getattr(corrects, "id", None))
    db.session.add(event)
    db.session.flush()
    return event

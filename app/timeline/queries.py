"""Reading a case's timeline. Which events a user may see is decided in app/access.py (`visible_timeline`)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.timeline.models import TimelineEvent

POLICE = TimelineEvent.visible_police
PROVIDER = TimelineEvent.visible_provider
OFFENDER = TimelineEvent.visible_offender
VICTIM = TimelineEvent.visible_victim
REFERRAL = TimelineEvent.referral_id


def of_case(case_id: int, *where) -> Select:
    """The case's events that meet every condition in `where`, newest first, each with its author."""
    return (select(TimelineEvent).where(TimelineEvent.case_id == case_id, *where)
            .options(joinedload(TimelineEvent.actor))
            .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc()))

"""Reading a case's timeline. Which events a user may see is decided in app/access.py (`visible_timeline`)."""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import joinedload

from app.timeline.models import TimelineEvent

POLICE = TimelineEvent.visible_police
PROVIDER = TimelineEvent.visible_provider
OFFENDER = TimelineEvent.visible_offender
VICTIM = TimelineEvent.visible_victim
REFERRAL = TimelineEvent.referral_id


def of_case(case_id: int, *where) -> Select:
    """The case's events that meet every condition in `where`, newest first, each with its author."""
    return _events(and_(TimelineEvent.case_id == case_id, *where))


def of_cases(filters: list) -> Select:
    """The events that meet any of `filters` (each the filter of one case's `of_case`), newest first: several
    cases' timelines in one statement."""
    return _events(or_(false(), *filters))


def _events(where) -> Select:
    return (select(TimelineEvent).where(where).options(joinedload(TimelineEvent.actor))
            .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc()))

"""Reading a case's timeline. Which events a user may see is decided in app/access.py (`visible_timeline`)."""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import joinedload

from app.timeline.models import Audience, TimelineEvent

REFERRAL = TimelineEvent.referral_id


def seen_by(audience: Audience | None):
    """The events recorded for `audience` (a test of its bit); no audience, none."""
    return TimelineEvent.audiences.op("&")(int(audience)) != 0 if audience else false()


def for_victims(person_ids: list[int]):
    """The events for these victims (one person's records in a case): those for every victim of the case, and
    those for them alone."""
    return and_(seen_by(Audience.VICTIM),
                or_(TimelineEvent.victim_id.is_(None), TimelineEvent.victim_id.in_(person_ids)))


def for_scrutiny(case_id: int) -> Select:
    """What the scrutiny panel would read of a case (no page shows it yet)."""
    return of_case(case_id, seen_by(Audience.SCRUTINY))


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

"""Reads about cases. Each list is one query, whatever the number of rows."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.cases.models import Case
from app.extensions import db

PAGE_SIZE = 25
MAX_PAGE = 100_000  # a crafted ?page= must not overflow the database's OFFSET


def page_of_cases(query: Select, page: int = 1) -> tuple[list[Case], int]:
    """One page of cases with offender, officer and team loaded in the same query, and the total."""
    page = min(max(page, 1), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(
        query.options(joinedload(Case.offender), joinedload(Case.officer), joinedload(Case.team))
        .order_by(Case.updated_at.desc(), Case.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total

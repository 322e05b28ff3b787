"""The one clock. Tests move it with `frozen(...)`; everything else asks `now()`."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_fixed: datetime | None = None


def now() -> datetime:
    return _fixed or datetime.now(UTC)


def today() -> date:
    """Today's date in England and Wales, which is what legal dates are counted in."""
    return now().astimezone(LONDON).date()


@contextmanager
def frozen(at: datetime):
    global _fixed
    previous, _fixed = _fixed, at
    try:
        yield
    finally:
        _fixed = previous

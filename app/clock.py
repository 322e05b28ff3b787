"""The one clock. Everything asks `now()` or `today()`.

Tests move it: `frozen(at)` stops it at one instant; `start_at(at)` sets it to `at` and lets it run on from there
(the whole suite can run as if it were another day, with the live server in the same process reading the same
clock).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_fixed: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    return _fixed or datetime.now(UTC) + _offset


def today() -> date:
    """Today's date in England and Wales, which is what legal dates are counted in."""
    return now().astimezone(LONDON).date()


def start_at(at: datetime) -> None:
    """Set the clock to `at` from now on; it keeps running."""
    global _offset
    if at.tzinfo is None:
        raise ValueError("the clock is set with an aware datetime")
    _offset = at - datetime.now(UTC)


@contextmanager
def frozen(at: datetime):
    global _fixed
    previous, _fixed = _fixed, at
    try:
        yield
    finally:
        _fixed = previous


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)

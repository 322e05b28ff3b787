"""Numbers, money, dates and times as people write them (GOV.UK style): 10 hours, 7.5, £50, £7.50,
3 December 2026, 10:30am, 10am, midday. One function for each, used by the template filters and by everything
that writes words for people (rule messages, the referral dataset, the timeline), so every page agrees.

Dates and times follow the page's (or the message's) language: in Welsh they come from Babel's CLDR data
("3 Rhagfyr 2026", "10:30yb", "canol dydd"); English is written here and never changes with the locale."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from app.clock import LONDON


def _locale() -> str:
    """The language being written ("en" when there is no request or message being rendered)."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "en"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def number(value) -> str:
    """10, 7.5, 0.25: never 1E+1 or 10.00. A string is read as a number (a dataset stored before this)."""
    d = _decimal(value)
    if d is None:
        return "" if value is None else str(value)
    return f"{d.normalize():f}" if d.is_finite() else str(value)


def money(value) -> str:
    """£50 for whole pounds, £7.50 with pence."""
    d = _decimal(value)
    if d is None:
        return ""
    pence = d.quantize(Decimal("0.01"))
    whole = pence == pence.to_integral_value()
    return f"£{pence:,.0f}" if whole else f"£{pence:,.2f}"


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(LONDON).date() if value.tzinfo else value.date()
    if isinstance(value, str):  # an ISO date kept in stored data
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value


def long_date(value) -> str:
    """3 December 2026 (no leading zero, no weekday)."""
    day = _as_date(value)
    if not day:
        return "" if value is None else str(value)
    if (locale := _locale()) != "en":
        from babel.dates import format_date

        return format_date(day, "d MMMM y", locale=locale)
    return f"{day.day} {day:%B %Y}"


def weekday_date(value) -> str:
    """Tuesday 15 June 2027 (in Welsh, Dydd Mawrth 15 Mehefin 2027)."""
    day = _as_date(value)
    if not day:
        return "" if value is None else str(value)
    if (locale := _locale()) != "en":
        from babel.dates import format_date

        return format_date(day, "EEEE d MMMM y", locale=locale)
    return f"{day:%A} {long_date(day)}"


def said_day(text: str) -> str:
    """A day already written in English words in a stored message ("Tuesday 15 June 2027"), in the language
    being written; as it is if it is not such a day."""
    if _locale() == "en" or not text:
        return text
    try:
        return weekday_date(datetime.strptime(text, "%A %d %B %Y").date())
    except ValueError:
        return text


def said_time(text: str) -> str:
    """A time already written in words ("10:30am", "midday"), in the language being written."""
    if _locale() == "en" or not text:
        return text
    for layout in ("%I:%M%p", "%I%p"):
        try:
            return time_of_day(datetime.strptime(text, layout).time())
        except ValueError:
            continue
    return time_of_day({"midday": time(12), "midnight": time(0)}[text]) if text in ("midday", "midnight") else text


def time_of_day(value: time | datetime | None) -> str:
    """10:30am, 10am, midday, midnight: a datetime is shown in UK time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).time() if value.tzinfo else value.time()
    if (locale := _locale()) != "en":
        return _time_in(value, locale)
    if value.minute == 0 and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _time_in(value: time, locale: str) -> str:
    """The same shape as the English (10:30yb, 10yb, canol dydd), in the words of the locale's CLDR data."""
    from babel import Locale

    periods = Locale.parse(locale).day_periods["format"]
    if value.minute == 0 and value.hour in (0, 12):
        return periods["abbreviated"]["midnight" if value.hour == 0 else "noon"]
    hour = value.hour % 12 or 12
    suffix = periods["wide"]["am" if value.hour < 12 else "pm"]
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def london_datetime(value: datetime | str | None) -> str:
    """3 December 2026 at 10:30am, in UK time (a string: an ISO date and time kept in stored data)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if _locale() == "cy":
        return f"{long_date(value)} am {time_of_day(value)}"  # Welsh says a time with "am"
    return f"{long_date(value)} at {time_of_day(value)}"

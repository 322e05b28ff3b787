"""Template filters and globals: dates shown in UK time, in words people use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from app.clock import LONDON
from app.organisations.models import Role


def london_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def number(value) -> str:
    """A number as people write it: 10, 7.5, 0.25 (never 1E+1 or 10.00)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def nav_home_label(role: Role | None) -> str:
    return {
        Role.PROVIDER_MANAGER: "Referrals", Role.CASEWORKER: "Referrals", Role.OFFENDER: "Your conditions",
        Role.VICTIM: "Your case", Role.SCRUTINY: "Scrutiny",
    }.get(role, "Cases")


def register(app) -> None:
    app.add_template_filter(london_datetime)
    app.add_template_filter(long_date)
    app.add_template_filter(number)
    app.add_template_global(nav_home_label)

"""Template filters and globals: dates shown in UK time, in words people use; phone numbers that dial."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from markupsafe import Markup, escape

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


_DIALLED = re.compile(r"[\s().\-/]")  # what people write between digits; a phone ignores it


def phone_link(value: str | None) -> Markup:
    """A phone number as a `tel:` link, shown as written: "0808 168 9111" dials tel:+448081689111. A UK number
    written from 0 gets +44; 00 becomes +. Text that is not a number is shown as it is."""
    if not value:
        return Markup("")
    dialled = _DIALLED.sub("", value.strip())
    if dialled.startswith("00"):
        dialled = "+" + dialled[2:]
    elif dialled.startswith("0"):
        dialled = "+44" + dialled[1:]
    if not re.fullmatch(r"\+?\d{3,15}", dialled):
        return escape(value)
    return Markup('<a class="govuk-link" href="tel:{}">{}</a>').format(dialled, value.strip())


def nav_home_label(role: Role | None) -> str:
    return {
        Role.PROVIDER_MANAGER: "Referrals", Role.CASEWORKER: "Referrals", Role.OFFENDER: "Your conditions",
        Role.VICTIM: "Your case", Role.SCRUTINY: "Scrutiny",
    }.get(role, "Cases")


def register(app) -> None:
    app.add_template_filter(london_datetime)
    app.add_template_filter(long_date)
    app.add_template_filter(number)
    app.add_template_filter(phone_link)
    app.add_template_global(nav_home_label)

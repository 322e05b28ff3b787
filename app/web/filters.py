"""Template filters and globals: numbers, money, dates and times in the words people use (app/formats.py), so a
page and the words the services write agree; phone numbers that dial."""

from __future__ import annotations

import re

from flask_babel import gettext
from markupsafe import Markup, escape

from app.formats import london_datetime, long_date, money, number, said_day, said_time, time_of_day, weekday_date
from app.organisations.models import Role
from app.people.models import CHANNELS

FILTERS = {"london_datetime": london_datetime, "long_date": long_date, "money": money, "number": number,
           "time_of_day": time_of_day, "weekday_date": weekday_date, "said_day": said_day, "said_time": said_time}


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


def medium_words(medium: str) -> str:
    """How a message went, in words: "Text message", "Email", "In Resolve"."""
    return CHANNELS.get(medium, "In Resolve")


def nav_home_label(user) -> str:
    if user.kind == "public":
        return gettext("Your cases")
    return {Role.PROVIDER_MANAGER: "Referrals", Role.CASEWORKER: "Referrals", Role.SCRUTINY: "Scrutiny"}.get(
        user.role, "Cases")


def register(app) -> None:
    for name, function in {**FILTERS, "phone_link": phone_link, "medium_words": medium_words}.items():
        app.add_template_filter(function, name)
    app.add_template_global(nav_home_label)

"""Template filters and globals: numbers, money, dates and times in the words people use (app/formats.py), so a
page and the words the services write agree."""

from __future__ import annotations

from app.formats import london_datetime, long_date, money, number, time_of_day
from app.organisations.models import Role

FILTERS = {"london_datetime": london_datetime, "long_date": long_date, "money": money, "number": number,
           "time_of_day": time_of_day}


def nav_home_label(role: Role | None) -> str:
    return {
        Role.PROVIDER_MANAGER: "Referrals", Role.CASEWORKER: "Referrals", Role.OFFENDER: "Your conditions",
        Role.VICTIM: "Your case", Role.SCRUTINY: "Scrutiny",
    }.get(role, "Cases")


def register(app) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(nav_home_label)

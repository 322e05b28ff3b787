"""config/notifications.yaml, read once and checked: when reminders go, quiet hours, flag thresholds, retries."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
import yaml

from app.clock import LONDON
from config.settings import ROOT, ConfigError

PATH = ROOT / "config" / "notifications.yaml"


@dataclass(frozen=True)
class Timings:
    appointment_days_before: tuple[int, ...]
    send_at: time
    deadline_days_before: tuple[int, ...]
    outcome_due_hours: int
    officer_deadline_days_before: int
    quiet_from: time
    quiet_until: time
    outcome_not_recorded_hours: int
    referral_not_accepted_working_days: int
    batch: int
    max_attempts: int
    backoff_seconds: int
    backoff_cap_seconds: int
    lease_seconds: int


def _time(raw, where: str) -> time:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        raise ConfigError(f"{PATH.name}: {where} must be a time like 10:00") from None


def _days(raw, where: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not all(isinstance(d, int) and 0 < d <= 60 for d in raw):
        raise ConfigError(f"{PATH.name}: {where} must be a list of whole days between 1 and 60")
    return tuple(sorted(set(raw), reverse=True))


def _whole(raw, where: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise ConfigError(f"{PATH.name}: {where} must be a whole number of at least 1")
    return raw


def parse(raw: dict) -> Timings:
    try:
        r, q, f, d = raw["reminders"], raw["quiet_hours"], raw["flags"], raw["dispatch"]
        return Timings(
            appointment_days_before=_days(r["appointment_days_before"], "reminders.appointment_days_before"),
            send_at=_time(r["send_at"], "reminders.send_at"),
            deadline_days_before=_days(r["deadline_days_before"], "reminders.deadline_days_before"),
            outcome_due_hours=_whole(r["outcome_due_hours"], "reminders.outcome_due_hours"),
            officer_deadline_days_before=_whole(r["officer_deadline_days_before"],
                                                "reminders.officer_deadline_days_before"),
            quiet_from=_time(q["from"], "quiet_hours.from"), quiet_until=_time(q["until"], "quiet_hours.until"),
            outcome_not_recorded_hours=_whole(f["outcome_not_recorded_hours"], "flags.outcome_not_recorded_hours"),
            referral_not_accepted_working_days=_whole(f["referral_not_accepted_working_days"],
                                                      "flags.referral_not_accepted_working_days"),
            batch=_whole(d["batch"], "dispatch.batch"), max_attempts=_whole(d["max_attempts"], "dispatch.max_attempts"),
            backoff_seconds=_whole(d["backoff_seconds"], "dispatch.backoff_seconds"),
            backoff_cap_seconds=_whole(d["backoff_cap_seconds"], "dispatch.backoff_cap_seconds"),
            lease_seconds=_whole(d["lease_seconds"], "dispatch.lease_seconds"))
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{PATH.name}: missing setting {exc}") from None


@functools.cache
def get() -> Timings:
    return parse(yaml.safe_load(PATH.read_text()))


def at_london(day: date, moment: time) -> datetime:
    """That wall-clock time on that day in England and Wales (a time the clocks skip lands an hour later)."""
    return datetime.combine(day, moment, tzinfo=LONDON)


def in_quiet_hours(at: datetime, t: Timings | None = None) -> bool:
    t = t or get()
    local = at.astimezone(LONDON).time()
    if t.quiet_from > t.quiet_until:  # across midnight
        return local >= t.quiet_from or local < t.quiet_until
    return t.quiet_from <= local < t.quiet_until


def after_quiet_hours(at: datetime, t: Timings | None = None) -> datetime:
    """`at`, or the end of the quiet hours it falls in."""
    t = t or get()
    if not in_quiet_hours(at, t):
        return at
    local = at.astimezone(LONDON)
    day = local.date() if local.time() < t.quiet_until else local.date() + timedelta(days=1)
    return at_london(day, t.quiet_until)


@functools.cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=[year - 1, year, year + 1])


def working_days_after(day: date, count: int) -> date:
    """The date `count` working days after `day` (weekends and England and Wales bank holidays skipped)."""
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _bank_holidays(day.year):
            count -= 1
    return day

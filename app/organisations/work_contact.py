"""Staff's work contact details: a work phone and working hours, recorded by the member of staff (or by the
coordinator or manager of their organisation), shown to the people their cases are about beside the work email
their account holds. Work details only: the form says so, and nothing else is asked. Flushes; never commits."""

from __future__ import annotations

import re

from app.audit import services as audit
from app.errors import Problem, RuleViolation
from app.extensions import db

PHONE_MAX, HOURS_MAX = 32, 100
_SEPARATORS = re.compile(r"[\s().\-]")  # what people write between the digits of a number
# A UK number written from 0: 0, a digit that is not 0, then 8 or 9 more (landlines, mobiles, 03 and 080 numbers).
_UK = re.compile(r"0[1-9]\d{8,9}")
PHONE_FORMAT = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"


def phone_problem(text: str) -> str | None:
    """Why `text` is not a UK phone number (or is too long to keep), or None."""
    if len(text) > PHONE_MAX:
        return f"The work phone number must be {PHONE_MAX} characters or fewer"
    digits = _SEPARATORS.sub("", text.replace("(0)", ""))  # +44 (0)1632 ...
    for international in ("+44", "0044"):  # the same number, dialled from abroad
        if digits.startswith(international):
            digits = "0" + digits.removeprefix(international)
    if not _UK.fullmatch(digits):
        return PHONE_FORMAT
    return None


def _tidy(text: str | None) -> str:
    return " ".join((text or "").split())


def set_work_contact(user, *, phone: str | None, hours: str | None, by) -> bool:
    """Record `user`'s work phone and hours (blank: none recorded). Refused with a problem per field; True if
    anything changed. The audit row names the fields changed, never their values."""
    phone, hours = _tidy(phone), _tidy(hours)
    problems = []
    if phone and (problem := phone_problem(phone)):
        problems.append(Problem("work_phone", problem + "."))
    if len(hours) > HOURS_MAX:
        problems.append(Problem("work_hours", f"Working hours must be {HOURS_MAX} characters or fewer."))
    if problems:
        raise RuleViolation(problems)
    changed = [name for name, old, new in (("work_phone", user.work_phone, phone or None),
                                           ("work_hours", user.work_hours, hours or None)) if old != new]
    if not changed:
        return False
    user.work_phone, user.work_hours = phone or None, hours or None
    db.session.flush()
    audit.record("staff.work_contact", actor=by, obj=user, purpose="work contact details",
                 detail={"fields": changed, "own": by.id == user.id})
    return True

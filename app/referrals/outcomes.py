"""Attendance outcome codes (config/attendance.yaml): what each means for compliance and what it needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ATTENDANCE_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "attendance.yaml"


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    can_count: bool  # may count towards non-compliance (a police officer decides)
    note_required: bool
    attended: bool
    to_person: str  # what the person cautioned reads: what happened, what it means for them


def load(path: Path = ATTENDANCE_FILE) -> dict[str, Outcome]:
    data = yaml.safe_load(path.read_text())
    found = {}
    for code, raw in data["outcomes"].items():
        for key in ("label", "can_count", "note_required", "attended", "to_person"):
            if key not in raw:
                raise ValueError(f"{path.name}: outcome {code!r} is missing {key!r}")
        found[code] = Outcome(code, raw["label"], bool(raw["can_count"]), bool(raw["note_required"]),
                              bool(raw["attended"]), " ".join(str(raw["to_person"]).split()))
    return found


@cache
def outcomes() -> dict[str, Outcome]:
    return load()


def counting_codes() -> list[str]:
    """Codes that can count towards non-compliance: a missed appointment without an excuse."""
    return [o.code for o in outcomes().values() if o.can_count]

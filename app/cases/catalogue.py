"""The offence catalogue (config/offences.yaml), kept in the database so cases can refer to it."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from app.cases.models import Offence
from app.cases.packs import MODES_OF_TRIAL, OFFENCE_FLAGS
from app.extensions import db

OFFENCES_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "offences.yaml"


def sync(path: Path = OFFENCES_FILE) -> dict[str, int]:
    """Bring the offences table in line with the catalogue file: add, update, and retire (never delete, since
    cases refer to them). Safe to run again. Returns counts of what changed."""
    entries = yaml.safe_load(path.read_text())
    seen, counts = set(), {"added": 0, "updated": 0, "retired": 0}
    existing = {o.code: o for o in db.session.scalars(select(Offence))}
    for entry in entries:
        if entry.get("mode") not in MODES_OF_TRIAL:
            raise ValueError(f"{path.name}: offence {entry.get('code')!r}: mode must be one of {MODES_OF_TRIAL}")
        flags = entry.get("flags") or []
        if not isinstance(flags, list) or set(flags) - set(OFFENCE_FLAGS):
            raise ValueError(f"{path.name}: offence {entry.get('code')!r}: flags must be a list of {OFFENCE_FLAGS}")
        values = {"title": entry["title"], "category": entry["category"], "mode_of_trial": entry["mode"],
                  "exclusion_group": entry.get("exclusion"), "legislation": entry.get("act"), "flags": flags,
                  "active": True}
        seen.add(entry["code"])
        offence = existing.get(entry["code"])
        if offence is None:
            db.session.add(Offence(code=entry["code"], **values))
            counts["added"] += 1
        elif any(getattr(offence, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(offence, k, v)
            counts["updated"] += 1
    for code, offence in existing.items():
        if code not in seen and offence.active:
            offence.active = False
            counts["retired"] += 1
    db.session.flush()
    return counts


def search(q: str, limit: int = 20) -> list[Offence]:
    """Active offences whose title, category or code contains every word typed."""
    words = [w for w in q.lower().split() if w][:5]
    if not words:
        return []
    query = select(Offence).where(Offence.active)
    for w in words:
        term = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(Offence.title).like(term, escape="\\")
                            | func.lower(Offence.category).like(term, escape="\\")
                            | func.lower(Offence.code).like(term, escape="\\"))
    return list(db.session.scalars(query.order_by(Offence.title).limit(limit)))


def find(code: str) -> Offence | None:
    return db.session.scalar(select(Offence).where(Offence.code == code, Offence.active))

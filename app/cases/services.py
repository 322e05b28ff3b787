"""Use cases that change cases. They flush, write timeline and audit entries, and never commit."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.audit import services as audit
from app.cases.models import Case, CaseStatus, CaseVictim, Offence, ReferenceCounter, TimelineEvent
from app.cases.rules import MODES_OF_TRIAL
from app.extensions import db


def next_reference() -> str:
    """RES-<year>-<number>, numbered per year. The upsert serialises concurrent writers on the year's row."""
    year = clock.today().year
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(ReferenceCounter).values(year=year, last=0).on_conflict_do_nothing())
    number = db.session.execute(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1).returning(ReferenceCounter.last)
    ).scalar_one()
    return f"RES-{year}-{number:06d}"


def add_event(case: Case, kind: str, summary: str, *, by=None, detail: dict | None = None, provider=False,
              offender=False, victim=False) -> TimelineEvent:
    """Add a timeline event. Police always see it; the flags say which other parties may."""
    event = TimelineEvent(case_id=case.id, occurred_at=clock.now(), actor_id=getattr(by, "id", None), kind=kind,
                          summary=summary, detail=detail or {}, visible_provider=provider,
                          visible_offender=offender, visible_victim=victim)
    db.session.add(event)
    db.session.flush()
    return event


def open_case(*, officer, team, offender, regime: str, disposal_type: str, offence_summary: str | None) -> Case:
    case = Case(reference=next_reference(), regime=regime, disposal_type=disposal_type, status=CaseStatus.DRAFT,
                force_id=team.organisation_id, team_id=team.id, officer_id=officer.id, offender_id=offender.id,
                offence_summary=offence_summary)
    db.session.add(case)
    db.session.flush()
    add_event(case, "case_opened", f"Case {case.reference} opened", by=officer)
    audit.record("case.create", actor=officer, obj=case)
    return case


def add_victim(case: Case, person, *, by, enhanced_rights: bool = False) -> CaseVictim:
    link = CaseVictim(case_id=case.id, person_id=person.id, enhanced_rights=enhanced_rights)
    db.session.add(link)
    db.session.flush()
    add_event(case, "victim_added", "Victim added to the case", by=by)
    audit.record("case.victim_add", actor=by, obj=case)
    return link



OFFENCES_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "offences.yaml"


def sync_offence_catalogue(path: Path = OFFENCES_FILE) -> dict[str, int]:
    """Bring the offences table in line with the catalogue file: add, update, and retire (never delete, since
    cases refer to them). Safe to run again. Returns counts of what changed."""
    entries = yaml.safe_load(path.read_text())
    seen, counts = set(), {"added": 0, "updated": 0, "retired": 0}
    existing = {o.code: o for o in db.session.scalars(select(Offence))}
    for entry in entries:
        if entry.get("mode") not in MODES_OF_TRIAL:
            raise ValueError(f"{path.name}: offence {entry.get('code')!r}: mode must be one of {MODES_OF_TRIAL}")
        values = {"title": entry["title"], "category": entry["category"], "mode_of_trial": entry["mode"],
                  "exclusion_group": entry.get("exclusion"), "legislation": entry.get("act"), "active": True}
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

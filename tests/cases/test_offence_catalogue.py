import re

import pytest
import yaml
from sqlalchemy import func, select

from app.cases.catalogue import OFFENCES_FILE
from app.cases.catalogue import sync as sync_offence_catalogue
from app.cases.models import Offence
from app.cases.pack_reader import load_all
from app.extensions import db
from tests import factories


def test_catalogue_has_at_least_sixty_offences_with_modes_and_exclusions(ctx):
    counts = sync_offence_catalogue()
    assert counts["added"] >= 60
    by_code = {o.code: o for o in db.session.scalars(select(Offence))}
    assert by_code["WE01"].exclusion_group == "bladed_article"
    assert by_code["DR01"].exclusion_group == "class_a_drugs"
    assert by_code["AS08"].mode_of_trial == "indictable_only"
    assert by_code["TH01"].mode_of_trial == "summary"


def test_sync_is_idempotent_updates_and_retires_without_deleting(ctx, tmp_path):
    sync_offence_catalogue()
    assert sync_offence_catalogue() == {"added": 0, "updated": 0, "retired": 0}
    lines = OFFENCES_FILE.read_text().splitlines()
    kept = [line.replace("Theft from a person", "Theft from the person") if "TH03" in line else line
            for line in lines if "code: TH02," not in line]
    changed = tmp_path / "offences.yaml"
    changed.write_text("\n".join(kept))
    assert sync_offence_catalogue(changed) == {"added": 0, "updated": 1, "retired": 1}
    th02 = db.session.scalar(select(Offence).where(Offence.code == "TH02"))
    assert th02 is not None and th02.active is False
    assert db.session.scalar(select(Offence.title).where(Offence.code == "TH03")) == "Theft from the person"
    assert db.session.scalar(select(func.count()).select_from(Offence)) == len([x for x in lines if x.startswith("- ")])


def test_bad_mode_of_trial_is_refused_with_the_offence_named(ctx, tmp_path):
    bad = tmp_path / "offences.yaml"
    bad.write_text("- {code: XX01, title: Something, category: Other, mode: sometimes}\n")
    with pytest.raises(ValueError, match="'XX01': mode must be one of"):
        sync_offence_catalogue(bad)


# --- the catalogue against the law ----------------------------------------------------------------------------

ENTRIES = yaml.safe_load(OFFENCES_FILE.read_text())
SECTION = re.compile(r"(\bAct \d{4}\b.*\b(ss?\.\s?\d+[A-Z]*|Sch \d+))|^Common law; .*\bAct \d{4} s\.\d+")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["code"] for e in ENTRIES])
def test_every_offence_names_its_statute_and_section(entry):
    assert SECTION.search(entry.get("act") or ""), f"{entry['code']}: {entry.get('act')!r}"


def test_the_statute_test_refuses_an_entry_without_a_section():
    assert not SECTION.search("Theft Act 1968") and not SECTION.search("Common law")
    assert SECTION.search("Theft Act 1968 s.1") and SECTION.search("Misuse of Drugs Act 1971 s.25 and Sch 4")


@pytest.mark.parametrize(("code", "mode", "section"), [
    ("PO03", "summary", "Public Order Act 1986 s.4(1); summary only by s.4(4)"),
    ("PO02", "summary", "Public Order Act 1986 s.4A(1); summary only by s.4A(5)"),
    ("PO12", "summary", "Crime and Disorder Act 1998 s.31(1)(c); summary only by s.31(5)"),
    ("PO07", "either_way", "Crime and Disorder Act 1998 s.31(1)(a), (4)"),  # the aggravated s.4 is either way
    ("PO11", "either_way", "Crime and Disorder Act 1998 s.31(1)(b), (4)"),
    ("HA03", "either_way", "Online Safety Act 2023 s.181 (either way)"),
    ("HA05", "summary", "Online Safety Act 2023 s.179 (summary only)"),
])
def test_modes_of_trial_corrected_against_their_sections(code, mode, section):
    entry = next(e for e in ENTRIES if e["code"] == code)
    assert (entry["mode"], entry["act"]) == (mode, section)


def test_every_exclusion_group_a_pack_names_has_offences_and_every_offence_group_is_named_by_a_pack():
    named = {g for regime in load_all().values() for pack in regime.versions
             for d in pack.disposal_types.values() for g in d.excluded_offence_groups}
    used = {e["exclusion"] for e in ENTRIES if e.get("exclusion")}
    assert {"sex_trafficking", "firearm_in_public_place"} <= named
    assert named == used


def test_every_racially_or_religiously_aggravated_offence_is_marked_as_hate_crime():
    aggravated = {e["code"] for e in ENTRIES if e["title"].startswith("Racially or religiously aggravated")}
    flagged = {e["code"] for e in ENTRIES if "hate_crime" in (e.get("flags") or [])}
    assert len(aggravated) == 6 and aggravated == flagged


def test_sync_keeps_flags_and_refuses_an_unknown_one(ctx, tmp_path):
    sync_offence_catalogue()
    assert db.session.scalar(select(Offence).where(Offence.code == "CD03")).flags == ["hate_crime"]
    assert db.session.scalar(select(Offence).where(Offence.code == "CD01")).flags == []
    bad = tmp_path / "offences.yaml"
    bad.write_text("- {code: XX01, title: Something, category: Other, mode: summary, flags: [sporty]}\n")
    with pytest.raises(ValueError, match="'XX01': flags must be a list of"):
        sync_offence_catalogue(bad)


@pytest.mark.parametrize(("code", "warned"), [("CD03", True), ("CD01", False)])
def test_the_screening_page_gives_the_hate_crime_guidance_only_for_a_hate_crime(app, login_as, code, warned):
    client = login_as("officer-north")
    with app.app_context():
        officer = factories.user("officer-north")
        case = factories.with_details(factories.draft(officer), officer, code=code)
        cid = case.public_id
        db.session.commit()
        db.session.remove()
    html = client.get(f"/cases/{cid}/screening").get_data(as_text=True)
    assert ("hate crime will generally not be suitable for a conditional caution" in html) is warned

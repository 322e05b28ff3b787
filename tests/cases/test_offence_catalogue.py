import pytest
from sqlalchemy import func, select

from app.cases.catalogue import OFFENCES_FILE
from app.cases.catalogue import sync as sync_offence_catalogue
from app.cases.models import Offence
from app.extensions import db


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

"""Rule packs: the shipped packs load, and a malformed pack is refused naming file, field and problem."""

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from app.cases.pack_reader import RULES_DIR, RulePackError, load_all, load_pack, load_regime
from app.cases.packs import UNLIMITED

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_packs_hold_the_domain_figures():
    regimes = load_all()
    current, statutory = regimes["current_practice"].latest, regimes["pcsc_2022"].latest
    assert (current.deadline.normal_weeks, current.deadline.exceptional_weeks) == (16, 20)
    assert current.minimum_age == 18
    assert (current.victim_updates.working_days, current.victim_updates.enhanced_working_days) == (5, 1)
    conditional = current.disposal("adult_conditional_caution")
    assert conditional.financial_penalty_caps == {"summary": 50, "either_way": 100, "indictable_only": 150}
    assert conditional.hour_cap("attendance", "reparative").hours == 20  # CJA 2003 s.22(3B)
    assert conditional.hour_cap("attendance", "punitive") is conditional.hour_cap("attendance", "reparative")
    assert conditional.hour_cap("attendance", "rehabilitative").hours == UNLIMITED
    assert conditional.administered_by == ("sergeant_or_above", "dpp_authorised")
    assert conditional.commencement == "in_force" and conditional.offences_committed_before == "not_commenced"
    for key in ("diversionary_caution", "community_caution"):
        assert statutory.disposal(key).commencement == "not_commenced"
    assert statutory.disposal("diversionary_caution").hour_cap("unpaid_work", None).hours == 20
    community = statutory.disposal("community_caution")
    assert community.hour_cap("unpaid_work", None).hours == 10
    assert community.hour_cap("attendance", "reparative").hours == 10
    assert community.hour_cap("attendance", "rehabilitative").hours == UNLIMITED
    assert "foreign_offender" not in community.condition_types
    assert {"bladed_article", "sex_trafficking", "firearm_in_public_place"} <= set(community.excluded_offence_groups)
    assert community.indictable_only == "barred"
    assert community.counts_as_rehabilitative_or_reparative("unpaid_work", None)
    assert not community.counts_as_rehabilitative_or_reparative("restrictive", None)
    assert not community.counts_as_rehabilitative_or_reparative("financial_penalty", "reparative")
    resolution = current.disposal("community_resolution")
    assert "payment_to_victim" in resolution.condition_types and resolution.noun == "community resolution"
    assert "caution" not in (resolution.person_title + resolution.document_title + resolution.consequence_text
                             ).lower().replace("not a conviction or a caution", "")


PACK = RULES_DIR / "current_practice" / "2026.1.yaml"


def _broken_copy(tmp_path, mutate, version="2026.1") -> Path:
    folder = tmp_path / "current_practice"
    folder.mkdir(exist_ok=True)
    target = folder / f"{version}.yaml"
    data = yaml.safe_load(PACK.read_text())
    data["version"] = version
    mutate(data)
    target.write_text(yaml.safe_dump(data))
    return target


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["deadline"].pop("normal_weeks"), "current_practice/2026.1.yaml: deadline.normal_weeks: is missing"),
    (lambda d: d["deadline"].update(normal_weeks="sixteen"), "deadline.normal_weeks: must be a whole number"),
    (lambda d: d["deadline"].update(exceptional_weeks=12), "deadline.exceptional_weeks: must not be shorter"),
    (lambda d: d.update(minimum_age=0), "minimum_age: must be more than 0"),
    (lambda d: d.pop("minimum_age"), "minimum_age: is missing"),
    (lambda d: d.update(id="other"), "id: must match the folder name"),
    (lambda d: d.update(version="2027.1"), "version: must match the file name"),
    (lambda d: d.update(effective_from="soon"), "effective_from: must be a date"),
    (lambda d: d.update(effective_to=d["effective_from"]), "effective_to: must be after effective_from"),
    (lambda d: d.pop("earlier_offending"), "earlier_offending: is missing"),
    (lambda d: d["victim_updates"].pop("enhanced_working_days"), "victim_updates.enhanced_working_days: is missing"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"].update(commencement="soon"),
     "disposal_types.adult_conditional_caution.commencement: must be a date or one of in_force, not_commenced"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"].pop("offences_committed_before"),
     "disposal_types.adult_conditional_caution.offences_committed_before: is missing"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["hour_caps"][2].update(hours=-1),
     "disposal_types.adult_conditional_caution.hour_caps[2].hours: must be a positive number"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["hour_caps"].pop(2),
     "disposal_types.adult_conditional_caution.hour_caps: no cap counts the hours of every unpaid work condition"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["hour_caps"][1]["counts"].append(
        "attendance.reparative"),
     "disposal_types.adult_conditional_caution.hour_caps: attendance.reparative counted by more than one cap"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["hour_caps"][0]["counts"].append("attendance.idle"),
     "disposal_types.adult_conditional_caution.hour_caps[0].counts: 'attendance.idle' is not an hours condition"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["condition_types"].append("curfew"),
     "disposal_types.adult_conditional_caution.condition_types: unknown condition type 'curfew'"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["purposes"].append("fun"),
     "disposal_types.adult_conditional_caution.purposes: unknown purpose 'fun'"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["rehabilitative_or_reparative"].pop("required"),
     "disposal_types.adult_conditional_caution.rehabilitative_or_reparative.required: is missing"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["financial_penalty_caps"].pop("summary"),
     "disposal_types.adult_conditional_caution.financial_penalty_caps.summary: is missing"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"].update(administered_by=["chief"]),
     "disposal_types.adult_conditional_caution.administered_by: unknown rank 'chief'"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"].update(administered_by=[]),
     "disposal_types.adult_conditional_caution.administered_by: must name who may give it"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"].update(consequence_text=" "),
     "disposal_types.adult_conditional_caution.consequence_text: must not be empty"),
    (lambda d: d["disposal_types"]["community_resolution"].update(indictable_only="maybe"),
     "disposal_types.community_resolution.indictable_only: must be one of"),
    (lambda d: d["disposal_types"]["adult_conditional_caution"]["guidance"].update(rude="Words."),
     "disposal_types.adult_conditional_caution.guidance.rude: must be one of hate_crime, domestic_abuse"),
    (lambda d: d.update(approval_required=["coffee"]), "approval_required: unknown decision 'coffee'"),
    (lambda d: d.update(disposal_types={}), "disposal_types: must list at least one disposal type"),
    (lambda d: d["eligibility_questions"].pop("admits"), "eligibility_questions.admits: is missing"),
    (lambda d: d["eligibility_questions"].pop("should_be_given"), "eligibility_questions.should_be_given: is missing"),
    (lambda d: d["eligibility_questions"].update(consents=" "), "eligibility_questions.consents: must not be empty"),
    (lambda d: d["eligibility_questions"].update(mood="How are you?"), "unknown question(s) mood"),
    (lambda d: d["condition_words"].pop("payment_to_victim"),
     "condition_words.payment_to_victim: must say what this condition type asks of the person"),
    (lambda d: d["condition_words"].update(dancing="Dance."), "condition_words.dancing: is not a condition type"),
    (lambda d: d["condition_words"].update(attendance="Go to {place}."),
     "condition_words.attendance: may only be filled with {details}, {hours}, {amount}"),
    (lambda d: d.pop("condition_words"), "condition_words: is missing"),
])
def test_malformed_pack_names_file_field_and_problem(tmp_path, mutate, message):
    with pytest.raises(RulePackError) as caught:
        load_pack(_broken_copy(tmp_path, mutate))
    assert message in str(caught.value)


def test_unset_legal_values_load_as_not_available_and_explicit_words_as_no_restriction(tmp_path):
    def unset(d):
        caution = d["disposal_types"]["adult_conditional_caution"]
        caution["hour_caps"][2]["hours"] = None
        caution["financial_penalty_caps"]["summary"] = None
    pack = load_pack(_broken_copy(tmp_path, unset))
    caution = pack.disposal("adult_conditional_caution")
    assert caution.hour_cap("unpaid_work", None).hours is None and caution.financial_penalty_caps["summary"] is None
    assert caution.hour_cap("attendance", "rehabilitative").hours == UNLIMITED


def test_the_version_in_force_on_a_day_and_versions_that_overlap_are_refused(tmp_path):
    _broken_copy(tmp_path, lambda d: d.update(effective_to=date(2027, 4, 1)))
    _broken_copy(tmp_path, lambda d: d.update(effective_from=date(2027, 4, 1)), version="2027.1")
    regime = load_all(tmp_path)["current_practice"]
    assert [p.version for p in regime.versions] == ["2026.1", "2027.1"]
    assert regime.in_force(date(2027, 3, 31)).version == "2026.1"  # the last day of the first
    assert regime.in_force(date(2027, 4, 1)).version == "2027.1"  # the first day of the second
    assert regime.in_force(date(2013, 4, 7)) is None  # before either
    _broken_copy(tmp_path, lambda d: d.update(effective_to=date(2027, 4, 2)))  # one day into the next
    with pytest.raises(RulePackError, match=r"current_practice/2026\.1\.yaml: effective_to: must end on or before"):
        load_all(tmp_path)


def test_an_open_ended_version_gives_way_to_the_next(tmp_path):
    _broken_copy(tmp_path, lambda d: None)  # effective_to: null
    _broken_copy(tmp_path, lambda d: d.update(effective_from=date(2027, 4, 1)), version="2027.1")
    regime = load_all(tmp_path)["current_practice"]
    assert regime.in_force(date(2027, 3, 31)).version == "2026.1"
    assert regime.in_force(date(2030, 1, 1)).version == "2027.1"


def test_invalid_yaml_and_empty_folder_are_refused(tmp_path):
    folder = tmp_path / "current_practice"
    folder.mkdir()
    bad = folder / "2026.1.yaml"
    bad.write_text("id: [unclosed\n")
    with pytest.raises(RulePackError, match=r"current_practice/2026\.1\.yaml: not valid YAML"):
        load_pack(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RulePackError, match="no rule packs found"):
        load_all(empty)
    with pytest.raises(RulePackError, match="holds no rule pack versions"):
        load_regime(empty)


def test_rules_check_command_reports_each_pack(app):
    result = app.test_cli_runner().invoke(args=["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "current_practice/2026.1.yaml" in result.output
    assert "pcsc_2022/2026.1.yaml" in result.output


def test_malformed_pack_stops_start_up_with_one_line(tmp_path):
    """The real start-up path: a copy of the project whose pack is broken refuses to start."""
    copy = tmp_path / "resolve"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "node_modules", ".git", "instance", "tests"))
    pack = copy / "config" / "rules" / "pcsc_2022" / "2026.1.yaml"
    pack.write_text(pack.read_text().replace("normal_weeks: 16", "normal_weeks: -3"))
    env = {"PATH": "/usr/bin:/bin", "RESOLVE_ENV": "development", "RESOLVE_INSTANCE": str(tmp_path / "inst")}
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip() == ("Resolve cannot start: pcsc_2022/2026.1.yaml: deadline.normal_weeks: must be more "
                                   "than 0")


def test_malformed_operational_config_stops_start_up_with_one_line(tmp_path):
    """config/attendance.yaml (and needs.yaml, services.yaml) are checked at start-up, not at first use."""
    copy = tmp_path / "resolve"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "node_modules", ".git", "instance", "tests"))
    attendance = copy / "config" / "attendance.yaml"
    attendance.write_text(attendance.read_text().replace("{label: Attended, can_count:", "{label: Attended, counts:"))
    env = {"PATH": "/usr/bin:/bin", "RESOLVE_ENV": "development", "RESOLVE_INSTANCE": str(tmp_path / "inst")}
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Resolve cannot start: config/attendance.yaml is not valid:")
    assert "is missing 'can_count'" in lines[0]


def test_a_penalty_decision_needs_its_figures_and_the_words_for_its_registration(tmp_path):
    """A disposal whose decisions include a financial penalty says its most and days to pay (null: not offered)
    and what its registration certificate says; a pack that leaves one out is refused naming it."""
    source = RULES_DIR / "pcsc_2022" / "2026.1.yaml"
    folder = tmp_path / "pcsc_2022"
    folder.mkdir()
    shipped = load_pack(source).disposal("community_caution").penalty
    assert (shipped.maximum_pounds, shipped.days_to_pay, shipped.available) == (None, None, False)
    assert shipped.registrable_as.startswith("Registrable as a fine")
    for field, value, message in (("registrable_as", None, "registrable_as: is missing"),
                                  ("days_to_pay", 0, "days_to_pay: must be more than 0")):
        data = yaml.safe_load(source.read_text())
        penalty = data["disposal_types"]["community_caution"]["non_compliance"]["financial_penalty"]
        if value is None:
            penalty.pop(field)
        else:
            penalty[field] = value
        (folder / "2026.1.yaml").write_text(yaml.safe_dump(data))
        with pytest.raises(RulePackError, match=f"non_compliance.financial_penalty.{message}"):
            load_pack(folder / "2026.1.yaml")

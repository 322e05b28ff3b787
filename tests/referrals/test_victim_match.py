"""The one function that decides whether text mentions a victim: its boundaries, without a database."""

from __future__ import annotations

import pytest

from app.referrals.victim_match import Victim, find, fold, mentions

KIM = Victim("Kim", "Taylor", "07700 900123", "kim.taylor@example.org", "3 Station Road, Northtown", "NT2 7CD")
ANN = Victim("Ann", "Li")


@pytest.mark.parametrize("text, kinds", [
    # Names: whole words, any case, accents and spacing ignored; a long part also one letter out.
    ("Kim was there", ["name"]), ("KIM  was there", ["name"]), ("spoke to taylor", ["name"]),
    ("Tayler", ["name"]), ("Taylr", ["name"]), ("Tyalor", ["name"]), ("Taylors", ["name"]),
    ("kimberly", []), ("Kimono", []), ("Sailor", []), ("Northtown", []),
    # Phones: any separators, +44 or 0044 for the 0.
    ("07700900123", ["phone"]), ("07700 900 123", ["phone"]), ("+44 7700 900123", ["phone"]),
    ("+44 (0)7700-900-123", ["phone"]), ("0044 7700 900123", ["phone"]), ("(07700) 900.123", ["phone"]),
    ("07700 900124", []), ("900123", []),
    # Emails in any case; postcodes with or without the space; address lines as phrases.
    ("KIM.TAYLOR@EXAMPLE.ORG", ["name", "email"]), ("nt27cd", ["postcode"]), ("NT2 7CD.", ["postcode"]),
    ("XNT27CD", []), ("NT2 7CE", []),
    ("3 Station Rd", ["address"]), ("at 3, Station Road", ["address"]), ("on station road", ["address"]),
    ("13 Station Road", ["address"]),  # the victim's street, whatever the number
    ("Station Roadworks", []), ("3 Station", []),
])
def test_mentions(text, kinds):
    assert mentions(text, KIM) == kinds


def test_a_name_part_inside_another_word_does_not_match():
    assert mentions("planned annual leave; Annabel; Lisa", ANN) == []
    assert mentions("Ann's brother", ANN) == ["name"] and mentions("Ms Li", ANN) == ["name"]
    assert mentions("Anne", ANN) == []  # short parts match exactly only: "Anne", "Ana" are other people


def test_accents_and_hyphens_fold():
    zoe = Victim("Zoë", "Smith-Jones")
    assert fold("ZOË  Smith-JONES!") == "zoe smith jones"
    assert mentions("zoe", zoe) == ["name"] and mentions("Mrs Jones", zoe) == ["name"]


def test_empty_details_match_nothing():
    assert mentions("anything at all 0 7", Victim()) == [] and mentions(None, KIM) == []


def test_find_names_each_field():
    assert find({"risks": "call 07700 900123", "safeguarding": "none", "condition": "Kim"}, [ANN, KIM]) == [
        ("risks", "phone"), ("condition", "name")]


def test_a_name_the_person_shares_with_the_victim_is_not_a_mention():
    sister = Victim("Jo", "Smith")
    fields = {"risks": "Smith must not drink before sessions", "condition": "No contact with Jo"}
    assert find(fields, [sister], person="Jordan Smith") == [("condition", "name")]
    assert find(fields, [sister]) == [("risks", "name"), ("condition", "name")]


def test_every_way_of_writing_the_phone_matches():
    """Each of the usual separators between each group, with 0, +44, +44 (0) or 0044 in front."""
    for front in ("0", "+44", "+44 (0)", "0044 ", "+44-"):
        for sep in ("", " ", "-", ".", "  "):
            text = f"ring {front}7700{sep}900{sep}123 after six"
            assert mentions(text, KIM) == ["phone"], text


def test_a_name_part_inside_any_longer_word_never_matches():
    for before in ("", "b", "pl", "x1"):
        for after in ("", "e", "s", "ed", "2"):
            word = f"{before}ann{after}"
            assert (mentions(f"the {word} here", ANN) == ["name"]) == (word == "ann"), word

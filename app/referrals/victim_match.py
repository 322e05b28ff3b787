"""Does a piece of text mention a victim? Pure functions, no database: the referral send refuses text that does.

Matching is on normalised forms, not on what the officer happened to type: case, accents and spacing are
ignored; a name part matches as a whole word only ("Ann" is not in "planned"), and a long name part also matches
one letter wrong, missing, extra or swapped, first letter kept ("Tayler" for "Taylor"); a phone matches whatever
the separators, with +44 or 0044 for the leading 0; a postcode matches with or without its space; an email
matches in any case; an address line (or its street) matches as a phrase, street words abbreviated or not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A name part this long also matches a word one edit away that starts with the same letter; shorter ones (and
# other first letters: "Wright", "bright") would match ordinary words.
FUZZY_FROM = 6
STREET_WORDS = {"street": "st", "road": "rd", "avenue": "ave", "lane": "ln", "drive": "dr", "close": "cl",
                "crescent": "cres", "place": "pl", "court": "ct", "gardens": "gdns", "terrace": "ter",
                "square": "sq", "grove": "gr", "flat": "flat", "apartment": "flat", "apt": "flat"}
KINDS = {"name": "the victim's name", "phone": "the victim's phone number", "email": "the victim's email address",
         "address": "the victim's address", "postcode": "the victim's postcode"}
WORD = re.compile(r"[^\W_]+")
PHONE_RUN = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")


@dataclass(frozen=True)
class Victim:
    """What the case holds about one victim, as plain values."""
    given_name: str | None = None
    family_name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None


def fold(text: str) -> str:
    """Lower case, accents removed, every run of non-letters and non-digits a single space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(WORD.findall(plain))


def _phone_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    for prefix in ("00440", "0044", "440", "44"):  # "+44 (0)7700 ..." and "+44 7700 ..." are 07700 ...
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            return "0" + digits[len(prefix):]
    return digits


def _near(word: str, part: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours apart (and not equal), same first letter."""
    if word == part or word[:1] != part[:1] or abs(len(word) - len(part)) > 1:
        return False
    if len(word) == len(part):
        diff = [i for i, (a, b) in enumerate(zip(word, part, strict=True)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and word[diff[0]] == part[diff[1]] and word[diff[1]] == part[diff[0]])
    short, long = sorted((word, part), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _street(words: list[str]) -> str:
    return " ".join(STREET_WORDS.get(w, w) for w in words)


def _address_lines(address: str) -> list[list[str]]:
    """The identifying lines of an address: those with a number in them (the house, flat or street) and the
    street without its number. A town on its own names nobody."""
    lines = [fold(line).split() for line in re.split(r"[,\n]", address)]
    found = []
    for words in lines:
        if any(w.isdigit() or w[:1].isdigit() for w in words):
            found.append(words)
            rest = [w for w in words if not w[:1].isdigit()]
            if len(rest) >= 2:
                found.append(rest)
    return found


def mentions(text: str | None, victim: Victim, *, shared: frozenset[str] = frozenset()) -> list[str]:
    """The kinds of the victim's details (keys of KINDS) that `text` mentions, in KINDS order. A name part in
    `shared` (folded: the person's own names, which the provider has anyway) is not looked for."""
    if not text:
        return []
    folded = fold(text)
    words = folded.split()
    found = set()
    for raw in (victim.given_name, victim.family_name):
        for part in fold(raw or "").split():
            if len(part) < 2 or part in shared:
                continue
            if part in words or (len(part) >= FUZZY_FROM and any(_near(w, part) for w in words)):
                found.add("name")
    if victim.email and victim.email.strip().casefold() in text.casefold():
        found.add("email")
    digits = _phone_digits(victim.phone or "")
    if len(digits) >= 7 and any(digits in _phone_digits(run) for run in PHONE_RUN.findall(text)):
        found.add("phone")
    postcode = re.sub(r"\W", "", victim.postcode or "").casefold()
    if len(postcode) >= 5:
        pattern = re.escape(postcode[:-3]) + r"\s*" + re.escape(postcode[-3:])
        if re.search(r"(?<![^\W_])" + pattern + r"(?![^\W_])", folded):
            found.add("postcode")
    padded = f" {_street(words)} "
    if any(f" {_street(line)} " in padded for line in _address_lines(victim.address or "")):
        found.add("address")
    return [k for k in KINDS if k in found]


def find(fields: dict[str, str | None], victims: list[Victim], *, person: str = "") -> list[tuple[str, str]]:
    """(field, kind) for each field that mentions any victim's details, in the fields' order. `person` is the
    referred person's own name: a family name they share with the victim says nothing the provider lacks."""
    shared = frozenset(fold(person).split())
    hits = []
    for field, text in fields.items():
        kinds = {k for v in victims for k in mentions(text, v, shared=shared)}
        hits += [(field, k) for k in KINDS if k in kinds]
    return hits

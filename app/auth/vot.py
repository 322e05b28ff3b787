"""Vectors of trust (RFC 8485) as GOV.UK One Login uses them: comparing the level a token reached with the one
the provider's configuration requires.

A vector is components joined by dots; each component is a category letter and a value. One Login's credential
(authentication) levels are `Cl` (password only) and `Cl.Cm` (password and a second factor): the two `C` values
together make the medium level. Identity confidence is a separate category, `P0` to `P3`. A requirement is met
when every category it names is met; a value we do not know is never taken as meeting anything.
"""

from __future__ import annotations

import re

# Credential levels, lowest first, each the set of `C` values that makes it.
CREDENTIAL_LEVELS = (frozenset("l"), frozenset("lm"))
IDENTITY_LEVELS = ("0", "1", "2", "3")
_COMPONENT = re.compile(r"[A-Z][a-z0-9]+")


class InvalidVector(ValueError):
    """Not a vector we can compare (for a configured requirement, a configuration error)."""


def parse(vector: str) -> dict[str, int]:
    """The rank reached in each category: {"C": 1, "P": 2} for "P2.Cl.Cm"."""
    values: dict[str, set[str]] = {}
    for component in vector.split("."):
        if not _COMPONENT.fullmatch(component) or len(component) != 2:
            raise InvalidVector(f"'{vector}' is not a vector of trust")
        values.setdefault(component[0], set()).add(component[1])
    ranks: dict[str, int] = {}
    for category, found in values.items():
        if category == "C" and frozenset(found) in CREDENTIAL_LEVELS:
            ranks["C"] = CREDENTIAL_LEVELS.index(frozenset(found))
        elif category == "P" and len(found) == 1 and next(iter(found)) in IDENTITY_LEVELS:
            ranks["P"] = IDENTITY_LEVELS.index(next(iter(found)))
        else:
            raise InvalidVector(f"'{vector}' has a {category} component we do not know")
    return ranks


def shortfall(required: str, achieved) -> str | None:
    """Why `achieved` (the token's `vot` claim) does not meet `required`, or None if it does."""
    if not achieved or not isinstance(achieved, str):
        return "vot_missing"
    try:
        reached = parse(achieved)
    except InvalidVector:
        return "vot_unknown"
    for category, rank in parse(required).items():
        if reached.get(category, -1) < rank:
            return "vot_too_low"
    return None

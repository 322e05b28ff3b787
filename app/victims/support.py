"""config/victim_support.yaml, read once and checked: support services per force (the default's first), the
restorative justice words, and how to complain."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

from config.settings import ROOT, ConfigError

PATH = ROOT / "config" / "victim_support.yaml"


@dataclass(frozen=True)
class Service:
    name: str
    about: str
    phone: str | None
    opening: str | None
    url: str | None


@dataclass(frozen=True)
class Support:
    services: tuple[Service, ...]
    restorative_justice: str
    complain: str
    complain_phone: str | None
    complain_url: str | None


def _services(raw, where: str) -> tuple[Service, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{PATH.name}: {where}.services must be a list")
    try:
        return tuple(Service(s["name"], s["about"], s.get("phone") and str(s["phone"]), s.get("opening"), s.get("url"))
                     for s in raw)
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{PATH.name}: {where}: each service needs a name and about ({exc})") from None


@functools.cache
def _raw() -> dict:
    raw = yaml.safe_load(PATH.read_text())
    if not isinstance(raw, dict) or not isinstance(raw.get("default"), dict) or "restorative_justice" not in raw:
        raise ConfigError(f"{PATH.name}: needs restorative_justice and default")
    return raw


def for_force(code: str | None) -> Support:
    """What a victim of a case in this force is told: the default's services, then the force's own."""
    raw = _raw()
    default, local = raw["default"], (raw.get("forces") or {}).get(code) or {}
    words = local if "complain" in local else default
    return Support(
        services=_services(default.get("services", []), "default") + _services(local.get("services", []), code or ""),
        restorative_justice=" ".join(str(raw["restorative_justice"]).split()),
        complain=" ".join(words["complain"].split()),
        complain_phone=words.get("complain_phone") and str(words["complain_phone"]),
        complain_url=words.get("complain_url"))


def check() -> None:
    """Read every force's entry now, so a mistake fails at start-up rather than on a victim's page."""
    for code in [None, *(_raw().get("forces") or {})]:
        for_force(code)

"""The needs assessment's domains and the intervention categories they suggest (config/needs.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

NEEDS_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "needs.yaml"


@dataclass(frozen=True)
class Domain:
    key: str
    label: str
    suggests: tuple[str, ...]


@dataclass(frozen=True)
class NeedsConfig:
    levels: tuple[str, ...]
    suggest_from: str
    domains: dict[str, Domain]

    def suggestions(self, levels: dict[str, str]) -> list[tuple[str, list[str]]]:
        """Intervention categories suggested by the assessed levels, each with the domains that suggest it."""
        threshold = self.levels.index(self.suggest_from)
        found: dict[str, list[str]] = {}
        for key, domain in self.domains.items():
            level = levels.get(key)
            if level in self.levels and self.levels.index(level) >= threshold:
                for category in domain.suggests:
                    found.setdefault(category, []).append(domain.label)
        return list(found.items())


def load(path: Path = NEEDS_FILE) -> NeedsConfig:
    data = yaml.safe_load(path.read_text())
    levels = tuple(data["levels"])
    if data["suggest_from"] not in levels:
        raise ValueError(f"{path.name}: suggest_from must be one of {', '.join(levels)}")
    domains = {k: Domain(k, v["label"], tuple(v.get("suggests", []))) for k, v in data["domains"].items()}
    return NeedsConfig(levels=levels, suggest_from=data["suggest_from"], domains=domains)


@cache
def config() -> NeedsConfig:
    return load()

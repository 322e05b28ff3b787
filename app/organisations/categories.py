"""The provider directory's vocabulary (config/services.yaml): service categories and delivery modes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SERVICES_FILE = Path(__file__).resolve().parent.parent.parent / "config" / "services.yaml"


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    needs: tuple[str, ...]  # needs-assessment domains whose level suggests this category
    # The service works with the victim too (restorative justice): with the victim's agreement, recorded on the
    # referral, the referral may carry the victim's details.
    victim_contact: bool = False


@dataclass(frozen=True)
class DirectoryConfig:
    categories: dict[str, Category]
    delivery_modes: dict[str, str]

    def label(self, key: str) -> str:
        found = self.categories.get(key)
        return found.label if found else key.replace("_", " ").capitalize()

    def suggested(self, levels: dict[str, str], level_order: tuple[str, ...], suggest_from: str) -> dict[str, list]:
        """Categories suggested by assessed need levels, each with the domains (keys) that suggest it."""
        threshold = level_order.index(suggest_from)
        found: dict[str, list[str]] = {}
        for key, category in self.categories.items():
            for domain in category.needs:
                level = levels.get(domain)
                if level in level_order and level_order.index(level) >= threshold:
                    found.setdefault(key, []).append(domain)
        return found


def load(path: Path = SERVICES_FILE) -> DirectoryConfig:
    from app.cases.needs import config as needs_config

    data = yaml.safe_load(path.read_text())
    domains = needs_config().domains
    categories = {}
    for key, raw in data["categories"].items():
        unknown = [d for d in raw.get("needs", []) if d not in domains]
        if unknown:
            raise ValueError(f"{path.name}: category {key!r} names unknown needs domains {', '.join(unknown)}")
        categories[key] = Category(key, raw["label"], tuple(raw.get("needs", [])),
                                   bool(raw.get("victim_contact", False)))
    return DirectoryConfig(categories=categories, delivery_modes=dict(data["delivery_modes"]))


@cache
def config() -> DirectoryConfig:
    return load()

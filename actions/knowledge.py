"""The retailer's knowledge source (knowledge/store.yml): facts, policies and FAQ answers.

Read once per process and cached; the file is the one place a retailer edits answers.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from caredesk_rules.business_hours import parse_week
from caredesk_rules.formatting import money, opening_hours

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO_ROOT / "knowledge" / "store.yml"
# The helpdesk's departments file (the back office reads the same path and variable): the shop's
# opening hours are its default department's business hours.
DEPARTMENTS_ENV = "HELPDESK_DEPARTMENTS_FILE"
DEFAULT_DEPARTMENTS = REPO_ROOT / "backoffice" / "config" / "departments.yml"
MONEY_SUFFIX = "_vnd"


class _Facts(dict):  # type: ignore[type-arg]
    """Leaves unknown placeholders as they are instead of failing the whole answer."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Knowledge:
    """Answers and facts in the customer's language."""

    def __init__(
        self, data: dict[str, Any], week: dict[int, tuple[int, int]] | None = None
    ) -> None:
        self._data = data
        self._week = shop_hours(DEFAULT_DEPARTMENTS) if week is None else week

    @classmethod
    def from_file(cls, path: Path, departments: Path = DEFAULT_DEPARTMENTS) -> Knowledge:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        return cls(data, shop_hours(departments))

    def facts(self, language: str) -> dict[str, Any]:
        """Every fact (in that language) and policy; each amount `x_vnd` also as `x`, worded
        ("20.000đ", "miễn phí"); the opening hours as `hours`, in that language."""
        values: dict[str, Any] = {
            name: in_language(value, language)
            for name, value in (self._data.get("facts") or {}).items()
        }
        policies = self._data.get("policies") or {}
        values.update(policies)
        for name, value in policies.items():
            if name.endswith(MONEY_SUFFIX) and isinstance(value, int):
                values[name.removesuffix(MONEY_SUFFIX)] = money(value, language)
        values["hours"] = opening_hours(self._week, language)
        return values

    def answer(self, topic: str, language: str) -> str | None:
        """The FAQ answer for a topic (an intent name), facts filled in; None when unknown."""
        entry = (self._data.get("faq") or {}).get(topic)
        if not entry:
            return None
        template = entry.get(language) or entry.get("en")
        text = str(template).format_map(_Facts(self.facts(language)))
        # Vietnamese groups thousands with dots: 500.000đ, not 500,000đ.
        return _THOUSANDS.sub(".", text) if language == "vi" else text

    def topics(self) -> set[str]:
        return set((self._data.get("faq") or {}).keys())

    def labels(self) -> dict[str, Any]:
        return dict(self._data.get("labels") or {})

    def intent_label(self, intent: str, language: str) -> str:
        """A short human description of an intent, for 'Did you mean …?' questions."""
        labels = (self._data.get("intent_labels") or {}).get(intent) or {}
        return str(labels.get(language) or labels.get("en") or intent.replace("_", " "))


def in_language(value: Any, language: str) -> Any:
    """A fact written per language ({en: ..., vi: ...}) in the customer's, else English."""
    if isinstance(value, dict):
        return value.get(language) or value.get("en")
    return value


def shop_hours(departments: Path) -> dict[int, tuple[int, int]]:
    """The default department's week from the departments file (checked by the back office
    when it loads; here a broken file fails the action server's start as loudly)."""
    with departments.open(encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    default = config["departments"][config["default_department"]]
    return parse_week(default["business_hours"], f"{departments}: business_hours")


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    departments = Path(os.environ.get(DEPARTMENTS_ENV, "").strip() or DEFAULT_DEPARTMENTS)
    return Knowledge.from_file(
        Path(os.environ.get("KNOWLEDGE_FILE", DEFAULT_PATH)), REPO_ROOT / departments
    )

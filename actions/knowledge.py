"""The retailer's knowledge source (knowledge/store.yml): facts, policies and FAQ answers.

Read once per process and cached; the file is the one place a retailer edits answers.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from caredesk_rules.business_hours import parse_week
from caredesk_rules.knowledge import answer_facts, faq_answer, topic_label

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO_ROOT / "knowledge" / "store.yml"
# The helpdesk's departments file (the back office reads the same path and variable): the shop's
# opening hours are its default department's business hours.
DEPARTMENTS_ENV = "HELPDESK_DEPARTMENTS_FILE"
DEFAULT_DEPARTMENTS = REPO_ROOT / "backoffice" / "config" / "departments.yml"


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
        """Every fact and policy, amounts worded, the opening hours as `hours`
        (caredesk_rules.knowledge)."""
        return answer_facts(self._data, self._week, language)

    def answer(self, topic: str, language: str) -> str | None:
        """The FAQ answer for a topic (an intent name), facts filled in; None when unknown."""
        return faq_answer(self._data, topic, language, self._week)

    def topics(self) -> set[str]:
        return set((self._data.get("faq") or {}).keys())

    def labels(self) -> dict[str, Any]:
        return dict(self._data.get("labels") or {})

    def tracking(self, carrier: str | None, tracking_number: str | None) -> str:
        """A tracking number as customers see it: with the carrier's tracking page when the
        knowledge file has one for that carrier (`carrier_tracking`), so one tap follows it."""
        number = (tracking_number or "").strip()
        pages = self._data.get("carrier_tracking") or {}
        page = pages.get((carrier or "").strip()) if number else None
        if not isinstance(page, str) or "{tracking_number}" not in page:
            return number
        return f"{number} ({page.replace('{tracking_number}', quote(number, safe=''))})"

    def intent_label(self, intent: str, language: str) -> str:
        """A short human description of an intent, for 'Did you mean …?' questions."""
        return topic_label(self._data, intent, language)


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

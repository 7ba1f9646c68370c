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

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "store.yml"


class _Facts(dict):  # type: ignore[type-arg]
    """Leaves unknown placeholders as they are instead of failing the whole answer."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Knowledge:
    """Answers and facts in the customer's language."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @classmethod
    def from_file(cls, path: Path) -> Knowledge:
        with path.open(encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle) or {})

    def facts(self, language: str) -> dict[str, Any]:
        """Every fact and policy, plus the opening hours in that language."""
        values: dict[str, Any] = {}
        values.update(self._data.get("facts") or {})
        values.update(self._data.get("policies") or {})
        hours = self._data.get("hours") or {}
        values["hours"] = hours.get(language) or hours.get("en", "")
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


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    return Knowledge.from_file(Path(os.environ.get("KNOWLEDGE_FILE", DEFAULT_PATH)))

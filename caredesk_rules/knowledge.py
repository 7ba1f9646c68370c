"""The FAQ answers of knowledge/store.yml, worded: one rule for the assistant (actions/
knowledge.py) and the agents' knowledge-base search in the console (the back office), so an
agent inserts exactly what the assistant would have said.

`{name}` in an answer is the fact or policy of that name; an amount `x_vnd` is also `x`, worded
("20.000đ", "miễn phí"); `{hours}` is the opening hours. Unknown placeholders stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from caredesk_rules.formatting import money, opening_hours

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
MONEY_SUFFIX = "_vnd"


class _Facts(dict):  # type: ignore[type-arg]
    """Leaves unknown placeholders as they are instead of failing the whole answer."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def answer_facts(
    data: Mapping[str, Any], week: Mapping[int, tuple[int, int]], language: str
) -> dict[str, Any]:
    """Every fact (in that language) and policy of the knowledge file, amounts worded, hours
    as `hours`."""
    values: dict[str, Any] = {
        name: in_language(value, language) for name, value in (data.get("facts") or {}).items()
    }
    policies = data.get("policies") or {}
    values.update(policies)
    for name, value in policies.items():
        if name.endswith(MONEY_SUFFIX) and isinstance(value, int):
            values[name.removesuffix(MONEY_SUFFIX)] = money(value, language)
    values["hours"] = opening_hours(week, language)
    return values


def in_language(value: Any, language: str) -> Any:
    """A fact written per language ({en: ..., vi: ...}) in that language, else English."""
    if isinstance(value, Mapping):
        return value.get(language) or value.get("en")
    return value


def faq_answer(
    data: Mapping[str, Any], topic: str, language: str, week: Mapping[int, tuple[int, int]]
) -> str | None:
    """The topic's answer in the language (English when it has none), filled in; None when
    the file has no such topic."""
    entry = (data.get("faq") or {}).get(topic)
    if not entry:
        return None
    template = entry.get(language) or entry.get("en")
    text = str(template).format_map(_Facts(answer_facts(data, week, language)))
    # Vietnamese groups thousands with dots: 500.000đ, not 500,000đ.
    return _THOUSANDS.sub(".", text) if language == "vi" else text


def topic_label(data: Mapping[str, Any], topic: str, language: str) -> str:
    """A short human name of a topic (an intent), from the file's `intent_labels`."""
    labels = (data.get("intent_labels") or {}).get(topic) or {}
    return str(labels.get(language) or labels.get("en") or topic.replace("_", " "))

"""The words of knowledge/store.yml `labels` that the actions put into sentences.

Money, phones, dates and times are worded by caredesk_rules.formatting, the one definition the
assistant and the helpdesk share.
"""

from __future__ import annotations

from collections.abc import Iterable

from actions.knowledge import load_knowledge


def label(kind: str, key: str | None, language: str) -> str:
    """A word from knowledge/store.yml `labels`, e.g. label('order_status', 'shipped', 'vi')."""
    labels = load_knowledge().labels()
    entry = labels.get(kind, {})
    if key is not None:
        entry = entry.get(key, {}) if isinstance(entry, dict) else {}
    if isinstance(entry, dict) and (entry.get(language) or entry.get("en")):
        return str(entry.get(language) or entry.get("en"))
    return key or kind


def items_summary(items: Iterable[tuple[str, int]]) -> str:
    """'2 x Sony WH-CH520, 1 x Anker cable'."""
    return ", ".join(f"{quantity} x {name}" for name, quantity in items)

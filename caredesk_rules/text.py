"""Cutting a long answer into messages a platform accepts.

Every messaging platform caps the length of one message (Telegram 4,096 UTF-16 units, Messenger
2,000 characters, Zalo 2,000 characters), and the assistant's answers (FAQ, order details, agent
replies) do not know which channel reads them, so every channel cuts with this one rule.
"""

from __future__ import annotations

from collections.abc import Callable


def _longest_fitting_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    if measure is len:
        return min(limit, len(text))
    used = 0
    for index, char in enumerate(text):
        used += measure(char)
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """`text` in parts of at most `limit` (as `measure` counts), cut at a paragraph, a line or a
    space when one is in the second half of the part, else mid-word. No empty parts."""
    if limit < 1:
        raise ValueError("limit must be positive")
    rest = text.strip()
    parts: list[str] = []
    while measure(rest) > limit:
        cut = max(1, _longest_fitting_prefix(rest, limit, measure))
        for separator in ("\n\n", "\n", " "):
            at = rest.rfind(separator, 0, cut)
            if at > cut // 2:
                cut = at
                break
        part = rest[:cut].rstrip()
        if part:
            parts.append(part)
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts

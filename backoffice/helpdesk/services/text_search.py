"""Finding an agent's words in saved texts: every word typed must appear, with or without
Vietnamese diacritics and in any case ("hoan tien" finds "Hoàn tiền"). Whole words, but the
last one as its start (the agent may still be typing it): "hoa don" is "hóa đơn", never
"hoàn đơn"."""

from __future__ import annotations

import re

from caredesk_rules.vietnamese import fold

_WORD = re.compile(r"\w+")


def query_words(query: str | None) -> list[str]:
    """The typed query's words, folded; none for a blank query (everything matches)."""
    return _WORD.findall(fold(query or ""))


def matches(words: list[str], *texts: str) -> bool:
    if not words:
        return True
    found = _WORD.findall(fold(" ".join(texts)))
    *whole, last = words
    present = set(found)
    return all(word in present for word in whole) and any(w.startswith(last) for w in found)


def relevance(words: list[str], title: str, text: str) -> int:
    """How well a match fits, to list the best first: the words as one phrase in the title,
    then in the text, then each word found in the title."""
    phrase = " ".join(words)
    folded_title, folded_text = fold(title), fold(text)
    return (
        4 * (phrase in folded_title)
        + 2 * (phrase in folded_text)
        + sum(word in folded_title for word in words)
    )

"""Finding an agent's words in saved texts: every word typed must appear, with or without
Vietnamese diacritics and in any case ("hoan tien" finds "Hoàn tiền")."""

from __future__ import annotations

from caredesk_rules.vietnamese import fold


def query_words(query: str | None) -> list[str]:
    """The typed query's words, folded; none for a blank query (everything matches)."""
    return fold(query or "").split()


def matches(words: list[str], *texts: str) -> bool:
    haystack = fold(" ".join(texts))
    return all(word in haystack for word in words)


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

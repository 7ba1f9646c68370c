"""Vietnamese as customers type it: with or without marks, in chat abbreviations (teen-code),
with one definition shared with the Rasa side (caredesk_rules.vietnamese)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from backoffice.helpdesk.services.routing.lexicon import (
    BROKEN_AFTER,
    BROKEN_BEFORE,
    MARKED_NEGATIONS,
    OPTIONAL_VI,
    VI_COMMON,
)
from caredesk_rules.vietnamese import TEEN_CODE, fold, has_vietnamese_marks, marked_share

WORD = re.compile(r"\w+")
INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
# A customer who types marks on this share of their words types them on every word.
_MARKED_SHARE = 0.5


def normalise_vietnamese(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Folded, teen-code-expanded text and, per output character, the source span it came from.

    Follows fold(expand_teen_code(fold(text))) except that a word typed with tone marks is a
    real word, not an abbreviation: "hỏng" (broken) must not become "không" like chat "hong".
    """
    text = unicodedata.normalize("NFC", text)
    tokens = list(WORD.finditer(text))
    folded = [fold(t.group(0)) for t in tokens]
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for index, token in enumerate(tokens):
        for i in range(position, token.start()):
            out.append(fold(text[i]))
            spans.append((i, i + 1))
        raw = token.group(0)
        replacement = _expand_token(raw, folded, index)
        if replacement is None:
            out.append(folded[index])
            spans.extend((token.start() + i, token.start() + i + 1) for i in range(len(raw)))
        else:
            out.append(replacement)
            spans.extend((token.start(), token.end()) for _ in replacement)
        position = token.end()
    for i in range(position, len(text)):
        out.append(fold(text[i]))
        spans.append((i, i + 1))
    return "".join(out), spans


def _expand_token(raw: str, folded: Sequence[str], index: int) -> str | None:
    lower = raw.lower()
    if lower in MARKED_NEGATIONS:
        return "khong"
    plain = lower.replace("đ", "d")
    if not plain.isascii():  # tone or vowel marks: a spelled-out word
        return None
    expansion = TEEN_CODE.get(plain)
    if expansion is None:
        return None
    if plain == "hong":
        before = folded[index - 1] if index > 0 else ""
        after = folded[index + 1] if index + 1 < len(folded) else ""
        if before in BROKEN_BEFORE or after in BROKEN_AFTER:
            return None  # "bi hong", "hong roi": hỏng
    return expansion


def looks_vietnamese(text: str) -> bool:
    """Vietnamese without marks: more common Vietnamese words than English function words."""
    from spacy.lang.en.stop_words import STOP_WORDS as stops  # a word list; loads no model

    tokens = [fold(t) for t in WORD.findall(text)]
    vietnamese = sum(1 for t in tokens if t in VI_COMMON)
    english = sum(1 for t in tokens if t in stops and t not in VI_COMMON)
    return vietnamese > english


def spelling(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in WORD.findall(unicodedata.normalize("NFC", text)))


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _marks(word: str) -> tuple[str, tuple[str, ...]]:
    """The letters and the tone of a word, wherever the tone sits ("hoá" and "hóa" agree)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    letters = "".join(c for c in decomposed if c not in _TONE_MARKS)
    tones = tuple(sorted(c for c in decomposed if c in _TONE_MARKS))
    return unicodedata.normalize("NFC", letters), tones


def _chat_abbreviation(word: str) -> bool:
    plain = word.lower().replace("đ", "d")
    return word.lower() in MARKED_NEGATIONS or (plain.isascii() and plain in TEEN_CODE)


def _optional(word: str) -> bool:
    """Whether a word is "được" (can), which sits anywhere: "không sạc được" is "không sạc"."""
    return fold(word) in OPTIONAL_VI or TEEN_CODE.get(fold(word)) in OPTIONAL_VI


def typed_with_marks(text: str) -> bool:
    """Whether the customer types Vietnamese with its marks (most words carry them).

    Such a customer's unmarked word is a different word ("qua", through, is not "quà", gift);
    only chat abbreviations are exempt. Customers who type without marks are matched folded.
    """
    return marked_share(text, skip=_chat_abbreviation) >= _MARKED_SHARE


def same_spelling(phrase: Sequence[str], typed_text: str, strict: bool) -> bool:
    """Folding is for customers who type without marks; a word typed with marks must agree.

    Otherwise "chăm sóc" (care) would match "chậm" (late), "nút" (button) "nứt" (cracked) and
    "khó" (hard) the phrase "kho" (warehouse). The config is the reference spelling, so its
    Vietnamese phrases are written with their marks. With `strict` (the customer types marks)
    an unmarked word must be spelled as in the phrase too.
    """
    typed = [w for w in spelling(typed_text) if not _optional(w)]
    wanted = [w for w in phrase if not _optional(w)]
    if len(typed) != len(wanted):
        return True  # teen-code stood for several words: nothing to compare word by word
    return all(
        _chat_abbreviation(b)
        or (not strict and not has_vietnamese_marks(b))
        or _marks(a) == _marks(b)
        for a, b in zip(wanted, typed, strict=True)
    )

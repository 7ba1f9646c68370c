"""Vietnamese chat text as the NLU and the helpdesk's routing read it: folded (no diacritics,
đ→d, lower case, same length so spans carry over), chat abbreviations (teen-code: "ko", "dc",
"mk") expanded, and how much of a message carries Vietnamese marks.

One definition for both readers, so a word the NLU folds one way is never matched another way
by the routing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Marks that only Vietnamese (among the languages we see) puts on Latin letters.
_VIETNAMESE_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

# Teen-code and chat abbreviations, keyed on the folded (no diacritics, lower-case) token.
TEEN_CODE: dict[str, str] = {
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "hok": "khong",
    "hong": "khong",
    "khum": "khong",
    "hem": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "đc": "duoc",
    "sp": "san pham",
    "dh": "don hang",
    "mk": "minh",
    "mik": "minh",
    "mh": "minh",
    "j": "gi",
    "ntn": "nhu the nao",
    "vs": "voi",
    "r": "roi",
    "z": "vay",
    "v": "vay",
    "cx": "cung",
    "cg": "cung",
    "sdt": "so dien thoai",
    "tk": "tai khoan",
    "mn": "moi nguoi",
    "bt": "biet",
    "nv": "nhan vien",
    "ad": "admin",
    "tks": "thanks",
    "thanks": "thanks",
    "oke": "ok",
    "okie": "ok",
    "hdon": "hoa don",
    "hd": "hoa don",
    "tt": "thanh toan",
    "ib": "inbox",
    "dt": "dien thoai",
    "bh": "bao gio",
    "trc": "truoc",
    "ng": "nguoi",
    "nc": "noi chuyen",
    "ms": "moi",
    "ht": "ho tro",
}

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold_char(char: str) -> str:
    """One character without its diacritics, lower-cased; length is kept so spans stay valid."""
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """Text without diacritics and lower-cased, character for character (same length)."""
    return "".join(fold_char(c) for c in text)


def has_vietnamese_marks(text: str) -> bool:
    """True when the text carries letters or tone marks that Vietnamese uses."""
    for char in text:
        if char in _VIETNAMESE_LETTERS:
            return True
        decomposed = unicodedata.normalize("NFD", char)
        if len(decomposed) > 1 and any(m in _TONE_MARKS for m in decomposed[1:]):
            return True
    return False


# Below this share of marked words, marks alone do not make a message Vietnamese: an English
# message may name the shop ("Mây Store") or a street.
MARKED_SHARE_FOR_VIETNAMESE = 0.2


def marked_share(text: str, skip: Callable[[str], bool] = lambda _: False) -> float:
    """The share of words that carry Vietnamese letters or tone marks (words `skip` accepts
    are not counted at all)."""
    typed = [w for w in _TOKEN.findall(text) if w.isalpha() and not skip(w)]
    return sum(1 for w in typed if has_vietnamese_marks(w)) / len(typed) if typed else 0.0


def words(text: str) -> list[str]:
    """Folded alphabetic words, the unit the language detector counts."""
    return [t for t in _TOKEN.findall(fold(text)) if t.isalpha()]


def expand_teen_code(folded_text: str) -> str:
    """Replace chat abbreviations by the words they stand for (on folded text)."""
    return _TOKEN.sub(lambda m: TEEN_CODE.get(m.group(0), m.group(0)), folded_text)


def squeeze_repeats(text: str) -> str:
    """'shoppppp ơiiii' -> 'shopp ơii': long letter runs are emphasis, not spelling."""
    return re.sub(r"([^\W\d_])\1{2,}", r"\1\1", text)

"""Vietnamese delivery addresses in today's two-level form, read from what people write.

Since 1 July 2025 an address is: house number and street, ward or commune (phường, xã, đặc
khu), province or centrally-run city (caredesk_rules/provinces.py). Customers still write the
old three-level form, with or without diacritics and with abbreviations ("12 Le Loi, P. Ben
Nghe, Q.1, TP HCM"): the province is resolved to its name today (a former province to the one
it merged into), the district is dropped (the customer confirms the two-level address before
it is used), the ward keeps the name given with its kind written out ("P. Bến Nghé" ->
"Phường Bến Nghé"); no list of the 3,321 wards is kept, so a ward name is not checked.

One reader for the assistant (actions/orders.py) and the order system (backoffice/orders), so
an address the assistant accepts is one the order system stores.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from caredesk_rules.provinces import FORMER_PROVINCES, OTHER_NAMES, PROVINCES
from caredesk_rules.vietnamese import fold

MAX_ADDRESS_LENGTH = 300  # a whole address as typed
MAX_STREET_LENGTH = 200
MAX_WARD_LENGTH = 100

# Which part of an address is missing or not understood (AddressProblem.field).
STREET, WARD, PROVINCE = "street", "ward", "province"

_PROVINCE_PREFIXES = (("thanh", "pho"), ("tp",), ("tinh",), ("t", "p"))
_PROVINCE_SUFFIXES = (("city",), ("province",))
_COUNTRY_KEYS = {"vietnam", "vn"}

# A district-level unit of the old form: "Quận 1", "Huyện Củ Chi", "Thị xã Sơn Tây", "Thành phố
# Thủ Đức" (the word with its marks, or typed without any: "quan 5"; "Quán Thánh" is a street),
# or abbreviated, on folded text: "Q.1", "Q1", "H. Củ Chi", "TX Sơn Tây", "TP. Thủ Đức",
# "District 1", "Go Vap District".
_DISTRICT_WORDS = {"quan": "quận", "huyen": "huyện", "thi xa": "thị xã", "thanh pho": "thành phố"}
_DISTRICT_ABBREVIATED = re.compile(
    r"^(?:(?:q|h|tx|tp)\s*\.\s*\S|(?:q|tx|tp)\s+\S|q\d|district\s+\S|.+\sdistrict$)"
)
# A ward-level unit's kind, on folded text, and how it is written out.
_WARD_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:phuong\s+|p\s*\.\s*|p\s+(?=\S)|p(?=\d)|f\s*\.?\s*(?=\d)|ward\s+)"), "Phường"),
    (re.compile(r"^(?:xa\s+|x\s*\.\s*|commune\s+)"), "Xã"),
    (re.compile(r"^(?:dac\s+khu\s+|dk\s*\.?\s+)"), "Đặc khu"),
    (re.compile(r"^(?:thi\s+tran\s+|tt\s*\.\s*|tt\s+)"), "Thị trấn"),
)
_BARE_KINDS = {"phuong", "p", "f", "xa", "x", "dac khu", "dk", "thi tran", "tt", "ward", "commune"}
_WARD_SUFFIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s+ward$"), "Phường"),
    (re.compile(r"\s+commune$"), "Xã"),
)
# Where an address typed without commas is cut (the words with their marks, or unmistakable
# abbreviations): "12 Lê Lợi Phường Bến Nghé Quận 1 TP HCM".
_MARKER = re.compile(
    r"\s(?=(?:phường|xã|đặc khu|thị trấn|quận|huyện|thị xã|thành phố|tỉnh)\s"
    r"|(?:p|q|tx|tp|h)\s*\.|(?:p|q|tp|tx)\s|[pq]\d|phuong\s|quan\s*\d)",
    re.IGNORECASE,
)
_NOT_TEXT = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class TwoLevelAddress:
    street: str
    ward: str
    province: str
    dropped: tuple[str, ...] = ()  # the old form's district parts, as written


class AddressProblem(ValueError):
    """The address lacks a part or has one that cannot be read; `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _nfc(text: str) -> str:
    """Tone marks typed as separate characters (some keyboards) as one character each."""
    return unicodedata.normalize("NFC", text)


def _words(text: str) -> list[str]:
    return [w for w in _NOT_TEXT.split(fold(text)) if w]


def _strip(words: list[str], affixes: tuple[tuple[str, ...], ...], *, front: bool) -> list[str]:
    for affix in affixes:
        n = len(affix)
        if len(words) > n and tuple(words[:n] if front else words[-n:]) == affix:
            return words[n:] if front else words[:-n]
    return words


def _key(text: str) -> str:
    """'TP. Hồ Chí Minh', 'Ho Chi Minh City', 'tp.hcm' -> 'hochiminh' / 'hcm'."""
    words = _strip(_words(text), _PROVINCE_PREFIXES, front=True)
    return "".join(_strip(words, _PROVINCE_SUFFIXES, front=False))


def _province_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for name in PROVINCES:
        keys[_key(name)] = name
    for names in (FORMER_PROVINCES, OTHER_NAMES):
        for written, province in names.items():
            keys.setdefault(_key(written), province)
    return keys


_PROVINCE_BY_KEY = _province_keys()


def province_name(text: str) -> str | None:
    """A province as written ('TP HCM', 'Binh Duong', 'Quận 1, TP. Hồ Chí Minh') -> its name
    today ('Thành phố Hồ Chí Minh'), or None. A district before it is dropped."""
    parts = [p for p in _parts(text) if _key(p) not in _COUNTRY_KEYS]
    if not parts or not all(is_district(p) for p in parts[:-1]):
        return None
    return _PROVINCE_BY_KEY.get(_key(parts[-1]))


def is_district(text: str) -> bool:
    """Whether a part is a district of the old form ('Quận 1', 'Q.3', 'Huyện Củ Chi',
    'TP. Thủ Đức'); a province ('TP HCM') is not one."""
    lowered = " ".join(_nfc(text).lower().split())
    folded = fold(lowered)
    if province_name_only(lowered):
        return False
    for plain, marked in _DISTRICT_WORDS.items():
        if folded.startswith(plain + " "):
            return lowered[: len(plain)] in (plain, marked)
    return bool(_DISTRICT_ABBREVIATED.match(folded))


def province_name_only(text: str) -> str | None:
    """One part read as a province, without splitting it."""
    return _PROVINCE_BY_KEY.get(_key(text))


def _title(name: str) -> str:
    return name.title() if name == name.lower() else name


def _with_kind(kind: str, name: str) -> str | None:
    ward = f"{kind} {_title(name)}"
    return ward if name and len(ward) <= MAX_WARD_LENGTH else None


def ward_name(text: str) -> str | None:
    """A ward as written -> with its kind written out ('p. ben nghe' -> 'Phường Ben Nghe',
    'X. Bát Tràng' -> 'Xã Bát Tràng', 'Ward 2' -> 'Phường 2'); a trailing district is dropped
    ('Phường 2, Quận 5' -> 'Phường 2'). None when it is empty, a district or a province."""
    parts = _parts(text)
    while len(parts) > 1 and is_district(parts[-1]):
        parts.pop()
    if len(parts) != 1:
        return None
    written = parts[0]
    if not written or is_district(written) or province_name_only(written):
        return None
    if " ".join(_words(written)) in _BARE_KINDS:
        return None
    folded = fold(written)
    for pattern, kind in _WARD_KINDS:
        found = pattern.match(folded)
        if found:
            name = written[found.end() :].strip(" .")
            return _with_kind(kind, name)
    for pattern, kind in _WARD_SUFFIXES:
        found = pattern.search(folded)
        if found:
            return _with_kind(kind, written[: found.start()].strip(" ."))
    return _title(written) if len(written) <= MAX_WARD_LENGTH else None


def has_ward_kind(text: str) -> bool:
    folded = fold(" ".join(_nfc(text).split()))
    return any(p.match(folded) for p, _ in _WARD_KINDS) or any(
        p.search(folded) for p, _ in _WARD_SUFFIXES
    )


def _parts(text: str) -> list[str]:
    parts = [" ".join(p.split()) for p in re.split(r"[,;\n]", _nfc(text))]
    parts = [p for p in parts if p]
    if len(parts) == 1 and " - " in parts[0] and _key(parts[0]) not in _PROVINCE_BY_KEY:
        parts = [p.strip() for p in parts[0].split(" - ") if p.strip()]
    return parts


def _cut_without_commas(text: str) -> list[str]:
    """'12 Lê Lợi P. Bến Nghé Q.1 TP HCM' -> ['12 Lê Lợi', 'P. Bến Nghé', 'Q.1', 'TP HCM']:
    cut before each ward, district or province word, then the province found at the end."""
    parts = [p.strip() for p in _MARKER.split(text) if p.strip()]
    last = parts[-1].split() if parts else []
    for size in range(min(len(last), 6), 0, -1):
        tail = " ".join(last[-size:])
        if province_name_only(tail):
            if size < len(last):
                parts[-1:] = [" ".join(last[:-size]), tail]
            break
    return parts


def parse_address(text: str) -> TwoLevelAddress:
    """An address as typed -> street, ward and province today; AddressProblem names the part
    that is missing or unreadable."""
    if not isinstance(text, str) or not text.strip():
        raise AddressProblem(STREET, "the address is empty")
    if len(text) > MAX_ADDRESS_LENGTH:
        raise AddressProblem(STREET, f"the address is longer than {MAX_ADDRESS_LENGTH} characters")
    parts = _parts(text)
    if len(parts) < 3:  # some parts typed without commas between them
        parts = [cut for part in parts for cut in _cut_without_commas(part)]
    while parts and _key(parts[-1]) in _COUNTRY_KEYS:
        parts.pop()
    province = province_name_only(parts[-1]) if parts else None
    if province is None:
        raise AddressProblem(PROVINCE, "no province or centrally-run city at the end")
    rest, dropped = parts[:-1], list[str]()
    # The old district, or the old province's own city ("TP. Bắc Ninh, Bắc Ninh").
    while rest and (is_district(rest[-1]) or province_name_only(rest[-1]) == province):
        dropped.insert(0, rest.pop())
    if len(rest) < 2:
        missing_street = len(rest) == 1 and has_ward_kind(rest[0])
        if missing_street:
            raise AddressProblem(STREET, "no house number and street")
        raise AddressProblem(WARD, "no ward or commune (phường, xã or đặc khu)")
    ward = ward_name(rest[-1])
    if ward is None:
        raise AddressProblem(WARD, "the ward or commune cannot be read")
    street = ", ".join(rest[:-1])
    if len(street) > MAX_STREET_LENGTH:
        raise AddressProblem(STREET, f"the street is longer than {MAX_STREET_LENGTH} characters")
    return TwoLevelAddress(street=street, ward=ward, province=province, dropped=tuple(dropped))

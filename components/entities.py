"""Finds order ids, ticket ids, emails and phone numbers, each normalised to one canonical form.

Patterns beat a learned extractor here: the formats are closed ("ORD-10001", "ord10001",
"đơn 10001"; "TCK-42"; "0912 345 678", "+84 912 345 678") and the canonical value is what the
back-office APIs expect. The words people put before an id are this module's; what an id is
and what an email or a phone is come from `caredesk_rules`, shared with the action server and
the back office.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caredesk_rules.contacts import EMAIL_IN_MESSAGE, PHONE_IN_MESSAGE, canonical_phone
from caredesk_rules.ids import (
    ORDER_DIGITS,
    TICKET_DIGITS,
    order_id_from_number,
    ticket_id_from_number,
)
from caredesk_rules.vietnamese import fold

ORDER_ID = "order_id"
TICKET_ID = "ticket_id"
EMAIL = "email"
PHONE = "phone"


@dataclass(frozen=True)
class Found:
    entity: str
    start: int
    end: int
    value: str


_TICKET = re.compile(
    rf"\b(?:tck|ticket|phieu|yeu cau)\s*(?:so|no\.?|number|#|:|-|_)?\s*-?\s*({TICKET_DIGITS})\b"
)
_ORDER_PREFIXED = re.compile(
    r"(?<![\w@])(?:ord|order|orders|don hang|don|dh|ma don hang|ma don|ma dh|ma)"
    rf"\s*(?:so|no\.?|number|id|#|:|-|_)?\s*[-#:_]?\s*({ORDER_DIGITS})\b"
)
_ORDER_HASH = re.compile(rf"(?<!\w)#\s?({ORDER_DIGITS})\b")
_BARE_NUMBER = re.compile(r"^\s*(\d{5,6})\s*[.!?]?\s*$")


def find_entities(text: str) -> list[Found]:
    """Every id, email and phone in the text, with spans in the original text, left to right."""
    folded = fold(text)  # same length as text: spans carry over
    taken: list[tuple[int, int]] = []
    found: list[Found] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(entity: str, start: int, end: int, value: str | None) -> None:
        if value and free(start, end):
            taken.append((start, end))
            found.append(Found(entity, start, end, value))

    for m in EMAIL_IN_MESSAGE.finditer(folded):
        add(EMAIL, m.start(), m.end(), text[m.start() : m.end()].lower())
    for m in _TICKET.finditer(folded):
        add(TICKET_ID, m.start(), m.end(), ticket_id_from_number(m.group(1)))
    for pattern in (_ORDER_PREFIXED, _ORDER_HASH):
        for m in pattern.finditer(folded):
            add(ORDER_ID, m.start(), m.end(), order_id_from_number(m.group(1)))
    for m in PHONE_IN_MESSAGE.finditer(folded):
        add(PHONE, m.start(), m.end(), canonical_phone(m.group(0)))
    bare = _BARE_NUMBER.match(folded)
    if bare and not found:
        add(ORDER_ID, bare.start(1), bare.end(1), order_id_from_number(bare.group(1)))
    return sorted(found, key=lambda f: f.start)

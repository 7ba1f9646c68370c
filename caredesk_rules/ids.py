"""Order ids and ticket ids: the one pattern each, and the normalisers.

docs/contract.md promises `ORD-` followed by digits and `TCK-` followed by digits (the
`order_id` and `ticket_id` slots), and the demo orders are ORD-10001 … ORD-10020. The digit
ranges below are the ones the back office's API accepts; the NLU entity extractor, the action
server and the back office all build their checks from them, so an id one of them accepts is
never refused by another.

Order ids: `ORD-` and 5 to 10 digits. The order system numbers them (the demo data's have 5
digits; its id column holds 16 characters); fewer than 5 digits is too easily a quantity or
part of an address to take for an order in a chat message. (The action server's order client
used to pass up to 20 digits on for the order system to refuse; it now refuses them itself.)

Ticket ids: `TCK-` and 1 to 10 digits. The helpdesk issues `TCK-` and the ticket number padded
to 6 digits (TCK-000042); ticket numbers are positive 31-bit integers (its integer key), so an
issued id never has more than 10 digits, and customers may drop the padding (`TCK-42` names the
same ticket). (The back office's API used to accept up to 12 digits, which only allowed more
leading zeros than any id it issues; it now accepts the same 1 to 10 as the NLU and the action
server.)
"""

from __future__ import annotations

import re

ORDER_PREFIX = "ORD-"
ORDER_DIGITS = r"\d{5,10}"
# The canonical form, as the order system stores it and its API accepts it.
ORDER_ID_PATTERN = rf"^ORD-{ORDER_DIGITS}$"
ORDER_ID_MAX_LENGTH = len(ORDER_PREFIX) + 10
ORDER_ID = re.compile(ORDER_ID_PATTERN)
# What people type for one: "ORD-10001", "ord 10001", "ORD10001".
_ORDER_ID_AS_TYPED = re.compile(rf"^ORD[-\s]?({ORDER_DIGITS})$", re.IGNORECASE)

TICKET_PREFIX = "TCK-"
TICKET_DIGITS = r"\d{1,10}"
TICKET_ID_PATTERN = rf"^TCK-{TICKET_DIGITS}$"
TICKET_ID_MAX_LENGTH = len(TICKET_PREFIX) + 10
TICKET_ID = re.compile(TICKET_ID_PATTERN)
# Ticket numbers are the helpdesk's 31-bit integer keys; padded to this many digits in an id.
MAX_TICKET_NUMBER = 2**31 - 1
TICKET_NUMBER_PADDING = 6


def is_order_id(value: object) -> bool:
    """True for an order id in its canonical form ("ORD-10001")."""
    return isinstance(value, str) and ORDER_ID.match(value) is not None


def canonical_order_id(typed: str) -> str | None:
    """ "ord 10001", "ORD10001", "ORD-10001" -> "ORD-10001"; None for anything else."""
    if not isinstance(typed, str):
        return None
    match = _ORDER_ID_AS_TYPED.match(typed.strip())
    return order_id_from_number(match.group(1)) if match else None


def order_id_from_number(digits: str) -> str | None:
    """ "10001" -> "ORD-10001": an order number found in a message, as an id; None when the
    digits are not an order number."""
    order_id = f"{ORDER_PREFIX}{digits}"
    return order_id if is_order_id(order_id) else None


def is_ticket_id(value: object) -> bool:
    """True for a ticket id ("TCK-000042", or "TCK-42" without the padding)."""
    return isinstance(value, str) and TICKET_ID.match(value) is not None


def ticket_id_from_number(digits: str) -> str | None:
    """ "42" -> "TCK-42": a ticket number found in a message, as an id; None when the digits
    are not a ticket number."""
    ticket_id = f"{TICKET_PREFIX}{digits}"
    return ticket_id if is_ticket_id(ticket_id) else None


def ticket_number(ticket_id: str) -> int | None:
    """ "TCK-000042" and "TCK-42" -> 42, the ticket they name; None for anything else."""
    if not is_ticket_id(ticket_id):
        return None
    number = int(ticket_id[len(TICKET_PREFIX) :])
    return number if 0 < number <= MAX_TICKET_NUMBER else None


def ticket_id_for(number: int) -> str:
    """The id the helpdesk issues for ticket `number`: 42 -> "TCK-000042"."""
    return f"{TICKET_PREFIX}{number:0{TICKET_NUMBER_PADDING}d}"

"""Phone numbers and email addresses: what counts as one, its one canonical form, how to find
one in a chat message and how to blank one out of a log line.

The canonical form decides who may see an order or a ticket (the order system compares it with
the contact on the order; docs/contract.md), so the action server checks a customer's contact
with the same rule the back office applies, and the NLU's extractor hands over the same value.

- Phones: Vietnamese mobile numbers (9 digits after the country code, starting with 3, 5, 7, 8
  or 9), canonical `+84XXXXXXXXX`. Accepted as people write them: "0912 345 678",
  "0912.345.678", "(+84) 912-345-678", "0084 912 345 678", "84912345678", "+84 0912 345 678".
- Emails: one address, ASCII, lower-cased, at most 254 characters.

Two kinds of pattern, for two purposes:
- `PHONE_IN_MESSAGE` / `EMAIL_IN_MESSAGE` find a contact inside a customer's message (folded
  text, see `caredesk_rules.vietnamese.fold`) for the NLU; what they find still goes through
  the canonical form above.
  `contact_in_message` is the same finding for the helpdesk: the first contact a customer
  wrote to a person, canonical.
- `PHONE_TO_REDACT` / `EMAIL_TO_REDACT` keep personal data out of log files. They are broader on
  purpose (landlines, 10-digit national numbers, non-ASCII addresses): a false alarm costs a
  less readable log line, a miss leaks a customer's number.
"""

from __future__ import annotations

import re

from caredesk_rules.vietnamese import fold

PHONE = "phone"
EMAIL = "email"

MAX_EMAIL_LENGTH = 254
_MAX_PHONE_LENGTH = 32
_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
# Mobile numbers: 9 digits after the country code, starting with 3, 5, 7, 8 or 9.
_VN_MOBILE = re.compile(r"^[35789]\d{8}$")

# In a message (folded text): "0912 345 678", "+84 912 345 678", "84903111222".
PHONE_IN_MESSAGE = re.compile(r"(?<![\w+])(?:\+?\s?84|0)(?:[\s.\-]?\d){9}(?!\d)")
EMAIL_IN_MESSAGE = re.compile(
    r"[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9\-]{1,63})+"
)

# In a log line: Vietnamese numbers in the shapes people type (+84 912 345 678, 0912.345.678,
# (84) 912-345-678), landlines included, and any address-looking word.
PHONE_TO_REDACT = re.compile(
    r"(?<![\w+])(?:\+\s?84|0084|\(\+?84\)|84|0)(?:[\s.\-()]*\d){9,10}(?![\w])"
)
EMAIL_TO_REDACT = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def canonical_email(value: str) -> str | None:
    """ "An.Nguyen@Example.com " -> "an.nguyen@example.com"; None when it is not one address."""
    email = value.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email) or ".." in email:
        return None
    return email


def canonical_phone(value: str) -> str | None:
    """ "0912 345 678", "+84 912 345 678" -> "+84912345678"; None when this is not a
    Vietnamese mobile number."""
    if len(value) > _MAX_PHONE_LENGTH:
        return None
    digits = _PHONE_SEPARATORS.sub("", value.strip())
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if national.startswith("0"):  # "+84 0912..." is a common slip
        national = national[1:]
    if not _VN_MOBILE.match(national):
        return None
    return "+84" + national


def canonical_contact(value: str) -> tuple[str, str] | None:
    """("email", address) or ("phone", number), canonical; None when it is neither."""
    if "@" in value:
        email = canonical_email(value)
        return (EMAIL, email) if email else None
    phone = canonical_phone(value)
    return (PHONE, phone) if phone else None


def contact_in_message(text: str) -> tuple[str, str] | None:
    """The first email or phone number written in a chat message, canonical, or None: what a
    customer typed for a person to reach them ("email mình là An.Nguyen@example.com")."""
    folded = fold(text)  # same length as text: the typed address is cut from the original
    found: list[tuple[int, tuple[str, str]]] = []
    for match in EMAIL_IN_MESSAGE.finditer(folded):
        email = canonical_email(text[match.start() : match.end()])
        if email:
            found.append((match.start(), (EMAIL, email)))
    for match in PHONE_IN_MESSAGE.finditer(folded):
        phone = canonical_phone(match.group(0))
        if phone:
            found.append((match.start(), (PHONE, phone)))
    return min(found)[1] if found else None

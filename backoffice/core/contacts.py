"""One normal form per contact, so "0912.345.678" and "+84 912 345 678" prove the same customer."""

from __future__ import annotations

import re

MAX_EMAIL_LENGTH = 254
_EMAIL_RE = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_PHONE_SEPARATORS_RE = re.compile(r"[\s.\-()/]")
# Mobile numbers: 9 digits after the country code, starting with 3, 5, 7, 8 or 9.
_VN_MOBILE_RE = re.compile(r"^[35789]\d{8}$")


def normalise_email(value: str) -> str | None:
    email = value.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(email) or ".." in email:
        return None
    return email


def normalise_phone(value: str) -> str | None:
    """Return +84XXXXXXXXX, or None when this is not a Vietnamese mobile number."""
    if len(value) > 32:
        return None
    digits = _PHONE_SEPARATORS_RE.sub("", value.strip())
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
    if not _VN_MOBILE_RE.match(national):
        return None
    return "+84" + national


def normalise_contact(value: str) -> tuple[str, str] | None:
    """Classify a contact as ("email", x) or ("phone", x); None when it is neither."""
    if "@" in value:
        email = normalise_email(value)
        return ("email", email) if email else None
    phone = normalise_phone(value)
    return ("phone", phone) if phone else None

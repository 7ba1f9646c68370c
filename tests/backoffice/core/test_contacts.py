"""Contact normalisation decides who may see an order, so its edges are pinned down here."""

from __future__ import annotations

import pytest

from backoffice.core.contacts import normalise_contact, normalise_email, normalise_phone


@pytest.mark.parametrize(
    "raw",
    [
        "+84 912 345 678",
        "+84912345678",
        "0912345678",
        "0912.345.678",
        "0912-345-678",
        "(+84) 912 345 678",
        "84912345678",
        "0084 912 345 678",
        "+84 0912 345 678",
        " 0912 345 678 ",
    ],
)
def test_vietnamese_mobile_numbers_normalise(raw: str) -> None:
    assert normalise_phone(raw) == "+84912345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "0212345678",  # not a mobile prefix
        "+1 202 555 0100",
        "091234567",  # too short
        "09123456789",  # too long
        "0912abc678",
        "0" * 40,
        "٠٩١٢٣٤٥٦٧٨",  # non-ASCII digits
    ],
)
def test_other_numbers_are_rejected(raw: str) -> None:
    assert normalise_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("An.Nguyen@Example.com", "an.nguyen@example.com"),
        ("  chi.le@example.com ", "chi.le@example.com"),
        ("a+tag@sub.example.vn", "a+tag@sub.example.vn"),
    ],
)
def test_emails_normalise(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["a@b", "@example.com", "a@@example.com", "a..b@example.com", "a b@example.com"]
)
def test_bad_emails_are_rejected(raw: str) -> None:
    assert normalise_email(raw) is None


def test_contact_kind() -> None:
    assert normalise_contact("0912345678") == ("phone", "+84912345678")
    assert normalise_contact("X@Example.com") == ("email", "x@example.com")
    assert normalise_contact("' OR 1=1 --") is None

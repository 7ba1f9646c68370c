"""Contact normalisation decides who may see an order, so its edges are pinned down here: the
back office checks with it, the action server checks a customer's contact with it, and the NLU
hands its value over."""

from __future__ import annotations

import pytest

from caredesk_rules.contacts import (
    EMAIL_IN_MESSAGE,
    EMAIL_TO_REDACT,
    PHONE_IN_MESSAGE,
    PHONE_TO_REDACT,
    canonical_contact,
    canonical_email,
    canonical_phone,
    contact_in_message,
)


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
    assert canonical_phone(raw) == "+84912345678"


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
    assert canonical_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("An.Nguyen@Example.com", "an.nguyen@example.com"),
        ("  chi.le@example.com ", "chi.le@example.com"),
        ("a+tag@sub.example.vn", "a+tag@sub.example.vn"),
    ],
)
def test_emails_normalise(raw: str, expected: str) -> None:
    assert canonical_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["a@b", "@example.com", "a@@example.com", "a..b@example.com", "a b@example.com"]
)
def test_bad_emails_are_rejected(raw: str) -> None:
    assert canonical_email(raw) is None


def test_contact_kind() -> None:
    assert canonical_contact("0912345678") == ("phone", "+84912345678")
    assert canonical_contact("X@Example.com") == ("email", "x@example.com")
    assert canonical_contact("' OR 1=1 --") is None


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("0912345678", "+84912345678"), ("+84 36 123 4567", "+84361234567"), ("0112345678", None)],
)
def test_phone_numbers_normalise_to_e164(raw: str, canonical: str | None) -> None:
    assert canonical_phone(raw) == canonical


PHONES_IN_MESSAGES = [
    ("sdt 0912 345 678", "0912 345 678"),
    ("+84 912 345 678 a", "+84 912 345 678"),
    ("goi 84903111222 nhe", "84903111222"),
    ("so 0936.000.555", "0936.000.555"),
    ("0987-654-321", "0987-654-321"),
]


@pytest.mark.parametrize(("message", "phone"), PHONES_IN_MESSAGES)
def test_phones_are_found_in_messages(message: str, phone: str) -> None:
    assert [m.group(0) for m in PHONE_IN_MESSAGE.finditer(message)] == [phone]
    assert canonical_phone(phone) is not None


@pytest.mark.parametrize(
    "message", ["I paid 500000 dong", "call me at 12345678901234", "ORD-10001", "+1 202 555 0100"]
)
def test_other_numbers_are_not_phones_in_messages(message: str) -> None:
    assert PHONE_IN_MESSAGE.search(message) is None


def test_emails_are_found_in_messages() -> None:
    found = EMAIL_IN_MESSAGE.findall("mail an.nguyen@example.com hoac binh.tran@example.com.")
    assert found == ["an.nguyen@example.com", "binh.tran@example.com"]


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("email mình là An.Nguyen@Example.com nhé", ("email", "an.nguyen@example.com")),
        ("Số điện thoại: 0912.345.678", ("phone", "+84912345678")),
        ("gọi 0903 111 222 hoặc mail binh.tran@example.com", ("phone", "+84903111222")),
        ("Hello? Is anyone there? ORD-10001", None),
        ("call 1900 1234", None),
    ],
)
def test_the_first_contact_written_to_a_person_is_found(
    message: str, found: tuple[str, str] | None
) -> None:
    assert contact_in_message(message) == found


@pytest.mark.parametrize(
    "contact",
    [phone for _, phone in PHONES_IN_MESSAGES]
    + ["(+84) 912-345-678", "0084 912 345 678", "+84912345678", "024 3825 1234"],
)
def test_redaction_covers_every_phone_the_assistant_reads(contact: str) -> None:
    assert PHONE_TO_REDACT.sub("[phone]", f"from {contact}.") == "from [phone]."


@pytest.mark.parametrize(
    "email", ["an.nguyen@example.com", "a+tag@sub.example.vn", "an.nguyễn@example.com"]
)
def test_redaction_covers_every_email(email: str) -> None:
    assert EMAIL_TO_REDACT.sub("[email]", f"from {email} ok") == "from [email] ok"

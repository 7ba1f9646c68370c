"""Input models are strict: pydantic v1's friendly coercions are a liability at an API edge."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError, parse_obj_as

from backoffice.orders.schemas import (
    AddressIn,
    CancelRequest,
    OrderEventIn,
    ReturnRequestIn,
    SubscriptionIn,
    VerifyRequest,
)


@pytest.mark.parametrize("value", [[], [["reason", "x"]], "reason", 1])
def test_models_only_come_from_objects(value: Any) -> None:
    with pytest.raises(ValidationError):
        parse_obj_as(CancelRequest, value)


def test_address_phone_is_normalised_and_text_stripped() -> None:
    address = AddressIn(
        recipient="  Lê Minh Chi ",
        phone="0987.654.321",
        line1="102 Nguyễn Văn Linh",
        ward="Phường Hải Châu",
        province="Thành phố Đà Nẵng",
    )
    assert address.recipient == "Lê Minh Chi"
    assert address.phone == "+84987654321"


def test_an_old_three_level_address_is_read_in_the_two_level_form() -> None:
    address = AddressIn(
        recipient="Lê Minh Chi",
        phone="0987 654 321",
        line1="102 Nguyễn Văn Linh",
        ward="P. Nam Dương",
        district="Quận Hải Châu",
        province="Quảng Nam",
    )
    assert (address.ward, address.province) == ("Phường Nam Dương", "Thành phố Đà Nẵng")
    assert "district" not in address.model_dump(exclude={"district"})


@pytest.mark.parametrize(
    ("field", "value"),
    [("ward", "Quận Hải Châu"), ("ward", ""), ("province", "Hải Châu"), ("province", "")],
)
def test_a_district_for_a_ward_or_an_unknown_province_is_refused(field: str, value: str) -> None:
    body = {
        "recipient": "Lê Minh Chi",
        "phone": "0987 654 321",
        "line1": "102 Nguyễn Văn Linh",
        "ward": "Phường Hải Châu",
        "province": "Thành phố Đà Nẵng",
        field: value,
    }
    with pytest.raises(ValidationError) as caught:
        AddressIn(**body)
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize("reason", ["a\x00b", "a\x1bb", "a\x7fb"])
def test_control_characters_are_refused(reason: str) -> None:
    with pytest.raises(ValidationError):
        ReturnRequestIn.parse_obj({"reason": reason})


def test_multi_line_reasons_are_fine() -> None:
    request = ReturnRequestIn.parse_obj({"reason": "Loa rè.\nHộp móp."})
    assert request.reason == "Loa rè.\nHộp móp."


@pytest.mark.parametrize(
    "body",
    [
        {"order_id": "ORD-10001", "contact": "a@b"},
        {"order_id": "ORD-10001", "contact": "0912345678", "admin": True},
        {"order_id": 10001, "contact": "0912345678"},
    ],
)
def test_verify_request_is_strict(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        VerifyRequest(**body)


@pytest.mark.parametrize("district", [None, "Quận 1"])
def test_the_district_may_be_null_or_left_out(district: str | None) -> None:
    """Found by the bad-input fuzzer: a null district was a 500, not an address without one."""
    address = AddressIn.model_validate(
        {
            "recipient": "Lê Minh Chi",
            "phone": "0987 654 321",
            "line1": "12 Lê Lợi",
            "ward": "Phường Sài Gòn",
            "province": "TP. HCM",
            "district": district,
        }
    )
    assert (address.province, address.district) == ("Thành phố Hồ Chí Minh", district)


# -- order events and subscriptions (issue 14) ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "day"),
    [("2028-02-29", date(2028, 2, 29)), (" 2026-12-31 ", date(2026, 12, 31)), (None, None)],
)
def test_an_expected_delivery_is_a_real_day_written_iso(value: Any, day: date | None) -> None:
    assert (
        OrderEventIn.model_validate(
            {"type": "delayed", "expected_delivery": value}
        ).expected_delivery
        == day
    )


@pytest.mark.parametrize(
    "value", ["2027-02-29", "2026-13-01", "2026-1-5", "2026-01-05T10:00", 20260105, "tomorrow"]
)
def test_anything_else_is_not_an_expected_delivery(value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        OrderEventIn.model_validate({"type": "delayed", "expected_delivery": value})
    assert [e["loc"] for e in refused.value.errors()] == [("expected_delivery",)]


def test_an_event_keeps_its_words_and_defaults_to_the_order_system() -> None:
    event = OrderEventIn.model_validate(
        {"type": "shipped", "carrier": " GHN ", "tracking_number": "GHN123", "note": "a\nb"}
    )
    assert (event.carrier, event.note, event.source, event.event_id) == (
        "GHN",
        "a\nb",
        "order_system",
        None,
    )


def test_a_subscription_takes_exactly_one_proof() -> None:
    base = {"order_id": "ORD-10002", "conversation_id": "c1", "channel": "zalo", "language": "en"}
    assert SubscriptionIn.model_validate({**base, "contact": "0903111222"}).customer_id is None
    for proofs in ({}, {"contact": "0903111222", "customer_id": "binh.tran@example.com"}):
        with pytest.raises(ValidationError):
            SubscriptionIn.model_validate({**base, **proofs})

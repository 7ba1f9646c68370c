import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.confirmations import ActionAnswerYesNo
from actions.orders import (
    ActionAskToConfirmAddress,
    ActionAskToConfirmReturn,
    ActionExplainExpectedInput,
    ActionHandleOrderRequest,
    ValidateAddressForm,
    ValidateOrderVerificationForm,
    split_address,
    valid_contact,
)
from tests.support.trackers import tracker_for

AN = "an.nguyen@example.com"
BINH_PHONE = "+84903111222"


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def responses(messages):
    return [m.get("response") for m in messages]


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def order_tracker(order_id, contact, operation, language="en", **slots):
    return tracker_for(
        "...",
        "inform",
        language,
        slots={
            "order_id": order_id,
            "customer_contact": contact,
            "order_operation": operation,
            **slots,
        },
    )


def test_track_shipped_order_shows_carrier_tracking_and_last_event(order_system):
    messages, events = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "track"))
    assert responses(messages) == ["utter_order_status", "utter_order_shipment"]
    assert messages[1]["carrier"] == "GHN"
    assert messages[1]["tracking_number"] == "GHN123456789VN"
    assert messages[1]["event_description"]
    assert slots_set(events) == {"verified_order_id": "ORD-10001"}


def test_track_in_vietnamese_uses_vietnamese_labels_and_money(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "track", "vi"))
    assert messages[0]["status"] == "đang được giao"
    assert messages[0]["total"].endswith("đ")


def test_wrong_contact_reveals_nothing_and_counts_an_attempt(order_system):
    messages, events = run(
        ActionHandleOrderRequest(), order_tracker("ORD-10001", "someone@else.com", "track")
    )
    assert responses(messages) == ["utter_verification_failed"]
    assert messages[0]["attempts_left"] == 2
    assert "status" not in messages[0]
    assert slots_set(events) == {
        "verification_failures": 1.0,
        "order_id": None,
        "customer_contact": None,
        "requested_slot": "order_id",
    }
    assert {"event": "active_loop", "name": "order_verification_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]


def test_unknown_order_looks_exactly_like_a_wrong_contact(order_system):
    unknown, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-99999", AN, "track"))
    wrong, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", "x@y.com", "track"))
    assert unknown == wrong


def test_third_failure_stops_and_offers_a_person(order_system):
    tracker = order_tracker("ORD-10001", "x@y.com", "track", verification_failures=2.0)
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_verification_locked"]
    assert slots_set(events)["verification_failures"] == 3.0
    assert not [e for e in events if e["event"] in ("followup", "active_loop")]


def test_after_three_failures_nothing_is_asked_or_looked_up(order_system):
    tracker = order_tracker("ORD-10001", AN, "track", verification_failures=3.0)
    messages, _ = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_verification_locked"]
    required = asyncio.run(
        ValidateOrderVerificationForm().required_slots(
            ["order_id", "customer_contact"], CollectingDispatcher(), tracker, {}
        )
    )
    assert required == []


def test_verified_order_is_not_verified_again(order_system):
    tracker = order_tracker("ORD-10001", AN, "track", verified_order_id="ORD-10001")
    _, events = run(ActionHandleOrderRequest(), tracker)
    assert "verified_order_id" not in slots_set(events)


def test_cancel_asks_for_confirmation_then_cancels(order_system):
    messages, events = run(
        ActionHandleOrderRequest(), order_tracker("ORD-10002", BINH_PHONE, "cancel")
    )
    assert responses(messages) == ["utter_confirm_cancel"]
    assert slots_set(events)["pending_confirmation"] == "cancel"
    # Nothing changed yet.
    http = order_system.session(contact=BINH_PHONE)
    assert (
        http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()["status"]
        == "processing"
    )

    yes = tracker_for(
        "yes",
        "affirm",
        "en",
        slots={
            "pending_confirmation": "cancel",
            "verified_order_id": "ORD-10002",
            "customer_contact": BINH_PHONE,
        },
    )
    messages, events = run(ActionAnswerYesNo(), yes)
    assert responses(messages)[0] == "utter_order_cancelled"
    assert slots_set(events) == {"pending_confirmation": None}
    assert (
        http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()["status"] == "cancelled"
    )


def test_no_keeps_the_order(order_system):
    no = tracker_for(
        "no",
        "deny",
        "en",
        slots={
            "pending_confirmation": "cancel",
            "verified_order_id": "ORD-10002",
            "customer_contact": BINH_PHONE,
        },
    )
    messages, _ = run(ActionAnswerYesNo(), no)
    assert responses(messages) == ["utter_change_not_made"]
    http = order_system.session(contact=BINH_PHONE)
    assert (
        http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()["status"]
        == "processing"
    )


def test_shipped_order_cannot_be_cancelled_and_the_return_path_is_offered(order_system):
    messages, events = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "cancel"))
    assert responses(messages) == ["utter_cannot_cancel"]
    assert "pending_confirmation" not in slots_set(events)


def test_change_address_collects_confirms_and_changes(order_system):
    _, events = run(
        ActionHandleOrderRequest(), order_tracker("ORD-10002", BINH_PHONE, "change_address")
    )
    assert {"event": "followup", "name": "address_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]
    address = "45 Tran Hung Dao, Phuong 2, Quan 5, TP Ho Chi Minh"
    validated = ValidateAddressForm().validate_new_address(
        address, CollectingDispatcher(), None, {}
    )
    assert validated == {"new_address": address}
    slots = {
        "verified_order_id": "ORD-10002",
        "customer_contact": BINH_PHONE,
        "new_address": address,
    }
    messages, events = run(
        ActionAskToConfirmAddress(), tracker_for("x", "inform", "en", slots=slots)
    )
    assert responses(messages) == ["utter_confirm_address"]
    yes = tracker_for("ok", "affirm", "en", slots={**slots, **slots_set(events)})
    messages, _ = run(ActionAnswerYesNo(), yes)
    assert responses(messages) == ["utter_address_changed"]
    http = order_system.session(contact=BINH_PHONE)
    shipped_to = http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()[
        "shipping_address"
    ]
    assert shipped_to["line1"] == "45 Tran Hung Dao"
    assert shipped_to["province"] == "TP Ho Chi Minh"


def test_shipped_order_cannot_be_readdressed(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "change_address"))
    assert responses(messages) == ["utter_cannot_readdress"]


def test_return_inside_the_window_is_requested_once(order_system):
    chi = "chi.le@example.com"
    _, events = run(ActionHandleOrderRequest(), order_tracker("ORD-10003", chi, "return"))
    assert "return_form" in [e.get("name") for e in events]
    slots = {
        "verified_order_id": "ORD-10003",
        "customer_contact": chi,
        "return_reason": "It's faulty",
    }
    messages, events = run(
        ActionAskToConfirmReturn(), tracker_for("x", "inform", "en", slots=slots)
    )
    assert responses(messages) == ["utter_confirm_return"]
    yes = tracker_for("yes", "affirm", "en", slots={**slots, "pending_confirmation": "return"})
    first, _ = run(ActionAnswerYesNo(), yes)
    again, _ = run(ActionAnswerYesNo(), yes)
    assert responses(first) == ["utter_return_created"]
    assert responses(again) == ["utter_return_exists"]
    assert first[0]["return_id"] == again[0]["return_id"]


def test_return_outside_the_window_points_to_the_warranty(order_system):
    messages, _ = run(
        ActionHandleOrderRequest(), order_tracker("ORD-10005", "dung.pham@example.com", "return")
    )
    assert responses(messages) == ["utter_cannot_return_window"]
    assert messages[0]["warranty_until"] != "not known yet"


def test_refund_status_of_the_cancelled_order(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10004", AN, "refund_status"))
    assert responses(messages) == ["utter_refund_status"]
    assert messages[0]["refund_id"].startswith("RFD-")


def test_invoice_link(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "invoice"))
    assert responses(messages) == ["utter_invoice"]
    assert messages[0]["url"].startswith(order_system.base_url + "/invoices/")


def test_order_system_down_gives_a_clear_message_and_a_way_forward(order_system_down):
    messages, events = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "track"))
    assert responses(messages) == ["utter_order_system_down"]
    assert events == []


def test_explains_what_the_form_expects():
    tracker = tracker_for("hmm", "inform", "en", slots={"requested_slot": "customer_contact"})
    messages, _ = run(ActionExplainExpectedInput(), tracker)
    assert responses(messages) == ["utter_invalid_contact"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("An.Nguyen@Example.com", "an.nguyen@example.com"),
        ("0912 345 678", "+84912345678"),
        ("' OR 1=1 --", None),
        ("x" * 5000, None),
    ],
)
def test_contact_formats(value, expected):
    assert valid_contact(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Le Loi, Ben Nghe, Quan 1, TP HCM", ("12 Le Loi", "Ben Nghe", "Quan 1", "TP HCM")),
        ("12 Le Loi, Quan 1, Ha Noi", ("12 Le Loi", "", "Quan 1", "Ha Noi")),
        ("somewhere", None),
        ("a, b, " + "c" * 400, None),
    ],
)
def test_address_parsing(text, expected):
    assert split_address(text) == expected


def test_invalid_order_id_is_refused_by_the_form():
    dispatcher = CollectingDispatcher()
    result = ValidateOrderVerificationForm().validate_order_id(
        "ORD-1; DROP TABLE", dispatcher, None, {}
    )
    assert result == {"order_id": None}
    assert responses(dispatcher.messages) == ["utter_invalid_order_id"]


def test_data_with_an_order_request_runner_up_starts_that_request():
    from actions.inform import ActionHandleInform

    tracker = tracker_for(
        "return ORD-10005, phone 0936 000 555",
        "inform",
        "en",
        slots={"order_id": "ORD-10005"},
        ranking=[("inform", 0.6), ("get_refund", 0.3), ("track_order", 0.05)],
    )
    messages, events = run(ActionHandleInform(), tracker)
    assert messages == []
    assert slots_set(events) == {"order_operation": "return"}
    assert "order_verification_form" in [e.get("name") for e in events]


def test_data_alone_asks_what_to_do_with_it():
    from actions.inform import ActionHandleInform

    tracker = tracker_for("0912345678", "inform", "en", ranking=[("inform", 0.95)])
    messages, _ = run(ActionHandleInform(), tracker)
    assert responses(messages) == ["utter_what_to_do_with_info"]


def test_an_order_number_alone_is_followed_as_tracking():
    from actions.inform import ActionHandleInform

    tracker = tracker_for(
        "đơn ORD-10001 của mình đâu rồi, sđt 0999 999 999",
        "inform",
        "vi",
        slots={"order_id": "ORD-10001"},
        ranking=[("inform", 0.9), ("track_order", 0.05)],
    )
    messages, events = run(ActionHandleInform(), tracker)
    assert messages == []
    assert slots_set(events) == {"order_operation": "track"}

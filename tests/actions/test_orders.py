import asyncio
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import Address, Loyalty, Order, Shipment
from actions.confirmations import ActionAnswerYesNo
from actions.orders import (
    ActionAskOrderId,
    ActionAskToConfirmAddress,
    ActionAskToConfirmReturn,
    ActionExplainExpectedInput,
    ActionHandleOrderRequest,
    ValidateAddressForm,
    ValidateOrderVerificationForm,
    cannot_cancel,
    cannot_readdress,
    cannot_return_window,
    free_return,
    loyalty_answer,
    new_address_slot,
    refund_response,
    valid_contact,
)
from caredesk_rules.formatting import now_in_shop
from tests.support.trackers import tracker_for, user_event

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


def order_tracker(order_id, contact, operation, language="en", tracker=None, **slots):
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
        **(tracker or {}),
    )


def verified(order_id, seconds_ago=0.0):
    """The slots of a conversation that proved `order_id` and last used it `seconds_ago`."""
    return {"verified_order_id": order_id, "verified_at": time.time() - seconds_ago}


def lock(order_system, order_id):
    """Three failures from one conversation lock the order in the order system."""
    http = order_system.session()
    for n in range(3):
        body = {"order_id": order_id, "contact": f"guess{n}@example.com", "client": "rest:thief"}
        http.post(f"{order_system.base_url}/api/v1/orders/verify", json=body, timeout=10)


def test_track_shipped_order_shows_carrier_tracking_and_last_event(order_system):
    messages, events = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "track"))
    assert responses(messages) == [
        "utter_order_status",
        "utter_order_shipment",
        "utter_order_latest_update",
        "utter_offer_order_updates",  # on its way: its updates are offered (test_order_updates)
    ]
    assert messages[1]["carrier"] == "GHN"
    assert messages[1]["tracking_number"] == (
        "GHN123456789VN (https://donhang.ghn.vn/?order_code=GHN123456789VN)"
    )
    assert messages[1]["expected_delivery"].startswith("on ")
    assert messages[2]["event_description"] and messages[2]["event_time"].startswith("at ")
    slots = slots_set(events)
    assert slots["verified_order_id"] == "ORD-10001" and slots["customer_contact"] == AN
    assert abs(slots["verified_at"] - time.time()) < 60  # the proof's idle time starts now


def test_track_in_vietnamese_uses_vietnamese_labels_and_money(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "track", "vi"))
    assert messages[0]["status"] == "đang được giao"
    assert messages[0]["total"].endswith("đ")


def test_wrong_contact_reveals_nothing_and_counts_an_attempt(order_system):
    messages, events = run(
        ActionHandleOrderRequest(), order_tracker("ORD-10001", "someone@else.com", "track")
    )
    assert responses(messages) == ["utter_verification_failed"]
    assert messages[0]["attempts_left"] == 2  # counted by the order system
    assert "status" not in messages[0]
    assert messages[0]["order_id"] == "ORD-10001"  # kept: the contact is asked again
    assert slots_set(events) == {"customer_contact": None, "requested_slot": "customer_contact"}
    assert {"event": "active_loop", "name": "order_verification_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]


def test_unknown_order_looks_exactly_like_a_wrong_contact(order_system):
    unknown, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-99999", AN, "track"))
    wrong, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", "x@y.com", "track"))
    # The same answer, with the number the customer typed said back to them.
    assert [{**m, "order_id": None} for m in unknown] == [{**m, "order_id": None} for m in wrong]


def test_the_last_try_is_said_as_such_not_as_a_count_of_one(order_system):
    for n in range(2):
        tracker = order_tracker("ORD-10001", f"x{n}@y.com", "track")
        messages, _ = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_verification_failed_last_try"]
    assert "attempts_left" not in messages[0]


def test_third_failure_stops_and_offers_a_person(order_system):
    for n in range(3):
        tracker = order_tracker("ORD-10001", f"x{n}@y.com", "track")
        messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_verification_locked"]
    assert messages[0]["locked_until"].startswith("from ")  # e.g. "from 14:35 today"
    assert slots_set(events) == {"order_id": None, "customer_contact": None}
    assert not [e for e in events if e["event"] in ("followup", "active_loop")]


def test_a_locked_order_is_not_checked_even_with_the_right_contact(order_system):
    lock(order_system, "ORD-10001")
    for sender in ("test-conversation", "a-new-sender-id"):
        tracker = order_tracker("ORD-10001", AN, "track", tracker={"sender": sender})
        messages, events = run(ActionHandleOrderRequest(), tracker)
        assert responses(messages) == ["utter_verification_locked"]
        assert "verified_order_id" not in slots_set(events)


def test_a_fresh_proof_is_not_checked_again(order_system):
    lock(order_system, "ORD-10001")  # a check now would be refused
    tracker = order_tracker("ORD-10001", AN, "track", **verified("ORD-10001", seconds_ago=60))
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages)[:2] == ["utter_order_status", "utter_order_shipment"]
    assert slots_set(events)["verified_at"] > time.time() - 60  # used again: idle time restarts


def test_a_proof_left_idle_too_long_is_asked_for_again(order_system):
    tracker = order_tracker("ORD-10001", AN, "invoice", **verified("ORD-10001", 16 * 60))
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_verification_expired"]
    assert slots_set(events) == {
        "verified_order_id": None,
        "verified_at": None,
        "customer_contact": None,
    }
    assert {"event": "followup", "name": "order_verification_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]


def test_the_idle_time_is_configurable(order_system, monkeypatch):
    monkeypatch.setenv("CAREDESK_VERIFICATION_IDLE_SECONDS", "5")
    tracker = order_tracker("ORD-10001", AN, "invoice", **verified("ORD-10001", 6))
    messages, _ = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_verification_expired"]


FORM_DOMAIN = {
    "forms": {"order_verification_form": {"required_slots": ["order_id", "customer_contact"]}}
}


def form_tracker(slots, entities=(), **options):
    """The tracker the form's validation gets at activation: the prefilled slots as candidates."""
    tracker = tracker_for("invoice for it?", "get_invoice", "en", slots=slots, **options)
    tracker.latest_message["entities"] = list(entities)
    tracker.events += [
        {"event": "action", "name": "order_verification_form"},
        *[
            {"event": "slot", "name": k, "value": v}
            for k, v in slots.items()
            if k in ("order_id", "customer_contact")
        ],
    ]
    return tracker


def test_the_form_asks_again_for_an_expired_proof():
    slots = {"order_id": "ORD-10001", "customer_contact": AN, **verified("ORD-10001", 20 * 60)}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateOrderVerificationForm().run(dispatcher, form_tracker(slots), FORM_DOMAIN)
    )
    assert responses(dispatcher.messages) == ["utter_verification_expired"]  # no format error
    final = slots_set(events)
    assert final["order_id"] is None and final["customer_contact"] is None
    assert final["verified_order_id"] is None


def test_the_form_keeps_what_this_message_gives_after_an_expired_proof():
    slots = {"order_id": "ORD-10004", "customer_contact": AN, **verified("ORD-10001", 20 * 60)}
    tracker = form_tracker(slots, entities=[{"entity": "order_id", "value": "ORD-10004"}])
    events = asyncio.run(
        ValidateOrderVerificationForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    )
    final = slots_set(events)
    assert final["order_id"] == "ORD-10004" and final["customer_contact"] is None


def test_the_form_leaves_a_fresh_proof_alone():
    slots = {"order_id": "ORD-10001", "customer_contact": AN, **verified("ORD-10001")}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateOrderVerificationForm().run(dispatcher, form_tracker(slots), FORM_DOMAIN)
    )
    assert dispatcher.messages == []
    assert slots_set(events) == {"order_id": "ORD-10001", "customer_contact": AN}


SIGNED_IN = {"channel": "socketio", "metadata": {"customer_id": AN}}


def test_a_signed_in_customer_is_not_asked_for_a_contact_for_their_orders(order_system):
    tracker = order_tracker("ORD-10004", None, "refund_status", tracker=SIGNED_IN)
    required = asyncio.run(
        ValidateOrderVerificationForm().required_slots(
            ["order_id", "customer_contact"], CollectingDispatcher(), tracker, {}
        )
    )
    assert required == ["order_id"]
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_refund_status"]
    assert slots_set(events)["verified_order_id"] == "ORD-10004"


def test_an_order_not_on_the_signed_in_account_asks_for_its_contact(order_system):
    tracker = order_tracker("ORD-10002", None, "track", tracker=SIGNED_IN)
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_order_not_on_account"]
    assert slots_set(events) == {"requested_slot": "customer_contact"}
    asked = order_tracker(
        "ORD-10002", None, "track", requested_slot="customer_contact", tracker=SIGNED_IN
    )
    required = asyncio.run(
        ValidateOrderVerificationForm().required_slots(
            ["order_id", "customer_contact"], CollectingDispatcher(), asked, {}
        )
    )
    assert required == ["order_id", "customer_contact"]


def test_a_customer_id_from_a_channel_that_does_not_verify_it_counts_for_nothing(order_system):
    # REST passes its clients' metadata on unchecked: a customer_id there proves nothing.
    tracker = order_tracker("ORD-10001", None, "track", tracker={"metadata": {"customer_id": AN}})
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert messages == []
    assert [e.get("name") for e in events] == ["order_verification_form"]


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
            **verified("ORD-10002"),
            "customer_contact": BINH_PHONE,
        },
    )
    messages, events = run(ActionAnswerYesNo(), yes)
    assert responses(messages)[0] == "utter_order_cancelled"
    assert slots_set(events)["pending_confirmation"] is None
    assert (
        http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()["status"] == "cancelled"
    )


def test_a_yes_after_the_proof_lapsed_changes_nothing(order_system):
    yes = tracker_for(
        "yes",
        "affirm",
        "en",
        slots={
            "pending_confirmation": "cancel",
            **verified("ORD-10002", seconds_ago=16 * 60),
            "customer_contact": BINH_PHONE,
        },
    )
    messages, events = run(ActionAnswerYesNo(), yes)
    assert responses(messages) == ["utter_verification_expired", "utter_change_not_made"]
    assert slots_set(events) == {
        "pending_confirmation": None,
        "verified_order_id": None,
        "verified_at": None,
        "customer_contact": None,
    }
    http = order_system.session(contact=BINH_PHONE)
    order = http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()
    assert order["status"] == "processing"


def test_no_keeps_the_order(order_system):
    no = tracker_for(
        "no",
        "deny",
        "en",
        slots={
            "pending_confirmation": "cancel",
            **verified("ORD-10002"),
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
    # The old three-level form without diacritics: asked to confirm in the two-level form.
    typed = "45 Tran Hung Dao, Phuong 2, Quan 5, TP Ho Chi Minh"
    two_level = "45 Tran Hung Dao, Phường 2, Thành phố Hồ Chí Minh"
    validated = ValidateAddressForm().validate_new_address(typed, CollectingDispatcher(), None, {})
    assert validated == {"new_address": two_level}
    slots = {
        **verified("ORD-10002"),
        "customer_contact": BINH_PHONE,
        "new_address": two_level,
    }
    messages, events = run(
        ActionAskToConfirmAddress(), tracker_for("x", "inform", "en", slots=slots)
    )
    assert responses(messages) == ["utter_confirm_address"]
    assert messages[0]["address"] == two_level
    yes = tracker_for("ok", "affirm", "en", slots={**slots, **slots_set(events)})
    messages, _ = run(ActionAnswerYesNo(), yes)
    assert responses(messages) == ["utter_address_changed"]
    assert messages[0]["address"] == two_level
    http = order_system.session(contact=BINH_PHONE)
    shipped_to = http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()[
        "shipping_address"
    ]
    assert shipped_to == {
        "recipient": "Trần Thị Bình",
        "phone": "+84903111222",
        "line1": "45 Tran Hung Dao",
        "ward": "Phường 2",
        "province": "Thành phố Hồ Chí Minh",
    }


def test_an_address_from_a_merged_province_is_stored_with_its_province_today(order_system):
    typed = "21 thuy van, p. thang tam, tp vung tau, ba ria vung tau"
    two_level = new_address_slot(typed, CollectingDispatcher())
    assert two_level == "21 thuy van, Phường Thang Tam, Thành phố Hồ Chí Minh"
    slots = {
        **verified("ORD-10002"),
        "customer_contact": BINH_PHONE,
        "new_address": two_level,
        "pending_confirmation": "change_address",
    }
    messages, _ = run(ActionAnswerYesNo(), tracker_for("vâng", "affirm", "vi", slots=slots))
    assert responses(messages) == ["utter_address_changed"]
    http = order_system.session(contact=BINH_PHONE)
    order = http.get(f"{order_system.base_url}/api/v1/orders/ORD-10002").json()
    assert order["shipping_address"]["province"] == "Thành phố Hồ Chí Minh"
    assert order["shipping_address"]["ward"] == "Phường Thang Tam"


def test_shipped_order_cannot_be_readdressed(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10001", AN, "change_address"))
    assert responses(messages) == ["utter_cannot_readdress"]


def test_return_inside_the_window_is_requested_once(order_system):
    chi = "chi.le@example.com"
    _, events = run(ActionHandleOrderRequest(), order_tracker("ORD-10003", chi, "return"))
    assert "return_form" in [e.get("name") for e in events]
    slots = {
        **verified("ORD-10003"),
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


def test_a_delivered_order_is_not_told_once_it_arrives(order_system):
    chi = "chi.le@example.com"
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10003", chi, "cancel"))
    assert responses(messages) == ["utter_cannot_cancel_delivered"]


def test_a_cancelled_order_is_offered_no_carrier_redirect(order_system):
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10004", AN, "change_address"))
    assert responses(messages) == ["utter_cannot_readdress_cancelled"]
    assert "carrier" not in messages[0]
    messages, _ = run(ActionHandleOrderRequest(), order_tracker("ORD-10004", AN, "cancel"))
    assert responses(messages) == ["utter_already_cancelled"]


@pytest.mark.parametrize(
    ("reason", "language", "response", "fee"),
    [
        ("I changed my mind", "en", "utter_confirm_return_with_fee", "30,000 VND"),
        ("Mình đổi ý không muốn mua nữa", "vi", "utter_confirm_return_with_fee", "30.000đ"),
        ("It's faulty", "en", "utter_confirm_return", "free"),
        ("Shop giao sai hàng", "vi", "utter_confirm_return", "miễn phí"),
    ],
)
def test_a_change_of_mind_return_states_the_return_shipping_fee(
    order_system, reason, language, response, fee
):
    chi = "chi.le@example.com"
    slots = {**verified("ORD-10003"), "customer_contact": chi, "return_reason": reason}
    messages, _ = run(ActionAskToConfirmReturn(), tracker_for("x", "inform", language, slots=slots))
    assert responses(messages) == [response]
    assert messages[0]["fee"] == fee
    total = int("".join(c for c in messages[0]["amount"] if c.isdigit()))
    refund = int("".join(c for c in messages[0]["refund"] if c.isdigit()))
    assert total - refund == (30000 if response.endswith("with_fee") else 0)


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
        ("12 Le Loi, Ben Nghe, Quan 1, TP HCM", "12 Le Loi, Ben Nghe, Thành phố Hồ Chí Minh"),
        ("12 Lê Lợi P. Bến Nghé Q.1 HCM", "12 Lê Lợi, Phường Bến Nghé, Thành phố Hồ Chí Minh"),
        ("Thôn 3, X. Bát Tràng, HN", "Thôn 3, Xã Bát Tràng, Thành phố Hà Nội"),
    ],
)
def test_an_address_is_confirmed_in_the_two_level_form(text, expected):
    dispatcher = CollectingDispatcher()
    assert ValidateAddressForm().validate_new_address(text, dispatcher, None, {}) == {
        "new_address": expected
    }
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("12 Le Loi, Quan 1, Ha Noi", "utter_address_needs_ward"),
        ("12 Lê Lợi, TP HCM", "utter_address_needs_ward"),
        ("12 Lê Lợi, Phường Bến Nghé, Quận 1", "utter_address_unknown_province"),
        ("somewhere", "utter_address_unknown_province"),
        ("Phường Bến Nghé, Hà Nội", "utter_invalid_address"),
        ("a, b, " + "c" * 400, "utter_invalid_address"),
        (None, "utter_invalid_address"),
    ],
)
def test_an_incomplete_address_is_refused_saying_what_is_missing(text, response):
    dispatcher = CollectingDispatcher()
    assert ValidateAddressForm().validate_new_address(text, dispatcher, None, {}) == {
        "new_address": None
    }
    assert responses(dispatcher.messages) == [response]


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


# -- texts chosen by the value (docs/style-vi.md, rule 5) ---------------------------------------


def an_order(status, returnable=False, carrier="GHN", warranty_days=None):
    now = datetime.now(timezone.utc)
    shipment = Shipment(carrier, "GHN1VN", status, None, None, ()) if carrier else None
    return Order(
        id="ORD-1",
        status=status,
        placed_at=now,
        items=(),
        total_vnd=100000,
        payment_method="momo",
        shipping_address=Address(
            "A", "+84912345678", "1 Lê Lợi", "Phường Thuận Hóa", "Thành phố Huế"
        ),
        shipment=shipment,
        cancellable=False,
        readdressable=False,
        returnable=returnable,
        return_deadline=None,
        warranty_until=None if warranty_days is None else now + timedelta(days=warranty_days),
    )


@pytest.mark.parametrize(
    ("order", "response"),
    [
        (an_order("shipped"), "utter_cannot_cancel"),
        (an_order("delivered", returnable=True), "utter_cannot_cancel_delivered"),
        (an_order("delivered"), "utter_cannot_cancel_delivered_late"),
        (an_order("cancelled", carrier=None), "utter_already_cancelled"),
    ],
)
def test_why_an_order_cannot_be_cancelled_depends_on_where_it_is(order, response):
    assert cannot_cancel(order) == response


def test_a_carrier_redirect_is_offered_only_for_a_parcel_a_named_carrier_has():
    assert cannot_readdress(an_order("shipped")) == ("utter_cannot_readdress", {"carrier": "GHN"})
    assert cannot_readdress(an_order("shipped", carrier="")) == (
        "utter_cannot_readdress_no_carrier",
        {},
    )
    assert cannot_readdress(an_order("cancelled"))[0] == "utter_cannot_readdress_cancelled"
    assert cannot_readdress(an_order("delivered"))[0] == "utter_cannot_readdress_delivered"


def test_a_warranty_that_has_ended_is_not_offered():
    valid = cannot_return_window(an_order("delivered", warranty_days=30), "vi")
    assert valid[0] == "utter_cannot_return_window"
    expected = (now_in_shop() + timedelta(days=30)).strftime("%d/%m/%Y")
    assert valid[1]["warranty_until"] == expected
    over = cannot_return_window(an_order("delivered", warranty_days=-35), "vi")
    assert over == ("utter_cannot_return_window_no_warranty", {})
    unknown = cannot_return_window(an_order("delivered"), "en")
    assert unknown == ("utter_cannot_return_window_no_warranty", {})


@pytest.mark.parametrize(
    ("reason", "free"),
    [
        ("It's faulty", True),
        ("the screen is broken", True),
        ("I received the wrong item", True),
        ("Sản phẩm bị lỗi", True),
        ("san pham bi hong roi", True),
        ("Shop giao sai hàng", True),
        ("I changed my mind", False),
        ("Mình đổi ý không muốn mua nữa", False),
        ("không vừa size", False),
        ("it will be a gift, but I changed my mind", False),
    ],
)
def test_only_a_faulty_or_wrong_item_comes_back_free(reason, free):
    assert free_return(reason) is free


@pytest.mark.parametrize(
    ("status", "response"),
    [
        ("requested", "utter_refund_status"),
        ("approved", "utter_refund_status"),
        ("processing", "utter_refund_status"),
        ("refunded", "utter_refund_done"),
        ("rejected", "utter_refund_rejected"),
    ],
)
def test_a_finished_refund_is_not_expected_by_a_date(status, response):
    assert refund_response(status) == response


# -- a signed-in customer: "which order?" as buttons, and their points (issue 12) ------------


def ask_order_id(tracker):
    return run(ActionAskOrderId(), tracker)[0]


@pytest.mark.parametrize("operation", ["track", "cancel", "return", "invoice", "change_address"])
def test_which_order_offers_a_signed_in_customer_their_latest_orders(order_system, operation):
    tracker = order_tracker(None, None, operation, tracker=SIGNED_IN)
    [message] = ask_order_id(tracker)
    assert message["response"] == "utter_ask_which_order"
    buttons = message["buttons"]
    assert [b["payload"] for b in buttons] == [
        f'/inform{{"order_id":"{order_id}"}}'
        for order_id in ("ORD-10004", "ORD-10001", "ORD-10021", "ORD-10022")
    ]
    shipped = buttons[1]["title"]  # id, day, first item and how many more
    assert shipped.startswith("ORD-10001 · ") and shipped.endswith(" +1")
    assert "Tai nghe Bluetooth Sony" in shipped and len(shipped) < 60
    day = shipped.split(" · ")[1]
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", day)  # "4 Dec"


def test_which_order_buttons_are_worded_in_vietnamese(order_system):
    tracker = order_tracker(None, None, "track", "vi", tracker=SIGNED_IN)
    [message] = ask_order_id(tracker)
    day = message["buttons"][0]["title"].split(" · ")[1]
    assert len(day) == 5 and day[2] == "/"  # "04/12"


def test_which_order_without_sign_in_asks_for_the_number(order_system):
    assert responses(ask_order_id(order_tracker(None, None, "track"))) == ["utter_ask_order_id"]
    assert not ask_order_id(order_tracker(None, None, "track"))[0]["buttons"]
    # A customer id that no channel vouched for (REST) is not signed in either.
    unsigned = order_tracker(None, None, "track", tracker={"metadata": {"customer_id": AN}})
    assert responses(ask_order_id(unsigned)) == ["utter_ask_order_id"]


def asked_before(response):
    """A conversation whose order form started and asked `response`, then heard a question."""
    return [
        {"event": "active_loop", "name": "order_verification_form"},
        {"event": "bot", "text": "...", "metadata": {"utter_action": response}},
        user_event("what is your return policy?", "check_refund_policy"),
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_faq"}},
    ]


def test_which_order_after_another_question_is_a_reminder_without_the_buttons(order_system):
    signed = {**SIGNED_IN, "history": asked_before("utter_ask_which_order")}
    [message] = ask_order_id(order_tracker(None, None, "track", tracker=signed))
    assert message["response"] == "utter_remind_which_order" and not message["buttons"]
    plain = {"history": asked_before("utter_ask_order_id")}
    assert responses(ask_order_id(order_tracker(None, None, "track", tracker=plain))) == [
        "utter_remind_order_id"
    ]


def test_a_new_order_form_asks_in_full_again(order_system):
    history = [*asked_before("utter_ask_order_id"), {"event": "active_loop", "name": None}]
    history.append({"event": "active_loop", "name": "order_verification_form"})
    tracker = order_tracker(None, None, "track", tracker={"history": history})
    assert responses(ask_order_id(tracker)) == ["utter_ask_order_id"]


def test_which_order_for_points_offers_to_sign_in_instead(order_system):
    tracker = order_tracker(None, None, "loyalty")
    assert responses(ask_order_id(tracker)) == ["utter_ask_order_id_or_sign_in"]


def test_which_order_when_the_order_system_is_down_still_asks(order_system_down):
    tracker = order_tracker(None, None, "track", tracker=SIGNED_IN)
    assert responses(ask_order_id(tracker)) == ["utter_ask_order_id"]


def test_a_signed_in_customer_with_no_orders_is_asked_for_the_number(order_system):
    stranger = {"channel": "socketio", "metadata": {"customer_id": "new.customer@example.com"}}
    tracker = order_tracker(None, None, "track", tracker=stranger)
    assert responses(ask_order_id(tracker)) == ["utter_ask_order_id"]


def test_a_signed_in_customer_s_points_need_no_order_and_no_contact(order_system):
    tracker = order_tracker(None, None, "loyalty", tracker=SIGNED_IN)
    required = asyncio.run(
        ValidateOrderVerificationForm().required_slots(
            ["order_id", "customer_contact"], CollectingDispatcher(), tracker, {}
        )
    )
    assert required == []
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages) == ["utter_loyalty_status", "utter_loyalty_next_tier"]
    assert (messages[0]["tier"], messages[0]["points"]) == ("Gold", "1,240")
    assert messages[0]["points_value"] == "124,000 VND"
    assert (messages[1]["next_tier"], messages[1]["to_spend"]) == ("Diamond", "21,600,000 VND")
    assert events == []  # nothing verified, nothing asked


def test_points_in_vietnamese(order_system):
    tracker = order_tracker(None, None, "loyalty", "vi", tracker=SIGNED_IN)
    messages, _ = run(ActionHandleOrderRequest(), tracker)
    assert (messages[0]["tier"], messages[0]["points"]) == ("Vàng", "1.240")
    assert messages[0]["points_value"] == "124.000đ"
    assert (messages[1]["next_tier"], messages[1]["to_spend"]) == ("Kim cương", "21.600.000đ")


def test_points_for_a_customer_not_signed_in_come_after_verifying_an_order(order_system):
    asked = order_tracker(None, None, "loyalty")
    messages, events = run(ActionHandleOrderRequest(), asked)
    assert messages == [] and [e.get("name") for e in events] == ["order_verification_form"]
    wrong = order_tracker("ORD-10005", "someone@else.com", "loyalty")
    assert responses(run(ActionHandleOrderRequest(), wrong)[0]) == ["utter_verification_failed"]
    proven = order_tracker("ORD-10005", "0936 000 555", "loyalty")
    messages, events = run(ActionHandleOrderRequest(), proven)
    assert responses(messages) == ["utter_loyalty_status", "utter_loyalty_top_tier"]
    assert messages[0]["tier"] == "Diamond"
    assert slots_set(events)["verified_order_id"] == "ORD-10005"


def test_points_when_the_order_system_is_down(order_system_down):
    tracker = order_tracker(None, None, "loyalty", tracker=SIGNED_IN)
    assert responses(run(ActionHandleOrderRequest(), tracker)[0]) == ["utter_order_system_down"]


@pytest.mark.parametrize(
    ("standing", "expected"),
    [
        (
            Loyalty("member", 0, 0, 0, "silver", 5_000_000),
            ["utter_loyalty_status_no_points", "utter_loyalty_next_tier"],
        ),
        (
            Loyalty("silver", 300, 30_000, 16_000_000, "gold", 0),
            ["utter_loyalty_status", "utter_loyalty_next_tier_reached"],
        ),
        (
            Loyalty("diamond", 10, 1_000, 50_000_000, None, None),
            ["utter_loyalty_status", "utter_loyalty_top_tier"],
        ),
    ],
)
def test_what_the_points_answer_says_depends_on_the_standing(standing, expected):
    # No "worth free" for no points, no "spend 0 more" for a tier already earned.
    assert [response for response, _ in loyalty_answer(standing, "en")] == expected


def test_a_signed_in_customer_s_lapsed_proof_is_renewed_without_a_word(order_system):
    tracker = order_tracker(
        "ORD-10001", AN, "track", tracker=SIGNED_IN, **verified("ORD-10001", 20 * 60)
    )
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages)[0] == "utter_order_status"
    assert "utter_verification_expired" not in responses(messages)
    assert slots_set(events)["verified_order_id"] == "ORD-10001"

"""Proactive order updates in the conversation, against the real back office: the offer after an
order is shown, yes (a subscription in the order system, with the conversation's proof), no,
"stop", the update the back office sends, and a request for a person right after a late one."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, text

from actions.confirmations import ActionAnswerYesNo
from actions.handoff import ActionRequestHandoff
from actions.order_updates import ActionOrderUpdate, ActionStopOrderUpdates
from actions.orders import ActionHandleOrderRequest
from channels.shop_identity import METADATA_CUSTOMER
from devstack.backoffice import Backoffice
from tests.support.trackers import tracker_for, user_event

AN = "an.nguyen@example.com"  # ORD-10001 (shipped), ORD-10003 is chi.le's (delivered)
BINH = "binh.tran@example.com"  # ORD-10002, processing
KEY = "0123456789abcdef0123456789abcdef"


def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def responses(messages: list[dict[str, Any]]) -> list[str | None]:
    return [m.get("response") for m in messages]


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def conversation() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def verified(order_id: str, contact: str) -> dict[str, Any]:
    return {"verified_order_id": order_id, "verified_at": time.time(), "customer_contact": contact}


def track(order_id: str, contact: str, *, channel: str = "socketio", **slots: Any) -> Tracker:
    return tracker_for(
        "...",
        "inform",
        slots.pop("language", "en"),
        slots={"order_id": order_id, "customer_contact": contact, "order_operation": "track"}
        | slots,
        sender=conversation(),
        channel=channel,
    )


def answer(
    intent: str, order_id: str, contact: str, *, sender: str, language: str = "en", **kw: Any
) -> Tracker:
    return tracker_for(
        "yes" if intent == "affirm" else "no",
        intent,
        language,
        slots={"pending_confirmation": "order_updates", **verified(order_id, contact)}
        | kw.pop("slots", {}),
        sender=sender,
        channel=kw.pop("channel", "socketio"),
        metadata=kw.pop("metadata", None),
    )


def followed(order_system: Backoffice, sender: str) -> list[dict[str, Any]]:
    http = order_system.session()
    found = http.get(
        f"{order_system.base_url}/api/v1/order-subscriptions",
        params={"conversation_id": sender},
        timeout=10,
    )
    assert found.status_code == 200, found.text
    return list(found.json()["subscriptions"])


def subscribe(order_system: Backoffice, sender: str, order_id: str, contact: str) -> None:
    http = order_system.session()
    body = {"order_id": order_id, "conversation_id": sender, "channel": "socketio",
            "language": "en", "contact": contact}  # fmt: skip
    created = http.post(
        f"{order_system.base_url}/api/v1/order-subscriptions", json=body, timeout=10
    )
    assert created.status_code == 201, created.text


# -- the offer -------------------------------------------------------------------------------


def test_an_unfinished_order_is_followed_by_the_offer_of_its_updates(order_system):
    messages, events = run(ActionHandleOrderRequest(), track("ORD-10002", BINH, language="vi"))
    assert responses(messages) == ["utter_order_status", "utter_offer_order_updates"]
    assert messages[1]["order_id"] == "ORD-10002"
    assert slots_set(events)["pending_confirmation"] == "order_updates"


@pytest.mark.parametrize("channel", ["telegram", "facebook", "zalo"])
def test_the_messaging_platforms_are_offered_the_updates_too(order_system, channel):
    messages, _ = run(ActionHandleOrderRequest(), track("ORD-10002", BINH, channel=channel))
    assert responses(messages) == ["utter_order_status", "utter_offer_order_updates"]


def test_a_signed_in_customer_is_offered_the_updates_of_their_own_order(order_system):
    tracker = tracker_for(
        "where is ORD-10001",
        "track_order",
        "en",
        slots={"order_id": "ORD-10001", "order_operation": "track"},
        sender=conversation(),
        channel="socketio",
        metadata={METADATA_CUSTOMER: AN},
    )
    messages, events = run(ActionHandleOrderRequest(), tracker)
    assert responses(messages)[0] == "utter_order_status"  # no email or phone asked
    assert responses(messages)[-1] == "utter_offer_order_updates"
    assert slots_set(events)["pending_confirmation"] == "order_updates"


@pytest.mark.parametrize(
    ("order_id", "contact", "channel", "slots"),
    [
        ("ORD-10003", "chi.le@example.com", "socketio", {}),  # delivered
        ("ORD-10004", AN, "socketio", {}),  # cancelled
        ("ORD-10002", BINH, "cmdline", {}),  # no sender delivers there
        ("ORD-10002", BINH, "socketio", {"order_updates_answered": ["ORD-10002"]}),
        ("ORD-10002", BINH, "socketio", {"handoff_state": "with_agent"}),
    ],
    ids=["delivered", "cancelled", "no-sender", "answered-before", "with-a-person"],
)
def test_no_offer_when_nothing_would_come_or_it_was_answered(
    order_system, order_id, contact, channel, slots
):
    messages, events = run(
        ActionHandleOrderRequest(), track(order_id, contact, channel=channel, **slots)
    )
    assert "utter_offer_order_updates" not in responses(messages)
    assert "pending_confirmation" not in slots_set(events)


# -- yes and no ------------------------------------------------------------------------------


def test_yes_subscribes_the_conversation_with_the_contact_that_verified_it(order_system):
    sender = conversation()
    tracker = answer("affirm", "ORD-10002", BINH, sender=sender, language="vi")
    messages, events = run(ActionAnswerYesNo(), tracker)
    assert responses(messages) == ["utter_order_updates_on"]
    assert messages[0]["order_id"] == "ORD-10002"
    assert slots_set(events) == {
        "pending_confirmation": None,
        "order_updates_answered": ["ORD-10002"],
    }
    [subscription] = followed(order_system, sender)
    assert {k: subscription[k] for k in ("order_id", "channel", "language", "proof")} == {
        "order_id": "ORD-10002",
        "channel": "socketio",
        "language": "vi",
        "proof": "contact",
    }


def test_a_signed_in_customer_subscribes_with_their_signed_id(order_system):
    sender = conversation()
    tracker = answer("affirm", "ORD-10001", AN, sender=sender, metadata={METADATA_CUSTOMER: AN})
    messages, _ = run(ActionAnswerYesNo(), tracker)
    assert responses(messages) == ["utter_order_updates_on"]
    [subscription] = followed(order_system, sender)
    assert (subscription["order_id"], subscription["proof"]) == ("ORD-10001", "signed_customer")


def test_no_subscribes_nothing_and_is_not_asked_again(order_system):
    sender = conversation()
    messages, events = run(ActionAnswerYesNo(), answer("deny", "ORD-10002", BINH, sender=sender))
    assert responses(messages) == ["utter_order_updates_declined"]
    assert slots_set(events)["order_updates_answered"] == ["ORD-10002"]
    assert followed(order_system, sender) == []


def test_yes_after_the_proof_lapsed_asks_again_and_subscribes_nothing(order_system):
    sender = conversation()
    stale = {"verified_at": time.time() - 3600}
    tracker = answer("affirm", "ORD-10002", BINH, sender=sender, slots=stale)
    messages, events = run(ActionAnswerYesNo(), tracker)
    assert responses(messages) == ["utter_verification_expired"]
    assert slots_set(events)["verified_order_id"] is None
    assert followed(order_system, sender) == []


def test_yes_while_the_order_system_is_down_says_so_and_can_be_answered_again(
    order_system_down,
):
    tracker = answer("affirm", "ORD-10002", BINH, sender=conversation(), language="vi")
    messages, events = run(ActionAnswerYesNo(), tracker)
    assert responses(messages) == ["utter_order_system_down"]
    assert slots_set(events) == {"pending_confirmation": None}  # not answered: asked again later


# -- stop ------------------------------------------------------------------------------------


def stop(sender: str, text: str = "stop updates", order_id: str | None = None, **kw: Any):
    tracker = tracker_for(text, "stop_order_updates", "en", sender=sender, **kw)
    if order_id:
        tracker.latest_message["entities"] = [{"entity": "order_id", "value": order_id}]
    return run(ActionStopOrderUpdates(), tracker)


def test_stop_ends_the_order_in_focus_and_leaves_the_others(order_system):
    sender = conversation()
    subscribe(order_system, sender, "ORD-10002", BINH)
    subscribe(order_system, sender, "ORD-10001", AN)
    messages, _ = stop(sender, slots={"order_id": "ORD-10002"})
    assert responses(messages) == ["utter_order_updates_stopped"]
    assert messages[0]["order_ids"] == "ORD-10002"
    assert [s["order_id"] for s in followed(order_system, sender)] == ["ORD-10001"]


def test_stop_without_an_order_in_focus_ends_them_all(order_system):
    sender = conversation()
    subscribe(order_system, sender, "ORD-10002", BINH)
    subscribe(order_system, sender, "ORD-10001", AN)
    messages, _ = stop(sender, "dừng nhận tin", slots={"order_id": "ORD-10005"})  # not followed
    assert responses(messages) == ["utter_order_updates_stopped"]
    assert sorted(messages[0]["order_ids"].split(", ")) == ["ORD-10001", "ORD-10002"]
    assert followed(order_system, sender) == []


def test_stop_naming_an_order_not_followed_says_so_and_ends_nothing(order_system):
    sender = conversation()
    subscribe(order_system, sender, "ORD-10002", BINH)
    messages, _ = stop(sender, "stop updates for ORD-10001", order_id="ORD-10001")
    assert responses(messages) == ["utter_no_order_updates_for"]
    assert messages[0]["order_id"] == "ORD-10001"
    assert len(followed(order_system, sender)) == 1


def test_stop_with_nothing_followed_says_there_is_nothing(order_system):
    messages, _ = stop(conversation())
    assert responses(messages) == ["utter_no_order_updates"]


def test_stop_in_the_middle_of_a_question_says_the_question_stopped(order_system):
    tracker = tracker_for("stop", "stop_order_updates", "en", sender=conversation())
    tracker.latest_action_name = "action_deactivate_loop"
    messages, _ = run(ActionStopOrderUpdates(), tracker)
    assert responses(messages) == ["utter_order_request_stopped"]


def test_stop_while_the_order_system_is_down_says_so(order_system_down):
    messages, _ = stop(conversation())
    assert responses(messages) == ["utter_order_system_down"]


# -- the update ------------------------------------------------------------------------------


def update(entities: dict[str, str], *, language: str = "vi", history=None, **kw: Any) -> Tracker:
    tracker = tracker_for(
        "EXTERNAL: EXTERNAL_order_update",
        "EXTERNAL_order_update",
        None,
        slots={"language": language},
        history=history,
        sender=kw.pop("sender", conversation()),
    )
    tracker.latest_message["entities"] = [
        {"entity": name, "value": value} for name, value in entities.items()
    ]
    tracker.active_loop = kw.pop("active_loop", {})
    return tracker


SHIPPED = {
    "update_order_id": "ORD-10002",
    "update_type": "shipped",
    "update_status": "shipped",
    "expected_delivery": "2026-12-12",
    "carrier": "GHTK",
    "tracking_number": "GHTK555000111VN",
    "delivery_id": KEY,
}


def test_an_update_is_worded_in_the_conversations_language_and_marked_with_its_key():
    messages, events = run(ActionOrderUpdate(), update(SHIPPED))
    [said] = messages
    assert said["response"] == "utter_order_update_shipped"
    assert (said["order_id"], said["carrier"], said["tracking_number"]) == (
        "ORD-10002",
        "GHTK",
        "GHTK555000111VN (https://i.ghtk.vn/GHTK555000111VN)",  # with the carrier's page
    )
    assert said["expected_delivery"] == "ngày 12/12/2026"
    assert said["caredesk"] == {
        "from": "bot",
        "event": "order_update",
        "order_id": "ORD-10002",
        "update_type": "shipped",
        "delivery_id": KEY,
    }
    assert slots_set(events) == {"order_id": "ORD-10002"}  # the conversation's order now


def test_an_update_is_said_once_whatever_how_often_it_is_posted():
    said_before = {"event": "bot", "text": "…", "metadata": {"caredesk": {"delivery_id": KEY}}}
    messages, events = run(ActionOrderUpdate(), update(SHIPPED, history=[said_before]))
    assert messages == [] and events == []


@pytest.mark.parametrize(
    ("entities", "response"),
    [
        (
            {"update_type": "delayed", "expected_delivery": "2026-12-14"},
            "utter_order_update_delayed",
        ),
        ({"update_type": "delayed"}, "utter_order_update_delayed_no_date"),
        ({"update_type": "delivery_failed"}, "utter_order_update_delivery_failed"),
        ({"update_type": "packed"}, "utter_order_update_packed"),
        ({"update_type": "out_for_delivery"}, "utter_order_update_out_for_delivery"),
        (
            {"update_type": "delivered", "update_status": "delivered"},
            "utter_order_update_delivered",
        ),
        (
            {"update_type": "cancelled", "update_status": "cancelled"},
            "utter_order_update_cancelled",
        ),
        ({"update_type": "shipped"}, "utter_order_update_status"),  # no carrier given: the status
        ({"update_type": "rerouted"}, "utter_order_update_status"),
    ],
)
def test_each_kind_of_update_has_its_words(entities, response):
    given = {"update_order_id": "ORD-10002", "update_status": "shipped", **entities}
    [said], _ = run(ActionOrderUpdate(), update(given, language="en"))
    assert said["response"] == response
    if response == "utter_order_update_status":
        assert said["status"] == "on its way"


def test_an_update_during_a_form_leaves_the_forms_order_alone():
    form = {"name": "order_verification_form"}
    messages, events = run(ActionOrderUpdate(), update(SHIPPED, active_loop=form))
    assert responses(messages) == ["utter_order_update_shipped"] and events == []


@pytest.mark.parametrize("kind", ["delayed", "delivery_failed", "shipped"])
def test_a_bare_request_for_a_person_after_an_update_goes_to_logistics_with_the_order(
    helpdesk, kind
):
    sender = conversation()
    news = {**SHIPPED, "update_type": kind, "delivery_id": KEY}
    [said], _ = run(ActionOrderUpdate(), update(news, language="en", sender=sender))
    history = [
        user_event("hi", "greet"),
        {"event": "bot", "text": "Hello!"},
        {**user_event("EXTERNAL: EXTERNAL_order_update", "EXTERNAL_order_update")},
        {"event": "bot", "text": "Update…", "metadata": {"caredesk": said["caredesk"]}},
    ]
    tracker = tracker_for(
        "/contact_human_agent", "contact_human_agent", "en", history=history, sender=sender
    )
    _, events = run(ActionRequestHandoff(), tracker)
    assert slots_set(events)["department"] == "logistics"  # not "What is it about?"
    number = int(slots_set(events)["ticket_id"].split("-")[1])
    engine = create_engine(helpdesk.database_url)
    with engine.connect() as connection:
        [(order_id,)] = connection.execute(
            text("SELECT order_id FROM tickets WHERE id = :i"), {"i": number}
        ).all()
    engine.dispose()
    assert order_id == "ORD-10002"


def test_a_bare_request_for_a_person_after_a_later_message_is_not_about_the_update(helpdesk):
    sender = conversation()
    [said], _ = run(ActionOrderUpdate(), update(SHIPPED, language="vi", sender=sender))
    history = [
        user_event("EXTERNAL: EXTERNAL_order_update", "EXTERNAL_order_update"),
        {"event": "bot", "text": "Cập nhật…", "metadata": {"caredesk": said["caredesk"]}},
        user_event("chào shop", "greet"),
        {"event": "bot", "text": "Chào bạn!"},
    ]
    tracker = tracker_for("cho mình gặp nhân viên", "contact_human_agent", "vi", history=history)
    tracker.sender_id = sender
    messages, events = run(ActionRequestHandoff(), tracker)
    assert messages == [] and events[-1]["name"] == "handoff_topic_form"  # asked what about

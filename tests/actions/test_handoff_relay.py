"""Relaying the helpdesk's events: each delivery id is told to the customer once, and every
event leaves a mark the helpdesk can find in Rasa's answer (issue 10)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.handoff import ActionRelayHandoffEvent
from tests.support.trackers import tracker_for

KEY = "0123456789abcdef0123456789abcdef"


def external(
    intent: str, entities: dict[str, str], slots: dict[str, Any], history: list[dict[str, Any]]
) -> Tracker:
    tracker = tracker_for(f"EXTERNAL: {intent}", intent, "en", slots=slots, history=history)
    tracker.latest_message["entities"] = [{"entity": k, "value": v} for k, v in entities.items()]
    return tracker


def relay(
    intent: str,
    entities: dict[str, str],
    slots: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = external(intent, entities, slots or {}, history or [])
    events = asyncio.run(ActionRelayHandoffEvent().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_an_agent_message_carries_its_delivery_id() -> None:
    messages, _ = relay(
        "EXTERNAL_agent_message", {"agent_text": "Hello", "agent_name": "An", "delivery_id": KEY}
    )
    [message] = messages
    assert message["text"] == "Hello"
    assert message["caredesk"] == {
        "from": "agent",
        "event": "agent_message",
        "agent_name": "An",
        "delivery_id": KEY,
    }


def test_a_delivery_id_relayed_before_is_not_said_again() -> None:
    """The helpdesk posts again when Rasa's answer was lost: nothing new for the customer."""
    said = {"event": "bot", "text": "joined", "metadata": {"caredesk": {"delivery_id": KEY}}}
    messages, events = relay(
        "EXTERNAL_agent_joined", {"agent_name": "An", "delivery_id": KEY}, history=[said]
    )
    assert (messages, events) == ([], [])
    other = {"event": "bot", "text": "x", "metadata": {"caredesk": {"delivery_id": "f" * 32}}}
    messages, events = relay(
        "EXTERNAL_agent_joined", {"agent_name": "An", "delivery_id": KEY}, history=[other]
    )
    assert messages[0]["caredesk"]["delivery_id"] == KEY
    assert events == [
        {"event": "slot", "timestamp": None, "name": "handoff_state", "value": "with_agent"}
    ]


def test_an_event_with_nothing_to_say_leaves_a_silent_mark() -> None:
    """Outside business hours the customer was told when asking: only the mark is left."""
    entities = {
        "ticket_id": "TCK-000001",
        "expected_reply": "9:00",
        "expected_reply_en": "9:00",
        "expected_reply_vi": "9:00",
        "delivery_id": KEY,
    }
    messages, events = relay(
        "EXTERNAL_no_agent_available", entities, slots={"handoff_state": "bot"}
    )
    assert events == []
    [mark] = messages
    assert mark["text"] is None and mark.get("response") is None
    assert mark["caredesk"] == {"delivery_id": KEY, "silent": True}


def test_only_the_first_message_of_an_event_carries_its_id() -> None:
    messages, _ = relay(
        "EXTERNAL_handoff_resolved", {"ticket_id": "TCK-000001", "delivery_id": KEY}
    )
    assert [m["response"] for m in messages] == ["utter_handoff_resolved", "utter_ask_csat"]
    assert messages[0]["caredesk"]["delivery_id"] == KEY
    assert "caredesk" not in messages[1]


def test_an_event_without_an_id_is_relayed_as_before() -> None:
    messages, _ = relay("EXTERNAL_agent_message", {"agent_text": "Hi", "agent_name": "An"})
    assert messages[0]["caredesk"] == {
        "from": "agent",
        "event": "agent_message",
        "agent_name": "An",
    }


def test_a_transfer_tells_the_widget_whom_the_customer_waits_for_and_until_when() -> None:
    names = {"logistics": {"en": "Delivery & Logistics", "vi": "Giao hàng & Vận chuyển"}}
    actions.handoff._department_names = (time.monotonic(), names)
    try:
        entities = {
            "department": "logistics",
            "expected_reply_at": "2026-03-06T03:30:00+00:00",
            "delivery_id": KEY,
        }
        messages, events = relay("EXTERNAL_agent_transferred", entities)
    finally:
        actions.handoff._department_names = (0.0, {})
    [message] = messages
    assert message["response"] == "utter_agent_transferred"
    assert message["department"] == "Delivery & Logistics"
    assert message["caredesk"] == {
        "from": "bot",
        "event": "agent_transferred",
        "department": "logistics",
        "department_names": names["logistics"],
        "expected_reply_at": "2026-03-06T03:30:00+00:00",
        "delivery_id": KEY,
    }
    assert [e["value"] for e in events] == ["waiting", "logistics"]


def test_a_transfer_to_a_team_nobody_can_answer_for_is_one_message_naming_it() -> None:
    """The helpdesk sends no transfer event then (only this one): the customer, still with the
    agent who transferred, reads that the chat went to the new team, that nobody is there now,
    and when to expect a reply; the department slot follows."""
    names = {"logistics": {"en": "Delivery & Logistics", "vi": "Giao hàng & Vận chuyển"}}
    actions.handoff._department_names = (time.monotonic(), names)
    entities = {
        "ticket_id": "TCK-000007",
        "department": "logistics",
        "expected_reply": "trước 10:30 hôm nay",
        "expected_reply_en": "by 10:30 today",
        "expected_reply_vi": "trước 10:30 hôm nay",
        "delivery_id": KEY,
    }
    try:
        slots = {"handoff_state": "with_agent", "department": "billing"}
        messages, events = relay("EXTERNAL_no_agent_available", entities, slots=slots)
        waited = relay(
            "EXTERNAL_no_agent_available",
            entities,
            slots={"handoff_state": "waiting", "department": "logistics"},
        )
    finally:
        actions.handoff._department_names = (0.0, {})
    [message] = messages
    assert message["response"] == "utter_transferred_no_agent"
    assert message["department"] == "Delivery & Logistics"
    assert message["ticket_id"] == "TCK-000007"
    assert message["expected_reply"] == "by 10:30 today"
    assert message["caredesk"]["event"] == "no_agent_available"
    assert [(e["name"], e["value"]) for e in events] == [
        ("handoff_state", "bot"),
        ("department", "logistics"),
    ]
    # Nobody claimed a waiting hand-off: the usual words.
    assert [m["response"] for m in waited[0]] == ["utter_no_agent"]


def test_an_agent_who_takes_over_ends_the_form_the_assistant_was_in() -> None:
    """Nobody could take the hand-off, the customer went on with the assistant; an agent takes
    the conversation over: the form in progress ends, the conversation is the agent's."""
    dispatcher = CollectingDispatcher()
    tracker = external(
        "EXTERNAL_agent_joined",
        {"agent_name": "An", "delivery_id": KEY},
        {"handoff_state": "bot"},
        [],
    )
    tracker.active_loop = {"name": "order_status_form"}
    events = asyncio.run(ActionRelayHandoffEvent().run(dispatcher, tracker, {}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_agent_joined"]
    assert [(e["event"], e.get("name"), e.get("value")) for e in events] == [
        ("active_loop", None, None),
        ("slot", "requested_slot", None),
        ("slot", "handoff_state", "with_agent"),
    ]

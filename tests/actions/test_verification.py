"""How long a proof lasts in a conversation, who asks, who the shop says it is, and what a new
session keeps (actions/verification.py and actions/session.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from actions.verification import (
    VERIFICATION_IDLE_SECONDS,
    conversation_client,
    idle_seconds,
    shop_customer,
    verification_expired,
    verified_order,
)
from tests.support.trackers import tracker_for

AN = "an.nguyen@example.com"


def proved(seconds_ago: float, **slots: object) -> dict[str, object]:
    return {"verified_order_id": "ORD-10001", "verified_at": time.time() - seconds_ago, **slots}


@pytest.mark.parametrize(
    ("seconds_ago", "fresh"),
    [
        (0, True),
        (VERIFICATION_IDLE_SECONDS - 30, True),
        (VERIFICATION_IDLE_SECONDS + 1, False),
        (None, False),  # a proof without a time is not one
        (-3600, False),  # from the future: not believed
    ],
)
def test_a_proof_lasts_while_it_is_used(seconds_ago: float | None, fresh: bool) -> None:
    slots = proved(seconds_ago) if seconds_ago is not None else {"verified_order_id": "ORD-10001"}
    tracker = tracker_for("x", "inform", slots=slots)
    assert (verified_order(tracker) == "ORD-10001") is fresh
    assert verification_expired(tracker) is not fresh


def test_no_proof_is_neither_fresh_nor_expired() -> None:
    tracker = tracker_for("x", "inform")
    assert verified_order(tracker) is None and not verification_expired(tracker)


def test_the_idle_time_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert VERIFICATION_IDLE_SECONDS == 15 * 60
    monkeypatch.setenv("CAREDESK_VERIFICATION_IDLE_SECONDS", "5")
    assert idle_seconds() == 5
    assert verified_order(tracker_for("x", "inform", slots=proved(6))) is None
    for bad in ("soon", "0", "-1"):
        monkeypatch.setenv("CAREDESK_VERIFICATION_IDLE_SECONDS", bad)
        with pytest.raises(ValueError, match="CAREDESK_VERIFICATION_IDLE_SECONDS"):
            idle_seconds()


def test_the_client_is_the_channel_and_the_sender() -> None:
    tracker = tracker_for("x", "inform", sender="4f0c2a", channel="socketio")
    assert conversation_client(tracker) == "socketio:4f0c2a"


def test_only_a_verifying_channel_says_who_is_signed_in() -> None:
    signed = {"customer_id": f" {AN} "}
    assert shop_customer(tracker_for("x", "inform", channel="socketio", metadata=signed)) == AN
    assert shop_customer(tracker_for("x", "inform", channel="rest", metadata=signed)) is None
    assert shop_customer(tracker_for("x", "inform", channel="socketio")) is None
    odd = {"customer_id": ["a"]}
    assert shop_customer(tracker_for("x", "inform", channel="socketio", metadata=odd)) is None


def test_a_new_session_keeps_the_settings_and_never_a_proof() -> None:
    slots = {
        "language": "en",
        "handoff_state": "with_agent",
        "ticket_id": "TCK-000042",
        "session_started_metadata": {"page_url": "https://shop.example/"},
        "requested_slot": "customer_contact",
        **proved(0),
        "order_id": "ORD-10001",
        "customer_contact": AN,
        "ticket_contact": AN,
        "pending_confirmation": "cancel",
        "email": AN,
        "new_address": "12 Le Loi, Quan 1, TP HCM",
    }
    tracker = tracker_for("x", "inform", slots=slots)
    events = asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tracker, {}))
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried == {
        "language": "en",
        "handoff_state": "with_agent",
        "ticket_id": "TCK-000042",
        "session_started_metadata": {"page_url": "https://shop.example/"},
    }

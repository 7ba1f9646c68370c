"""A call Rasa would post to the action server's /webhook, built by hand: for tests that speak to
the action server directly and for the order bench."""

from __future__ import annotations

from typing import Any


def order_request_call(sender: str, **extra_slots: Any) -> dict[str, Any]:
    """`action_handle_order_request` for ORD-10001, its order already marked verified."""
    slots = {
        "order_id": "ORD-10001",
        "customer_contact": "an.nguyen@example.com",
        "verified_order_id": "ORD-10001",
        **extra_slots,
        "order_operation": "track",
        "language": "en",
    }
    return {
        "next_action": "action_handle_order_request",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "where is my order", "intent": {"name": "track_order"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
        "version": "3.6.2",
    }

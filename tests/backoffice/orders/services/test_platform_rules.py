"""The platforms' rules for sending on the business's initiative, on a fixed clock: Messenger's
24-hour window, Zalo's 48-hour window of 8 consultation messages, Telegram's one message a
second per chat, and the customer's last message as read from Rasa's tracker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backoffice.orders.services.platform_rules import (
    ChatPacer,
    CustomerActivity,
    customer_activity,
    messenger_may_send,
    zalo_route,
)

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=UTC)


def wrote(hours_ago: float, bot_messages: int = 0) -> CustomerActivity:
    return CustomerActivity(NOW - timedelta(hours=hours_ago), bot_messages)


def user(at: datetime, text: str = "hi", channel: str = "facebook") -> dict:
    return {"event": "user", "text": text, "timestamp": at.timestamp(), "input_channel": channel}


def bot(at: datetime) -> dict:
    return {"event": "bot", "text": "…", "timestamp": at.timestamp()}


@pytest.mark.parametrize(
    ("activity", "allowed"),
    [
        (wrote(0.1), True),
        (wrote(23.99), True),
        (wrote(24), False),  # the window is 24 hours, not a second more
        (wrote(30), False),
        (CustomerActivity(None, 0), False),  # never wrote on Messenger
    ],
)
def test_messenger_allows_a_normal_message_only_within_24_hours(activity, allowed):
    assert messenger_may_send(activity, NOW) is allowed


@pytest.mark.parametrize(
    ("activity", "route"),
    [
        (wrote(1), "consultation"),
        (wrote(47.9, bot_messages=7), "consultation"),  # the 8th of the window
        (wrote(2, bot_messages=8), "window_full"),  # a 9th is not a consultation message
        (wrote(48), "window_closed"),
        (wrote(72, bot_messages=0), "window_closed"),
        (CustomerActivity(None, 0), "window_closed"),
    ],
)
def test_zalo_consultation_within_48_hours_and_8_messages(activity, route):
    assert zalo_route(activity, NOW) == route


def test_the_customers_last_message_is_theirs_on_the_channel_not_an_external_event():
    events = [
        user(NOW - timedelta(hours=30)),
        bot(NOW - timedelta(hours=30)),
        user(NOW - timedelta(hours=5)),  # the last thing the customer wrote
        bot(NOW - timedelta(hours=5)),
        bot(NOW - timedelta(hours=5)),
        # an order update and an agent's reply come in as external events: not the customer
        user(NOW - timedelta(hours=1), text="EXTERNAL: EXTERNAL_order_update"),
        bot(NOW - timedelta(hours=1)),
        user(NOW - timedelta(minutes=5), channel="socketio"),  # another channel's message
        {"event": "slot", "name": "order_id", "value": "ORD-10002"},
    ]
    activity = customer_activity(events, "facebook")
    assert activity == CustomerActivity(NOW - timedelta(hours=5), 3)
    assert customer_activity([], "zalo") == CustomerActivity(None, 0)


def test_a_chat_gets_a_message_a_second_and_other_chats_are_not_held_up():
    pacer = ChatPacer()
    assert pacer.not_before("telegram:1", NOW) is None
    pacer.sent("telegram:1", NOW)
    assert pacer.not_before("telegram:1", NOW + timedelta(milliseconds=300)) == NOW + timedelta(
        seconds=1
    )
    assert pacer.not_before("telegram:2", NOW) is None
    assert pacer.not_before("telegram:1", NOW + timedelta(seconds=1)) is None

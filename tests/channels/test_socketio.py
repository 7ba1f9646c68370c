"""caredesk's socket.io channel: the `caredesk` metadata of bot messages reaches the socket.

First the path of an action's `utter_message(..., caredesk={...})` through the real code
(rasa_sdk's dispatcher, Rasa's RemoteAction and BotUttered, our output channel) into the Redis
pub/sub channel that python-socketio's Redis manager reads; then, on the running stack, the
notices of a whole hand-off arriving on a customer's socket with their metadata. Two replicas
sharing sockets through Redis: tests/e2e/test_topology.py.
"""

from __future__ import annotations

import asyncio
import pickle
import queue
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from channels.limits import MAX_MESSAGE_CHARS
from channels.socketio import CaredeskSocketIOInput, CaredeskSocketIOOutput
from devstack.processes import REPO_ROOT
from devstack.stack import Stack, running_stack
from tests.support.live_chat import Agent, Customer
from tests.support.services import require_service

BILLING_AGENT = "Lê Thị Mai Anh"  # display names of the seeded agents
AFTER_SALES_AGENT = "Trần Minh Khoa"


def payloads(customer: Customer, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The next `count` bot_uttered payloads, whole."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"expected {count} bot messages, got {got}"
        try:
            got.append(customer.replies.get(timeout=remaining))
        except queue.Empty:
            continue
    return got


def mark(payload: dict[str, Any]) -> dict[str, Any] | None:
    """A payload's `caredesk` hand-off mark without the helpdesk's delivery id (which every
    hand-off event's message carries, channels/delivery.py); None when it has no mark."""
    value = dict(payload.get("caredesk") or {})
    if not value:
        return None
    assert re.fullmatch(r"[0-9a-f]{32}", value.pop("delivery_id"))
    return value


# -- without a server: rasa_sdk -> Rasa -> our output channel -> Redis ---------------------------


def bot_messages_of(dispatcher_calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Rasa sends to the output channel for an action's `utter_message` calls: the SDK's
    collected messages go through RemoteAction's response handling into BotUttered events."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    for call in dispatcher_calls:
        dispatcher.utter_message(**call)
    domain = Domain.load(str(REPO_ROOT / "domain"))
    tracker = DialogueStateTracker("sender", domain.slots)
    tracker.update(SlotSet("language", "en"))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)

    async def utter() -> list[Any]:
        output = CaredeskSocketIOOutput(None, "bot_uttered")  # only its name() is read
        return list(await RemoteAction._utter_responses(dispatcher.messages, output, nlg, tracker))

    return [event.message() for event in asyncio.run(utter())]


@pytest.fixture
def redis_channel() -> Iterator[tuple[str, str, Any]]:
    """A unique pub/sub channel on the local Redis, and a subscriber already listening to it."""
    host, port = require_service("redis")
    import redis

    client = redis.Redis(host=host, port=port)
    channel = f"caredesk-socketio-test-{uuid.uuid4().hex[:8]}"
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    try:
        yield f"redis://{host}:{port}/0", channel, pubsub
    finally:
        pubsub.close()
        client.close()


def published(pubsub: Any, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            found.append(pickle.loads(message["data"]))  # noqa: S301 - our own test channel
    return found


@pytest.mark.redis
def test_output_channel_without_a_server_publishes_metadata_through_redis(redis_channel):
    url, channel_name, pubsub = redis_channel
    channel = CaredeskSocketIOInput.from_credentials(
        {"session_persistence": True, "redis_url": url, "redis_channel": channel_name}
    )
    # No blueprint (the server is in another process): Rasa's channel would give up here.
    output = channel.get_output_channel()
    assert isinstance(output, CaredeskSocketIOOutput)
    messages = bot_messages_of(
        [
            {
                "text": "Hi, I'm looking at it.\n\nOne moment.",
                "caredesk": {"from": "agent", "event": "agent_message", "agent_name": "Mai"},
            },
            {
                "response": "utter_agent_joined",
                "agent_name": "Mai",
                "caredesk": {"from": "agent", "event": "agent_joined", "agent_name": "Mai"},
            },
            {"response": "utter_ask_csat"},
        ]
    )
    # Rasa keeps the SDK's extra keyword arguments as the bot message's metadata.
    assert messages[0]["caredesk"]["event"] == "agent_message"

    async def send() -> None:
        for message in messages:
            await output.send_response("session-42", dict(message))

    asyncio.run(send())
    published_all = published(pubsub, 8)
    assert [(e["method"], e["event"], e["room"]) for e in published_all] == [
        ("emit", "bot_uttered", "session-42"),
        ("emit", "caredesk_bot_uttered", "session-42"),
    ] * 4
    emitted, placed = published_all[::2], published_all[1::2]
    # The caredesk widget's copy: the same message, with its place in the conversation.
    times = [m["timestamp"] for m in messages]
    for standard, copy, (at, part) in zip(
        emitted,
        placed,
        [(times[0], 0), (times[0], 1), (times[1], 0), (times[2], 0)],
        strict=True,
    ):
        mark = dict(standard["data"].get("caredesk") or {}, at=at, part=part)
        assert copy["data"] == {**standard["data"], "caredesk": mark}
    agent = {"from": "agent", "event": "agent_message", "agent_name": "Mai"}
    assert emitted[0]["data"] == {"text": "Hi, I'm looking at it.", "caredesk": agent}
    assert emitted[1]["data"] == {"text": "One moment.", "caredesk": agent}
    assert emitted[2]["data"] == {
        "text": "Mai from our team has joined the conversation.",
        "caredesk": {"from": "agent", "event": "agent_joined", "agent_name": "Mai"},
    }
    csat = emitted[3]["data"]
    assert "caredesk" not in csat  # ordinary bot messages are unchanged
    assert [r["title"] for r in csat["quick_replies"]] == ["1", "2", "3", "4", "5"]


def test_without_redis_or_a_server_there_is_no_output_channel_as_in_rasa(monkeypatch):
    monkeypatch.delenv("SOCKETIO_REDIS_URL", raising=False)
    channel = CaredeskSocketIOInput.from_credentials({"session_persistence": True})
    assert channel.name() == "socketio"
    assert channel.redis_url is None
    with pytest.warns(UserWarning, match="cannot be recreated"):
        assert channel.get_output_channel() is None


def test_environment_overrides_the_credentials_redis_settings(monkeypatch):
    monkeypatch.setenv("SOCKETIO_REDIS_URL", "redis://10.0.0.7:6379/2")
    monkeypatch.setenv("SOCKETIO_REDIS_CHANNEL", "replicas")
    channel = CaredeskSocketIOInput.from_credentials({"redis_url": "redis://elsewhere:6379/0"})
    assert (channel.redis_url, channel.redis_channel) == ("redis://10.0.0.7:6379/2", "replicas")


# -- one Rasa process: a whole hand-off on a customer's socket ----------------------------------


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    # Agents get 10 s to claim, so that the no-agent notice comes within a test.
    with running_stack(env={"HANDOFF_AGENT_WAIT_SECONDS": "10"}) as running:
        yield running


@pytest.mark.stack
def test_handoff_notices_reach_the_socket_with_their_metadata(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("I want to talk to someone, I was charged twice for my order")
        [waiting] = payloads(customer, 1)
        assert "billing" in waiting["text"].lower()
        # Said by the bot (no delivery id): the widget's header shows whom the customer waits
        # for and the first reply the department promises.
        assert waiting["caredesk"] == {
            "from": "bot",
            "event": "handoff_waiting",
            "department": "billing",
            "department_names": {"en": "Billing", "vi": "Thanh toán & Hóa đơn"},
            "expected_reply_at": waiting["caredesk"]["expected_reply_at"],
        }
        promised = datetime.fromisoformat(waiting["caredesk"]["expected_reply_at"])
        assert promised > datetime.now(timezone.utc)

        billing = Agent(stack.backoffice.base_url, "billing")
        billing.post(f"/conversations/{customer.session_id}/claim")
        [joined] = payloads(customer, 1)
        assert mark(joined) == {
            "from": "agent",
            "event": "agent_joined",
            "agent_name": BILLING_AGENT,
        }
        assert BILLING_AGENT in joined["text"]

        billing.post(f"/conversations/{customer.session_id}/reply", {"text": "Looking now."})
        [message] = payloads(customer, 1)
        assert mark(message) == {
            "from": "agent",
            "event": "agent_message",
            "agent_name": BILLING_AGENT,
        }
        assert set(message) == {"text", "caredesk"} and message["text"] == "Looking now."

        billing.post(
            f"/conversations/{customer.session_id}/transfer", {"department": "after_sales"}
        )
        [transferred] = payloads(customer, 1)
        transferred_mark = mark(transferred) or {}
        assert transferred_mark.pop("expected_reply_at")  # the stack's teams are always open
        assert transferred_mark == {
            "from": "bot",
            "event": "agent_transferred",
            "department": "after_sales",
            "department_names": {"en": "After-sales & Warranty", "vi": "Hậu mãi & Bảo hành"},
        }

        after_sales = Agent(stack.backoffice.base_url, "after_sales")
        after_sales.post(f"/conversations/{customer.session_id}/claim")
        [joined_again] = payloads(customer, 1)
        assert joined_again["caredesk"]["agent_name"] == AFTER_SALES_AGENT

        after_sales.post(f"/conversations/{customer.session_id}/resolve")
        resolved, csat = payloads(customer, 2)
        assert mark(resolved) == {"from": "bot", "event": "handoff_resolved"}
        assert "caredesk" not in csat and len(csat["quick_replies"]) == 5

        # The metadata is what the customer sees; the tracker keeps it with the bot event.
        events = stack.tracker(customer.session_id)["events"]
        kept = [e["metadata"].get("caredesk") for e in events if e["event"] == "bot"]
        assert resolved["caredesk"] in kept
    finally:
        customer.close()


@pytest.mark.stack
def test_no_agent_notice_reaches_the_socket_with_its_metadata(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("I want to speak to a person, my parcel never arrived")
        [waiting] = payloads(customer, 1)
        assert waiting["caredesk"]["event"] == "handoff_waiting"
        # Nobody claims it: after the back office's 10 s wait the bot takes the chat back.
        [nobody] = payloads(customer, 1, timeout=40)
        assert mark(nobody) == {"from": "bot", "event": "no_agent_available"}
        ticket_id = stack.tracker(customer.session_id)["slots"]["ticket_id"]
        assert ticket_id in nobody["text"]
    finally:
        customer.close()


@pytest.mark.stack
def test_malformed_socket_messages_are_ignored(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.client.emit("user_uttered", "not an object")
        customer.client.emit("user_uttered", {"message": ["a", "list"], "session_id": "x"})
        customer.client.emit(
            "user_uttered",
            {"message": "hello", "session_id": customer.session_id, "metadata": "{not json"},
        )
        assert customer.silence(3) == []
        response = requests.get(
            stack.rasa.url(f"/conversations/{customer.session_id}/tracker"),
            params={"token": stack.token},
            timeout=30,
        )
        assert [e for e in response.json()["events"] if e["event"] == "user"] == []
        # The socket still works afterwards.
        customer.say("what is your return policy")
        assert "30 days" in customer.expect(1)[0]
    finally:
        customer.close()


@pytest.mark.stack
def test_the_widget_learns_the_message_limit_and_when_a_turn_is_done(stack):
    """The caredesk widget counts against the channel's own limit and shows typing dots only
    until the channel is done with a message: answered, forwarded to a person, or dropped."""
    customer = Customer(stack.rasa.base_url)
    try:
        assert customer.session["max_message_chars"] == MAX_MESSAGE_CHARS
        assert customer.session["turn_done_event"] == "caredesk_turn_done"
        assert customer.session["time_zone"] == "Asia/Ho_Chi_Minh"  # the widget's clock
        customer.say("what is your return policy")
        assert customer.turns_done.get(timeout=60) >= 1  # after the answer, not before
        assert "30 days" in customer.expect(1)[0]
        customer.silence(1)
        customer.say("x" * (MAX_MESSAGE_CHARS + 1))  # dropped: nothing comes, and it says so
        assert customer.turns_done.get(timeout=30) == 0
        assert customer.silence(2) == []
    finally:
        customer.close()


def test_a_session_token_proves_ownership_and_nothing_else_does() -> None:
    from channels.socketio import SessionSigner, allowed_origins

    signer = SessionSigner("a-secret")
    session_id, token = signer.new_session()
    assert signer.owns(session_id, token)
    assert not signer.owns(session_id, "0" * len(token))
    assert not signer.owns(session_id, None) and not signer.owns(None, token)
    assert not SessionSigner("another-secret").owns(session_id, token)
    assert allowed_origins(" http://a.example/, ,http://b.example") == [
        "http://a.example",
        "http://b.example",
    ]

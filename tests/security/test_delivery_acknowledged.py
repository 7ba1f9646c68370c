"""Agent messages are never lost silently (issue 10): delivered means the customer's chat has it.

Against the real running system (back office, action server, Rasa with its socket.io channel).
The customer is a socket.io client speaking the caredesk widget's protocol: it reads the bot's
messages with their place in the conversation (`caredesk_bot_uttered`), its messages say it
confirms receipt, it confirms every message the helpdesk sent it (`delivery_receipt`), and when
it reconnects it asks for what it missed (`missed_messages`). The agent uses the agent API, the
one the console shows (each transcript line's `delivery`).

- The action server is down while the agent replies: Rasa answers 200 and relays nothing; the
  reply is not delivered, and reaches the customer exactly once when the action server is back.
- The customer's widget is disconnected while the agent replies: Rasa relays, nobody receives;
  the replies are not delivered until the widget comes back, fetches them (once) and confirms.
- A permanent failure is dead-lettered after the attempt cap ("failed" in the console's data),
  and the agent's retry delivers it once the cause is gone.
- On a messaging platform the platform's success answer is the receipt: a reply Telegram
  refuses is not delivered, and is sent again until Telegram takes it, once.
"""

from __future__ import annotations

import queue
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from devstack.stack import Stack
from tests.support.fake_telegram import TelegramUser
from tests.support.live_chat import Agent
from tests.support.shared_stack import TELEGRAM_SECRET, SharedStack

pytestmark = pytest.mark.stack

REPLY_TIMEOUT = 60.0  # the outbox backs off up to 60 s between attempts


class Widget:
    """A customer's browser tab with the caredesk widget, as far as the server can tell."""

    def __init__(self, url: str, session: dict[str, str] | None = None) -> None:
        self.url = url
        self.session = dict(session or {})
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: set[tuple[float, int]] = set()  # what the widget stores: each place once
        self.latest: float | None = None
        self.client: socketio.Client | None = None
        self.connect()

    def connect(self) -> None:
        client = socketio.Client(reconnection=False)
        confirmed: queue.Queue[dict[str, str]] = queue.Queue()
        client.on("session_confirm", confirmed.put)
        # Only while this is the widget's connection: a message reaching a socket the widget
        # has let go of (its disconnect still on the way) is seen by nobody.
        client.on("caredesk_bot_uttered", lambda payload: self._receive(payload, client))
        client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        client.emit("session_request", self.session)
        self.session = confirmed.get(timeout=15)
        # The widget reads the copies with their place in the conversation, offered here.
        assert self.session.pop("placed_event") == "caredesk_bot_uttered"
        self.client = client

    def disconnect(self) -> None:
        assert self.client is not None
        self.client.disconnect()
        self.client = None

    def reconnect(self) -> list[dict[str, Any]]:
        """Connect again with the session's token and fetch what was missed meanwhile."""
        session_id = self.session["session_id"]
        self.connect()
        assert self.session["session_id"] == session_id  # the token proved it is ours
        return self.catch_up()

    def catch_up(self) -> list[dict[str, Any]]:
        """What widget.js's catchUp asks: the bot messages since the latest one it has."""
        assert self.client is not None
        missed = self.client.call("missed_messages", {"after": self.latest or 0}, timeout=15)
        assert isinstance(missed, list)
        for payload in missed:
            self._receive(payload, self.client)
        return missed

    @property
    def session_id(self) -> str:
        return self.session["session_id"]

    def say(self, text: str) -> None:
        assert self.client is not None
        self.client.emit(
            "user_uttered",
            {
                "message": text,
                "session_id": self.session_id,
                "metadata": {"language": "en", "confirms_delivery": True},
            },
        )

    def _receive(self, payload: dict[str, Any], client: socketio.Client) -> None:
        if client is not self.client:
            return
        mark = payload.get("caredesk") or {}
        place = (mark.get("at"), mark.get("part"))
        if place in self.seen:
            return  # stored already (the widget keys its messages by their place)
        self.seen.add(place)
        self.latest = max(self.latest or 0, mark.get("at") or 0)
        self.received.put(payload)
        if mark.get("delivery_id"):
            client.emit("delivery_receipt", {"delivery_ids": [mark["delivery_id"]]})

    def texts(self, count: int, timeout: float = 30) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"expected {count} messages, got {got}"
            try:
                got.append(self.received.get(timeout=remaining).get("text", ""))
            except queue.Empty:
                continue
        return got

    def silence(self, seconds: float) -> list[str]:
        time.sleep(seconds)
        got = []
        while not self.received.empty():
            got.append(self.received.get().get("text", ""))
        return got

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()


@pytest.fixture
def widget(stack: Stack) -> Iterator[Widget]:
    customer = Widget(stack.rasa.base_url)
    yield customer
    customer.close()


def delivery_of(agent: Agent, conversation_id: str, text: str) -> dict[str, Any]:
    """The `delivery` of the console's transcript line with this text."""
    transcript = agent.get(f"/conversations/{conversation_id}")["transcript"]
    [line] = [t for t in transcript if t["text"] == text]
    return dict(line["delivery"])


def joined_line(agent: Agent, conversation_id: str) -> str:
    """The console's "… joined the conversation." line."""
    transcript = agent.get(f"/conversations/{conversation_id}")["transcript"]
    return next(t["text"] for t in transcript if t["text"].endswith("joined the conversation."))


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.2)


def bot_texts(stack: Stack, conversation_id: str) -> list[str]:
    events = stack.tracker(conversation_id)["events"]
    return [e.get("text") for e in events if e["event"] == "bot"]


def with_an_agent(stack: Stack, widget: Widget) -> Agent:
    """The customer asks for a person; billing claims; the customer hears it and confirms."""
    widget.say("I want to talk to someone, I was charged twice for my order")
    assert "billing" in widget.texts(1)[0].lower()
    agent = Agent(stack.backoffice.base_url, "billing")
    agent.post(f"/conversations/{widget.session_id}/claim")
    assert "joined" in widget.texts(1)[0]
    joined = joined_line(agent, widget.session_id)
    wait_until(
        lambda: delivery_of(agent, widget.session_id, joined)["state"] == "delivered",
        10,
        "the widget's receipt of 'joined' reached the helpdesk",
    )
    return agent


def test_a_reply_while_the_action_server_is_down_arrives_once_it_is_back(
    stack: Stack, widget: Widget
) -> None:
    agent = with_an_agent(stack, widget)
    text = "Your refund is on its way."
    stack.stop_actions()
    try:
        agent.post(f"/conversations/{widget.session_id}/reply", {"text": text})
        wait_until(
            lambda: delivery_of(agent, widget.session_id, text)["attempts"] >= 2,
            30,
            "two attempts failed",
        )
        delivery = delivery_of(agent, widget.session_id, text)
        assert delivery["state"] == "pending", delivery  # Rasa said 200: not delivered
        assert "did not relay" in delivery["error"]
        assert text not in bot_texts(stack, widget.session_id)
        assert widget.silence(1) == []
    finally:
        stack.start_actions()
    assert widget.texts(1, timeout=REPLY_TIMEOUT) == [text]
    wait_until(
        lambda: delivery_of(agent, widget.session_id, text)["state"] == "delivered",
        10,
        "the receipt reached the helpdesk",
    )
    assert widget.silence(3) == []  # exactly once
    assert bot_texts(stack, widget.session_id).count(text) == 1


def test_replies_while_the_widget_is_away_are_fetched_when_it_returns(
    stack: Stack, widget: Widget
) -> None:
    agent = with_an_agent(stack, widget)
    widget.disconnect()
    replies = ["First, while you were away.", "Second, while you were away."]
    for text in replies:
        agent.post(f"/conversations/{widget.session_id}/reply", {"text": text})
    # Rasa relayed both (they are in the conversation), but nobody has confirmed them.
    wait_until(
        lambda: all(t in bot_texts(stack, widget.session_id) for t in replies),
        20,
        "Rasa relayed both replies",
    )
    time.sleep(2)
    assert [delivery_of(agent, widget.session_id, t)["state"] for t in replies] == [
        "accepted",
        "accepted",
    ]

    missed = widget.reconnect()
    assert [m["text"] for m in missed][-2:] == replies  # after the latest message it had
    assert widget.texts(2) == replies
    wait_until(
        lambda: all(
            delivery_of(agent, widget.session_id, t)["state"] == "delivered" for t in replies
        ),
        10,
        "both receipts reached the helpdesk",
    )
    assert widget.silence(2) == []  # exactly once: nothing again, live or fetched
    assert widget.reconnect() != [] and widget.silence(1) == []  # asked again: still once
    for text in replies:
        assert bot_texts(stack, widget.session_id).count(text) == 1


@pytest.fixture
def attempt_cap(stack: Stack) -> Iterator[int]:
    """The back office restarted with a cap of 3 attempts; the usual one again afterwards."""
    cap = 3
    stack.backoffice_env["DELIVERY_MAX_ATTEMPTS"] = str(cap)
    stack.restart_backoffice()
    try:
        yield cap
    finally:
        del stack.backoffice_env["DELIVERY_MAX_ATTEMPTS"]
        stack.restart_backoffice()


def test_a_permanent_failure_is_dead_lettered_and_can_be_sent_again(
    stack: Stack, widget: Widget, attempt_cap: int
) -> None:
    agent = with_an_agent(stack, widget)
    text = "Can you confirm your address?"
    stack.stop_actions()
    try:
        agent.post(f"/conversations/{widget.session_id}/reply", {"text": text})
        wait_until(
            lambda: delivery_of(agent, widget.session_id, text)["state"] == "failed",
            30,
            "the reply was dead-lettered",
        )
        delivery = delivery_of(agent, widget.session_id, text)
        assert delivery["attempts"] == attempt_cap
        time.sleep(2)
        assert delivery_of(agent, widget.session_id, text)["attempts"] == attempt_cap  # given up
    finally:
        stack.start_actions()
    assert widget.silence(2) == []  # back, but nothing is tried until the agent asks
    retried = agent.post(
        f"/conversations/{widget.session_id}/deliveries/{delivery['delivery_id']}/retry"
    )
    line = next(t for t in retried["transcript"] if t["text"] == text)
    assert line["delivery"]["state"] in ("pending", "accepted", "delivered")
    assert widget.texts(1, timeout=20) == [text]
    wait_until(
        lambda: delivery_of(agent, widget.session_id, text)["state"] == "delivered",
        10,
        "the retried reply was confirmed",
    )
    assert widget.silence(2) == []
    assert bot_texts(stack, widget.session_id).count(text) == 1


def test_a_reply_telegram_refused_is_sent_again_and_arrives_once(
    shared_stack: SharedStack,
) -> None:
    stack, telegram = shared_stack.stack, shared_stack.telegram
    webhook = stack.rasa.url("/webhooks/telegram/webhook")
    user = TelegramUser(
        webhook,
        telegram,
        random.randint(10**8, 10**9),
        TELEGRAM_SECRET,
        wait_turn=stack.wait_turn,  # the webhook answers before the turn runs
    )
    conversation = user.conversation_id  # telegram:<chat id>
    assert (
        "billing" in user.say("I want to talk to someone, I was charged twice")[0]["text"].lower()
    )
    agent = Agent(stack.backoffice.base_url, "billing")
    agent.post(f"/conversations/{conversation}/claim")
    assert "joined" in user.expect(1)[0]["text"]
    wait_until(
        lambda: (
            delivery_of(agent, conversation, joined_line(agent, conversation))["state"]
            == "delivered"
        ),
        10,
        "Telegram's answer counted as the receipt",
    )

    text = "I have refunded the second charge."
    telegram.refuse(user.chat_id, 1000)  # until further notice
    agent.post(f"/conversations/{conversation}/reply", {"text": text})
    wait_until(
        lambda: delivery_of(agent, conversation, text)["attempts"] >= 2, 20, "refused attempts"
    )
    refused = delivery_of(agent, conversation, text)
    assert refused["state"] == "pending" and refused["error"] == "HTTP 500", refused
    assert user.silence(0) == []
    telegram.refuse(user.chat_id, 0)  # Telegram is well again
    assert [m["text"] for m in user.expect(1, timeout=REPLY_TIMEOUT)] == [text]
    wait_until(
        lambda: delivery_of(agent, conversation, text)["state"] == "delivered",
        10,
        "delivered once Telegram took it",
    )
    assert user.silence(2) == []  # exactly once
    assert bot_texts(stack, conversation).count(text) == 1

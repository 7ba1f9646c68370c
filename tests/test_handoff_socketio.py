"""A full hand-off over the socket.io channel: a customer client and an agent on the helpdesk API.

The customer talks to the real Rasa server (socket.io, session persistence), the bot routes the
request, the agent claims it and chats, the bot stays silent meanwhile, messages arrive in order
in both directions, the agent transfers and resolves, and the customer rates the conversation.
"""

from __future__ import annotations

import queue
import time

import pytest
import requests
import socketio

from tests.support.helpdesk import login_agent

pytestmark = pytest.mark.stack


class Customer:
    """A website visitor on Rasa's socket.io channel."""

    def __init__(self, url: str) -> None:
        self.replies: queue.Queue[dict] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.put(data))
        confirmed: queue.Queue[dict] = queue.Queue()
        self.client.on("session_confirm", lambda data: confirmed.put(data))
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"])
        self.client.emit("session_request", {})
        session = confirmed.get(timeout=10)  # the server issues the session
        self.session_id, self.session_token = session["session_id"], session["session_token"]

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def expect(self, count: int = 1, timeout: float = 30) -> list[str]:
        texts = []
        deadline = time.monotonic() + timeout
        while len(texts) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"expected {count} replies, got {texts}"
            texts.append(self.replies.get(timeout=remaining).get("text", ""))
        return texts

    def silence(self, seconds: float = 3) -> list[str]:
        """Whatever arrives within `seconds` (should be nothing while an agent owns the chat)."""
        time.sleep(seconds)
        got = []
        while not self.replies.empty():
            got.append(self.replies.get().get("text", ""))
        return got

    def close(self) -> None:
        self.client.disconnect()


class Agent:
    def __init__(self, base_url: str, username: str) -> None:
        self.base = base_url + "/api/v1/agent"
        client = login_agent(base_url, username)
        self.headers = {"Authorization": f"Bearer {client.token}"}

    def get(self, path: str) -> dict:
        response = requests.get(self.base + path, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, path: str, body: dict | None = None) -> dict:
        response = requests.post(
            self.base + path, json=body or {}, headers=self.headers, timeout=10
        )
        assert response.status_code in (200, 201, 202, 204), response.text
        return dict(response.json()) if response.content else {}

    def waiting(self, department: str) -> list[str]:
        queues = self.get("/queue")["departments"]
        return [
            e["conversation_id"]
            for q in queues
            if q["department"] == department
            for e in q["waiting"]
        ]


def test_full_handoff_cycle_over_socketio(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("I want to talk to someone, I was charged twice for my order")
        [handed_over] = customer.expect(1)
        assert "Billing" in handed_over or "billing" in handed_over.lower()
        slots = stack.tracker(customer.session_id)["slots"]
        assert slots["department"] == "billing"
        assert slots["ticket_id"].startswith("TCK-")
        assert slots["handoff_state"] == "waiting"

        billing = Agent(stack.backoffice.base_url, "billing")
        assert customer.session_id in billing.waiting("billing")
        conversation = billing.get(f"/conversations/{customer.session_id}")
        assert "charged twice" in " ".join(t["text"] for t in conversation["transcript"])
        assert conversation["routing_reason"]

        billing.post(f"/conversations/{customer.session_id}/claim")
        [joined] = customer.expect(1)
        assert "joined" in joined

        # The bot says nothing while the agent owns the conversation; the agent gets the text.
        customer.say("hello? are you there")
        customer.say("my card was charged 2 times")
        assert customer.silence(3) == []
        transcript = billing.get(f"/conversations/{customer.session_id}")["transcript"]
        customer_turns = [t["text"] for t in transcript if t["role"] == "customer"]
        assert customer_turns[-2:] == ["hello? are you there", "my card was charged 2 times"]

        # Agent messages reach the customer, in order.
        for text in (
            "Hi, I'm looking at your payment now.",
            "I can see two charges.",
            "Refunding one.",
        ):
            billing.post(f"/conversations/{customer.session_id}/reply", {"text": text})
        assert customer.expect(3) == [
            "Hi, I'm looking at your payment now.",
            "I can see two charges.",
            "Refunding one.",
        ]

        # Transfer, then an after-sales agent claims and resolves.
        billing.post(
            f"/conversations/{customer.session_id}/notes", {"text": "double charge confirmed"}
        )
        billing.post(
            f"/conversations/{customer.session_id}/transfer", {"department": "after_sales"}
        )
        [transferred] = customer.expect(1)
        assert "after" in transferred.lower() or "sales" in transferred.lower()
        after_sales = Agent(stack.backoffice.base_url, "after_sales")
        assert customer.session_id in after_sales.waiting("after_sales")
        after_sales.post(f"/conversations/{customer.session_id}/claim")
        customer.expect(1)
        after_sales.post(f"/conversations/{customer.session_id}/resolve")
        resolved = customer.expect(2)
        assert "closed" in resolved[0]
        assert "satisfied" in resolved[1]
        assert stack.tracker(customer.session_id)["slots"]["handoff_state"] == "bot"

        # The bot is back: it answers, and the rating is stored on the ticket.
        customer.say('/inform{"csat_score": "5"}')
        assert "Thank you for your rating" in customer.expect(1)[0]
        ticket_id = stack.tracker(customer.session_id)["slots"]["ticket_id"]
        tickets = after_sales.get(f"/tickets?q={ticket_id}")["tickets"]
        assert tickets[0]["csat_score"] == 5
        customer.say("what is your return policy")
        assert "30 days" in customer.expect(1)[0]
    finally:
        customer.close()


def test_asking_twice_does_not_open_a_second_handoff(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("get me a human, my parcel never arrived")
        customer.expect(1)
        first = stack.tracker(customer.session_id)["slots"]["ticket_id"]
        customer.say("I want to talk to a person")
        assert customer.silence(3) == []  # forwarded to the waiting queue, not a new hand-off
        assert stack.tracker(customer.session_id)["slots"]["ticket_id"] == first
        agent = Agent(stack.backoffice.base_url, "admin")
        assert agent.waiting("logistics").count(customer.session_id) == 1
    finally:
        customer.close()


def test_missing_topic_is_asked_and_routed_on_the_answer(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("cho mình gặp nhân viên")
        [question] = customer.expect(1)
        assert "việc gì" in question
        customer.say("mình không đăng nhập được, không nhận được mã OTP")
        customer.expect(1)
        assert stack.tracker(customer.session_id)["slots"]["department"] == "technical"
    finally:
        customer.close()


def test_helpdesk_restart_in_the_middle_of_a_handoff_loses_nothing(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("hello, good morning")
        customer.expect(2)  # greeting and menu, in English
        customer.say("/contact_human_agent")  # the menu's "Talk to a person" button
        assert "What is it about" in customer.expect(1)[0]
        customer.say("the laptop screen is broken and it is under warranty")
        customer.expect(1)
        assert stack.tracker(customer.session_id)["slots"]["department"] == "after_sales"
        agent = Agent(stack.backoffice.base_url, "after_sales")
        agent.post(f"/conversations/{customer.session_id}/claim")
        customer.expect(1)
        stack.restart_backoffice()
        agent = Agent(stack.backoffice.base_url, "after_sales")
        state = agent.get(f"/conversations/{customer.session_id}")["handoff"]["state"]
        assert state == "with_agent"
        customer.say("still there?")
        assert customer.silence(2) == []
        agent.post(f"/conversations/{customer.session_id}/reply", {"text": "Yes, still here."})
        assert customer.expect(1) == ["Yes, still here."]
        transcript = agent.get(f"/conversations/{customer.session_id}")["transcript"]
        assert "still there?" in [t["text"] for t in transcript if t["role"] == "customer"]
    finally:
        customer.close()


def test_nobody_available_is_told_honestly_and_the_ticket_stays_open(stack):
    customer = Customer(stack.rasa.base_url)
    try:
        customer.say("I want to speak with someone about an advertising partnership")
        [reply] = customer.expect(1)
        ticket_id = stack.tracker(customer.session_id)["slots"]["ticket_id"]
        assert ticket_id in reply and "Nobody" in reply
        assert stack.tracker(customer.session_id)["slots"]["handoff_state"] == "bot"
        admin = Agent(stack.backoffice.base_url, "admin")
        tickets = admin.get(f"/tickets?q={ticket_id}")["tickets"]
        assert tickets[0]["status"] in ("new", "open")
        # The bot answers again right away.
        customer.say("which payment methods do you accept")
        assert "MoMo" in customer.expect(1)[0]
    finally:
        customer.close()

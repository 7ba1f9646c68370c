"""A full hand-off over the socket.io channel: a customer client and an agent on the helpdesk API.

The customer talks to the real Rasa server (socket.io, session persistence), the bot routes the
request, the agent claims it and chats, the bot stays silent meanwhile, messages arrive in order
in both directions, the agent transfers and resolves, and the customer rates the conversation.
"""

from __future__ import annotations

import pytest

from tests.support.live_chat import Agent, Customer

pytestmark = pytest.mark.stack


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


def test_the_customers_contact_reaches_the_agent(stack):
    """The usability test's "No contact given": a customer who verified ORD-10001 in the chat
    reaches the agent with that email, verified; one who writes their email while waiting gets
    it on the ticket as given, not verified, and the agent finds the ticket by it."""
    verified = Customer(stack.rasa.base_url)
    waiting = Customer(stack.rasa.base_url)
    admin = Agent(stack.backoffice.base_url, "admin")
    try:
        verified.say("Where is my order ORD-10001? my email is an.nguyen@example.com")
        assert "ORD-10001" in verified.turn()[0]["text"]
        assert stack.tracker(verified.session_id)["slots"]["verified_order_id"] == "ORD-10001"
        verified.say("I want to talk to a person, my parcel ORD-10001 is late")
        verified.turn()
        ticket = admin.get(f"/conversations/{verified.session_id}")["ticket"]
        assert (ticket["contact_email"], ticket["contact_verified"]) == (
            "an.nguyen@example.com",
            True,
        )
        history = admin.get(f"/conversations/{verified.session_id}/history")
        assert history["verified"] is True and history["orders"]

        waiting.say("get me a human, my parcel never arrived")
        waiting.turn()
        assert admin.get(f"/conversations/{waiting.session_id}")["ticket"]["contact_email"] is None
        waiting.say("hello? my email is binh.tran@example.com")
        waiting.turn()  # forwarded to the agent, nothing said
        ticket = admin.get(f"/conversations/{waiting.session_id}")["ticket"]
        assert (ticket["contact_email"], ticket["contact_verified"]) == (
            "binh.tran@example.com",
            False,
        )
        found = admin.get("/tickets?q=binh.tran@example.com")["tickets"]
        assert ticket["id"] in [t["id"] for t in found]
        history = admin.get(f"/conversations/{waiting.session_id}/history")
        assert (history["verified"], history["orders"]) == (False, [])
    finally:
        verified.close()
        waiting.close()

"""The hand-off action against the real back office: the helpdesk routes the customer's words,
the transcript can never make it fail, and a failure leaves a way to try again (issue 9)."""

import asyncio
import json
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.clients.helpdesk import HelpdeskClient
from actions.handoff import (
    TRANSCRIPT_BYTES,
    ActionRequestHandoff,
    clean_text,
    topic_intent,
    transcript,
)
from devstack.processes import free_port
from tests.support.trackers import tracker_for, user_event


@pytest.fixture
def helpdesk_down():
    actions.handoff._client = HelpdeskClient(
        f"http://127.0.0.1:{free_port()}", "key", timeout=1, retries=0
    )
    yield
    actions.handoff._client = None


def run(tracker: Tracker):
    tracker.sender_id = f"test-{uuid.uuid4().hex[:12]}"  # one conversation per test
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRequestHandoff().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def with_timestamps(events):
    return [{**e, "timestamp": 1_765_000_000 + i} for i, e in enumerate(events)]


def test_the_helpdesk_routes_the_words_and_names_the_department(helpdesk):
    text = "get me a human, the app crashes every time I log in"
    tracker = tracker_for(text, "nlu_fallback", "en", ranking=[("registration_problems", 0.3)])
    messages, events = run(tracker)
    assert slots(events)["department"] == "technical"
    assert messages[0]["department"] == "Technical Support"
    assert messages[0]["ticket_id"] == slots(events)["ticket_id"]


def test_no_topic_asks_what_it_is_about(helpdesk):
    messages, events = run(tracker_for("cho mình gặp nhân viên", "contact_human_agent", "vi"))
    assert messages == []
    assert events[-1]["name"] == "handoff_topic_form"


def test_an_order_id_given_in_the_message_is_attached(helpdesk):
    tracker = tracker_for("I need a person, ORD-10002 arrived smashed", "contact_human_agent", "en")
    tracker.latest_message["entities"] = [{"entity": "order_id", "value": "ORD-10002"}]
    _, events = run(tracker)
    ticket = slots(events)["ticket_id"]
    number = int(ticket.split("-")[1])
    with helpdesk.engine.connect() as connection:
        from sqlalchemy import text as sql

        [(order_id, department)] = connection.execute(
            sql("SELECT order_id, department FROM tickets WHERE id = :i"), {"i": number}
        ).all()
    assert (order_id, department) == ("ORD-10002", "logistics")


def test_a_failing_helpdesk_keeps_the_words_and_offers_to_try_again(helpdesk_down):
    messages, events = run(tracker_for("get me a human, I was charged twice", "payment_issue"))
    assert messages[0]["response"] == "utter_handoff_unavailable"
    assert slots(events) == {"handoff_topic": "get me a human, I was charged twice"}


def test_the_transcript_is_sanitised_and_capped():
    history = with_timestamps(
        [
            user_event("hello\x0b there\x00", "greet", "en"),
            user_event("   \t ", "nlu_fallback", "en"),
            *[user_event("tôi muốn hỏi về đơn hàng " * 200, "greet", "vi") for _ in range(60)],
        ]
    )
    tracker = tracker_for("get me a human", "contact_human_agent", "en", history=history)
    tracker.events[-1]["timestamp"] = 1_765_001_000
    turns = transcript(tracker)
    assert len(json.dumps(turns)) <= TRANSCRIPT_BYTES < 256 * 1024  # as sent, escapes and all
    assert turns[-1]["text"] == "get me a human"
    assert all(t["text"].strip() and "\x0b" not in t["text"] for t in turns)


def test_a_transcript_the_customer_made_hostile_still_hands_off(helpdesk):
    history = with_timestamps(
        [
            user_event("bad\x0bchar", "greet", "en"),
            user_event(" ", "greet", "en"),
            *[user_event("tôi muốn hỏi " * 400, "greet", "vi") for _ in range(80)],
        ]
    )
    tracker = tracker_for(
        "I want a person, I was charged twice", "contact_human_agent", "en", history=history
    )
    messages, events = run(tracker)
    assert slots(events)["department"] == "billing", messages


def test_control_characters_become_spaces():
    assert clean_text("a\x0bb\x00c\n d\t") == "a b c\n d"


def test_the_topic_hint_is_a_topic_reading():
    ranked = tracker_for("x", "contact_human_agent", ranking=[
        ("contact_human_agent", 0.6), ("warranty_claim", 0.3), ("greet", 0.1)
    ])  # fmt: skip
    assert topic_intent(ranked) == "warranty_claim"
    weak = tracker_for("x", "contact_human_agent", ranking=[
        ("contact_human_agent", 0.9), ("warranty_claim", 0.05)
    ])  # fmt: skip
    assert topic_intent(weak) is None


def test_a_message_that_says_more_than_asking_is_not_asked_its_topic(helpdesk):
    text = "cho tôi gặp nhân viên tư vấn, laptop Asus Vivobook 15 có nâng cấp RAM được không"
    tracker = tracker_for(text, "contact_human_agent", "vi")
    tracker.latest_message["person_request"] = {"phrase": "gap nhan vien", "other_words": 9}
    messages, events = run(tracker)
    assert slots(events)["department"] == "customer_support"  # the catch-all, not a question
    assert messages[0]["ticket_id"] == slots(events)["ticket_id"]

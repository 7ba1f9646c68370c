"""Whole conversations over the REST channel against the real Rasa server and action server."""

import uuid

import pytest
import requests

pytestmark = pytest.mark.stack


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_english_greeting_offers_a_menu_with_buttons(stack):
    sender = new_sender()
    replies = stack.say(sender, "hello there, good morning")
    assert "assistant" in texts(replies)
    buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "/track_order" in buttons and "/contact_human_agent" in buttons
    assert stack.tracker(sender)["slots"]["language"] == "en"


def test_vietnamese_without_diacritics_is_answered_in_vietnamese(stack):
    sender = new_sender()
    replies = stack.say_sure(sender, "phi ship ra da nang bao nhieu vay shop")
    assert "35.000đ" in texts(replies)
    assert stack.tracker(sender)["slots"]["language"] == "vi"


def test_the_answer_follows_the_language_of_each_message(stack):
    sender = new_sender()
    assert "VND" in texts(stack.say_sure(sender, "which payment methods do you accept"))
    assert "thanh toán" in texts(
        stack.say_sure(sender, "shop có nhận thanh toán qua ví MoMo không")
    )
    assert stack.tracker(sender)["slots"]["language"] == "vi"
    assert "30 days" in texts(stack.say_sure(sender, "what is your return policy"))
    assert stack.tracker(sender)["slots"]["language"] == "en"


def test_ambiguous_message_keeps_the_conversation_language(stack):
    sender = new_sender()
    stack.say(sender, "cảm ơn shop nhiều nhé")
    stack.say(sender, "ok")
    assert stack.tracker(sender)["slots"]["language"] == "vi"


def test_bot_says_truthfully_that_it_is_a_bot(stack):
    replies = stack.say(new_sender(), "am I talking to a bot or a real person?")
    assert "virtual assistant" in texts(replies)


def test_two_out_of_scope_messages_in_a_row_offer_a_person(stack):
    sender = new_sender()
    first = stack.say(sender, "what's the weather in Hanoi tomorrow")
    assert "not something I can help with" in texts(first)
    assert "1900 6868" not in texts(first)
    second = stack.say(sender, "tell me a joke about cats")
    assert "1900 6868" in texts(second)
    assert "/contact_human_agent" in [b["payload"] for r in second for b in r.get("buttons", [])]


def test_gibberish_gets_no_guess_and_starts_nothing(stack):
    sender = new_sender()
    replies = stack.say(sender, "xqzt vbnm plok")
    reply = texts(replies)
    # A weak guess is not worth a question: the customer hears what the assistant does instead.
    assert len(replies) == 1
    assert any(
        words in reply
        for words in (
            "not something I can help with",
            "chưa hỗ trợ được",
            "Did you mean",
            "Có phải",
        )
    ), reply
    tracker = stack.tracker(sender)
    assert not (tracker.get("active_loop") or {}).get("name")
    assert not tracker["slots"].get("ticket_id")


def test_entities_are_canonical_in_the_tracker(stack):
    sender = new_sender()
    stack.say(sender, "my order is ord10002 and my phone is 0903 111 222")
    slots = stack.tracker(sender)["slots"]
    assert slots["order_id"] == "ORD-10002"
    assert slots["phone"] == "+84903111222"


def test_http_api_needs_the_token(stack):
    response = requests.get(stack.rasa.url("/conversations/someone/tracker"), timeout=10)
    assert response.status_code == 401

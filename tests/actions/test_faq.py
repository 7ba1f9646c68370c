import asyncio
import time

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from actions.knowledge import load_knowledge
from tests.support.trackers import tracker_for


def run(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerFaq().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_answers_in_english():
    messages, events = run(tracker_for("how much is shipping", "delivery_options", "en"))
    assert events == []
    assert "20,000 VND" in messages[0]["text"]


def test_answers_in_the_language_of_the_latest_message_even_if_the_slot_lags():
    tracker = tracker_for("phi ship bao nhieu", "delivery_options", "vi", slots={"language": "en"})
    messages, _ = run(tracker)
    assert "20.000đ" in messages[0]["text"]


def test_unknown_topic_gets_the_contact_channels():
    messages, _ = run(tracker_for("hmm", "greet", "en"))
    assert messages[0]["response"] == "utter_faq_unavailable"
    assert messages[0]["hotline"] == "1900 6868"


def test_a_topic_without_a_request_for_a_person_is_answered():
    tracker = tracker_for(
        "my parcel never arrived",
        "report_delivery_problem",
        "en",
        ranking=[("report_delivery_problem", 0.9), ("contact_human_agent", 0.08)],
    )
    messages, events = run(tracker)
    assert events == [] and messages[0]["text"]


ABROAD = [
    ("do you ship to Singapore?", "en"),
    ("Do you deliver internationally?", "en"),
    ("can I get it delivered in Japan", "en"),
    ("shop có ship sang Úc không ạ", "vi"),
    ("co giao qua my ko", "vi"),
    ("giao hàng ra nước ngoài không", "vi"),
]
IN_VIETNAM = [
    ("how long to deliver to my address", "en"),
    ("can you ship to Hanoi", "en"),
    ("giao tới Mỹ Đình mất bao lâu", "vi"),
    ("giao ở Đức Hòa Long An được không", "vi"),
    ("ship ra trung tâm hà nội", "vi"),
]


@pytest.mark.parametrize(("text", "language"), ABROAD)
def test_a_delivery_question_about_abroad_gets_a_clear_no(text, language):
    messages, _ = run(tracker_for(text, "delivery_options", language))
    answer = messages[0]["text"]
    assert answer.startswith("Sorry, no:" if language == "en" else "Rất tiếc là không")
    within = "only deliver within Vietnam" if language == "en" else "chỉ giao hàng trong Việt Nam"
    assert within in answer


@pytest.mark.parametrize(("text", "language"), IN_VIETNAM)
def test_places_in_vietnam_get_the_shipping_answer(text, language):
    messages, _ = run(tracker_for(text, "delivery_options", language))
    assert messages[0]["text"] == load_knowledge().answer("delivery_options", language)


# -- "when will it arrive?" right after proving an order (issue 12's usability pass) ------------


def proven(order_id, contact, language):
    slots = {"verified_order_id": order_id, "verified_at": time.time(), "customer_contact": contact}
    text = "khi nao thi toi nhan duoc hang" if language == "vi" else "when will it arrive?"
    return tracker_for(text, "delivery_period", language, slots=slots)


def test_when_it_arrives_after_a_shipped_order_is_that_orders_day(order_system):
    [message] = run(proven("ORD-10001", "an.nguyen@example.com", "vi"))[0]
    assert message["response"] == "utter_order_shipment"
    assert message["tracking_number"] == (
        "GHN123456789VN (https://donhang.ghn.vn/?order_code=GHN123456789VN)"  # and its page
    )
    assert message["expected_delivery"]


def test_when_it_arrives_without_a_shipped_order_is_the_policy(order_system):
    delivered = run(proven("ORD-10003", "chi.le@example.com", "en"))[0]
    assert "response" not in delivered[0] or delivered[0]["response"] is None
    assert delivered[0]["text"]  # the delivery-times answer
    nothing_proven = run(tracker_for("when will it arrive?", "delivery_period", "en"))[0]
    assert nothing_proven[0]["text"] == delivered[0]["text"]

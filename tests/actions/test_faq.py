import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
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

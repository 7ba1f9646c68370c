import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import (
    ActionDefaultAskAffirmation,
    ActionDefaultFallback,
    ActionOutOfScope,
)
from tests.support.trackers import tracker_for, user_event


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_affirmation_names_the_best_real_intent_in_the_customer_language():
    tracker = tracker_for(
        "tien ve chua",
        "nlu_fallback",
        "vi",
        ranking=[("nlu_fallback", 0.5), ("out_of_scope", 0.3), ("track_refund", 0.2)],
    )
    [message] = run(ActionDefaultAskAffirmation(), tracker)
    assert message["response"] == "utter_ask_affirmation"
    assert message["intent"] == "track_refund"
    assert message["topic"] == "tình trạng hoàn tiền"
    assert message["payload"] == "/track_refund"


def test_affirmation_keeps_the_details_of_the_unclear_message():
    tracker = tracker_for(
        "don ORD-10001 dau, sdt 0912345678", "nlu_fallback", "vi", ranking=[("track_order", 0.3)]
    )
    tracker.latest_message["entities"] = [
        {"entity": "order_id", "value": "ORD-10001"},
        {"entity": "phone", "value": "+84912345678"},
    ]
    [message] = run(ActionDefaultAskAffirmation(), tracker)
    assert message["payload"] == '/track_order{"order_id": "ORD-10001", "phone": "+84912345678"}'


def test_affirmation_without_a_candidate_asks_to_rephrase():
    tracker = tracker_for("???", "nlu_fallback", "en", ranking=[("nlu_fallback", 1.0)])
    [message] = run(ActionDefaultAskAffirmation(), tracker)
    assert message["response"] == "utter_ask_rephrase"


def test_final_fallback_offers_a_person_with_contact_facts():
    [message] = run(ActionDefaultFallback(), tracker_for("blah", "nlu_fallback", "vi"))
    assert message["response"] == "utter_offer_human"
    assert message["hotline"] == "1900 6868"
    assert "21:00" in message["hours"]


def test_first_out_of_scope_only_says_what_the_bot_does():
    messages = run(ActionOutOfScope(), tracker_for("weather?", "out_of_scope", "en"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_second_out_of_scope_in_a_row_also_offers_a_person():
    history = [user_event("tell me a joke", "out_of_scope", "en")]
    messages = run(
        ActionOutOfScope(), tracker_for("weather?", "out_of_scope", "en", history=history)
    )
    assert [m["response"] for m in messages] == ["utter_out_of_scope", "utter_offer_human"]

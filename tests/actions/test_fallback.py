import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import (
    GIVE_UP_AFTER,
    REPLAYED,
    WEAKEST_GUESS,
    ActionClarify,
    ActionDefaultFallback,
    ActionOutOfScope,
    ActionResolveClarification,
)
from tests.support.trackers import tracker_for, user_event


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slot(events, name="clarification"):
    [value] = [e["value"] for e in events if e.get("event") == "slot" and e["name"] == name]
    return value


def test_asks_about_the_best_real_intent_in_the_customer_language():
    tracker = tracker_for(
        "tien ve chua",
        "nlu_fallback",
        "vi",
        ranking=[("nlu_fallback", 0.5), ("track_refund", 0.3), ("out_of_scope", 0.2)],
    )
    [message], events = run(ActionClarify(), tracker)
    assert message["response"] == "utter_ask_affirmation"
    assert message["topic"] == "tình trạng hoàn tiền"
    assert slot(events) == {"unclear": 1, "intent": "track_refund"}


def test_a_person_among_the_top_readings_is_handed_off_without_a_question():
    # "tôi muốn gặp nhân viên bảo hành, máy lọc nước bị hỏng": 0.51 person, 0.47 warranty.
    tracker = tracker_for(
        "tôi muốn gặp nhân viên bảo hành, máy lọc nước bị hỏng",
        "nlu_fallback",
        "vi",
        ranking=[("nlu_fallback", 0.6), ("contact_human_agent", 0.51), ("warranty_claim", 0.47)],
    )
    messages, events = run(ActionClarify(), tracker)
    assert messages == []
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_request_handoff"}


def test_two_readings_answered_the_same_way_ask_nothing():
    # Seen on the running system: a complaint about a slow delivery got "Did you mean: a problem
    # with a delivery?" although a complaint and a delivery problem are both offered a ticket.
    words = "I want to complain, my delivery is so slow, it has been 4 days already"
    tracker = tracker_for(
        words,
        "nlu_fallback",
        "en",
        ranking=[("nlu_fallback", 0.6), ("report_delivery_problem", 0.46), ("complaint", 0.41)],
    )
    messages, events = run(ActionClarify(), tracker)
    assert messages == []
    assert slot(events) is None
    listen, replayed = events[1:]
    assert listen["event"] == "action" and listen["name"] == "action_listen"
    assert replayed["text"] == words
    assert replayed["parse_data"]["intent"] == {
        "name": "report_delivery_problem",
        "confidence": 1.0,
    }


def test_a_guess_too_weak_to_ask_about_gets_what_the_assistant_does():
    # "who invented the refrigerator": a weak warranty reading is no reason to ask about warranty.
    weak = round(WEAKEST_GUESS - 0.02, 2)
    tracker = tracker_for(
        "who invented the refrigerator",
        "nlu_fallback",
        "en",
        ranking=[("nlu_fallback", 0.6), ("warranty_claim", weak), ("out_of_scope", 0.2)],
    )
    [message], events = run(ActionClarify(), tracker)
    assert message["response"] == "utter_out_of_scope"
    assert slot(events) is None


def test_without_a_candidate_asks_to_rephrase():
    tracker = tracker_for("???", "nlu_fallback", "en", ranking=[("nlu_fallback", 1.0)])
    [message], events = run(ActionClarify(), tracker)
    assert message["response"] == "utter_ask_rephrase"
    assert slot(events) == {"unclear": 1}


def test_a_second_unclear_message_asks_to_rephrase_and_a_third_offers_a_person():
    ranking = [("nlu_fallback", 0.5), ("track_order", 0.3)]
    second = tracker_for(
        "😊", "nlu_fallback", "vi", ranking=ranking, slots={"clarification": {"unclear": 1}}
    )
    [message], events = run(ActionClarify(), second)
    assert message["response"] == "utter_ask_rephrase"
    third = tracker_for(
        "👍", "nlu_fallback", "vi", ranking=ranking, slots={"clarification": slot(events)}
    )
    [message], events = run(ActionClarify(), third)
    assert GIVE_UP_AFTER == 3
    assert message["response"] == "utter_offer_human"
    assert message["hotline"] == "1900 6868"
    assert slot(events) is None


def test_yes_replays_the_unclear_message_with_its_details():
    unclear = user_event("don ORD-10001 dau, sdt 0912345678", "nlu_fallback", "vi")
    unclear["parse_data"]["entities"] = [{"entity": "order_id", "value": "ORD-10001"}]
    tracker = tracker_for(
        "/affirm",
        "affirm",
        None,
        history=[unclear, {"event": "bot", "text": "Có phải ý bạn là: tra cứu đơn hàng?"}],
        slots={"clarification": {"unclear": 1, "intent": "track_order"}, "language": "vi"},
    )
    messages, events = run(ActionResolveClarification(), tracker)
    assert messages == []
    assert slot(events) is None
    listen, replayed = events[1:]
    assert listen["event"] == "action" and listen["name"] == "action_listen"
    assert replayed["event"] == "user"
    assert replayed["text"] == "don ORD-10001 dau, sdt 0912345678"
    assert replayed["parse_data"]["intent"] == {"name": "track_order", "confidence": 1.0}
    assert replayed["parse_data"]["entities"] == [{"entity": "order_id", "value": "ORD-10001"}]
    assert replayed["parse_data"]["language"] == "vi"
    assert replayed["metadata"][REPLAYED] is True


def test_no_asks_to_rephrase_and_the_next_unclear_message_gives_up():
    tracker = tracker_for(
        "/deny",
        "deny",
        None,
        history=[user_event("hmm", "nlu_fallback", "en")],
        slots={"clarification": {"unclear": 1, "intent": "track_order"}},
    )
    [message], events = run(ActionResolveClarification(), tracker)
    assert message["response"] == "utter_ask_rephrase"
    assert slot(events) == {"unclear": GIVE_UP_AFTER - 1}


def test_final_fallback_offers_a_person_with_contact_facts():
    [message], _ = run(ActionDefaultFallback(), tracker_for("blah", "nlu_fallback", "vi"))
    assert message["response"] == "utter_offer_human"
    assert message["hotline"] == "1900 6868"
    assert "21:00" in message["hours"]


def test_first_out_of_scope_only_says_what_the_bot_does():
    messages, _ = run(ActionOutOfScope(), tracker_for("weather?", "out_of_scope", "en"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_second_out_of_scope_in_a_row_also_offers_a_person():
    history = [user_event("tell me a joke", "out_of_scope", "en")]
    messages, _ = run(
        ActionOutOfScope(), tracker_for("weather?", "out_of_scope", "en", history=history)
    )
    assert [m["response"] for m in messages] == ["utter_out_of_scope", "utter_offer_human"]


def test_an_unclear_message_most_likely_out_of_scope_gets_the_out_of_scope_answer():
    tracker = tracker_for(
        "thoi tiet mai the nao",
        "nlu_fallback",
        "vi",
        ranking=[("nlu_fallback", 0.4), ("out_of_scope", 0.35), ("delivery_period", 0.2)],
    )
    [message], events = run(ActionClarify(), tracker)
    assert message["response"] == "utter_out_of_scope"
    assert slot(events) is None

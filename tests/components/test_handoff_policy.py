from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.handoff_policy import (
    FORWARD_ACTION,
    PHOTO_ACTION,
    RELAY_ACTION,
    REQUEST_ACTION,
    next_handoff_action,
)

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, EXTERNAL_agent_message, EXTERNAL_agent_joined, EXTERNAL_order_update]
slots:
  handoff_state:
    type: categorical
    values: [bot, waiting, with_agent]
    influence_conversation: false
    mappings: [{type: custom}]
actions: [action_forward_to_agent, action_relay_handoff_event, action_order_update]
"""
)


def tracker(state, *events):
    t = DialogueStateTracker.from_events(
        "c1", [SlotSet("handoff_state", state), *events], DOMAIN.slots
    )
    return t


def user(intent="greet"):
    return UserUttered("hello", {"name": intent, "confidence": 1.0})


def test_customer_message_during_handoff_is_forwarded():
    assert (
        next_handoff_action(tracker("with_agent", ActionExecuted(ACTION_LISTEN_NAME), user()))
        == FORWARD_ACTION
    )
    assert (
        next_handoff_action(tracker("waiting", ActionExecuted(ACTION_LISTEN_NAME), user()))
        == FORWARD_ACTION
    )


def test_after_forwarding_the_bot_listens():
    t = tracker("with_agent", user(), ActionExecuted(FORWARD_ACTION))
    assert next_handoff_action(t) == ACTION_LISTEN_NAME


def test_helpdesk_events_are_left_to_the_rules():
    t = tracker("with_agent", ActionExecuted(ACTION_LISTEN_NAME), user("EXTERNAL_agent_message"))
    assert next_handoff_action(t) is None


def test_outside_a_handoff_the_policy_abstains():
    assert next_handoff_action(tracker("bot", ActionExecuted(ACTION_LISTEN_NAME), user())) is None
    assert next_handoff_action(tracker(None, ActionExecuted(ACTION_LISTEN_NAME), user())) is None


def test_after_asking_for_a_person_the_bot_listens_whatever_the_outcome():
    for state in ("waiting", "bot"):
        t = tracker(state, user(), ActionExecuted("action_answer_faq"))
        t.update(ActionExecuted(REQUEST_ACTION))
        assert next_handoff_action(t) == ACTION_LISTEN_NAME


def marked(text="get me a human, the app crashes", intent="nlu_fallback"):
    return UserUttered(
        text,
        {"name": intent, "confidence": 0.5},
        parse_data={
            "intent": {"name": intent, "confidence": 0.5},
            "person_request": {"phrase": "get me a human", "source": "request"},
        },
    )


def test_a_marked_message_starts_the_handoff_in_the_same_turn():
    assert next_handoff_action(tracker("bot", ActionExecuted(ACTION_LISTEN_NAME), marked())) == (
        REQUEST_ACTION
    )
    after_slots = tracker(
        None, ActionExecuted(ACTION_LISTEN_NAME), marked(), ActionExecuted("action_extract_slots")
    )
    assert next_handoff_action(after_slots) == REQUEST_ACTION


def test_an_unmarked_message_is_left_to_the_other_policies():
    assert next_handoff_action(tracker("bot", ActionExecuted(ACTION_LISTEN_NAME), user())) is None


def test_the_mark_is_honoured_once_per_message():
    answered = tracker("bot", marked(), ActionExecuted("action_answer_faq"))
    assert next_handoff_action(answered) is None


def test_a_marked_answer_to_the_topic_question_is_the_topic():
    t = DialogueStateTracker.from_events(
        "c1",
        [ActiveLoop("handoff_topic_form"), ActionExecuted(ACTION_LISTEN_NAME), marked()],
        DOMAIN.slots,
    )
    assert next_handoff_action(t) is None


def photo(text="📷", attachment="att_" + "2" * 32):
    metadata = {"attachment": {"id": attachment}} if attachment else {}
    return UserUttered(text, {"name": "greet", "confidence": 0.4}, metadata=metadata)


def test_a_photo_without_words_is_acknowledged_then_the_bot_listens():
    t = tracker("bot", ActionExecuted(ACTION_LISTEN_NAME), photo())
    assert next_handoff_action(t) == PHOTO_ACTION
    t = tracker("bot", ActionExecuted(ACTION_LISTEN_NAME), photo(), ActionExecuted(PHOTO_ACTION))
    assert next_handoff_action(t) == ACTION_LISTEN_NAME


def test_a_photo_with_words_or_a_bare_camera_is_left_to_the_other_policies():
    assert next_handoff_action(tracker("bot", photo("it came broken"))) is None
    assert next_handoff_action(tracker("bot", photo(attachment=None))) is None
    assert next_handoff_action(tracker("bot", photo(attachment="../etc/passwd"))) is None


def test_a_photo_during_a_handoff_is_forwarded_like_any_message():
    t = tracker("with_agent", ActionExecuted(ACTION_LISTEN_NAME), photo())
    assert next_handoff_action(t) == FORWARD_ACTION


def test_a_helpdesk_event_in_the_middle_of_a_form_is_relayed_at_once():
    """An agent took over a conversation the assistant had while a form asked something: the
    form must not read the event as the customer's answer."""
    in_form = tracker(
        "bot",
        ActiveLoop("order_status_form"),
        ActionExecuted(ACTION_LISTEN_NAME),
        user("EXTERNAL_agent_joined"),
    )
    assert next_handoff_action(in_form) == RELAY_ACTION
    relayed = tracker(
        "bot",
        ActiveLoop("order_status_form"),
        ActionExecuted(ACTION_LISTEN_NAME),
        user("EXTERNAL_agent_joined"),
        ActionExecuted(RELAY_ACTION),
    )
    assert next_handoff_action(relayed) is None  # the rule listens after the relay
    # Without a form, and a customer's own message in a form, stay with the rules and the form.
    assert (
        next_handoff_action(
            tracker("bot", ActionExecuted(ACTION_LISTEN_NAME), user("EXTERNAL_agent_joined"))
        )
        is None
    )
    assert (
        next_handoff_action(
            tracker(
                "bot", ActiveLoop("order_status_form"), ActionExecuted(ACTION_LISTEN_NAME), user()
            )
        )
        is None
    )


def test_an_order_update_in_the_middle_of_a_form_is_said_by_its_own_action():
    """The back office's update is not the helpdesk's: in a form it is said at once by
    action_order_update (the helpdesk's relay would drop it), and the form is not answered."""
    in_form = tracker(
        "bot",
        ActiveLoop("order_verification_form"),
        ActionExecuted(ACTION_LISTEN_NAME),
        user("EXTERNAL_order_update"),
    )
    assert next_handoff_action(in_form) == "action_order_update"
    said = tracker(
        "bot",
        ActiveLoop("order_verification_form"),
        ActionExecuted(ACTION_LISTEN_NAME),
        user("EXTERNAL_order_update"),
        ActionExecuted("action_order_update"),
    )
    assert next_handoff_action(said) is None
    # While a person has the conversation, the update is the rules' too (not forwarded).
    with_agent = tracker(
        "with_agent", ActionExecuted(ACTION_LISTEN_NAME), user("EXTERNAL_order_update")
    )
    assert next_handoff_action(with_agent) is None

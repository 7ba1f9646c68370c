from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.handoff_policy import FORWARD_ACTION, REQUEST_ACTION, next_handoff_action

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, EXTERNAL_agent_message]
slots:
  handoff_state:
    type: categorical
    values: [bot, waiting, with_agent]
    influence_conversation: false
    mappings: [{type: custom}]
actions: [action_forward_to_agent, action_relay_handoff_event]
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

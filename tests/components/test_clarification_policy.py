import tempfile
from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.clarification_policy import CLARIFICATION_SLOT, RESOLVE_ACTION, ClarificationPolicy

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [affirm, deny, track_order, nlu_fallback]
slots:
  clarification:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
  handoff_state:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
actions: [action_resolve_clarification, action_clarify]
"""
)
PENDING = {"unclear": 1, "intent": "track_order"}


def policy():
    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    context = ExecutionContext(GraphSchema({}), "test")
    config = ClarificationPolicy.get_default_config()
    return ClarificationPolicy.create(config, storage, Resource("clarification"), context)


def predict(pending, intent, *extra):
    events = [
        SlotSet(CLARIFICATION_SLOT, pending),
        *extra,
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered("x", {"name": intent, "confidence": 1.0}),
    ]
    tracker = DialogueStateTracker.from_events("c1", events, DOMAIN.slots)
    return policy().predict_action_probabilities(tracker, DOMAIN)


def chosen(prediction):
    best = max(prediction.probabilities)
    return DOMAIN.action_names_or_texts[prediction.probabilities.index(best)] if best else None


def test_yes_and_no_resolve_the_pending_question():
    assert chosen(predict(PENDING, "affirm")) == RESOLVE_ACTION
    assert chosen(predict(PENDING, "deny")) == RESOLVE_ACTION


def test_a_clear_message_ends_the_clarification():
    prediction = predict(PENDING, "track_order")
    assert chosen(prediction) is None
    assert prediction.events == [SlotSet(CLARIFICATION_SLOT, None)]


def test_nothing_pending_nothing_predicted():
    prediction = predict(None, "affirm")
    assert chosen(prediction) is None and prediction.events == []


def test_another_unclear_message_is_left_to_the_fallback_rule():
    prediction = predict(PENDING, "nlu_fallback")
    assert chosen(prediction) is None and prediction.events == []


def test_while_a_person_owns_the_conversation_the_question_is_dropped():
    prediction = predict(PENDING, "affirm", SlotSet("handoff_state", "with_agent"))
    assert chosen(prediction) is None

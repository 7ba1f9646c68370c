"""Honours a request for a person in the turn it is made, and keeps the bot silent after.

A message the NLU marked as asking for a person (`components/person_request.py`) starts the
hand-off at once, whatever its intent, in the middle of any form but the one asking what the
hand-off is about: `action_request_handoff` routes the words and closes the form.

A photo sent without words while the bot has the conversation (metadata `attachment`, text
`PHOTO_TEXT`: channels/attachments.py) gets `action_default_fallback`, which acknowledges it
(actions/attachments.py), then the bot listens: no intent to train for it, whatever the NLU
reads into "📷". A photo with words is read as those words.

While `handoff_state` is `waiting` or `with_agent`, every customer message (photos too) is
forwarded to the helpdesk (`action_forward_to_agent`) and the bot listens again: no other
policy gets a say, because this one predicts with full confidence at a priority above the
RulePolicy. Events from the helpdesk (intents starting with `EXTERNAL_`) are left to the rules
that relay them, except in the middle of a form: an agent may take over a conversation the
assistant has (nobody could take the hand-off when it was asked for), and the form would read
the event as the customer's answer, so the event is relayed at once (and "agent joined" ends the
form: actions/handoff.py). The back office's order updates (`EXTERNAL_order_update`) are external
events too: in a form they are said at once by `action_order_update`, and the form goes on.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from caredesk_rules.attachments import only_a_photo
from caredesk_rules.handoff_states import is_active
from caredesk_rules.order_updates import UPDATE_INTENT
from components.person_request import PERSON_REQUEST
from components.stateless_policy import StatelessPolicy, first_prediction_after_user

HANDOFF_SLOT = "handoff_state"
FORWARD_ACTION = "action_forward_to_agent"
RELAY_ACTION = "action_relay_handoff_event"
# External events that are not the helpdesk's, relayed in a form by their own action.
RELAY_ACTIONS = {UPDATE_INTENT: "action_order_update"}
REQUEST_ACTION = "action_request_handoff"
EXTERNAL_PREFIX = "EXTERNAL_"
TOPIC_FORM = "handoff_topic_form"
PHOTO_ACTION = "action_default_fallback"


def sent_only_a_photo(tracker: DialogueStateTracker) -> bool:
    """The customer's latest message is a photo without words."""
    message = tracker.latest_message
    return message is not None and only_a_photo(message.text, message.metadata)


def asks_for_a_person(tracker: DialogueStateTracker) -> bool:
    """The customer's latest message carries the NLU's mark and nothing has answered it yet."""
    message = tracker.latest_message
    if message is None or not message.parse_data.get(PERSON_REQUEST):
        return False
    intent = message.intent_name or ""
    return not intent.startswith(EXTERNAL_PREFIX) and first_prediction_after_user(tracker)


def helpdesk_event_in_a_form(tracker: DialogueStateTracker) -> bool:
    """An event from the helpdesk has just come in while a form is active."""
    message = tracker.latest_message
    intent = (message.intent_name or "") if message is not None else ""
    return (
        tracker.active_loop_name is not None
        and intent.startswith(EXTERNAL_PREFIX)
        and first_prediction_after_user(tracker)
    )


def next_handoff_action(tracker: DialogueStateTracker) -> str | None:
    """The action the conversation needs while in handoff, or None to let other policies decide."""
    if helpdesk_event_in_a_form(tracker):
        intent = tracker.latest_message.intent_name if tracker.latest_message else None
        return RELAY_ACTIONS.get(intent or "", RELAY_ACTION)
    if tracker.latest_action_name == REQUEST_ACTION:
        # Asked for a person (by a rule, or by an action that saw the request in a message about
        # something else): whatever the outcome, the customer speaks next.
        return ACTION_LISTEN_NAME
    if not is_active(tracker.get_slot(HANDOFF_SLOT)):
        if tracker.active_loop_name != TOPIC_FORM and asks_for_a_person(tracker):
            return REQUEST_ACTION
        if sent_only_a_photo(tracker):
            if first_prediction_after_user(tracker):
                return PHOTO_ACTION
            if tracker.latest_action_name == PHOTO_ACTION:
                return ACTION_LISTEN_NAME
        return None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            intent = event.intent_name or ""
            return None if intent.startswith(EXTERNAL_PREFIX) else FORWARD_ACTION
        if isinstance(event, ActionExecuted) and event.action_name not in (
            ACTION_LISTEN_NAME,
            "action_extract_slots",
        ):
            return ACTION_LISTEN_NAME if event.action_name == FORWARD_ACTION else None
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class HandoffPolicy(StatelessPolicy):
    """Forwards to the agent and listens while the conversation is in handoff."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def decide(
        self, tracker: DialogueStateTracker, domain: Domain
    ) -> tuple[str | None, list[Event]]:
        return next_handoff_action(tracker), []

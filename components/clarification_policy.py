"""Resolves the assistant's own "Did you mean …?" question (actions/fallback.py).

While the `clarification` slot holds a pending question, the customer's Yes or No goes to
`action_resolve_clarification` (Yes replays the unclear message with the confirmed intent, its
entities and slots intact). Any clear message instead ends the clarification: the customer moved
on, and the slot is cleared so an old question never captures a later "yes".
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from caredesk_rules.handoff_states import is_active
from components.handoff_policy import HANDOFF_SLOT
from components.person_request import PERSON_REQUEST
from components.stateless_policy import StatelessPolicy, first_prediction_after_user

CLARIFICATION_SLOT = "clarification"
RESOLVE_ACTION = "action_resolve_clarification"
ANSWERS = ("affirm", "deny")
UNCLEAR = "nlu_fallback"


def pending_question(tracker: DialogueStateTracker) -> dict[str, Any] | None:
    value = tracker.get_slot(CLARIFICATION_SLOT)
    return value if isinstance(value, dict) else None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class ClarificationPolicy(StatelessPolicy):
    """Sends Yes / No to the pending clarification; clears it when the customer moves on."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def decide(
        self, tracker: DialogueStateTracker, domain: Domain
    ) -> tuple[str | None, list[Event]]:
        pending = pending_question(tracker)
        message = tracker.latest_message
        if pending is None or message is None or not first_prediction_after_user(tracker):
            return None, []
        intent = message.intent_name
        moved_on = (
            bool(message.parse_data.get(PERSON_REQUEST))
            or is_active(tracker.get_slot(HANDOFF_SLOT))
            or intent not in (*ANSWERS, UNCLEAR)
        )
        if moved_on:
            return None, [SlotSet(CLARIFICATION_SLOT, None)]
        if intent in ANSWERS and pending.get("intent"):
            return RESOLVE_ACTION, []
        return None, []

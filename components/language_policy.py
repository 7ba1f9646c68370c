"""Keeps the `language` slot equal to the language of the customer's latest message.

A policy is the one place that sees every user turn inside the Rasa server and can add events
without a round trip to the action server: its `events` are applied whichever policy wins, and it
never predicts an action itself (all-zero probabilities).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.stateless_policy import StatelessPolicy, first_prediction_after_user

LANGUAGE_SLOT = "language"
SUPPORTED_LANGUAGES = ("en", "vi")


def latest_language(tracker: DialogueStateTracker, current: str | None) -> str | None:
    """The language of the customer's latest message. When its words show none ("ok", a
    button), the conversation keeps the language it has; only a conversation without one takes
    the language the channel reports for the customer (the widget's `metadata.language`)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            language = event.parse_data.get("language")
            if language:
                return str(language)
            return None if current in SUPPORTED_LANGUAGES else channel_language(event)
    return None


def channel_language(event: UserUttered) -> str | None:
    language = (event.metadata or {}).get("language")
    return language if language in SUPPORTED_LANGUAGES else None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class LanguageSlotPolicy(StatelessPolicy):
    """Sets the language slot from the NLU parse result; predicts nothing."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Addresses are Vietnamese words whatever language the customer writes in.
        return {"priority": 0, "slot": LANGUAGE_SLOT, "ignore_during_loops": ["address_form"]}

    def decide(
        self, tracker: DialogueStateTracker, domain: Domain
    ) -> tuple[str | None, list[Event]]:
        slot = self.config["slot"]
        if not first_prediction_after_user(tracker) or (
            tracker.active_loop_name in self.config["ignore_during_loops"]
        ):
            return None, []
        detected = latest_language(tracker, tracker.get_slot(slot))
        if (
            detected
            and slot in {s.name for s in domain.slots}
            and tracker.get_slot(slot) != detected
        ):
            return None, [SlotSet(slot, detected)]
        return None, []

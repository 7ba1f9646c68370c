"""Keeps the `language` slot equal to the language of the customer's latest message.

A policy is the one place that sees every user turn inside the Rasa server and can add events
without a round trip to the action server: its `events` are applied whichever policy wins, and it
never predicts an action itself (all-zero probabilities).
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.stateless_policy import StatelessPolicy

LANGUAGE_SLOT = "language"
SUPPORTED_LANGUAGES = ("en", "vi")


def latest_language(tracker: DialogueStateTracker) -> str | None:
    """The language of the latest message that had one. A button payload has none, and the
    two-stage fallback replaces the message it clarifies (and the slot set for it) by the
    payload, so the customer's own words just before it still say which language they use.
    When the words say nothing ("ok", a first button), the language the channel reports for the
    customer (the widget's `metadata.language`, their choice or the page's) decides."""
    chosen: str | None = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            language = event.parse_data.get("language")
            if language:
                return str(language)
            if chosen is None:
                chosen = channel_language(event)
            if not (event.text or "").startswith("/"):
                return chosen
    return chosen


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

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        events = []
        slot = self.config["slot"]
        if not self._first_prediction_after_user(tracker) or (
            tracker.active_loop_name in self.config["ignore_during_loops"]
        ):
            return self._prediction(self._default_predictions(domain))
        detected = latest_language(tracker)
        if (
            detected
            and slot in {s.name for s in domain.slots}
            and tracker.get_slot(slot) != detected
        ):
            events.append(SlotSet(slot, detected))
        return self._prediction(self._default_predictions(domain), events=events)

    @staticmethod
    def _first_prediction_after_user(tracker: DialogueStateTracker) -> bool:
        """Only the turn's first prediction decides: later ones may see another active loop."""
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                return True
            if isinstance(event, ActionExecuted) and event.action_name not in (
                "action_extract_slots",
                "action_listen",
            ):
                return False
        return False

"""Base for policies that learn nothing: they read the tracker and decide by rule."""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


def first_prediction_after_user(tracker: DialogueStateTracker) -> bool:
    """Whether nothing but slot extraction has run since the customer's latest message: only
    the turn's first prediction decides (later ones may see another active loop)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name not in (
            "action_extract_slots",
            "action_listen",
        ):
            return False
    return False


class StatelessPolicy(Policy):
    """Nothing to train, nothing to persist; subclasses say which action (if any) comes next
    and which events to add (`decide`), and predict it with full confidence."""

    def decide(
        self, tracker: DialogueStateTracker, domain: Domain
    ) -> tuple[str | None, list[Event]]:
        """The action to predict (None: leave it to the other policies) and events to add."""
        raise NotImplementedError

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action, events = self.decide(tracker, domain)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, events=events)

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> StatelessPolicy:
        return cls(config, model_storage, resource, execution_context)

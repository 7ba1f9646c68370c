"""One answer per customer message, and a conversation that can never die of a loop.

Rasa stops predicting after ten actions without listening (its "circuit breaker"), and it counts
those actions back to the last time it listened, across customer messages: once tripped, every
later message trips it again at once and the conversation never answers again. This policy, at
the highest priority, makes the assistant listen before that can happen, and right after the
actions that are a whole answer by themselves (the final fallback, the clarifying question).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from components.stateless_policy import StatelessPolicy

# Rasa's limit is 10 (MAX_NUMBER_OF_PREDICTIONS); no real turn of ours needs more than 6.
MAX_ACTIONS_PER_TURN = 7
# Actions after which the customer speaks next, whatever a form or a story would add.
WHOLE_ANSWERS = ("action_default_fallback", "action_clarify")


def actions_since_listening(tracker: DialogueStateTracker) -> int:
    """Counted as Rasa's circuit breaker counts them."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            if event.action_name in (ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME):
                break
            count += 1
    return count


def must_listen(tracker: DialogueStateTracker) -> bool:
    # An action's FollowupAction (a hand-off after an unclear message) runs before policies.
    return (
        tracker.latest_action_name in WHOLE_ANSWERS
        or actions_since_listening(tracker) >= MAX_ACTIONS_PER_TURN
    )


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class TurnGuardPolicy(StatelessPolicy):
    """Predicts listening when the turn is complete or too long."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 8}

    def decide(
        self, tracker: DialogueStateTracker, domain: Domain
    ) -> tuple[str | None, list[Event]]:
        return (ACTION_LISTEN_NAME if must_listen(tracker) else None), []

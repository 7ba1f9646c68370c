"""A new conversation session: it keeps the conversation's settings, never a proof.

Rasa's own `action_session_start` carries every slot over (`carry_over_slots_to_new_session`);
this one carries all but `SESSION_BOUND_SLOTS`, so a verified order, the contact that proved it
and a pending change stay in the session that proved them.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.verification import SESSION_BOUND_SLOTS

NOT_CARRIED = (*SESSION_BOUND_SLOTS, "requested_slot")  # a new session has no form open


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        carried = [
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name not in NOT_CARRIED
        ]
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]

"""The greeting, in the retailer's own brand: its name comes from the knowledge file's facts."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import load_knowledge
from actions.language import customer_language


class ActionGreet(Action):
    """A response alone could not name the shop: Rasa fills responses from slots only."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        facts = load_knowledge().facts(customer_language(tracker))
        dispatcher.utter_message(response="utter_greet", **facts)
        return []

"""Answers common questions from the knowledge source, in the customer's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import load_knowledge
from actions.language import customer_language


class ActionAnswerFaq(Action):
    """One action for every FAQ intent: the intent name is the topic in knowledge/store.yml."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        knowledge = load_knowledge()
        language = customer_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        answer = knowledge.answer(intent, language)
        if answer is None:
            dispatcher.utter_message(response="utter_faq_unavailable", **knowledge.facts(language))
        else:
            dispatcher.utter_message(text=answer)
        return []

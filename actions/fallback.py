"""Fallback: ask "did you mean …?" in the customer's language, then offer a person."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import load_knowledge
from actions.language import customer_language

# Intents that never make sense to confirm ("Did you mean: yes?").
_NOT_CONFIRMABLE = {"nlu_fallback", "out_of_scope", "affirm", "deny", "inform"}


def best_guess(tracker: Tracker) -> str | None:
    """The most likely real intent of the latest message, skipping the fallback itself."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    for candidate in ranking:
        name = candidate.get("name")
        if name and name not in _NOT_CONFIRMABLE:
            return str(name)
    return None


def payload(intent: str, tracker: Tracker) -> str:
    """'/track_order{"order_id": "ORD-10001"}': "yes" keeps what the message said, because the
    two-stage fallback replaces the unclear message (and its slots) by the button's payload."""
    entities = {
        e["entity"]: e["value"]
        for e in tracker.latest_message.get("entities") or []
        if e.get("entity") and isinstance(e.get("value"), str)
    }
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback, with a readable topic instead of an intent name."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = best_guess(tracker)
        if intent is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        topic = load_knowledge().intent_label(intent, customer_language(tracker))
        dispatcher.utter_message(
            response="utter_ask_affirmation",
            topic=topic,
            intent=intent,
            payload=payload(intent, tracker),
        )
        return []


class ActionDefaultFallback(Action):
    """After two failed attempts: say so honestly and offer a person and the contact channels."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        facts = load_knowledge().facts(customer_language(tracker))
        dispatcher.utter_message(response="utter_offer_human", **facts)
        return []


class ActionOfferHuman(ActionDefaultFallback):
    """The same offer, used by rules (e.g. a second out-of-scope message in a row)."""

    def name(self) -> str:
        return "action_offer_human"


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if seen_latest:
            return str((event.get("parse_data") or {}).get("intent", {}).get("name") or "")
        seen_latest = True
    return None


class ActionOutOfScope(Action):
    """Say what the assistant can do; the second off-topic message in a row also offers a person."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_out_of_scope")
        if previous_user_intent(tracker) in {"out_of_scope", "nlu_fallback"}:
            facts = load_knowledge().facts(customer_language(tracker))
            dispatcher.utter_message(response="utter_offer_human", **facts)
        return []

"""Answers common questions from the knowledge source, in the customer's language."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import load_knowledge
from actions.language import customer_language
from actions.orders import said_when_it_arrives
from caredesk_rules.vietnamese import fold

# Delivery questions that name a place outside Vietnam get a clear no (the `delivery_abroad`
# answer) instead of the domestic shipping text. Matched on the folded text (no diacritics), a
# country only after a word of the same language that points there ("to", "sang", "qua"...), so
# that "ship to my house" is not the USA ("Mỹ").
DELIVERY_TOPICS = frozenset({"delivery_options", "delivery_period", "set_up_shipping_address"})
_EN_PLACES = (
    r"singapore|malaysia|thailand|cambodia|laos|indonesia|the philippines|philippines|japan|"
    r"korea|south korea|china|taiwan|hong kong|australia|the us|the usa|usa|the united states|"
    r"america|canada|the uk|uk|england|france|germany|europe|another country|other countries"
)
# Mỹ, Úc and Đức also begin places in Vietnam (Mỹ Đình, Đức Hòa): only as the sentence's end or
# before words that end a question. "Hàn" and "Trung" alone are too common ("quá hạn").
_VI_TAIL = (
    r"(?=\s*(?:$|[^\w\s]|khong|ko|k|hem|hong|hok|duoc|dc|nha|nhe|a|ha|vay|the|thi|bao|mat|gia|"
    r"phi|co|chua))"
)
_VI_PLACES = (
    r"singapore|malaysia|thai lan|campuchia|lao|indonesia|philippines|nhat(?: ban)?|han quoc|"
    rf"trung quoc|dai loan|hong kong|canada|phap|chau au|nuoc khac|(?:my|uc|duc){_VI_TAIL}"
)
ABROAD = re.compile(
    rf"\b(?:(?:to|in|into)\s+(?:{_EN_PLACES})"
    rf"|(?:sang|qua|di|toi|den|ra|o|ben)\s+(?:{_VI_PLACES})"
    r"|abroad|overseas|international(?:ly)?|outside(?: of)? viet ?nam|nuoc ngoai|quoc te"
    r"|ngoai viet ?nam)\b"
)


def asks_about_abroad(text: str) -> bool:
    return bool(ABROAD.search(fold(text).lower()))


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
        text = tracker.latest_message.get("text") or ""
        if intent in DELIVERY_TOPICS and asks_about_abroad(text):
            intent = "delivery_abroad"
        elif intent == "delivery_period" and await said_when_it_arrives(dispatcher, tracker):
            return []
        answer = knowledge.answer(intent, language)
        if answer is None:
            dispatcher.utter_message(response="utter_faq_unavailable", **knowledge.facts(language))
        else:
            dispatcher.utter_message(text=answer)
        return []

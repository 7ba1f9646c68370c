"""Folds Vietnamese to one written form before tokenisation.

Customers write the same sentence with diacritics, without them, or in teen-code ("đơn hàng của
tôi", "don hang cua toi", "dh cua mk"). Featurising one folded form lets every example teach all
three. The entity extractor runs before this on the original text, so entity spans stay valid;
ids, emails and phones are replaced by placeholder words.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from caredesk_rules.vietnamese import expand_teen_code, fold, squeeze_repeats
from components.entities import EMAIL, ORDER_ID, PHONE, TICKET_ID, find_entities
from components.language_detector import LANGUAGE
from components.rule_component import RuleComponent

# Ids, emails and phone numbers become one word each: their digits say nothing about what the
# customer wants, and "where is ORD-10001" should look like "where is ORD-10234".
PLACEHOLDERS = {
    ORDER_ID: " orderref ",
    TICKET_ID: " ticketref ",
    EMAIL: " emailaddress ",
    PHONE: " phonenumber ",
}


def mask_entities(text: str) -> str:
    for found in reversed(find_entities(text)):
        text = text[: found.start] + PLACEHOLDERS[found.entity] + text[found.end :]
    return " ".join(text.split())


def normalise(text: str, language: str | None) -> str:
    """The folded form of a message; teen-code is expanded only in Vietnamese messages."""
    if not text or text.startswith("/"):
        return text
    folded = fold(squeeze_repeats(mask_entities(text)))
    return expand_teen_code(folded) if language == "vi" else folded


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class VietnameseTextNormalizer(RuleComponent):
    """Rewrites the message text in place (the tracker keeps what the customer typed)."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(TEXT, normalise(text, message.get(LANGUAGE)))
        return messages

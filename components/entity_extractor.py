"""Rasa wrapper around `components.entities`: runs on the original text, before normalisation."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.entities import find_entities
from components.rule_component import RuleComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CanonicalEntityExtractor(RuleComponent, EntityExtractorMixin):
    """Order ids, ticket ids, emails and phones with canonical values."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            extracted = [
                {
                    "entity": f.entity,
                    "start": f.start,
                    "end": f.end,
                    "value": f.value,
                    "confidence_entity": 1.0,
                }
                for f in find_entities(text)
            ]
            extracted = self.add_extractor_name(extracted)
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages

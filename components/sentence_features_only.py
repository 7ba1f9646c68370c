"""Keeps only the sentence-level features of a message's text for the intent classifier.

DIET with no transformer layers and no entity recognition (config.yml) classifies the intent
from the sentence position alone: each token position goes through the same dense layers, but
with nothing to mix positions, no token's output reaches the intent. Rasa still embeds every
token of every message in every epoch (the char n-gram featurizer alone gives each token a
vector of about 11,000 dimensions): about 40 % of DIET's training time. Dropping the text's
token-level features before DIET removes that work and changes no input of the intent (README
"Set-up time"); only the random initial weights differ. DIET's sequence layer insists on some
token-level feature, so the text keeps one: a single position holding a zero.
"""

from __future__ import annotations

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.rule_component import RuleComponent

ORIGIN = "SentenceFeaturesOnly"


def drop_token_features(message: Message) -> None:
    """Replaces the text's token-level (sequence) features with one zero; sentence features
    stay."""
    kept = [
        features
        for features in message.features
        if not (features.attribute == TEXT and features.type == FEATURE_TYPE_SEQUENCE)
    ]
    if len(kept) < len(message.features):
        placeholder = np.zeros((1, 1), dtype=np.float32)
        kept.append(Features(placeholder, FEATURE_TYPE_SEQUENCE, TEXT, ORIGIN))
    message.features = kept


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceFeaturesOnly(RuleComponent):
    """Placed after the featurizers and before DIETClassifier."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            drop_token_features(message)
        return messages

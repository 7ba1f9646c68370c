"""The departments file (backoffice/config/departments.yml): parsed and validated once, with its
business hours, phrases and their weights; every problem names the key to fix."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from backoffice.helpdesk.services.routing.files import read_yaml
from backoffice.helpdesk.services.routing.lexicon import (
    GENERIC_WORDS,
    KNOWN_INTENTS,
    TOPICLESS_INTENTS,
)
from backoffice.helpdesk.services.routing.text import INNER_HYPHEN, WORD, normalise_vietnamese
from caredesk_rules.business_hours import parse_week, time_zone_name
from caredesk_rules.departments import DEPARTMENT_KEYS

REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_CONFIG = REPO_ROOT / "backoffice" / "config" / "departments.yml"
CONFIG_ENV = "HELPDESK_DEPARTMENTS_FILE"  # same variable as backoffice.core.config.Settings
LANGUAGES = ("en", "vi")

PHRASE_BASE_WEIGHT = 1.0
PHRASE_WORD_WEIGHT = 0.5  # each word beyond the first: a longer phrase is more specific
MAX_PHRASE_WEIGHT = 5.0  # above this one phrase would silence all other evidence


class RoutingConfigError(ValueError):
    """The departments file is unusable; raised at load so a typo never silently stops routing."""


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


def resolve_path(path: str | Path | None) -> Path:
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


def _business_hours(raw: Any, where: str) -> dict[int, tuple[int, int]]:
    try:
        return parse_week(raw, where)
    except ValueError as exc:
        raise RoutingConfigError(str(exc)) from None


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
    return tuple(WORD.findall(INNER_HYPHEN.sub(" ", phrase.lower())))


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
    try:
        zone: tzinfo = ZoneInfo(time_zone_name(raw))
    except ValueError as exc:
        raise RoutingConfigError(str(exc)) from None
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
    resolved = resolve_path(path)
    raw = read_yaml(resolved, RoutingConfigError)
    try:
        return parse_config(raw, resolved)
    except RoutingConfigError as exc:
        raise RoutingConfigError(f"{resolved}: {exc}") from None


@lru_cache(maxsize=4)
def cached_config(path: Path) -> RoutingConfig:
    return load_config(path)


def departments(path: str | Path | None = None) -> Mapping[str, Department]:
    """Names, hours and reply promises for other modules, without loading the NLP pipeline."""
    return cached_config(resolve_path(path)).departments


def _weight(word_count: int) -> float:
    return PHRASE_BASE_WEIGHT + PHRASE_WORD_WEIGHT * max(0, word_count - 1)

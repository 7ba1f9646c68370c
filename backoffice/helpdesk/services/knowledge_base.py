"""The assistant's knowledge base for agents: search the FAQ answers of knowledge/store.yml and
insert one into the reply box, in the conversation's language, worded exactly as the assistant
words it (caredesk_rules.knowledge). The back office reads the YAML itself (it never imports
the Rasa side); read once per process, like the business rules (orders/policies.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from backoffice.core.config import ConfigError
from backoffice.helpdesk.services.routing import departments as routing_config
from backoffice.helpdesk.services.text_search import matches, query_words, relevance
from caredesk_rules.knowledge import faq_answer, topic_label


@dataclass(frozen=True)
class KnowledgeAnswer:
    topic: str
    title: str
    text: str


@dataclass(frozen=True)
class KnowledgeBase:
    data: dict[str, Any]
    week: dict[int, tuple[int, int]]  # the shop's opening hours: the default department's

    def topics(self) -> list[str]:
        return sorted((self.data.get("faq") or {}).keys())

    def answer(self, topic: str, language: str) -> KnowledgeAnswer | None:
        text = faq_answer(self.data, topic, language, self.week)
        if text is None:
            return None
        return KnowledgeAnswer(topic, topic_label(self.data, topic, language), text)

    def search(self, query: str | None, language: str, limit: int = 20) -> list[KnowledgeAnswer]:
        """Answers whose title, text or topic name has every typed word (either language's
        words find it: an agent may search in English for a Vietnamese chat)."""
        words = query_words(query)
        other = "en" if language == "vi" else "vi"
        found: list[tuple[int, KnowledgeAnswer]] = []
        for topic in self.topics():
            answer = self.answer(topic, language)
            alternate = self.answer(topic, other)
            if answer is None or alternate is None:
                continue
            if matches(words, topic.replace("_", " "), answer.title, answer.text) or matches(
                words, alternate.title, alternate.text
            ):
                score = max(
                    relevance(words, answer.title, answer.text),
                    relevance(words, alternate.title, alternate.text),
                )
                found.append((score, answer))
        found.sort(key=lambda pair: -pair[0])  # stable: topics in order within a score
        return [answer for _, answer in found[:limit]]


@lru_cache(maxsize=4)
def load_knowledge_base(path: Path, departments_file: Path | None = None) -> KnowledgeBase:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read knowledge file {path}: {exc}") from None
    config = routing_config.cached_config(routing_config.resolve_path(departments_file))
    week = dict(config.departments[config.default_department].business_hours)
    return KnowledgeBase(data if isinstance(data, dict) else {}, week)

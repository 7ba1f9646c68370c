"""The knowledge-base search agents insert answers from: knowledge/store.yml read by the back
office itself, worded as the assistant words it (caredesk_rules.knowledge)."""

from __future__ import annotations

from pathlib import Path

import yaml

from backoffice.helpdesk.services.knowledge_base import load_knowledge_base

STORE = Path(__file__).resolve().parents[4] / "knowledge" / "store.yml"


def test_every_topic_is_worded_in_both_languages_with_its_facts_filled_in() -> None:
    base = load_knowledge_base(STORE)
    raw = yaml.safe_load(STORE.read_text(encoding="utf-8"))
    assert base.topics() == sorted(raw["faq"])
    for topic in base.topics():
        for language in ("en", "vi"):
            answer = base.answer(topic, language)
            assert answer is not None and answer.text and answer.title
            assert "{" not in answer.text, (topic, language)  # no placeholder left
    fees = base.answer("delivery_options", "vi")
    assert fees is not None
    assert "20.000đ" in fees.text and "VND" not in fees.text  # docs/style-vi.md money
    assert "20,000" in (base.answer("delivery_options", "en") or fees).text


def test_search_finds_words_in_either_language_best_first() -> None:
    base = load_knowledge_base(STORE)
    assert base.search("phi giao hang", "vi")[0].topic == "delivery_options"
    assert base.search("hoàn tiền", "vi")[0].topic == "get_refund"
    # English words find the answer for a Vietnamese chat, worded in Vietnamese.
    [warranty] = base.search("warranty", "vi")
    assert warranty.topic == "warranty_claim" and warranty.title == "bảo hành, sửa chữa"
    assert base.search("no such words anywhere", "en") == []
    assert len(base.search(None, "en", limit=100)) == len(base.topics())

import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain

from actions.knowledge import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain")).as_dict()
FAQ_RULES = yaml.safe_load((ROOT / "data" / "rules" / "faq.yml").read_text(encoding="utf-8"))
FAQ_INTENTS = sorted(rule["steps"][0]["intent"] for rule in FAQ_RULES["rules"])


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("intent", FAQ_INTENTS)
def test_every_faq_intent_has_a_complete_answer_in_both_languages(intent, language):
    answer = load_knowledge().answer(intent, language)
    assert answer, f"no {language} answer for {intent}"
    assert not re.search(r"\{\w+(:[^}]*)?\}", answer), f"unfilled placeholder in {answer!r}"


def test_vietnamese_answers_group_thousands_with_dots():
    answer = load_knowledge().answer("delivery_options", "vi")
    assert "500.000đ" in answer and "500,000" not in answer


def test_answers_follow_the_policies():
    knowledge = Knowledge(
        {"policies": {"return_window_days": 14}, "faq": {"x": {"en": "{return_window_days} days"}}}
    )
    assert knowledge.answer("x", "en") == "14 days"
    assert knowledge.answer("x", "vi") == "14 days"  # falls back to English rather than nothing
    assert knowledge.answer("unknown", "en") is None


def test_every_intent_has_a_label_in_both_languages():
    knowledge = load_knowledge()
    for intent in DOMAIN["intents"]:
        if intent in {"affirm", "deny", "inform", "out_of_scope"} or intent.startswith("EXTERNAL_"):
            continue
        for language in ("en", "vi"):
            assert knowledge.intent_label(intent, language) != intent.replace("_", " "), intent

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


def test_a_tracking_number_comes_with_its_carriers_page_when_the_file_has_one():
    knowledge = Knowledge(
        {"carrier_tracking": {"GHN": "https://donhang.ghn.vn/?order_code={tracking_number}"}},
        week={},
    )
    assert knowledge.tracking("GHN", "GHN123456789VN") == (
        "GHN123456789VN (https://donhang.ghn.vn/?order_code=GHN123456789VN)"
    )
    # A number is quoted into the address, never able to change it.
    assert knowledge.tracking("GHN", "A B&c=1") == (
        "A B&c=1 (https://donhang.ghn.vn/?order_code=A%20B%26c%3D1)"
    )
    assert knowledge.tracking("Ninja Van", "NV123") == "NV123"  # no page known: the number
    assert knowledge.tracking("GHN", None) == ""
    # The shipped file has a page for each of the demo shop's carriers.
    shipped = load_knowledge()
    for carrier in ("GHN", "GHTK", "J&T Express", "Viettel Post"):
        assert shipped.tracking(carrier, "X1").startswith("X1 (https://")

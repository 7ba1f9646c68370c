"""The FAQ answers worded one way for the assistant and the console's knowledge-base search."""

from __future__ import annotations

from caredesk_rules.knowledge import answer_facts, faq_answer, topic_label

DATA = {
    "facts": {"hotline": "1900 6868"},
    "policies": {"shipping_fee_city_vnd": 20000, "cancellation_fee_vnd": 0, "days": 30},
    "faq": {
        "fees": {
            "en": "Call {hotline}: {shipping_fee_city} in town, {days} days, {unknown}.",
            "vi": "Gọi {hotline}: phí {shipping_fee_city}, trong {days} ngày, đơn 1,500,000.",
        },
        "english_only": {"en": "Only English."},
    },
    "intent_labels": {"fees": {"en": "fees", "vi": "phí"}},
}
WEEK = {day: (8 * 60, 21 * 60) for day in range(7)}


def test_amounts_are_worded_per_language_and_unknown_placeholders_stay() -> None:
    assert faq_answer(DATA, "fees", "en", WEEK) == (
        "Call 1900 6868: 20,000 VND in town, 30 days, {unknown}."
    )
    # Vietnamese money and thousands with dots (docs/style-vi.md).
    assert faq_answer(DATA, "fees", "vi", WEEK) == (
        "Gọi 1900 6868: phí 20.000đ, trong 30 ngày, đơn 1.500.000."
    )
    assert answer_facts(DATA, WEEK, "vi")["cancellation_fee"] == "miễn phí"
    assert "hours" in answer_facts(DATA, WEEK, "en")


def test_missing_topics_languages_and_labels() -> None:
    assert faq_answer(DATA, "nothing", "en", WEEK) is None
    assert faq_answer(DATA, "english_only", "vi", WEEK) == "Only English."
    assert topic_label(DATA, "fees", "vi") == "phí"
    assert topic_label(DATA, "track_order", "vi") == "track order"

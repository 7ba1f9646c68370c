"""Every response of domain/, rendered by Rasa in both languages with the values the actions give
it (worded by caredesk_rules.formatting and the knowledge file's labels), against the rules of
docs/style-vi.md that a machine can check. A status is tried with every label of its kind in
every sentence that uses it (rule 6)."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from rasa.core.nlg import interpolator
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from actions.formatting import items_summary, label
from actions.knowledge import load_knowledge
from caredesk_rules.formatting import (
    SHOP_TIMEZONE,
    address,
    at_moment,
    by_day,
    day,
    from_moment,
    money,
    number,
    on_day,
    reply_by,
    reply_channel,
)
from tests.test_domain import DOMAIN_DIR

DOMAIN = Domain.load(str(DOMAIN_DIR))
LANGUAGES = ("en", "vi")
NOW = datetime(2026, 12, 7, 8, 5, tzinfo=SHOP_TIMEZONE)
# Which labels a response's {status} takes (knowledge/store.yml `labels`).
STATUS_KINDS = {
    "utter_order_status": "order_status",
    "utter_order_update_status": "order_status",
    "utter_cannot_cancel": "order_status",
    "utter_cannot_readdress": "order_status",
    "utter_cannot_readdress_no_carrier": "order_status",
    "utter_cannot_return_not_delivered": "order_status",
    "utter_return_exists": "return_status",
    "utter_refund_status": "refund_status",
    "utter_ticket_status": "ticket_status",
}


def values(language: str) -> dict[str, Any]:
    """One representative value for every placeholder, as the actions make it."""
    facts = load_knowledge().facts(language)
    return {
        **{
            k: facts[k]
            for k in ("hotline", "support_email", "hours", "return_window_days", "assistant_name")
        },
        "order_id": "ORD-10001",
        "order_ids": "ORD-10001, ORD-10002",
        "ticket_id": "TCK-42",
        "refund_id": "RF-7",
        "return_id": "RT-3",
        "items": items_summary([("Sony WH-CH520", 2), ("Anker cable", 1)]),
        "total": money(1540000, language),
        "amount": money(1540000, language),
        "refund": money(1510000, language),
        "fee": money(30000, language),
        "vat": money(140000, language),
        "method": label("payment_method", "momo", language),
        "placed_at": on_day(date(2026, 12, 1), language),
        "delivered_at": on_day(date(2026, 12, 4), language),
        "expected_delivery": on_day(date(2026, 12, 9), language),
        "expected_by": by_day(date(2026, 12, 12), language),
        "warranty_until": day(date(2027, 12, 4), language),
        "event_time": at_moment(NOW - timedelta(hours=2), NOW, language),
        "event_location": "Đà Nẵng",
        "event_description": "Đã rời kho" if language == "vi" else "Left the warehouse",
        "carrier": "GHN",
        "tracking_number": "GHN123456789VN",
        "address": address("12 Lê Lợi", "Phường Sài Gòn", "Thành phố Hồ Chí Minh"),
        "invoice_number": "HD-2026-0001",
        "url": "https://shop.example.vn/invoices/abc",
        "reason": "Sản phẩm bị lỗi" if language == "vi" else "It's faulty",
        "department": "Chăm sóc khách hàng" if language == "vi" else "Customer Support",
        "expected_reply": reply_by(NOW + timedelta(hours=4, minutes=10), NOW, language),
        "contact": reply_channel("+84912345678", language),
        "updated": at_moment(NOW - timedelta(minutes=30), NOW, language),
        "locked_until": from_moment(NOW + timedelta(minutes=25), NOW, language),
        "attempts_left": 2,
        "agent_name": "Trần Minh Khoa",
        "topic": load_knowledge().intent_label("cancel_order", language),
        "tier": label("loyalty_tier", "gold", language),
        "next_tier": label("loyalty_tier", "diamond", language),
        "points": number(1240, language),
        "points_value": money(124000, language),
        "to_spend": money(21600000, language),
    }


def cases() -> list[tuple[str, str, str | None]]:
    """(response, language, status label key or None)."""
    found = []
    for name in sorted(DOMAIN.responses):
        for language in LANGUAGES:
            kind = STATUS_KINDS.get(name)
            keys = sorted(load_knowledge().labels()[kind]) if kind else [None]
            found += [(name, language, key) for key in keys]
    return found


def render(name: str, language: str, **kwargs: Any) -> dict[str, Any]:
    tracker = DialogueStateTracker.from_events(
        "render", [SlotSet("language", language)], slots=DOMAIN.slots
    )
    generator = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    message = asyncio.run(generator.generate(name, tracker, "rest", **kwargs))
    assert message is not None, name
    return message


def shown(message: dict[str, Any]) -> list[str]:
    """Everything the customer reads: the text and the button titles."""
    return [str(message.get("text") or "")] + [
        str(b.get("title") or "") for b in message.get("buttons") or []
    ]


@pytest.mark.parametrize(("name", "language", "status"), cases())
def test_every_response_renders_by_the_rules(name: str, language: str, status: str | None):
    given = values(language)
    if status is not None:
        given["status"] = label(STATUS_KINDS[name], status, language)
    with mock.patch.object(interpolator.structlogger, "exception") as failed:
        message = render(name, language, **given)
    assert not failed.called, "a placeholder had no value"
    for text in shown(message):
        assert text.strip(), f"{name}: empty text or button title"
        assert not re.search(r"[{}]", text), f"{name}: leftover placeholder in {text!r}"
        assert "+84" not in text, text
        assert not re.search(r"(?<![\d.,])0\s?(đ|₫|VND)", text), f"{name}: '0đ' in {text!r}"
        assert "  " not in text and text == text.strip(), f"{name}: stray space in {text!r}"
        assert not re.search(r"\s[.,;:?!]", text), f"{name}: space before punctuation: {text!r}"
        assert not re.search(r"\(\s*\)|\([^()]*\(", text), f"{name}: empty or nested brackets"
    text = str(message["text"])
    if language == "vi":
        lowered = text.lower()
        for wrong in ("vnd", "₫", "xong:", "bạn xác nhận", "khoản hoàn", "quý khách", "anh/chị"):
            assert wrong not in lowered, f"{name}: '{wrong}' in {text!r}"
        assert not re.search(r"\btôi\b", lowered), f"{name}: the assistant is 'mình': {text!r}"


@pytest.mark.parametrize("name", sorted(DOMAIN.responses))
def test_english_and_vietnamese_say_it_with_the_same_values(name: str):
    """Both variants exist and take the same placeholders: neither promises what the other
    leaves out."""
    variations = DOMAIN.responses[name]
    english = [v for v in variations if not v.get("condition")]
    vietnamese = [v for v in variations if v.get("condition")]
    assert len(english) == 1 and len(vietnamese) == 1

    def placeholders(variation: dict[str, Any]) -> set[str]:
        texts = [variation.get("text") or ""] + [b["payload"] for b in variation.get("buttons", [])]
        return {p for t in texts for p in re.findall(r"(?<!\{)\{(\w+)\}(?!\})", t)}

    assert placeholders(english[0]) == placeholders(vietnamese[0])

    def intents(variation: dict[str, Any]) -> list[str]:
        """Button payloads that are intents (others are words typed for the customer)."""
        return [b["payload"] for b in variation.get("buttons", []) if b["payload"].startswith("/")]

    assert intents(english[0]) == intents(vietnamese[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rating_buttons_keep_their_json_and_log_no_error(language: str):
    """Rasa fills placeholders in button payloads too: the rating's JSON must come out as JSON,
    without the interpolator logging an error for each button (issue 12)."""
    with mock.patch.object(interpolator.structlogger, "exception") as failed:
        message = render("utter_ask_csat", language, **values(language))
    assert not failed.called
    assert [b["payload"] for b in message["buttons"]] == [
        f'/inform{{"csat_score": "{n}"}}' for n in range(1, 6)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_faq_answers_follow_the_same_rules(language: str):
    knowledge = load_knowledge()
    for topic in sorted(knowledge.topics()):
        answer = knowledge.answer(topic, language) or ""
        assert answer and not re.search(r"[{}]", answer), topic
        assert "+84" not in answer and "  " not in answer, topic
        assert not re.search(r"(?<![\d.,])0\s?(đ|₫|VND)", answer), topic
        if language == "vi":
            assert "VND" not in answer and "₫" not in answer, topic


def test_the_opening_hours_are_the_departments_file_s():
    """One source: the hours the assistant tells are the default department's in
    backoffice/config/departments.yml (Sunday closes at 18:00 there)."""
    assert load_knowledge().facts("vi")["hours"] == (
        "thứ Hai đến thứ Bảy từ 8:00 đến 21:00, Chủ nhật từ 9:00 đến 18:00, theo giờ Việt Nam"
    )
    assert "every day" not in load_knowledge().facts("en")["hours"]

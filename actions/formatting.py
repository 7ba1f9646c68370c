"""Money, dates and labels as a customer reads them in English or Vietnamese."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from actions.knowledge import load_knowledge

SHOP_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def money(amount_vnd: int, language: str) -> str:
    """1250000 -> '1,250,000 VND' (en) or '1.250.000đ' (vi)."""
    grouped = f"{amount_vnd:,}"
    return grouped.replace(",", ".") + "đ" if language == "vi" else f"{grouped} VND"


def day(value: date | datetime | None, language: str) -> str:
    """Dates the Vietnamese way in both languages (day first), shop time."""
    if value is None:
        return label("unknown", None, language)
    if isinstance(value, datetime):
        value = value.astimezone(SHOP_TIMEZONE).date() if value.tzinfo else value.date()
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | None, language: str) -> str:
    if value is None:
        return label("unknown", None, language)
    local = value.astimezone(SHOP_TIMEZONE) if value.tzinfo else value
    return local.strftime("%H:%M %d/%m/%Y")


def label(kind: str, key: str | None, language: str) -> str:
    """A word from knowledge/store.yml `labels`, e.g. label('order_status', 'shipped', 'vi')."""
    labels = load_knowledge().labels()
    entry = labels.get(kind, {})
    if key is not None:
        entry = entry.get(key, {}) if isinstance(entry, dict) else {}
    if isinstance(entry, dict) and (entry.get(language) or entry.get("en")):
        return str(entry.get(language) or entry.get("en"))
    return key or kind


def items_summary(items: Iterable[tuple[str, int]]) -> str:
    """'2 x Sony WH-CH520, 1 x Anker cable'."""
    return ", ".join(f"{quantity} x {name}" for name, quantity in items)

"""Business rules come from the retailer's knowledge file, so changing a rule is a text edit.

The FAQ answers quote the same numbers, which is why the rules must not be duplicated in code.
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backoffice.orders.models import LOYALTY_TIERS, ORDER_STATUSES


class PolicyError(RuntimeError):
    """The knowledge file is missing or its rules are unusable; the service must not start."""


class Policies(BaseModel):
    currency: str = "VND"
    return_window_days: int = Field(..., ge=0, le=3650)
    refund_days_wallet: int = Field(..., ge=0, le=365)
    refund_days_card: int = Field(..., ge=0, le=365)
    refund_days_bank: int = Field(..., ge=0, le=365)
    cancellation_fee_vnd: int = Field(..., ge=0)
    cancellable_statuses: tuple[str, ...]
    readdressable_statuses: tuple[str, ...]
    returnable_statuses: tuple[str, ...]
    return_shipping_fee_vnd: int = Field(0, ge=0)
    warranty_months: int = Field(0, ge=0, le=600)
    shipping_fee_city_vnd: int = Field(0, ge=0)
    shipping_fee_province_vnd: int = Field(0, ge=0)
    free_shipping_threshold_vnd: int = Field(0, ge=0)
    loyalty_point_value_vnd: int = Field(100, ge=0)
    # Each tier's minimum spend over the last 12 months, lowest tier first.
    loyalty_tiers: dict[str, int] = Field(
        default_factory=lambda: {"member": 0, "silver": 5_000_000, "gold": 15_000_000,
                                 "diamond": 40_000_000}
    )  # fmt: skip

    # The file also carries shipping fees etc. used only by FAQ answers.
    model_config = ConfigDict(frozen=True, extra="ignore")

    @field_validator("cancellable_statuses", "readdressable_statuses", "returnable_statuses")
    def _known_statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(ORDER_STATUSES))
        if unknown:
            raise ValueError(f"unknown order status(es) {unknown}; known: {list(ORDER_STATUSES)}")
        return value

    @field_validator("loyalty_tiers")
    def _known_tiers(cls, value: dict[str, int]) -> dict[str, int]:
        if tuple(value) != LOYALTY_TIERS:
            raise ValueError(f"must name the tiers {list(LOYALTY_TIERS)}, lowest first")
        spends = list(value.values())
        if spends[0] != 0 or any(b <= a for a, b in pairwise(spends)):
            raise ValueError("the first tier starts at 0 and each next one needs more")
        return value


class ShopFacts(BaseModel):
    """The retailer's brand and contacts; a fact may be written per language ({en:, vi:})."""

    shop_name: str = "Shop"
    widget_title: dict[str, str] = {}
    hotline: str = ""
    support_email: str = ""
    office_address: str = ""
    website: str = ""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Knowledge(BaseModel):
    policies: Policies
    facts: ShopFacts = ShopFacts()
    # What an intent is about, per language ({"warranty_claim": {"en": ..., "vi": ...}}): the
    # console words the assistant's reading of a message with it, never with the raw name.
    intent_labels: dict[str, dict[str, str]] = {}
    timezone: str = "Asia/Ho_Chi_Minh"

    model_config = ConfigDict(frozen=True)

    def tz(self) -> tzinfo:
        """The shop's time zone, for calendar dates customers see (refund due dates...)."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return timezone(timedelta(hours=7), "ICT")  # no tz database: Vietnam has no DST


def load_knowledge(path: Path) -> Knowledge:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read knowledge file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"knowledge file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("policies"), dict):
        raise PolicyError(f"knowledge file {path} has no 'policies' mapping")
    try:
        hours: dict[str, Any] = raw["hours"] if isinstance(raw.get("hours"), dict) else {}
        return Knowledge.model_validate(
            {
                "policies": raw["policies"],
                "facts": raw.get("facts") or {},
                "intent_labels": raw.get("intent_labels") or {},
                "timezone": hours.get("timezone") or "Asia/Ho_Chi_Minh",
            }
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise PolicyError(f"knowledge file {path} has invalid rules: {problems}") from None


def load_policies(path: Path) -> Policies:
    return load_knowledge(path).policies

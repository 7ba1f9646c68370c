"""Which summary figure counts each drill-down measure's conversations (with one hand-off or
ticket per conversation, as the tests' data has): what the list's `total` must equal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FIGURES: dict[str, Callable[[dict[str, Any]], int]] = {
    "all": lambda s: s["conversations"],
    "contained": lambda s: s["contained"],
    "escalated": lambda s: s["escalations"],
    "abandoned": lambda s: s["abandoned"],
    "fallback": lambda s: s["fallback_conversations"],
    "handoff": lambda s: s["handoffs"],
    "sla_breached": lambda s: s["sla_breaches"],
    "csat": lambda s: s["csat"]["responses"],
    "not_contained": lambda s: s["ended"] - s["contained"],
}

"""The customer's language as the assistant should answer in it."""

from __future__ import annotations

from rasa_sdk import Tracker

SUPPORTED = ("en", "vi")
DEFAULT = "vi"


def customer_language(tracker: Tracker) -> str:
    """The `language` slot, or the language of the latest parse when the slot lags behind."""
    detected = (tracker.latest_message or {}).get("language")
    if detected in SUPPORTED:
        return str(detected)
    slot = tracker.get_slot("language")
    return str(slot) if slot in SUPPORTED else DEFAULT

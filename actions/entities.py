"""What the latest message carries: an entity's value as the actions read it."""

from __future__ import annotations

from rasa_sdk import Tracker


def entity(tracker: Tracker, name: str) -> str:
    """The first value of entity `name` in the latest message (an external event's too), or ""."""
    for found in tracker.latest_message.get("entities") or []:
        if found.get("entity") == name and found.get("value") is not None:
            return str(found["value"])
    return ""

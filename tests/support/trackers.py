"""Builds rasa_sdk trackers as the Rasa server sends them to the action server."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def user_event(
    text: str,
    intent: str,
    language: str | None = None,
    channel: str = "rest",
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    parse_data = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if language:
        parse_data["language"] = language
    return {
        "event": "user",
        "text": text,
        "parse_data": parse_data,
        "input_channel": channel,
        "metadata": metadata or {},
    }


def tracker_for(
    text: str,
    intent: str,
    language: str | None = "en",
    slots: dict[str, Any] | None = None,
    ranking: list[tuple[str, float]] | None = None,
    history: list[dict[str, Any]] | None = None,
    *,
    sender: str = "test-conversation",
    channel: str = "rest",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """`channel` and `metadata` are the latest message's, as its channel passed them on."""
    latest = user_event(text, intent, language)["parse_data"]
    latest["intent_ranking"] = [{"name": n, "confidence": c} for n, c in (ranking or [])]
    events = [*(history or []), user_event(text, intent, language, channel, metadata)]
    return Tracker(
        sender_id=sender,
        slots={"language": language, **(slots or {})},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )

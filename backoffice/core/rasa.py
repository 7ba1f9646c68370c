"""Rasa's HTTP API as the back office uses it: an external event posted into a conversation
(`trigger_intent`, `output_channel=latest`), and how to tell from Rasa's answer that the
assistant relayed it. The helpdesk's outbox and the order updates' worker share it.

A 2xx is not delivery: Rasa answers 200 when the action server is down (nothing is said). An
event is relayed when the answer's tracker holds the bot message tagged with the event's key
(`caredesk.delivery_id`); the assistant says a key only once, so posting again after an
answer was lost never tells the customer twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from caredesk_rules.order_updates import DELIVERY_ENTITY, retry_after

# The entity that carries an event's idempotency key, and the key of the bot message's
# `caredesk` mark that relays it; actions/ and channels/ read the same name.
DELIVERY_KEY = DELIVERY_ENTITY
HTTP_TIMEOUT = (3.05, 10.0)  # connect, read


@dataclass(frozen=True)
class RasaAnswer:
    ok: bool  # a 2xx
    error: str = ""
    tracker: Mapping[str, Any] | None = None  # the conversation after the event, on a 2xx
    reached: bool = True  # False when Rasa could not be reached at all (nothing was posted)
    # Seconds the customer's platform asked to wait: its rate limit outlasted the channel's own
    # retries, so the message was not sent (caredesk_rules.order_updates.rate_limited).
    retry_after: float | None = None


class RasaClient:
    """Posts one external event."""

    def __init__(self, base_url: str, token: str, timeout: tuple[float, float] = HTTP_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = requests.Session()

    def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, Any]
    ) -> RasaAnswer:
        # Rasa's routes match the raw path (Sanic does not unquote): the characters a
        # conversation id may hold (`telegram:123`) are all allowed in a path segment as is.
        path_id = quote(conversation_id, safe=":@+=")
        url = f"{self.base_url}/conversations/{path_id}/trigger_intent"
        params = {"output_channel": "latest"}
        if self.token:
            params["token"] = self.token
        try:
            body = {"name": intent, "entities": entities}
            response = self.http.post(url, params=params, json=body, timeout=self.timeout)
        except requests.ConnectionError as exc:
            return RasaAnswer(False, type(exc).__name__, reached=False)
        except requests.RequestException as exc:
            return RasaAnswer(False, type(exc).__name__)
        if not 200 <= response.status_code < 300:
            return RasaAnswer(
                False, f"HTTP {response.status_code}", retry_after=_retry_after(response)
            )
        try:
            answer = response.json()
        except ValueError:
            return RasaAnswer(False, "an answer that is not JSON")
        tracker = answer.get("tracker") if isinstance(answer, dict) else None
        return RasaAnswer(True, tracker=tracker if isinstance(tracker, dict) else None)

    def events(self, conversation_id: str) -> list[dict[str, Any]] | None:
        """The conversation's events since its last restart (Rasa's tracker), or None when
        Rasa could not tell (unreachable, an error): the caller decides nothing on a guess."""
        path_id = quote(conversation_id, safe=":@+=")
        params = {"include_events": "AFTER_RESTART"}
        if self.token:
            params["token"] = self.token
        try:
            response = self.http.get(
                f"{self.base_url}/conversations/{path_id}/tracker",
                params=params,
                timeout=self.timeout,
            )
            tracker = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else None

    def close(self) -> None:
        self.http.close()


def _retry_after(response: requests.Response) -> float | None:
    """Rasa's 500 carries the output channel's error text: a platform's persistent rate limit
    says how long to wait."""
    try:
        answer = response.json()
    except ValueError:
        return None
    message = answer.get("message") if isinstance(answer, dict) else None
    return retry_after(message) if isinstance(message, str) else None


def relayed_mark(tracker: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    """The `caredesk` mark of the bot message that relayed `key`, if the tracker has one."""
    for event in reversed((tracker or {}).get("events") or []):
        if not isinstance(event, dict) or event.get("event") != "bot":
            continue
        metadata = event.get("metadata")
        mark = metadata.get("caredesk") if isinstance(metadata, dict) else None
        if isinstance(mark, dict) and mark.get(DELIVERY_KEY) == key:
            return mark
    return None

"""What the customer's chat received, told to the helpdesk; what it missed, fetched again.

The helpdesk counts a message for the customer (an agent's reply, "an agent joined"...) as
delivered only when the customer's chat has it (backoffice/helpdesk/services/outbox.py). Such
messages carry the helpdesk's delivery id in their `caredesk` mark (`caredesk.delivery_id`).

- Messaging platforms (Telegram, Messenger, Zalo): the platform's success answer is the
  receipt. Their output channels raise when the platform refuses a message that carries a
  delivery id, so Rasa's turn fails (5xx) and the helpdesk posts the event again.
- The website widget (socket.io) confirms what it shows: `delivery_receipt` with the delivery
  ids; the channel reports them for the socket's own conversation to the helpdesk
  (`POST {HELPDESK_API_URL}/api/v1/deliveries/receipts` with `BACKOFFICE_API_KEY`), in the
  background and retried, never blocking the event loop.
- Every socket.io bot message goes out twice: as Rasa's `bot_uttered`, unchanged (standard
  clients such as rasa-webchat show only messages of exactly Rasa's shape), and as
  `caredesk_bot_uttered` with its place in the conversation in its mark: `caredesk.at` (the
  time of its bot event) and `caredesk.part` (its place among the socket messages that event
  became). `session_confirm` offers it (`"placed_event": "caredesk_bot_uttered"`): the caredesk
  widget then reads only those, keeps the latest `at` it has and, whenever it (re)connects,
  asks `missed_messages {"after": at}` for the bot messages of its conversation since then.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from rasa.shared.core.events import BotUttered

from caredesk_rules.order_updates import DELIVERY_ENTITY

logger = logging.getLogger(__name__)

DELIVERY_ID = DELIVERY_ENTITY  # the back office's name (backoffice/core/rasa.py DELIVERY_KEY)
DELIVERY_ID_FORMAT = re.compile(r"[0-9a-f]{32}")
PLACED_EVENT = "caredesk_bot_uttered"
PLACES_OFFER = {"placed_event": PLACED_EVENT}  # in session_confirm
RECEIPT_EVENT = "delivery_receipt"
MISSED_EVENT = "missed_messages"
RECEIPTS_PATH = "/api/v1/deliveries/receipts"
HELPDESK_URL_ENV = "HELPDESK_API_URL"  # the back office, as the action server names it
DEFAULT_HELPDESK_URL = "http://127.0.0.1:8000"
MAX_RECEIPT_IDS = 50  # per event, as the helpdesk accepts
MISSED_LIMIT = 50  # bot messages returned at most: the latest ones
REPORT_ATTEMPTS = 4
REPORT_BACKOFF_SECONDS = 0.5
REPORT_TIMEOUT_SECONDS = 5.0


def delivery_id_of(caredesk: Any) -> str | None:
    """The delivery id in a message's `caredesk` mark, if it has a well-formed one."""
    value = caredesk.get(DELIVERY_ID) if isinstance(caredesk, dict) else None
    return value if isinstance(value, str) and DELIVERY_ID_FORMAT.fullmatch(value) else None


def receipt_ids(data: Any) -> list[str]:
    """The well-formed delivery ids of a `delivery_receipt` event, at most MAX_RECEIPT_IDS."""
    ids = data.get("delivery_ids") if isinstance(data, dict) else None
    if not isinstance(ids, list):
        return []
    valid = [
        i for i in ids[:MAX_RECEIPT_IDS] if isinstance(i, str) and DELIVERY_ID_FORMAT.fullmatch(i)
    ]
    return list(dict.fromkeys(valid))


def missed_after(data: Any) -> float | None:
    """The `after` of a `missed_messages` event: a finite, non-negative time, else None."""
    value = data.get("after") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def stamped(payload: dict[str, Any], at: float | None, part: int) -> dict[str, Any]:
    """`payload` with its place in the conversation in its `caredesk` mark."""
    if at is None:
        return payload
    mark = payload.get("caredesk")
    return {
        **payload,
        "caredesk": {**(mark if isinstance(mark, dict) else {}), "at": at, "part": part},
    }


async def missed_messages(
    events: Sequence[Any],
    after: float,
    render: Callable[[dict[str, Any]], Awaitable[list[dict[str, Any]]]],
) -> list[dict[str, Any]]:
    """The socket messages of the bot events at or after `after` (the widget drops those it
    has), rendered by `render` exactly as they were sent; the latest MISSED_LIMIT."""
    bot = [e for e in events if isinstance(e, BotUttered) and (e.timestamp or 0) >= after]
    sent: list[dict[str, Any]] = []
    for event in bot[-MISSED_LIMIT:]:
        sent.extend(await render(event.message()))
    return sent[-MISSED_LIMIT:]


class ReceiptReporter:
    """Reports receipts to the helpdesk in background tasks; idempotent, so retried."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        base = base_url or os.environ.get(HELPDESK_URL_ENV) or DEFAULT_HELPDESK_URL
        self.url = base.rstrip("/") + RECEIPTS_PATH
        self._api_key = api_key if api_key is not None else os.environ.get("BACKOFFICE_API_KEY", "")
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:  # never show the key
        return f"ReceiptReporter(url={self.url!r})"

    def report(self, conversation_id: str, delivery_ids: list[str]) -> None:
        """Start reporting and return at once (called on the event loop)."""
        task = asyncio.get_running_loop().create_task(self._send(conversation_id, delivery_ids))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for the reports in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def close(self) -> None:
        await self.idle()
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _send(self, conversation_id: str, delivery_ids: list[str]) -> None:
        body = {"conversation_id": conversation_id, "delivery_ids": delivery_ids}
        problem = ""
        for attempt in range(REPORT_ATTEMPTS):
            if attempt:
                await asyncio.sleep(REPORT_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                async with self._client().post(
                    self.url, json=body, headers={"X-API-Key": self._api_key}
                ) as answer:
                    if answer.status < 300:
                        return
                    problem = f"HTTP {answer.status}"
                    if answer.status < 500 and answer.status != 429:
                        break  # refused (wrong key, bad ids): asking again changes nothing
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                problem = type(error).__name__
        # The helpdesk retries and the widget confirms again when it reconnects.
        logger.warning(
            "could not report %d receipt(s) to the helpdesk: %s", len(delivery_ids), problem
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REPORT_TIMEOUT_SECONDS)
            )
        return self._http

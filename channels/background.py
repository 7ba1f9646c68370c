"""Customer turns handled after the webhook has answered.

Telegram, Meta and Zalo re-send what is not acknowledged quickly, and a bot turn (NLU, actions,
the order system) can take seconds: the webhooks answer 200 as soon as a request is checked and
hand the turn to `InOrder`, which runs one customer's turns one after another (in the order they
arrived) and different customers' concurrently. A turn that fails is logged with its
traceback (never silently dropped), and the next one still runs; when the server stops, turns
still running get `DRAIN_SECONDS` to finish and any left are logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 30.0


def reference(user_id: str) -> str:
    """A stable, non-reversible reference to a customer for the logs."""
    return "u-" + hashlib.sha256(user_id.encode()).hexdigest()[:10]


class InOrder:
    """Background jobs one after another per key (a customer), concurrently across keys."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def submit(self, key: str, job: Callable[[], Awaitable[Any]]) -> None:
        previous = self._tails.get(key)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await job()
            except Exception:
                logger.exception(
                    "%s: handling a message of %s failed", self.channel, reference(key)
                )
            finally:
                if self._tails.get(key) is task:
                    del self._tails[key]

        task = asyncio.get_running_loop().create_task(run())
        self._tails[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def idle(self) -> None:
        """Until every submitted job has finished."""
        while self._running:
            await asyncio.wait(list(self._running))

    async def drain(self, seconds: float = DRAIN_SECONDS) -> None:
        """Give running jobs `seconds` to finish (the server is stopping); log what is left."""
        if not self._running:
            return
        _, pending = await asyncio.wait(list(self._running), timeout=seconds)
        if pending:
            logger.error(
                "%s: %d customer message(s) still being handled when the server stopped",
                self.channel,
                len(pending),
            )

"""The consoles' pushes across back-office processes, through Redis pub/sub.

Every process publishes each push it makes to one channel (`<prefix>agent-events`) and
subscribes to it; what it receives from another process it delivers to its own consoles
(`AgentHub.deliver`). Its own messages come back too and are skipped by their origin, since
the hub delivered them locally already: a console hears each push once, whichever process
caused it.

A Redis outage degrades, never fails a request: the hub still delivers to its own consoles;
what it could not publish is dropped (the consoles' 10 s polling and reload cover it); the
subscription reconnects with a backoff and, once back, tells its consoles to reload
(`resync`), since they may have missed pushes meanwhile. All Redis calls run on the event loop
(redis.asyncio); other threads only put messages on a bounded queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from backoffice.helpdesk.services.notifications import OVERFLOW_EVENT, AgentHub

logger = logging.getLogger(__name__)

CHANNEL = "agent-events"
OUTGOING_QUEUE_SIZE = 1000  # pushes waiting for Redis; beyond that they are dropped
RECONNECT_SECONDS = (0.2, 5.0)  # the subscription's first and longest wait between tries
READ_SECONDS = 1.0  # how long one read of the subscription waits for a message


def encode(origin: str, event: dict[str, Any], departments: frozenset[str]) -> str:
    return json.dumps({"origin": origin, "departments": sorted(departments), "event": event})


def decode(raw: bytes | str) -> tuple[str, dict[str, Any], frozenset[str]] | None:
    """(origin, event, departments), or None for a message that is not one of ours."""
    try:
        message = json.loads(raw)
        origin, event, departments = (
            message["origin"],
            message["event"],
            message["departments"],
        )
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(origin, str) or not isinstance(event, dict):
        return None
    if not isinstance(departments, list) or not all(isinstance(d, str) for d in departments):
        return None
    return origin, event, frozenset(departments)


class RedisRelay:
    """One process's end of the channel: `forward` from any thread, `start`/`stop` on the
    event loop (the app's lifespan). `client_factory(subscriber)` makes a redis.asyncio client
    (core/shared_redis.py)."""

    def __init__(self, hub: AgentHub, client_factory: Callable[[bool], Any], channel: str) -> None:
        self.hub = hub
        self.client_factory = client_factory
        self.channel = channel
        self.origin = secrets.token_hex(8)  # this process, in every message it publishes
        self.subscribed = asyncio.Event()  # set while the subscription is up (tests wait on it)
        self.dropped = 0  # pushes not published (queue full or Redis away)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outgoing: asyncio.Queue[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._publisher: Any = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._outgoing = asyncio.Queue(OUTGOING_QUEUE_SIZE)
        self._publisher = self.client_factory(False)
        self._tasks = [
            asyncio.create_task(self._publish_forever(), name="push-relay-publish"),
            asyncio.create_task(self._subscribe_forever(), name="push-relay-subscribe"),
        ]
        self.hub.relay = self

    async def stop(self) -> None:
        self.hub.relay = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await self._publisher.aclose()
            self._publisher = None

    # -- publishing ------------------------------------------------------------------------

    def forward(self, event: dict[str, Any], departments: frozenset[str]) -> None:
        """Thread-safe and never blocking: the message waits on the loop for the publisher."""
        loop = self._loop
        if loop is None:
            return
        message = encode(self.origin, event, departments)
        with contextlib.suppress(RuntimeError):  # a closed loop: the app is shutting down
            loop.call_soon_threadsafe(self._enqueue, message)

    def _enqueue(self, message: str) -> None:
        assert self._outgoing is not None
        try:
            self._outgoing.put_nowait(message)
        except asyncio.QueueFull:
            self._drop("too many pushes wait for Redis")

    async def _publish_forever(self) -> None:
        assert self._outgoing is not None
        failing = False
        while True:
            message = await self._outgoing.get()
            try:
                await self._publisher.publish(self.channel, message)
            except Exception as error:  # redis.RedisError, OSError, a timeout: all alike here
                if not failing:
                    logger.error(
                        "push relay: Redis did not take a push (%s); the other processes' "
                        "consoles reload it when they poll",
                        type(error).__name__,
                    )
                failing = True
                self._drop(None)
                continue
            if failing:
                logger.info("push relay: publishing to Redis again")
                failing = False

    def _drop(self, why: str | None) -> None:
        self.dropped += 1
        if why is not None and self.dropped % 100 == 1:
            logger.warning("push relay: %s; dropped %d so far", why, self.dropped)

    # -- receiving -------------------------------------------------------------------------

    async def _subscribe_forever(self) -> None:
        wait = RECONNECT_SECONDS[0]
        lost = False
        while True:
            client = self.client_factory(True)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                # redis-py reconnects a dropped subscription by itself (a Redis restart):
                # every connect after this first one may have missed pushes.
                pubsub.connection.register_connect_callback(self._resubscribed)
                self.subscribed.set()
                if lost:
                    self._resubscribed(None)
                    lost = False
                wait = RECONNECT_SECONDS[0]
                while True:
                    message = await pubsub.get_message(timeout=READ_SECONDS)
                    if message is not None and message.get("type") == "message":
                        self.receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.subscribed.clear()
                if not lost:
                    logger.error(
                        "push relay: the subscription to Redis failed (%s); other processes' "
                        "pushes reach the consoles here when they poll, until it is back",
                        type(error).__name__,
                    )
                lost = True
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT_SECONDS[1])

    def _resubscribed(self, _connection: Any) -> None:
        logger.info("push relay: subscribed again; the consoles here reload what they missed")
        self.hub.deliver(OVERFLOW_EVENT, None)

    def receive(self, raw: bytes | str) -> bool:
        """Deliver another process's push to the consoles here; False when skipped (ours,
        or not a push)."""
        decoded = decode(raw)
        if decoded is None:
            logger.warning("push relay: ignored a message that is not a push")
            return False
        origin, event, departments = decoded
        if origin == self.origin:
            return False  # delivered here when it was published
        self.hub.deliver(event, departments)
        return True

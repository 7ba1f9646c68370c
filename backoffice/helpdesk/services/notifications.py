"""Pushes to the agent consoles (the websocket hub).

Each process delivers to the consoles connected to it. With several back-office processes
(BACKOFFICE_WORKERS, replicas) a `relay` carries every push to the others through Redis
(services/push_relay.py), which deliver it to theirs. Every pushed event is also in the
database (transcript, handoff state; typing aside, which is ephemeral), so a console that
reconnects, or one whose process missed a push while Redis was away, reloads what it missed
over HTTP. Publishing is thread-safe: services run in FastAPI's thread pool and the delivery
worker in its own thread, while the websockets live on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)

CLIENT_QUEUE_SIZE = 500
# What a client is sent when it fell too far behind: it must reload over HTTP.
OVERFLOW_EVENT: dict[str, Any] = {"type": "resync"}


@dataclass
class _Client:
    departments: frozenset[str] | None  # None: an admin, sees every department
    queue: asyncio.Queue[dict[str, Any]]
    loop: asyncio.AbstractEventLoop

    def wants(self, departments: frozenset[str]) -> bool:
        return self.departments is None or bool(self.departments & departments)


class Relay(Protocol):
    def forward(self, event: dict[str, Any], departments: frozenset[str]) -> None:
        """Hand the push to the other processes (never blocks; may drop it)."""


class AgentHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[int, _Client] = {}
        self._ids = itertools.count(1)
        self.relay: Relay | None = None  # set while the process relays to others

    def register(
        self, departments: Iterable[str] | None, loop: asyncio.AbstractEventLoop
    ) -> tuple[int, asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(CLIENT_QUEUE_SIZE)
        scope = None if departments is None else frozenset(departments)
        with self._lock:
            client_id = next(self._ids)
            self._clients[client_id] = _Client(scope, queue, loop)
        return client_id, queue

    def unregister(self, client_id: int) -> None:
        with self._lock:
            self._clients.pop(client_id, None)

    def publish(self, event: dict[str, Any], departments: Iterable[str]) -> None:
        """To this process's consoles at once (Redis or not), and through the relay to the
        other processes' consoles."""
        scope = frozenset(departments)
        self.deliver(event, scope)
        relay = self.relay
        if relay is not None:
            relay.forward(event, scope)

    def deliver(self, event: dict[str, Any], departments: Iterable[str] | None) -> None:
        """To this process's consoles only: those of `departments` (None: every console)."""
        scope = None if departments is None else frozenset(departments)
        with self._lock:
            if scope is None:
                targets = list(self._clients.values())
            else:
                targets = [c for c in self._clients.values() if c.wants(scope)]
        for client in targets:
            with contextlib.suppress(RuntimeError):  # a closed loop: the app is shutting down
                client.loop.call_soon_threadsafe(_offer, client.queue, event)


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    try:
        queue.put_nowait(event)
    except asyncio.QueueFull:
        # A stuck console: drop what it would not read and tell it to reload.
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(OVERFLOW_EVENT)


@dataclass
class Notifier:
    """What a service does after a commit: push to consoles, wake the outbox worker."""

    hub: AgentHub | None = None
    wake_outbox: Callable[[], None] | None = None
    _events: list[tuple[dict[str, Any], frozenset[str]]] = field(default_factory=list)
    _outbox: bool = False

    def push(self, event: dict[str, Any], *departments: str) -> None:
        self._events.append((event, frozenset(departments)))

    def outbox_written(self) -> None:
        self._outbox = True

    def discard(self) -> None:
        self._events.clear()
        self._outbox = False

    def flush(self) -> None:
        events, self._events = self._events, []
        outbox, self._outbox = self._outbox, False
        if outbox and self.wake_outbox is not None:
            self.wake_outbox()
        if self.hub is not None:
            for event, departments in events:
                self.hub.publish(event, departments)

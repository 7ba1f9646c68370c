"""What the channels remember about recent traffic: redeliveries already accepted and messages
counted against the rate limits. Every Rasa replica must see the same memory, or a redelivery
sent to another replica is answered twice and a sender spreading messages over replicas gets
several allowances.

- Development (the default): in this process's memory.
- With `REDIS_HOST` (the production endpoints' lock store variables `REDIS_HOST`, `REDIS_PORT`,
  `REDIS_DB`, `REDIS_KEY_PREFIX`): in that Redis, shared by every replica. Production settings
  (`CAREDESK_ENV=production`) refuse to start without it.

A Redis that does not answer never blocks a customer: the store logs it and lets the message
through (a possible duplicate or an uncounted message rather than a lost one).
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from channels.deployment import SettingsError, is_production

logger = logging.getLogger(__name__)

REDIS_HOST_ENV = "REDIS_HOST"
REDIS_PORT_ENV = "REDIS_PORT"
REDIS_DB_ENV = "REDIS_DB"
REDIS_KEY_PREFIX_ENV = "REDIS_KEY_PREFIX"
DEFAULT_KEY_PREFIX = "caredesk"
REDIS_TIMEOUT = 1.0  # seconds: a customer's turn waits at most this long for Redis
MEMORY_KEYS = 100_000  # keys one process keeps at most (the oldest are forgotten first)


class SharedStore(Protocol):
    async def claim(self, key: str, seconds: float) -> bool:
        """True the first time `key` is claimed within `seconds`, False while it is held."""

    async def hit(self, key: str, seconds: float) -> int:
        """Count one more hit on `key` in the current window of `seconds`; the count so far."""


class MemoryStore:
    """The store of one process (development, single replica)."""

    def __init__(self, size: int = MEMORY_KEYS, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.clock = clock
        self._claims: OrderedDict[str, float] = OrderedDict()  # key -> until
        self._hits: OrderedDict[str, tuple[int, int]] = OrderedDict()  # key -> (window, count)

    @staticmethod
    def _bound(entries: OrderedDict[str, Any], size: int) -> None:
        while len(entries) > size:
            entries.popitem(last=False)

    async def claim(self, key: str, seconds: float) -> bool:
        now = self.clock()
        until = self._claims.get(key)
        if until is not None and until > now:
            return False
        self._claims[key] = now + seconds
        self._claims.move_to_end(key)
        self._bound(self._claims, self.size)
        return True

    async def hit(self, key: str, seconds: float) -> int:
        window = int(self.clock() // seconds)
        previous_window, count = self._hits.get(key, (window, 0))
        count = count + 1 if previous_window == window else 1
        self._hits[key] = (window, count)
        self._hits.move_to_end(key)
        self._bound(self._hits, self.size)
        return count


class RedisStore:
    """The store every replica shares. Claims are `SET NX` with an expiry; hits are counters per
    fixed window (`INCR`, expiring after two windows)."""

    def __init__(self, host: str, port: int = 6379, db: int = 0, prefix: str = DEFAULT_KEY_PREFIX):
        self.host, self.port, self.db = host, port, db
        self.prefix = f"{prefix}:channels:"
        self._client: Any = None

    def _redis(self) -> Any:
        if self._client is None:  # created in the server's event loop, on first use
            from redis.asyncio import Redis

            self._client = Redis(
                host=self.host,
                port=self.port,
                db=self.db,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
        return self._client

    def _unavailable(self, error: Exception, what: str) -> None:
        logger.error(
            "redis at %s:%s did not answer (%s): %s",
            self.host,
            self.port,
            type(error).__name__,
            what,
        )

    async def claim(self, key: str, seconds: float) -> bool:
        try:
            return bool(
                await self._redis().set(self.prefix + key, 1, nx=True, px=int(seconds * 1000))
            )
        except Exception as error:  # redis.RedisError, OSError, a timeout: all alike here
            self._unavailable(error, "a possible redelivery is handled again")
            return True

    async def hit(self, key: str, seconds: float) -> int:
        window = int(time.time() // seconds)
        counter = f"{self.prefix}{key}:{window}"
        try:
            async with self._redis().pipeline(transaction=True) as pipe:
                pipe.incr(counter)
                pipe.expire(counter, int(seconds * 2) + 1)
                count, _ = await pipe.execute()
            return int(count)
        except Exception as error:
            self._unavailable(error, "a message passes without being counted")
            return 0

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def store_from_environment(env: Mapping[str, str] | None = None) -> SharedStore:
    """Redis when `REDIS_HOST` is set, else memory; production settings require Redis."""
    env = os.environ if env is None else env
    host = env.get(REDIS_HOST_ENV, "").strip()
    if host:
        try:
            port = int(env.get(REDIS_PORT_ENV) or 6379)
            db = int(env.get(REDIS_DB_ENV) or 0)
        except ValueError as error:
            raise SettingsError(f"{REDIS_PORT_ENV} and {REDIS_DB_ENV} must be numbers") from error
        prefix = env.get(REDIS_KEY_PREFIX_ENV, "").strip() or DEFAULT_KEY_PREFIX
        return RedisStore(host, port, db, prefix)
    if is_production(env):
        raise SettingsError(
            f"production settings need {REDIS_HOST_ENV} (the Redis every Rasa replica shares) "
            "for rate limits and redelivery de-duplication"
        )
    return MemoryStore()


_store: SharedStore | None = None


def shared_store() -> SharedStore:
    """This process's store, made from the environment on first use."""
    global _store
    if _store is None:
        _store = store_from_environment()
        logger.info("channels remember recent traffic in %s", type(_store).__name__)
    return _store

"""The Redis the back office's processes share (REDIS_*, core/config.py): what connects to it.

Only what must be the same in every worker lives there, and only while Redis is configured:
the consoles' pushes (helpdesk/services/push_relay.py) and the typing throttle
(helpdesk/services/typing_gate.py). Everything that must survive a restart is in the database.
A Redis that does not answer never blocks a request for long (REDIS_TIMEOUT) and never fails
one: the callers degrade (the consoles poll, the throttle counts in this process).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backoffice.core.config import Settings

REDIS_TIMEOUT = 1.0  # seconds: connecting, and each command of a request
# One quick retry (a pooled connection Redis closed when it restarted), not redis-py's default
# ten with backoff: seconds per call while Redis is away, which the callers' fallbacks beat.
RETRIES = 1
CLIENT_NAME = "caredesk-backoffice"  # how these connections show in Redis's CLIENT LIST
# An idle subscription is checked this often (a PING on the same connection), so a Redis that
# went away unannounced (a network cut, not a restart) is noticed.
SUBSCRIPTION_HEALTH_SECONDS = 15


@dataclass(frozen=True)
class SharedRedis:
    host: str
    port: int
    db: int
    prefix: str  # <REDIS_KEY_PREFIX>:backoffice: every key and channel name starts with it

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def async_client(self, subscriber: bool = False, name: str = CLIENT_NAME) -> Any:
        """A redis.asyncio client for the event loop. A subscriber's reads wait as long as no
        message comes (no read timeout), with a health check instead."""
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        return Redis(
            **self._options(name),
            retry=Retry(NoBackoff(), RETRIES),
            socket_timeout=None if subscriber else REDIS_TIMEOUT,
            socket_keepalive=True,
            health_check_interval=SUBSCRIPTION_HEALTH_SECONDS if subscriber else 0,
        )

    def sync_client(self, name: str = CLIENT_NAME) -> Any:
        """A blocking client: only for worker threads (FastAPI's pool for sync routes), never
        the event loop's."""
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        return Redis(
            **self._options(name), retry=Retry(NoBackoff(), RETRIES), socket_timeout=REDIS_TIMEOUT
        )

    def _options(self, name: str) -> dict[str, Any]:
        """What both clients share (their Retry classes differ: one per library)."""
        return {
            "host": self.host,
            "port": self.port,
            "db": self.db,
            "client_name": name,
            "socket_connect_timeout": REDIS_TIMEOUT,
        }


def shared_redis(settings: Settings) -> SharedRedis | None:
    """The Redis REDIS_HOST names, or None (one process keeps it all in memory)."""
    if not settings.redis_host:
        return None
    prefix = f"{settings.redis_key_prefix}:backoffice:"
    return SharedRedis(settings.redis_host, settings.redis_port, settings.redis_db, prefix)

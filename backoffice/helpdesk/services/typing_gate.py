"""The typing throttle (caredesk_rules/typing.py) shared by every back-office process.

One process's `TypingGate` remembers what it let pass; with several workers a customer's
"typing" and its "stopped" may reach different ones (the channel's requests are spread), and
each would pass its own "typing" every interval. With Redis configured, the gate's memory is
one key per side of a conversation in Redis, decided by one Lua script (atomic, Redis's own
clock), so the rule holds across processes exactly as within one. A Redis that does not
answer degrades to this process's own gate: a signal is worth little, a slow request more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable
from typing import Any

from caredesk_rules.typing import GATE_MEMORY_SECONDS, TYPING_INTERVAL_SECONDS, TypingGate

logger = logging.getLogger(__name__)

# After Redis failed, this long in the process's own gate before asking Redis again: a Redis
# that hangs costs one request its timeout every so often, not every request.
RETRY_REDIS_SECONDS = 5.0

# KEYS[1]: the side of the conversation; ARGV: typing (1/0), interval ms, memory ms.
# The value is "<ms>:<1|0>", when the last signal that passed did and what it was.
_ALLOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local previous = redis.call('GET', KEYS[1])
local passes = false
if ARGV[1] == '1' then
  if not previous or string.sub(previous, -1) ~= '1' then
    passes = true
  else
    local at = tonumber(string.sub(previous, 1, string.find(previous, ':') - 1))
    passes = now - at >= tonumber(ARGV[2])
  end
else
  passes = previous and string.sub(previous, -1) == '1'
end
if passes then
  redis.call('SET', KEYS[1], now .. ':' .. ARGV[1], 'PX', ARGV[3])
  return 1
end
return 0
"""


def gate_key(key: Hashable) -> str:
    """A gate key (a tuple like ("customer", conversation id)) as one Redis key part."""
    parts = key if isinstance(key, tuple) else (key,)
    return ":".join(str(part) for part in parts)


class SharedTypingGate:
    """`TypingGate.allow` with its memory in Redis; blocking calls (a sync client): only from
    worker threads, as the typing routes are (FastAPI runs sync routes in its pool)."""

    def __init__(
        self,
        client: Any,
        prefix: str,
        interval: float = TYPING_INTERVAL_SECONDS,
        fallback: TypingGate | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.interval = interval
        self.fallback = fallback or TypingGate(interval)
        self._script = client.register_script(_ALLOW)
        self._failing = False
        self._retry_at = 0.0  # time.monotonic() before which Redis is not asked
        self._lock = threading.Lock()

    def allow(self, key: Hashable, typing: bool) -> bool:
        if time.monotonic() < self._retry_at:
            return self.fallback.allow(key, typing)
        try:
            passed = self._script(
                keys=[self.prefix + gate_key(key)],
                args=[
                    1 if typing else 0,
                    int(self.interval * 1000),
                    int(GATE_MEMORY_SECONDS * 1000),
                ],
            )
        except Exception as error:  # redis.RedisError, OSError, a timeout: all alike here
            self._note(error)
            return self.fallback.allow(key, typing)
        self._note(None)
        return bool(passed)

    def _note(self, error: Exception | None) -> None:
        with self._lock:
            if error is not None and not self._failing:
                logger.error(
                    "typing gate: Redis did not answer (%s); throttling in this process only",
                    type(error).__name__,
                )
            elif error is None and self._failing:
                logger.info("typing gate: Redis answers again")
            self._failing = error is not None
            self._retry_at = time.monotonic() + RETRY_REDIS_SECONDS if self._failing else 0.0

    def close(self) -> None:
        self.client.close()

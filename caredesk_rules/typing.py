"""How often a typing signal may pass, for every process that relays one (a live chat's
"is typing…" both ways: backoffice/helpdesk/services/typing.py, channels/typing.py).

A signal is "typing" (true) or "stopped" (false), never what is typed. Per key (a side of a
conversation, a chat on a platform): a "typing" passes at most once every `interval` seconds,
a "stopped" only after a "typing" that passed, so a client that sends more is held back and a
flood reaches nobody. The clients send less on their own (the widget and the console: one
"typing" every 2.5 s while keys are pressed, "stopped" after 5 s without one); whoever shows
the signal drops it TYPING_SHOWN_SECONDS after the last "typing".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

TYPING_INTERVAL_SECONDS = 2.0  # a side of a conversation, between the widget and the consoles
# Telegram shows its "typing…" for 5 s (sendChatAction); Messenger's typing_on for 20 s.
PLATFORM_TYPING_INTERVAL_SECONDS = 4.5
TYPING_SHOWN_SECONDS = 8.0  # the widget and the console hide it this long after the last one
GATE_MEMORY_SECONDS = 60.0  # a key quiet this long is forgotten
GATE_MAX_KEYS = 10_000  # and a gate never remembers more keys than this


class TypingGate:
    """Which signals pass (module docstring). Thread-safe; forgets quiet keys."""

    def __init__(
        self,
        interval: float = TYPING_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._last: dict[Hashable, tuple[float, bool]] = {}  # key -> (when, typing)

    def allow(self, key: Hashable, typing: bool) -> bool:
        now = self.clock()
        with self._lock:
            previous = self._last.get(key)
            if typing:
                passes = previous is None or not previous[1] or now - previous[0] >= self.interval
            else:
                passes = previous is not None and previous[1]
            if passes:
                self._last.pop(key, None)  # re-inserted last: the dict stays oldest first
                self._last[key] = (now, typing)
                self._forget_quiet(now)
            return passes

    def _forget_quiet(self, now: float) -> None:
        if len(self._last) < GATE_MAX_KEYS // 2:
            return
        for key, (at, _) in list(self._last.items()):
            if now - at > GATE_MEMORY_SECONDS:
                del self._last[key]
        while len(self._last) > GATE_MAX_KEYS:  # a flood of keys: the oldest go
            del self._last[next(iter(self._last))]

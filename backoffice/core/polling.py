"""A background thread that does one round of work every few seconds, or at once when woken:
the life cycle the outboxes' delivery workers share (never the event loop's thread)."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class PollingThread:
    """Runs `work_round()` every `poll_seconds`, or when `wake()` is called, until `stop()`;
    an exception in a round is logged and the next round runs (a database or network hiccup
    must not end the work for good). Subclasses name the thread and do the round."""

    thread_name = "polling"

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def work_round(self) -> None:
        raise NotImplementedError

    def closed(self) -> None:
        """After the thread has stopped: release what the rounds used (a client, ...)."""

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.closed()

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        logger.info("%s started (poll %.2fs)", self.thread_name, self.poll_seconds)
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.work_round()
            except Exception:
                logger.exception("%s: a round failed; retrying", self.thread_name)
            self._wake.wait(self.poll_seconds)
        logger.info("%s stopped", self.thread_name)

"""The polling thread the outboxes' workers share: rounds on its own and when woken, survives a
failing round, and releases what it used when stopped."""

from __future__ import annotations

import threading
import time

from backoffice.core.polling import PollingThread


class Counting(PollingThread):
    thread_name = "counting-test"

    def __init__(self, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.rounds = 0
        self.closed_calls = 0
        self.went = threading.Event()

    def work_round(self) -> None:
        self.rounds += 1
        self.went.set()
        if self.rounds == 1:
            raise RuntimeError("a database hiccup")

    def closed(self) -> None:
        self.closed_calls += 1


def test_rounds_run_when_woken_after_a_failing_one_and_stop_releases() -> None:
    worker = Counting(poll_seconds=60)  # only a wake can cause a second round in time
    worker.start()
    worker.start()  # a second start is a no-op
    assert worker.went.wait(5) and worker.running
    worker.went.clear()
    worker.wake()
    assert worker.went.wait(5)  # the first round raised; the thread still runs
    assert worker.rounds == 2
    began = time.monotonic()
    worker.stop()
    assert time.monotonic() - began < 5  # stop wakes the wait
    assert not worker.running and worker.closed_calls == 1

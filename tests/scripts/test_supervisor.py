"""The production topology's supervisor (scripts/supervisor.py) on tiny real processes: a killed
process comes back with a new pid, backoff grows, prestart commands run once, and a process
that keeps dying makes the supervisor give up and stop the rest."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from devstack.processes import free_port
from scripts.stack import ProcessSpec
from scripts.supervisor import GaveUp, RestartPolicy, Supervisor, healthy

FAST = RestartPolicy(first_delay=0.2, max_delay=1.0, give_up_after=3, stable_after=30.0)


def server(name: str, port: int) -> ProcessSpec:
    return ProcessSpec(
        name,
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        f"http://127.0.0.1:{port}/",
    )


def until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_killed_process_is_started_again_and_the_others_keep_running(tmp_path: Path) -> None:
    lines: list[str] = []
    marker = tmp_path / "migrated"
    one, two = server("one", free_port()), server("two", free_port())
    one.prestart = [[sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x')"]]
    supervisor = Supervisor([one, two], dict(os.environ), tmp_path, tmp_path, FAST, lines.append)
    try:
        supervisor.start()
        assert supervisor.wait_healthy(15) == []
        first = int((tmp_path / "pids" / "one.pid").read_text())
        other = int((tmp_path / "pids" / "two.pid").read_text())
        os.kill(first, signal.SIGKILL)

        def restarted() -> bool:
            supervisor.tick()
            pid = int((tmp_path / "pids" / "one.pid").read_text())
            return pid != first and healthy(one.health_url)

        until(restarted)
        assert int((tmp_path / "pids" / "two.pid").read_text()) == other
        assert healthy(two.health_url)
        assert marker.read_text() == "x"  # the prestart step ran once, not on the restart
        log = "\n".join(lines)
        assert "one exited with -9" in log and "restart 1/3 in 0.2 s" in log
    finally:
        supervisor.stop()
    assert not healthy(one.health_url) and not healthy(two.health_url)
    assert not (tmp_path / "pids" / "one.pid").exists()


def test_a_process_that_keeps_dying_is_given_up_and_the_rest_stopped(tmp_path: Path) -> None:
    lines: list[str] = []
    crashing = ProcessSpec("crashing", [sys.executable, "-c", "raise SystemExit(3)"], "")
    steady = server("steady", free_port())
    supervisor = Supervisor(
        [steady, crashing], dict(os.environ), tmp_path, tmp_path, FAST, lines.append
    )
    supervisor.start()
    until(lambda: healthy(steady.health_url))
    started = time.monotonic()
    assert supervisor.run(interval=0.05) == 1  # GaveUp inside, everything stopped
    # Three restarts waited 0.2, 0.4 and 0.8 s.
    assert time.monotonic() - started >= 1.4
    log = "\n".join(lines)
    assert "restart 3/3 in 0.8 s" in log and "giving up" in log
    assert log.count("started crashing") == 4
    assert not healthy(steady.health_url)


def test_backoff_doubles_up_to_the_limit() -> None:
    policy = RestartPolicy(first_delay=1, max_delay=30)
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_failed_prestart_starts_nothing(tmp_path: Path) -> None:
    spec = server("one", free_port())
    spec.prestart = [[sys.executable, "-c", "raise SystemExit(1)"]]
    supervisor = Supervisor([spec], dict(os.environ), tmp_path, tmp_path, FAST, lambda _: None)
    with pytest.raises(GaveUp):
        supervisor.start()
    assert supervisor.children[0].process is None

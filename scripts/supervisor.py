"""A supervisor for the production topology (scripts/production.py): a process that dies is
started again, with a growing delay, and given up on when it keeps dying.

`make run` (scripts/stack.py) stops everything when one process dies, which suits a developer's
terminal; a deployment wants the crashed replica back while the others keep serving. Each
process's prestart commands (the back office's migrations) run once, before its first start,
never on a restart. Every start writes `<run_dir>/pids/<name>.pid`; each process writes its
output to `<run_dir>/logs/<name>.log`; the supervisor's own lines (starts, exits, restarts,
give-ups) go to its standard output with a UTC time.

Restart policy: the first restart waits `first_delay`, each following one twice as long, up to
`max_delay`; a run that lasted `stable_after` seconds resets the count. After `give_up_after`
restarts in a row that did not last, the supervisor stops everything and exits 1, so that the
init system above it (systemd, a container runtime) sees the failure instead of a half-running
deployment.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from scripts.stack import ProcessSpec

# prctl(2): the signal a child gets when the thread that started it dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Runs in the child before exec: a killed supervisor (or test run) leaves no process
    behind. Start children from a thread that lives as long as they should (the main one)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    give_up_after: int = 5
    stable_after: float = 60.0

    def delay(self, restarts: int) -> float:
        """Seconds to wait before restart number `restarts` (1, 2, ...)."""
        return float(min(self.max_delay, self.first_delay * 2 ** (restarts - 1)))


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (local URL)
            return bool(response.status < 500)
    except OSError:
        return False


@dataclass
class Child:
    spec: ProcessSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0  # in a row, each run shorter than the policy's stable_after
    restart_at: float | None = None  # when a scheduled restart is due
    log: IO[bytes] | None = field(default=None, repr=False)


class GaveUp(RuntimeError):
    """A process kept dying: the supervisor stops everything."""


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        env: Mapping[str, str],
        run_dir: Path,
        cwd: Path,
        policy: RestartPolicy = RestartPolicy(),
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.children = [Child(spec) for spec in specs]
        self.env = dict(env)
        self.cwd = cwd
        self.policy = policy
        self.pids = run_dir / "pids"
        self.logs = run_dir / "logs"
        self._say = say or (lambda line: print(line, flush=True))
        self.stopping = False

    def say(self, message: str) -> None:
        self._say(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} supervisor: {message}")

    # -- starting --------------------------------------------------------------------------------

    def start(self) -> None:
        """Every prestart command, then every process (in the given order, without waiting)."""
        self.pids.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        for child in self.children:
            for step in child.spec.prestart:
                self.say(f"{child.spec.name}: {' '.join(step[1:])}")
                done = subprocess.run(
                    step, env={**self.env, **child.spec.env}, cwd=self.cwd, check=False
                )
                if done.returncode:
                    raise GaveUp(f"{child.spec.name}: {' '.join(step[1:])} failed")
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        if child.log is None:
            child.log = (self.logs / f"{child.spec.name}.log").open("ab")
        child.process = subprocess.Popen(
            child.spec.argv,
            env={**self.env, **child.spec.env},
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=child.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers share its group: stopped together
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        (self.pids / f"{child.spec.name}.pid").write_text(f"{child.process.pid}\n")
        self.say(f"started {child.spec.name} (pid {child.process.pid})")

    def wait_healthy(self, timeout: float) -> list[str]:
        """Polls every process's health URL until all answer or `timeout`; the ones that did
        not. Dead processes are restarted meanwhile."""
        pending = {child.spec.name: child.spec.health_url for child in self.children}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline and not self.stopping:
            self.tick()
            for name, url in list(pending.items()):
                if healthy(url):
                    self.say(f"{name} is up: {url}")
                    del pending[name]
            time.sleep(0.5)
        return sorted(pending)

    # -- watching --------------------------------------------------------------------------------

    def tick(self) -> None:
        """Notice exits, schedule restarts, start the ones that are due; GaveUp at the limit."""
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._spawn(child)
                continue
            if process is None or process.poll() is None:
                continue
            lasted = now - child.started_at
            if lasted >= self.policy.stable_after:
                child.restarts = 0
            child.restarts += 1
            # What the process left (its workers share its group).
            _signal_group(process.pid, signal.SIGKILL)
            if child.restarts > self.policy.give_up_after:
                self.say(
                    f"{child.spec.name} exited with {process.returncode} after {lasted:.1f} s; "
                    f"{self.policy.give_up_after} restarts did not hold: giving up"
                )
                raise GaveUp(f"{child.spec.name} keeps exiting")
            delay = self.policy.delay(child.restarts)
            child.restart_at = now + delay
            self.say(
                f"{child.spec.name} exited with {process.returncode} after {lasted:.1f} s; "
                f"restart {child.restarts}/{self.policy.give_up_after} in {delay:g} s "
                f"(log: {self.logs / (child.spec.name + '.log')})"
            )

    def run(self, interval: float = 0.5) -> int:
        """Until SIGTERM / SIGINT (0) or a give-up (1); everything is stopped either way."""
        try:
            while not self.stopping:
                self.tick()
                time.sleep(interval)
            return 0
        except GaveUp:
            return 1
        finally:
            self.stop()

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to every process group, last started first; SIGKILL what is left."""
        self.stopping = True
        running = [c for c in reversed(self.children) if c.process is not None]
        if running:
            self.say("stopping " + ", ".join(child.spec.name for child in running))
        for child in running:
            assert child.process is not None
            if child.process.poll() is None:
                _signal_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running:
            assert child.process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(child.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=5)
            (self.pids / f"{child.spec.name}.pid").unlink(missing_ok=True)
            if child.log is not None:
                child.log.close()
                child.log = None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # start_new_session=True: the group id is the child's pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)

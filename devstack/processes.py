"""Run one of our services as a real subprocess for a test, and always clean it up.

Generic on purpose (back office, Rasa server, action server...): give it a command, an
environment and a health URL; it picks a free port when asked, waits until the URL answers
with a 2xx and reports the process output when the service dies or never becomes healthy.

    with running_service(
        "backoffice",
        [str(BACKOFFICE_PYTHON), "-m", "backoffice"],
        env={"BACKOFFICE_PORT": "{port}"},
        health_url="http://127.0.0.1:{port}/health",
    ) as svc:
        requests.get(svc.url("/health"))
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scripts.supervisor import die_with_parent

REPO_ROOT = Path(__file__).resolve().parents[1]


class ServiceStartError(RuntimeError):
    """The service exited or never answered its health URL; the message carries its output."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the OS may hand it out again, rarely)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    name: str
    command: list[str]
    port: int
    host: str
    health_url: str
    process: subprocess.Popen[bytes]
    log_file: IO[bytes] = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def output(self, tail: int = 200) -> str:
        """The last `tail` lines the process wrote to stdout and stderr."""
        self.log_file.flush()
        text = Path(self.log_file.name).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-tail:])

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, SIGKILL what is left after `timeout`; return the exit code."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        # The children of a service (workers, model loaders) share its process group.
        _signal_group(self.process, signal.SIGKILL)
        if not self.log_file.closed:
            self.log_file.close()
        return self.process.returncode

    def cleanup(self) -> None:
        self.stop()
        Path(self.log_file.name).unlink(missing_ok=True)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # start_new_session=True: the group id is our child's pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - test URL
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_service(
    name: str,
    command: Sequence[str],
    *,
    health_url: str,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    cwd: str | Path = REPO_ROOT,
    inherit_env: bool = True,
    startup_timeout: float = 60.0,
    poll_interval: float = 0.1,
    prestart: Sequence[Sequence[str]] = (),
) -> ServiceProcess:
    """Start `command` and wait for `health_url` to answer 2xx.

    "{port}" and "{host}" in the command, env values and health URL are replaced by the port
    (a free one unless given) and host, so callers need not know the port in advance.
    `prestart` commands run first, to completion, with the same environment (the back office's
    `migrate`); one that fails stops the start.
    """
    port = port or free_port(host)

    def fill(text: str) -> str:
        return text.replace("{port}", str(port)).replace("{host}", host)

    full_env = dict(os.environ) if inherit_env else {"PATH": os.environ.get("PATH", "")}
    full_env.update({key: fill(value) for key, value in (env or {}).items()})
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    for step in prestart:
        step_argv = [fill(part) for part in step]
        done = subprocess.run(
            step_argv,
            cwd=str(cwd),
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=startup_timeout,
            check=False,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode("utf-8", "replace")
            raise ServiceStartError(
                f"{name}: {' '.join(step_argv)} exited with code {done.returncode}.\n"
                f"--- output ---\n{output}"
            )
    argv = [fill(part) for part in command]
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the service
        prefix=f"{name}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        argv,
        cwd=str(cwd),
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
    )
    service = ServiceProcess(name, argv, port, host, fill(health_url), process, log_file)
    deadline = time.monotonic() + startup_timeout
    while True:
        if process.poll() is not None:
            output = service.output()
            service.cleanup()
            raise ServiceStartError(
                f"{name} exited with code {process.returncode} before it became healthy.\n"
                f"command: {' '.join(argv)}\n--- output ---\n{output}"
            )
        if _answers(service.health_url, timeout=min(2.0, startup_timeout)):
            return service
        if time.monotonic() > deadline:
            output = service.output()
            service.cleanup()
            raise ServiceStartError(
                f"{name} did not answer {service.health_url} within {startup_timeout:.0f}s.\n"
                f"command: {' '.join(argv)}\n--- output ---\n{output}"
            )
        time.sleep(poll_interval)


@contextmanager
def running_service(name: str, command: Sequence[str], **kwargs: Any) -> Iterator[ServiceProcess]:
    """Context-manager form of `start_service`; stops the service (and its group) on exit."""
    service = start_service(name, command, **kwargs)
    try:
        yield service
    finally:
        service.cleanup()

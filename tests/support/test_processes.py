"""The process helper is shared by every integration test, so its failure modes are tested too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from devstack.processes import ServiceStartError, free_port, running_service

HTTP_SERVER = [sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"]


def test_starts_waits_and_stops(tmp_path: object) -> None:
    with running_service(
        "http-server", HTTP_SERVER, health_url="http://127.0.0.1:{port}/"
    ) as service:
        with urllib.request.urlopen(service.url("/"), timeout=5) as response:  # noqa: S310
            assert response.status == 200
        assert service.is_running()
        process = service.process
    assert process.poll() is not None


def test_early_exit_reports_the_output() -> None:
    command = [sys.executable, "-c", "import sys; print('boom: missing setting'); sys.exit(3)"]
    with (
        pytest.raises(ServiceStartError, match="exited with code 3") as caught,
        running_service("crasher", command, health_url="http://127.0.0.1:{port}/"),
    ):
        pass
    assert "boom: missing setting" in str(caught.value)


def test_never_healthy_times_out_and_is_killed() -> None:
    command = [sys.executable, "-c", "import time; print('sleeping', flush=True); time.sleep(60)"]
    with (
        pytest.raises(ServiceStartError, match="did not answer") as caught,
        running_service(
            "sleeper",
            command,
            health_url=f"http://127.0.0.1:{free_port()}/",
            startup_timeout=1.0,
        ),
    ):
        pass
    assert "sleeping" in str(caught.value)


def test_env_values_get_the_port() -> None:
    command = [sys.executable, "-c", "import os, sys; print(os.environ['MY_PORT']); sys.exit(1)"]
    with (
        pytest.raises(ServiceStartError) as caught,
        running_service(
            "echo", command, env={"MY_PORT": "port={port}"}, port=45678, health_url="http://x/"
        ),
    ):
        pass
    assert "port=45678" in str(caught.value)


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's prctl")
def test_a_service_dies_with_the_process_that_started_it() -> None:
    """A test run killed with SIGKILL runs no clean-up; its services must not live on."""
    starter = (
        "import sys, time\n"
        "from devstack.processes import start_service\n"
        f"service = start_service('http-server', {HTTP_SERVER!r}, "
        "health_url='http://127.0.0.1:{port}/')\n"
        "print(service.process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # running
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(child, signal.SIGKILL)
        pytest.fail("the service outlived the process that started it")
    finally:
        if parent.poll() is None:
            parent.kill()

"""Rasa's own `rasa init` bot, trained and served from the Rasa venv: the yardstick the load
bench (bench/load.py) measures caredesk against, on the same machine in the same run.

The project `rasa init --no-prompt` writes (and trains, about a minute) is kept under
`var/cache/rasa-init-<Rasa version>/`, so later runs reuse it; another Rasa version trains its
own. It is served as the stock bot is: `rasa run --enable-api`, one Sanic worker, in-memory
tracker and lock stores, no action server (the stock bot needs none), with Rasa's `rest` and
`socketio` channels in its credentials.yml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack.processes import REPO_ROOT, ServiceProcess, running_service
from scripts.stack import RASA_PYTHON

CACHE = REPO_ROOT / "var" / "cache"
# Rasa's stock channels, named as Rasa names them; the socket.io events are the ones Rasa's
# docs and rasa-webchat use, with session persistence as the caredesk widget relies on.
CREDENTIALS = """\
rest:

socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""
ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
TRAIN_TIMEOUT = 900  # seconds: about one minute on an idle 2-core machine


def rasa_version() -> str:
    """The Rasa of the venv the stock bot runs on (not necessarily this process's)."""
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", "from importlib.metadata import version; print(version('rasa'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def stock_project(cache: Path = CACHE) -> Path:
    """The trained `rasa init` project for this venv's Rasa, created on first use."""
    project = cache / f"rasa-init-{rasa_version()}"
    if any((project / "models").glob("*.tar.gz")):
        return project
    cache.mkdir(parents=True, exist_ok=True)
    # Built beside its final place and renamed: an interrupted run leaves no half project.
    building = Path(tempfile.mkdtemp(prefix="rasa-init-", dir=cache))
    try:
        done = subprocess.run(
            [str(RASA_PYTHON), "-m", "rasa", "init", "--no-prompt", "--init-dir", "."],
            cwd=building,
            env={**os.environ, **ENV},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=TRAIN_TIMEOUT,
        )
        if done.returncode != 0 or not any((building / "models").glob("*.tar.gz")):
            output = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise RuntimeError(f"`rasa init --no-prompt` failed ({done.returncode}):\n{output}")
        shutil.rmtree(building / ".rasa", ignore_errors=True)  # the training cache: not needed
        (building / "credentials.yml").write_text(CREDENTIALS, encoding="utf-8")
        shutil.rmtree(project, ignore_errors=True)
        building.rename(project)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return project


@contextmanager
def running_stock_bot(project: Path | None = None) -> Iterator[ServiceProcess]:
    """The stock bot answering on a free port of 127.0.0.1 (REST and socket.io)."""
    project = project or stock_project()
    command = [
        str(RASA_PYTHON),
        "-m",
        "rasa",
        "run",
        "--enable-api",
        "--model",
        "models",
        "--interface",
        "{host}",
        "--port",
        "{port}",
        "--credentials",
        "credentials.yml",
        "--endpoints",
        "endpoints.yml",
    ]
    with running_service(
        "stock-rasa",
        command,
        cwd=project,
        env=ENV,
        health_url="http://{host}:{port}/",
        startup_timeout=240,
    ) as service:
        yield service

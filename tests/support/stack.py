"""Starts the action server and the Rasa server for real, as `make run` does, on free ports."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.backoffice import Backoffice, running_backoffice
from tests.support.processes import REPO_ROOT, ServiceProcess, start_service

MODEL = REPO_ROOT / "models" / "caredesk.tar.gz"
BIN = Path(sys.executable).parent
TOKEN = "test-token-not-secret"


@dataclass
class Stack:
    rasa: ServiceProcess
    actions: ServiceProcess
    backoffice: Backoffice
    token: str = TOKEN

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        """One customer message over the REST channel; the bot's replies."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        response = requests.post(self.rasa.url("/webhooks/rest/webhook"), json=body, timeout=60)
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            self.rasa.url(f"/conversations/{sender}/tracker"),
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()
        return dict(response.json())


def write_endpoints(directory: Path, actions_url: str, extra: str = "") -> Path:
    path = directory / "endpoints.yml"
    path.write_text(f'action_endpoint:\n  url: "{actions_url}/webhook"\n{extra}', encoding="utf-8")
    return path


@contextmanager
def running_stack(
    endpoints_template: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Back office (SQLite), action server, then Rasa (REST + socket.io, HTTP API with a token)
    on the trained model."""
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make train` (make test does)")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        backoffice = stack.enter_context(
            running_backoffice(f"sqlite:///{Path(tmp) / 'backoffice.db'}", "sqlite")
        )
        actions = start_service(
            "actions",
            [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", "{port}"],
            env={
                "SANIC_HOST": "127.0.0.1",
                "ORDERS_API_URL": backoffice.base_url,
                "BACKOFFICE_API_KEY": backoffice.api_key,
                **(env or {}),
            },
            health_url="http://127.0.0.1:{port}/health",
            startup_timeout=120,
        )
        stack.callback(actions.cleanup)
        if endpoints_template is None:
            endpoints = write_endpoints(Path(tmp), actions.base_url)
        else:
            endpoints = Path(tmp) / "endpoints.yml"
            endpoints.write_text(endpoints_template.read_text(encoding="utf-8"), encoding="utf-8")
        rasa = start_service(
            "rasa",
            [
                str(BIN / "rasa"),
                "run",
                "--enable-api",
                "--auth-token",
                TOKEN,
                "--model",
                str(MODEL),
                "--interface",
                "127.0.0.1",
                "--port",
                "{port}",
                "--credentials",
                str(REPO_ROOT / "credentials.yml"),
                "--endpoints",
                str(endpoints),
            ],
            env={"ACTION_ENDPOINT_URL": actions.base_url + "/webhook", **(env or {})},
            health_url="http://127.0.0.1:{port}/status?token=" + TOKEN,
            startup_timeout=240,
        )
        stack.callback(rasa.cleanup)
        yield Stack(rasa=rasa, actions=actions, backoffice=backoffice)

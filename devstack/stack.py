"""Starts the whole system for real, as `make run` does, on free ports: the back office (order
system and helpdesk, SQLite), the action server and the Rasa server on the trained model."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from devstack.backoffice import (
    AGENT_PASSWORD_ENV,
    API_KEY,
    KNOWLEDGE_FILE,
    WITHOUT_PRESENCE_ENV,
    Backoffice,
    write_departments_file,
)
from devstack.processes import REPO_ROOT, ServiceProcess, free_port, start_service
from scripts.stack import ProcessSpec, specs

MODEL = REPO_ROOT / "models" / "caredesk.tar.gz"
TOKEN = "test-token-not-secret"
# The secret the demo shop (back office) and the chat (Rasa) share to sign the shop's customer.
SHOP_SECRET = "shop-secret-for-tests"
ACTION_TOKEN = "action-token-for-tests-not-secret"
# Secrets the processes read from their environment (never from their command line).
SECRETS = {"RASA_AUTH_TOKEN": TOKEN, "ACTION_SERVER_TOKEN": ACTION_TOKEN}
# Every test speaks from 127.0.0.1 and bad-input corpora send hundreds of messages a minute: the
# rate limits are counted but out of reach here. tests/security/test_channel_limits.py runs its
# own stack with tight ones.
TEST_RATES = {"CAREDESK_SENDER_RATE": "600/60", "CAREDESK_CLIENT_RATE": "6000/60"}


# The assistant's "Did you mean …?" (domain/fallback.yml utter_ask_affirmation), in both languages.
CLARIFYING = ("Did you mean", "Có phải ý bạn là")


def is_clarifying(text: str) -> bool:
    """Whether the assistant, unsure, asked what the customer meant."""
    return any(question in text for question in CLARIFYING)


@dataclass
class Stack:
    rasa: ServiceProcess
    actions: ServiceProcess
    backoffice: Backoffice
    backoffice_env: dict[str, str]
    actions_env: dict[str, str] = field(default_factory=dict)
    token: str = TOKEN
    on_actions_restart: Callable[[ServiceProcess], None] | None = None
    # A port whose origin browsers may open Rasa from, besides the back office: a test's own
    # page (the rasa-webchat test) serves there.
    page_port: int = 0

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        """One customer message over the REST channel; the bot's replies."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        response = requests.post(self.rasa.url("/webhooks/rest/webhook"), json=body, timeout=60)
        response.raise_for_status()
        return list(response.json())

    def say_sure(self, sender: str, text: str) -> list[dict]:
        """Like `say`, but answers "yes" when the assistant, unsure, asks "did you mean ...?"
        (for tests about what follows, not about the NLU's confidence)."""
        replies = self.say(sender, text)
        pending = self.tracker(sender)["slots"].get("clarification")
        if isinstance(pending, dict) and pending.get("intent"):
            return self.say(sender, "/affirm")
        return replies

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            self.rasa.url(f"/conversations/{sender}/tracker"),
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()
        return dict(response.json())

    def wait_turn(self, sender: str, message_id: str, timeout: float = 60) -> None:
        """Until the conversation holds the user message `message_id`: Rasa saves a tracker
        once its turn is over, so every reply has been sent by then. For channels whose
        webhooks answer before the turn (Telegram, Messenger, Zalo)."""
        deadline = time.monotonic() + timeout
        while not any(
            event["event"] == "user" and event.get("message_id") == message_id
            for event in self.tracker(sender)["events"]
        ):
            assert time.monotonic() < deadline, f"{sender}: no turn for {message_id}"
            time.sleep(0.1)

    def reset(self) -> None:
        """Fresh demo orders and agents; the running processes stay (the stack is shared)."""
        self.backoffice.reset()

    def lift_verification_locks(self) -> None:
        """Forgets every failed verification: the limits hold across conversations, so a test
        that locks an order on purpose lifts the lock for the tests that share the stack."""
        with self.backoffice.engine.begin() as connection:
            connection.execute(text("DELETE FROM verification_failures"))

    def restart_actions(self) -> None:
        """Stop the action server and start it again on the same port (a deploy, a crash)."""
        self.stop_actions()
        self.start_actions()

    def stop_actions(self) -> None:
        """The action server goes down (start_actions brings it back on the same port)."""
        self.actions.stop()

    def start_actions(self) -> None:
        self.actions.cleanup()
        self.actions = start_service(
            "actions",
            self.actions.command,
            env=self.actions_env,
            port=self.actions.port,
            health_url=self.actions.health_url,
            startup_timeout=120,
        )
        if self.on_actions_restart is not None:
            self.on_actions_restart(self.actions)

    def restart_backoffice(self) -> None:
        """Stop the back office and start it again on the same port and database."""
        self.backoffice.service.stop()
        self.backoffice.service = start_backoffice(
            self.backoffice_env, self.backoffice.service.port
        )


def start_backoffice(env: dict[str, str], port: int) -> ServiceProcess:
    """`env` names the Rasa server (RASA_URL) and the settings (production ones seed no demo
    data): the ports given here are the back office's only."""
    spec = launch_specs(env, port, 0, 0)["backoffice"]
    return start_service(
        "backoffice",
        spec.argv,
        env={**spec.env, **env},
        port=port,
        health_url=spec.health_url,
        startup_timeout=60,
        prestart=spec.prestart,
    )


def launch_specs(
    env: dict[str, str],
    backoffice_port: int,
    actions_port: int,
    rasa_port: int,
    endpoints: Path = REPO_ROOT / "endpoints.yml",
    credentials: Path = REPO_ROOT / "credentials.yml",
    model: Path = MODEL,
) -> dict[str, ProcessSpec]:
    """The command lines `make run` uses (scripts/stack.py), on the given ports."""
    return {
        spec.name: spec
        for spec in specs(
            env,
            model,
            rasa_port=rasa_port,
            actions_port=actions_port,
            backoffice_port=backoffice_port,
            endpoints=endpoints,
            credentials=credentials,
        )
    }


@contextmanager
def running_stack(
    endpoints_template: Path | None = None,
    env: dict[str, str] | None = None,
    credentials: Path = REPO_ROOT / "credentials.yml",
    event_broker: bool = False,
    model: Path = MODEL,
) -> Iterator[Stack]:
    """`credentials` lets a channel test add its connector (pointed at a local fake);
    `event_broker` gives Rasa the SQL event broker of `make run` (endpoints.yml), on a file of
    this stack's own, which the back office reads for the analytics; `model` lets a bench
    compare two trained models on the same system."""
    if not model.exists():
        raise RuntimeError(f"{model} is missing: run `make train` (make test does)")
    extra = {"CAREDESK_SHOP_SECRET": SHOP_SECRET, **SECRETS, **TEST_RATES, **(env or {})}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        backoffice_port, actions_port, rasa_port = free_port(), free_port(), free_port()
        page_port = free_port()
        if "CAREDESK_ALLOWED_ORIGINS" not in extra:
            extra = {
                **extra,
                "CAREDESK_ALLOWED_ORIGINS": ",".join(
                    f"http://127.0.0.1:{port}" for port in (backoffice_port, page_port)
                ),
            }
        endpoints = Path(tmp) / "endpoints.yml"
        # Never the repository's var/rasa_events.db (a developer's `make run`): this stack's.
        events_db = Path(tmp) / "rasa_events.db"
        if endpoints_template is None:
            endpoints.write_text(
                "action_endpoint:\n"
                f'  url: "http://127.0.0.1:{actions_port}/webhook"\n'
                "  headers:\n"
                "    Authorization: Bearer ${ACTION_SERVER_TOKEN}\n"  # plain: Rasa fills it
                + (
                    f"event_broker:\n  type: SQL\n  dialect: sqlite\n  db: {events_db}\n"
                    if event_broker
                    else ""
                ),
                encoding="utf-8",
            )
        else:
            endpoints.write_text(endpoints_template.read_text(encoding="utf-8"), encoding="utf-8")
        launch = launch_specs(
            extra, backoffice_port, actions_port, rasa_port, endpoints, credentials, model
        )
        # Every team open around the clock except marketing (closed all day): no test depends
        # on the hour it runs at.
        departments = write_departments_file(Path(tmp) / "departments.yml")
        database_url = f"sqlite:///{Path(tmp) / 'backoffice.db'}"
        backoffice_env = {
            "BACKOFFICE_DATABASE_URL": database_url,
            "BACKOFFICE_API_KEY": API_KEY,
            "KNOWLEDGE_FILE": str(KNOWLEDGE_FILE),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{backoffice_port}",
            "RASA_URL": f"http://127.0.0.1:{rasa_port}",
            **AGENT_PASSWORD_ENV,
            "HELPDESK_DEPARTMENTS_FILE": str(departments),
            **WITHOUT_PRESENCE_ENV,
            "ANALYTICS_EVENTS_URL": f"sqlite:///{events_db}",
            **extra,
        }
        service = start_backoffice(backoffice_env, backoffice_port)
        engine = create_engine(database_url)
        backoffice = Backoffice("sqlite", service, database_url, API_KEY, engine, backoffice_env)
        stack.callback(lambda: backoffice.service.cleanup())
        stack.callback(engine.dispose)
        actions_env = {**launch["actions"].env, "BACKOFFICE_API_KEY": API_KEY, **extra}
        actions = start_service(
            "actions",
            launch["actions"].argv,
            env=actions_env,
            port=actions_port,
            health_url=launch["actions"].health_url,
            startup_timeout=120,
        )
        # The action server may be restarted (Stack.restart_actions): stop whichever runs last.
        current = [actions]
        stack.callback(lambda: current[-1].cleanup())
        rasa = start_service(
            "rasa",
            launch["rasa"].argv,
            port=rasa_port,
            env={
                **launch["rasa"].env,
                "ACTION_ENDPOINT_URL": actions.base_url + "/webhook",
                "BACKOFFICE_API_KEY": API_KEY,  # the socket.io channel reports receipts
                **extra,
            },
            health_url=f"http://127.0.0.1:{rasa_port}/status?token={TOKEN}",
            startup_timeout=240,
        )
        stack.callback(rasa.cleanup)
        running = Stack(rasa, actions, backoffice, backoffice_env, actions_env, page_port=page_port)
        running.on_actions_restart = current.append
        yield running

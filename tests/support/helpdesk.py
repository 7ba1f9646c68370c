"""The back office as a helpdesk for tests: a recorder standing in for Rasa's HTTP API, a
departments file with known opening hours, a running server, agent and websocket clients.
"""

from __future__ import annotations

import asyncio
import json
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from caredesk_rules.departments import DEPARTMENT_KEYS
from caredesk_rules.order_updates import rate_limited
from devstack.backoffice import (
    AGENT_PASSWORD_ENV,
    AGENT_PASSWORDS,
    start_backoffice,
    write_departments_file,
)
from devstack.processes import ServiceProcess
from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

API_KEY = "helpdesk-test-key-0123456789"
RASA_TOKEN = "rasa-test-token"
DEPARTMENTS = DEPARTMENT_KEYS
HELPDESK_TABLES = (
    "tickets",
    "ticket_messages",
    "ticket_notes",
    "handoffs",
    "outbox_events",
    "agent_sessions",
)


def new_conversation_id() -> str:
    return "t-" + uuid.uuid4().hex[:16]


# -- Rasa stand-in ----------------------------------------------------------------------------


@dataclass
class Call:
    conversation_id: str
    token: str | None
    output_channel: str | None
    name: str
    entities: dict[str, Any]  # as the back office gave them, without the delivery id
    status: int
    delivery_id: str | None = None  # the idempotency key the event was posted with


@dataclass
class TypingCall:
    """An agent's typing signal as the back office posted it to a channel's route."""

    channel: str
    token: str | None
    body: dict[str, Any]


# The channels whose Rasa side shows an agent's typing (channels/typing.py); others answer 404.
TYPING_CHANNELS = ("socketio", "telegram", "facebook")


@dataclass
class RasaRecorder:
    """Answers trigger_intent like Rasa (200 and the tracker, with the bot message that relays
    the event's delivery id), or with scripted failures per conversation; records the agents'
    typing signals sent to the channels (`/webhooks/<channel>/agent_typing`)."""

    server: FakeServer | None = None
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # conversation -> statuses
    down: bool = False
    # Conversations where Rasa answers 200 but relays nothing (its action server is down).
    unrelayed: set[str] = field(default_factory=set)
    # Conversations whose customer chats in a client that confirms receipt (the widget).
    confirming: set[str] = field(default_factory=set)
    typing: list[TypingCall] = field(default_factory=list)
    # conversation -> its tracker's events (GET /conversations/<id>/tracker; unknown: 404).
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # conversation -> seconds: the next trigger_intent fails as Rasa does when the channel's
    # platform still rate-limits (500, the channel's error in `message`).
    rate_limited: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def fail(self, conversation_id: str, *statuses: int) -> None:
        """The next len(statuses) calls for this conversation get these statuses."""
        with self.lock:
            self.failures.setdefault(conversation_id, []).extend(statuses)

    def answer(self, request: Seen) -> Reply:
        parts = urlsplit(request.path)
        segments = parts.path.strip("/").split("/")
        query = parse_qs(parts.query)
        if len(segments) == 3 and segments[0] == "webhooks" and segments[2] == "agent_typing":
            return self._typing(segments[1], query, request)
        if len(segments) == 3 and segments[0] == "conversations" and segments[2] == "tracker":
            with self.lock:
                events = self.histories.get(segments[1])
            if events is None:
                return Reply(404, '{"status": "failure"}')
            return Reply(200, json.dumps({"sender_id": segments[1], "events": events}))
        if len(segments) != 3 or segments[0] != "conversations" or segments[2] != "trigger_intent":
            return Reply(404, '{"status": "failure"}')
        body = json.loads(request.body or b"{}")
        conversation_id = segments[1]
        with self.lock:
            pending = self.failures.get(conversation_id)
            status = 503 if self.down else (pending.pop(0) if pending else 200)
            limited = self.rate_limited.pop(conversation_id, None)
            status = 500 if limited is not None else status
            self.calls.append(
                Call(
                    conversation_id,
                    next(iter(query.get("token") or []), None),
                    next(iter(query.get("output_channel") or []), None),
                    body.get("name"),
                    {k: v for k, v in (body.get("entities") or {}).items() if k != "delivery_id"},
                    status,
                    (body.get("entities") or {}).get("delivery_id"),
                )
            )
            relayed = status == 200 and conversation_id not in self.unrelayed
            confirming = conversation_id in self.confirming
        if limited is not None:
            error = f"An unexpected error occurred. Error: {rate_limited(limited)}"
            return Reply(500, json.dumps({"status": "failure", "message": error}))
        if status != 200:
            return Reply(status, "{}")
        return Reply(200, json.dumps({"tracker": self._tracker(body, relayed, confirming)}))

    def _typing(self, channel: str, query: dict[str, list[str]], request: Seen) -> Reply:
        token = next(iter(query.get("token") or []), None)
        with self.lock:
            self.typing.append(TypingCall(channel, token, json.loads(request.body or b"{}")))
        return Reply(202 if channel in TYPING_CHANNELS else 404, "{}")

    def typing_for(self, conversation_id: str) -> list[TypingCall]:
        with self.lock:
            return [c for c in self.typing if c.body.get("conversation_id") == conversation_id]

    def wait_typing(
        self, conversation_id: str, count: int, timeout: float = 5.0
    ) -> list[TypingCall]:
        deadline = time.monotonic() + timeout
        while len(self.typing_for(conversation_id)) < count:
            assert time.monotonic() < deadline, f"{conversation_id}: {count} typing signals"
            time.sleep(0.05)
        return self.typing_for(conversation_id)

    @staticmethod
    def _tracker(body: dict[str, Any], relayed: bool, confirming: bool) -> dict[str, Any]:
        entities = body.get("entities") or {}
        customer = {"event": "user", "text": "hello", "metadata": {}}
        if confirming:
            customer["metadata"] = {"confirms_delivery": True}
        events: list[dict[str, Any]] = [
            customer,
            {"event": "user", "text": f"EXTERNAL: {body.get('name')}", "metadata": {}},
        ]
        if relayed:
            mark = {"from": "agent", "delivery_id": entities.get("delivery_id")}
            events.append({"event": "bot", "text": "relayed", "metadata": {"caredesk": mark}})
        return {"events": events}

    def calls_for(self, conversation_id: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.conversation_id == conversation_id]

    def delivered(self, conversation_id: str) -> list[tuple[str, dict[str, Any]]]:
        return [(c.name, c.entities) for c in self.calls_for(conversation_id) if c.status == 200]

    def wait_delivered(
        self, conversation_id: str, count: int, timeout: float = 10.0
    ) -> list[tuple[str, dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            delivered = self.delivered(conversation_id)
            if len(delivered) >= count:
                return delivered
            time.sleep(0.05)
        raise AssertionError(
            f"{conversation_id}: {count} deliveries expected, got {self.calls_for(conversation_id)}"
        )


@contextmanager
def rasa_recorder() -> Iterator[RasaRecorder]:
    recorder = RasaRecorder()
    with fake_http_server(recorder.answer) as server:
        recorder.server = server
        yield recorder


# -- the server -------------------------------------------------------------------------------


@dataclass
class Helpdesk:
    backend: str
    database_url: str
    engine: Engine
    rasa: RasaRecorder
    env: dict[str, str]
    service: ServiceProcess | None = None
    _agents: dict[str, AgentClient] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        assert self.service is not None
        return self.service.base_url

    def start(self) -> None:
        assert self.service is None or not self.service.is_running()
        self.service = start_backoffice(f"helpdesk-{self.backend}", self.env)

    def stop(self) -> None:
        if self.service is not None:
            self.service.cleanup()
        self._agents.clear()

    def restart(self) -> None:
        """A new process on the same database (and a new port)."""
        self.stop()
        self.service = None
        self.start()

    @property
    def running(self) -> bool:
        return self.service is not None and self.service.is_running()

    def api(
        self,
        method: str,
        path: str,
        *,
        contact: str | None = None,
        key: str | None = None,
        client: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """`client` names the conversation asking (failed look-ups are counted per client);
        by default each call is a conversation of its own."""
        headers = dict(kwargs.pop("headers", {}))
        headers["X-API-Key"] = API_KEY if key is None else key
        headers["X-Conversation-Client"] = client or f"rest:{uuid.uuid4().hex}"
        if contact is not None:
            headers["X-Customer-Contact"] = contact
        return requests.request(
            method, self.base_url + "/api/v1" + path, headers=headers, timeout=10, **kwargs
        )

    def login(self, username: str, password: str | None = None) -> AgentClient:
        return login_agent(self.base_url, username, password)

    def agent(self, username: str) -> AgentClient:
        """A signed-in agent, reused across tests (signing in costs a scrypt check)."""
        if username not in self._agents:
            self._agents[username] = self.login(username)
        return self._agents[username]

    def request_handoff(self, conversation_id: str, **overrides: Any) -> requests.Response:
        return self.api("POST", "/handoffs", json=handoff_body(conversation_id, **overrides))

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def counts(self) -> dict[str, int]:
        counts = {}
        for table in HELPDESK_TABLES:
            counts[table] = self.rows(f"SELECT COUNT(*) FROM {table}")[0][0]  # noqa: S608
        return counts

    def wait_all_delivered(self, conversation_id: str, timeout: float = 5.0) -> None:
        """Rasa got the last event; now wait until the worker has recorded it."""
        deadline = time.monotonic() + timeout
        while self.pending_events(conversation_id):
            assert time.monotonic() < deadline, f"{conversation_id}: events still pending"
            time.sleep(0.05)

    def pending_events(self, conversation_id: str) -> int:
        return int(
            self.rows(
                "SELECT COUNT(*) FROM outbox_events "
                "WHERE conversation_id = :c AND delivered_at IS NULL",
                c=conversation_id,
            )[0][0]
        )


@contextmanager
def running_helpdesk(
    database_url: str,
    backend: str,
    rasa: RasaRecorder,
    departments_file: Path,
    *,
    wait_seconds: int = 600,
    poll_seconds: float = 0.05,
    max_attempts: int = 10,
    start: bool = True,
    needs_agent_online: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Helpdesk]:
    env = {
        "BACKOFFICE_HOST": "127.0.0.1",
        "BACKOFFICE_PORT": "{port}",
        "BACKOFFICE_DATABASE_URL": database_url,
        "BACKOFFICE_API_KEY": API_KEY,
        "PUBLIC_BASE_URL": "http://127.0.0.1:{port}",
        "RASA_URL": rasa.base_url,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        **AGENT_PASSWORD_ENV,
        "HANDOFF_AGENT_WAIT_SECONDS": str(wait_seconds),
        "DELIVERY_POLL_SECONDS": str(poll_seconds),
        "DELIVERY_MAX_ATTEMPTS": str(max_attempts),
        "HELPDESK_DEPARTMENTS_FILE": str(departments_file),
        # docs/contract.md's orders (bad-input tests reach them; the console shows one).
        "CAREDESK_SEED_DEMO": "true",
        "HANDOFF_NEEDS_AGENT_ONLINE": str(needs_agent_online).lower(),
        **(extra_env or {}),
    }
    photos = tempfile.mkdtemp(prefix="caredesk-attachments-")
    env["CAREDESK_ATTACHMENTS_DIR"] = photos
    engine = create_engine(database_url)
    helpdesk = Helpdesk(backend, database_url, engine, rasa, env)
    try:
        if start:
            helpdesk.start()
        yield helpdesk
    finally:
        helpdesk.stop()
        engine.dispose()
        shutil.rmtree(photos, ignore_errors=True)


def handoff_body(conversation_id: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    body: dict[str, Any] = {
        "conversation_id": conversation_id,
        "department": "billing",
        "routing_reason": "matched 'charged twice' (billing)",
        "contact": "an.nguyen@example.com",
        "contact_verified": True,  # as the assistant sends the contact of a verified order
        "language": "en",
        "channel": "socketio",
        "order_summary": {"order_id": "ORD-10001", "status": "shipped", "total_vnd": 1990000},
        "transcript": [
            {"role": "customer", "text": "Hi", "at": (now - timedelta(seconds=30)).isoformat()},
            {
                "role": "bot",
                "text": "Hello! How can I help?",
                "at": (now - timedelta(seconds=29)).isoformat(),
            },
            {
                "role": "customer",
                "text": "I want a person, I was charged twice",
                "at": now.isoformat(),
            },
        ],
    }
    body.update(overrides)
    return body


# -- agents -----------------------------------------------------------------------------------


def login_agent(base_url: str, username: str, password: str | None = None) -> AgentClient:
    """Sign an agent in on the back office at `base_url` (with the account's own password
    unless told); the sign-in must succeed."""
    response = requests.post(
        base_url + "/api/v1/agent/login",
        json={"username": username, "password": password or AGENT_PASSWORDS[username]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return AgentClient(base_url, response.json()["token"], response.json()["agent"])


@dataclass
class AgentClient:
    base_url: str
    token: str
    agent: dict[str, Any]

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token if token is None else token}"}
        return requests.request(
            method, self.base_url + "/api/v1/agent" + path, headers=headers, timeout=10, **kwargs
        )

    def conversation(
        self, conversation_id: str, action: str = "", **kwargs: Any
    ) -> requests.Response:
        path = f"/conversations/{conversation_id}" + (f"/{action}" if action else "")
        return self.call("POST" if action else "GET", path, **kwargs)

    def websocket(self, token: str | None = None) -> AgentSocket:
        url = self.base_url.replace("http://", "ws://") + "/api/v1/agent/ws"
        return AgentSocket(f"{url}?token={self.token if token is None else token}")


class AgentSocket:
    """A websocket client on its own thread (websockets 10 has no synchronous client)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.error: BaseException | None = None
        self.close_code: int | None = None  # the server's, once it closed an open socket
        self.closed = threading.Event()
        self._opened = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._socket: Any = None
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._opened.wait(10)

    def _run(self) -> None:
        import websockets

        async def main() -> None:
            try:
                connect = websockets.connect  # type: ignore[attr-defined]
                async with connect(self.url, open_timeout=5) as socket:
                    self._socket = socket
                    self._opened.set()
                    async for raw in socket:
                        self.events.put(json.loads(raw))
            except asyncio.CancelledError:
                pass  # close(): leaving `async with` closes the socket
            except BaseException as exc:
                self.error = exc
            finally:
                if self._socket is not None:
                    self.close_code = self._socket.close_code
                self._opened.set()
                self.closed.set()

        self._task = self._loop.create_task(main())
        self._loop.run_until_complete(self._task)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.05)
            except queue.Empty:
                continue
            seen.append(event)
            if predicate(event):
                return event
        raise AssertionError(f"no matching event within {timeout}s; saw {seen}")

    def drain(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        events = []
        while True:
            try:
                events.append(self.events.get(timeout=quiet))
            except queue.Empty:
                return events

    def close(self) -> None:
        """Cancels the receiving task, whose `async with` then closes the socket: websockets
        17's client (the back office venv's) may never finish a close() awaited from another
        task while that task iterates the socket."""
        if self._task is not None and not self.closed.is_set():
            self._loop.call_soon_threadsafe(self._task.cancel)
            assert self.closed.wait(15), f"{self.url}: the socket did not close"
        self._thread.join(5)


@contextmanager
def module_helpdesk(folder: Path) -> Iterator[Helpdesk]:
    """One SQLite back office for a test module, not started yet (the caller sets its
    environment first), with a Rasa recorder and the test departments file."""
    departments = write_departments_file(folder / "departments.yml")
    with (
        rasa_recorder() as rasa,
        running_helpdesk(
            f"sqlite:///{folder / 'helpdesk.db'}", "sqlite", rasa, departments, start=False
        ) as helpdesk,
    ):
        yield helpdesk


@contextmanager
def helpdesk_reading_events(folder: Path, events_db: Path) -> Iterator[Helpdesk]:
    """A SQLite back office that reads Rasa's SQL event broker table at `events_db` (the
    analytics' tests publish to it with Rasa's own broker), with a Rasa recorder."""
    departments = write_departments_file(folder / "departments.yml")
    with (
        rasa_recorder() as rasa,
        running_helpdesk(
            f"sqlite:///{folder / 'backoffice.db'}",
            "sqlite",
            rasa,
            departments,
            extra_env={"ANALYTICS_EVENTS_URL": f"sqlite:///{events_db}"},
        ) as running,
    ):
        yield running

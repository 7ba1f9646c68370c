"""The back office in several processes on one PostgreSQL database and one Redis, for real.

Two servers on two ports stand for two workers, so "a request handled by another process" is
certain rather than left to how the kernel spreads connections: a push caused in either
reaches the consoles of both, once; the typing throttle is one rule across them; wrong
passwords count across them; their delivery workers never post one outbox event twice. Then
one server with BACKOFFICE_WORKERS=2, as production starts it: two uvicorn workers whose
pushes reach a console once, one of them killed and replaced, and the settings it refuses.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.backoffice import (
    AGENT_PASSWORDS,
    BACKOFFICE_SERVE,
    temporary_postgres_database,
    write_departments_file,
)
from devstack.processes import REPO_ROOT
from tests.support.helpdesk import (
    AgentSocket,
    Helpdesk,
    RasaRecorder,
    new_conversation_id,
    rasa_recorder,
    running_helpdesk,
)
from tests.support.services import require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.stack]  # starts servers


@dataclass
class Pair:
    """Two back-office processes on one database and one Redis."""

    one: Helpdesk
    two: Helpdesk
    rasa: RasaRecorder
    redis_env: dict[str, str]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    require_service("postgres")
    redis_host, redis_port = require_service("redis")
    folder = tmp_path_factory.mktemp("workers")
    departments = write_departments_file(folder / "departments.yml")
    redis_env = {
        "REDIS_HOST": redis_host,
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": "0",
        "REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",  # this module's channel and keys
    }
    with (
        temporary_postgres_database() as url,
        rasa_recorder() as rasa,
        running_helpdesk(url, "postgres", rasa, departments, extra_env=redis_env) as one,
    ):
        two = Helpdesk("postgres", url, one.engine, rasa, one.env)
        two.start()
        try:
            yield Pair(one, two, rasa, redis_env)
        finally:
            two.stop()


def say(helpdesk: Helpdesk, conversation_id: str, message_id: str, text: str) -> None:
    answer = helpdesk.api(
        "POST",
        f"/handoffs/{conversation_id}/messages",
        json={"message_id": message_id, "text": text, "sent_at": "2026-03-06T03:00:00+00:00"},
    )
    assert answer.status_code == 202, answer.text


def customer_typing(helpdesk: Helpdesk, conversation_id: str, typing: bool) -> bool:
    answer = helpdesk.api("POST", f"/handoffs/{conversation_id}/typing", json={"typing": typing})
    assert answer.status_code == 202, answer.text
    return bool(answer.json()["relayed"])


def open_console(helpdesk: Helpdesk, username: str) -> AgentSocket:
    socket = helpdesk.agent(username).websocket()
    socket.wait_for(lambda e: e["type"] == "hello")
    return socket


def of(events: list[dict[str, Any]], conversation_id: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind and e.get("conversation_id") == conversation_id]


def gather(
    socket: AgentSocket,
    enough: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 10.0,
    quiet: float = 1.0,
) -> list[dict[str, Any]]:
    """What the console is pushed until `enough` of it came, and `quiet` seconds more (so a
    doubled push would be there too)."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not enough(events):
        assert time.monotonic() < deadline, f"not enough within {timeout}s: {events}"
        with contextlib.suppress(queue.Empty):
            events.append(socket.events.get(timeout=0.05))
    return events + socket.drain(quiet)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_push_caused_in_either_process_reaches_every_console_once(pair: Pair) -> None:
    conversation = new_conversation_id()
    consoles = {
        "billing on one": open_console(pair.one, "billing"),
        "billing on two": open_console(pair.two, "billing"),
        "admin on one": open_console(pair.one, "admin"),
    }
    logistics = open_console(pair.two, "logistics")
    texts = [f"message {n}" for n in range(6)]
    try:
        assert pair.two.request_handoff(conversation).status_code == 201
        for n, text in enumerate(texts):  # alternately through each process
            say((pair.one, pair.two)[n % 2], conversation, f"m-{n}", text)
        for name, socket in consoles.items():
            events = gather(
                socket, lambda got: len(of(got, conversation, "customer_message")) >= len(texts)
            )
            messages = of(events, conversation, "customer_message")
            assert sorted(m["message"]["text"] for m in messages) == texts, (name, messages)
            # The hand-off asked through two: its update once, on either process's consoles.
            [update] = of(events, conversation, "conversation_updated")
            assert (update["state"], update["department"]) == ("waiting", "billing"), name
        assert of(logistics.drain(), conversation, "customer_message") == []
    finally:
        for socket in (*consoles.values(), logistics):
            socket.close()


def test_customer_typing_crosses_processes_under_one_throttle(pair: Pair) -> None:
    conversation = new_conversation_id()
    assert pair.one.request_handoff(conversation).status_code == 201
    console = open_console(pair.one, "billing")
    try:
        console.drain(0.3)
        assert customer_typing(pair.two, conversation, True) is True
        assert console.wait_for(lambda e: e["type"] == "customer_typing") == {
            "type": "customer_typing",
            "conversation_id": conversation,
            "typing": True,
        }
        # The same side of the conversation within the interval, through the other process:
        # held back, as within one process.
        assert customer_typing(pair.one, conversation, True) is False
        assert customer_typing(pair.two, conversation, True) is False
        # "Stopped" passes in the process that did not pass the "typing", once.
        assert customer_typing(pair.one, conversation, False) is True
        assert customer_typing(pair.two, conversation, False) is False
        stopped = console.wait_for(lambda e: e["type"] == "customer_typing")
        assert stopped["typing"] is False
        assert of(console.drain(), conversation, "customer_typing") == []
    finally:
        console.close()


def test_wrong_passwords_count_across_processes(pair: Pair) -> None:
    with pair.one.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM login_counters")
    for helpdesk in (pair.one, pair.two, pair.one, pair.two, pair.one):
        wrong = requests.post(
            helpdesk.base_url + "/api/v1/agent/login",
            json={"username": "technical", "password": "not it"},
            timeout=10,
        )
        assert wrong.status_code == 401, wrong.text
    for helpdesk in (pair.two, pair.one):
        locked = requests.post(
            helpdesk.base_url + "/api/v1/agent/login",
            json={"username": "technical", "password": AGENT_PASSWORDS["technical"]},
            timeout=10,
        )
        assert locked.status_code == 429, locked.text
    with pair.one.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM login_counters")


def test_both_delivery_workers_never_post_one_event_twice(pair: Pair) -> None:
    """Both processes' workers poll every 50 ms and race for the same rows. The customers chat
    in the widget, which confirms receipt: a relayed event stays open (accepted) until then,
    so a worker whose list was read before the other's post ended must not post it again."""
    conversations = [new_conversation_id() for _ in range(12)]
    with pair.rasa.lock:
        pair.rasa.confirming.update(conversations)

    def converse(n: int) -> None:
        helpdesk = (pair.one, pair.two)[n % 2]
        conversation = conversations[n]
        assert helpdesk.request_handoff(conversation).status_code == 201
        agent = helpdesk.agent("billing")
        assert agent.conversation(conversation, "claim").status_code == 200
        for line in range(3):
            reply = agent.conversation(conversation, "reply", json={"text": f"line {line}"})
            assert reply.status_code == 201, reply.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(converse, range(len(conversations))))
    relayed = (
        "SELECT COUNT(*), COUNT(DISTINCT delivery_key) FROM outbox_events "
        "WHERE conversation_id = ANY(:c) AND accepted_at IS NOT NULL"
    )
    wait_until(lambda: pair.one.rows(relayed, c=conversations)[0][0] == 48, 30, "all relayed")
    time.sleep(1.0)  # a stale worker's second post would come now
    for conversation in conversations:
        calls = pair.rasa.calls_for(conversation)
        keys = [c.delivery_id for c in calls if c.status == 200]
        assert len(keys) == len(set(keys)) == 4, calls  # joined + 3 lines, each posted once
        texts = [c.entities.get("agent_text") for c in calls if c.name == "EXTERNAL_agent_message"]
        assert texts == ["line 0", "line 1", "line 2"]  # in order
    assert pair.one.rows(relayed, c=conversations) == [(48, 48)]


# -- one server, several uvicorn workers ------------------------------------------------------


def workers_of(pid: int) -> set[int]:
    """The uvicorn worker processes of the server `pid` (multiprocessing's spawned children)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = set()
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            found.add(int(child))
    return found


@pytest.fixture(scope="module")
def two_workers(pair: Pair) -> Iterator[Helpdesk]:
    """`python -m backoffice` with BACKOFFICE_WORKERS=2 on the pair's database and Redis."""
    server = Helpdesk(
        "postgres",
        pair.one.database_url,
        pair.one.engine,
        pair.rasa,
        {**pair.one.env, "BACKOFFICE_WORKERS": "2"},
    )
    server.start()
    try:
        service = server.service
        assert service is not None
        ready = "Application startup complete"
        wait_until(lambda: service.output(400).count(ready) >= 2, 240, "both workers serve")
        yield server
    finally:
        server.stop()


def test_two_uvicorn_workers_push_to_a_console_once(pair: Pair, two_workers: Helpdesk) -> None:
    service = two_workers.service
    assert service is not None
    assert len(workers_of(service.process.pid)) == 2
    conversation = new_conversation_id()
    console = open_console(two_workers, "billing")
    try:
        assert two_workers.request_handoff(conversation).status_code == 201
        # Each call on a new connection: the two workers take them as the kernel hands out.
        for n in range(12):
            say(two_workers, conversation, f"m-{n}", f"message {n}")
        console.wait_for(lambda e: of([e], conversation, "customer_message") != [], 10)
        rest = of(console.drain(1.0), conversation, "customer_message")
        assert [m["message"]["text"] for m in rest] == [f"message {n}" for n in range(1, 12)]
    finally:
        console.close()


def test_a_killed_worker_is_replaced(two_workers: Helpdesk) -> None:
    service = two_workers.service
    assert service is not None
    before = workers_of(service.process.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    wait_until(
        lambda: (
            len(workers_of(service.process.pid) - before) == 1
            and victim not in workers_of(service.process.pid)
        ),
        60,
        "uvicorn started a new worker",
    )
    ready = "Application startup complete"
    wait_until(lambda: service.output(600).count(ready) >= 3, 240, "the new worker serves")
    for _ in range(6):  # whichever worker answers
        assert requests.get(two_workers.base_url + "/health", timeout=10).status_code == 200


def serve_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        BACKOFFICE_SERVE,
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_several_workers_are_refused_without_redis_or_a_migrated_database(pair: Pair) -> None:
    base = {**pair.one.env, "BACKOFFICE_PORT": "1"}  # never bound: refused before serving
    without_redis = serve_once({**base, "BACKOFFICE_WORKERS": "2", "REDIS_HOST": ""})
    assert without_redis.returncode == 2
    assert "BACKOFFICE_WORKERS=2 needs REDIS_HOST" in without_redis.stderr
    with temporary_postgres_database() as empty:
        unmigrated = serve_once(
            {**base, "BACKOFFICE_WORKERS": "2", "BACKOFFICE_DATABASE_URL": empty}
        )
    assert unmigrated.returncode == 2, unmigrated.stderr
    assert "migrate" in unmigrated.stderr
    assert "Started parent process" not in unmigrated.stderr  # no worker was started

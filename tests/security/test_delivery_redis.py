"""Agent messages survive the socket.io channel's Redis going down (issue 10).

With `SOCKETIO_REDIS_URL` (production settings, several Rasa replicas) every bot message goes
through Redis pub/sub, and python-socketio drops it silently ("Cannot publish to redis...
giving up") when Redis is down: Rasa relays the agent's reply, answers 200, and nobody
receives it. The helpdesk does not count it delivered; the widget, which asks for what it
missed while it chats with a person and whenever it reconnects, gets it once Redis is back,
exactly once, and confirms it.

The test runs its own redis-server on a free port (never the machine's Redis) and stops it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from devstack.processes import free_port
from devstack.stack import Stack, running_stack
from tests.security.test_delivery_acknowledged import (
    Widget,
    bot_texts,
    delivery_of,
    wait_until,
    with_an_agent,
)
from tests.support.browser import require

pytestmark = pytest.mark.stack

REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    """A redis-server of this test's own, on a fixed free port, that can be stopped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@pytest.fixture(scope="module")
def redis() -> Iterator[PrivateRedis]:
    require(REDIS_SERVER is not None, "redis-server is not installed")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(redis: PrivateRedis) -> Iterator[Stack]:
    env = {
        "SOCKETIO_REDIS_URL": redis.url,
        "SOCKETIO_REDIS_CHANNEL": f"caredesk-delivery-{uuid.uuid4().hex[:8]}",
    }
    with running_stack(env=env) as running:
        yield running


def test_a_reply_lost_while_redis_is_down_arrives_once_redis_is_back(
    stack: Stack, redis: PrivateRedis
) -> None:
    widget = Widget(stack.rasa.base_url)
    try:
        agent = with_an_agent(stack, widget)  # "joined" came through Redis and was confirmed
        text = "Your parcel leaves the warehouse today."
        redis.stop()
        try:
            agent.post(f"/conversations/{widget.session_id}/reply", {"text": text})
            wait_until(
                lambda: text in bot_texts(stack, widget.session_id), 20, "Rasa relayed the reply"
            )
            time.sleep(3)
            assert widget.silence(0) == []  # lost between the replicas' Redis and the socket
            assert delivery_of(agent, widget.session_id, text)["state"] == "accepted"
        finally:
            redis.start()
        widget.catch_up()  # what the widget does every 20 s while it chats with a person
        assert widget.texts(1) == [text]
        wait_until(
            lambda: delivery_of(agent, widget.session_id, text)["state"] == "delivered",
            10,
            "the receipt reached the helpdesk",
        )
        widget.catch_up()
        assert widget.silence(2) == []  # exactly once
        assert bot_texts(stack, widget.session_id).count(text) == 1
    finally:
        widget.close()

"""Limits that hold across conversations and processes, in production settings, for real.

One stack (back office, action server, Rasa) runs with `CAREDESK_ENV=production`, the production
endpoints (PostgreSQL tracker store, Redis lock store; no event broker), Telegram, Messenger and
Zalo pointed at local fakes, tight rates (4 messages per sender, 10 per client address, per day:
no window ends during the test) and `SANIC_REAL_IP_HEADER=x-real-ip`, as behind a reverse proxy,
so each test speaks from its own address. The test process itself plays a second replica: it
opens the same Redis with the channels' own store and sees what Rasa recorded, and Rasa sees
what it recorded. Starting Rasa with production settings but without Telegram's secret token or
without Redis fails, with the variable to set.

Skipped with a reason where PostgreSQL or Redis is absent; under CI a missing server fails.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import yaml

from channels.limits import SLOW_DOWN, slow_down_text
from channels.redelivery import Redeliveries
from channels.shared_store import RedisStore
from devstack.processes import REPO_ROOT, ServiceStartError, free_port, start_service
from devstack.stack import MODEL, SECRETS, TOKEN, Stack, running_stack
from scripts.credentials import compose, write
from scripts.stack import RASA_PYTHON
from tests.support.fake_graph_api import (
    FakeGraphApi,
    MessengerUser,
    fake_graph_api,
    message_event,
    notification,
)
from tests.support.fake_telegram import FakeTelegram, TelegramUser, fake_telegram, message_update
from tests.support.fake_zalo import fake_zalo_api
from tests.support.production import production_stores
from tests.support.shared_stack import TELEGRAM_SECRET, ZALO_ACCESS_TOKEN, channel_environment

pytestmark = [pytest.mark.stack, pytest.mark.postgres, pytest.mark.redis]

SENDER_LIMIT, CLIENT_LIMIT = 4, 10
RATES = {
    "CAREDESK_SENDER_RATE": f"{SENDER_LIMIT}/86400",
    "CAREDESK_CLIENT_RATE": f"{CLIENT_LIMIT}/86400",
}
_addresses = itertools.count(10)


def new_address() -> str:
    return f"203.0.113.{next(_addresses)}"  # TEST-NET-3: one per test, as the proxy tells it


@dataclass
class Production:
    stack: Stack
    telegram: FakeTelegram
    graph: FakeGraphApi
    settings: dict[str, str]

    def store(self) -> RedisStore:
        """The channels' store on the same Redis: what another replica would open."""
        return RedisStore(
            self.settings["REDIS_HOST"],
            int(self.settings["REDIS_PORT"]),
            0,
            self.settings["REDIS_KEY_PREFIX"],
        )

    def user_texts(self, sender: str) -> list[str]:
        events = self.stack.tracker(sender)["events"]
        return [e["text"] for e in events if e["event"] == "user"]

    def wait_user_texts(self, sender: str, count: int, timeout: float = 60) -> list[str]:
        """The conversation's user messages once there are `count`, after a quiet second."""
        deadline = time.monotonic() + timeout
        while len(self.user_texts(sender)) < count:
            assert time.monotonic() < deadline, self.user_texts(sender)
            time.sleep(0.2)
        time.sleep(1)  # anything beyond `count` would have arrived by now
        return self.user_texts(sender)


def production_endpoints(folder: Path) -> Path:
    """endpoints.production.yml without the event broker (not what this module is about)."""
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.production.yml").read_text("utf-8"))
    endpoints.pop("event_broker", None)
    path = folder / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


REST_TOKEN = "rest-token-for-tests-not-secret"


@pytest.fixture(scope="module")
def production(tmp_path_factory: Any) -> Iterator[Production]:
    folder = tmp_path_factory.mktemp("production")
    with (
        production_stores("limits") as stores,
        fake_telegram() as telegram,
        fake_graph_api() as graph,
        fake_zalo_api(ZALO_ACCESS_TOKEN) as zalo,
    ):
        channels = channel_environment(telegram.base_url, graph.base_url, zalo.base_url)
        credentials = write(folder / "credentials.yml", compose(channels))
        settings = {
            **stores.settings,
            **RATES,
            "CAREDESK_ENV": "production",
            "CAREDESK_REST_TOKEN": REST_TOKEN,  # production refuses the REST channel without it
            "SANIC_REAL_IP_HEADER": "x-real-ip",
        }
        with running_stack(production_endpoints(folder), settings, credentials) as stack:
            yield Production(stack, telegram, graph, settings)


# -- REST: 429 ------------------------------------------------------------------------------


def rest(stack: Stack, sender: str, text: str, address: str) -> requests.Response:
    return requests.post(
        stack.rasa.url("/webhooks/rest/webhook"),
        json={"sender": sender, "message": text, "metadata": {"language": "vi"}},
        headers={"X-Real-IP": address, "Authorization": f"Bearer {REST_TOKEN}"},
        timeout=60,
    )


def test_a_rest_sender_over_its_rate_gets_429_and_nothing_reaches_the_bot(production) -> None:
    stack, me, address = production.stack, f"limits-{uuid.uuid4().hex[:8]}", new_address()
    answered = [rest(stack, me, f"xin chào lần {n}", address) for n in range(SENDER_LIMIT)]
    assert [r.status_code for r in answered] == [200] * SENDER_LIMIT
    refused = rest(stack, me, "xin chào lần nữa", address)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "86400"
    assert refused.json() == {"error": "too_many_requests", "message": SLOW_DOWN["vi"]}
    assert len(production.user_texts(me)) == SENDER_LIMIT
    other = f"limits-{uuid.uuid4().hex[:8]}"
    assert rest(stack, other, "xin chào", address).status_code == 200  # another conversation


def test_a_fresh_sender_per_message_does_not_escape_the_client_limit(production) -> None:
    stack, address = production.stack, new_address()
    senders = [f"fresh-{uuid.uuid4().hex[:8]}" for _ in range(CLIENT_LIMIT + 2)]
    statuses = [rest(stack, sender, "hello", address).status_code for sender in senders]
    assert statuses == [200] * CLIENT_LIMIT + [429, 429]
    assert production.user_texts(senders[-1]) == []
    assert rest(stack, senders[-1], "hello", new_address()).status_code == 200  # someone else


# -- socket.io: one polite notice -------------------------------------------------------------


class Browser:
    """The widget's protocol, from one client address (the proxy's X-Real-IP)."""

    def __init__(self, url: str, address: str) -> None:
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.put(data))
        confirmed: queue.Queue[dict[str, str]] = queue.Queue()
        self.client.on("session_confirm", lambda data: confirmed.put(data))
        self.client.connect(
            url, socketio_path="/socket.io", transports=["polling"], headers={"X-Real-IP": address}
        )
        self.client.emit("session_request", {})
        self.session_id = confirmed.get(timeout=10)["session_id"]

    def say(self, text: str, language: str) -> None:
        metadata = {"language": language}
        message = {"message": text, "session_id": self.session_id, "metadata": metadata}
        self.client.emit("user_uttered", message)

    def heard(self, seconds: float) -> list[str]:
        deadline, texts = time.monotonic() + seconds, []
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                texts.append(self.replies.get(timeout=remaining).get("text", ""))
            except queue.Empty:
                break
        return texts


def test_a_widget_over_its_rate_is_told_once_in_its_language(production) -> None:
    stack = production.stack
    browser = Browser(stack.rasa.base_url, new_address())
    try:
        for _ in range(SENDER_LIMIT + 3):
            # The same words each time: a marker such as "(3)" reads as code, which is out of scope.
            browser.say("what payment methods do you accept?", "en")
        turns = production.wait_user_texts(browser.session_id, SENDER_LIMIT)
        heard = browser.heard(5)
    finally:
        browser.client.disconnect()
    assert len(turns) == SENDER_LIMIT
    assert heard.count(SLOW_DOWN["en"]) == 1
    assert any("MoMo" in text for text in heard), heard  # the ones within the limit were answered


# -- webhooks: immediate 200, redeliveries shared through Redis, the notice ----------------------


def test_a_telegram_update_seen_by_another_replica_is_not_handled_again(production) -> None:
    stack = production.stack
    user = TelegramUser(
        stack.rasa.url("/webhooks/telegram/webhook"),
        production.telegram,
        random.randint(10**8, 10**9),
        secret_token=TELEGRAM_SECRET,
        wait_turn=stack.wait_turn,
    )
    taken = message_update(user.chat_id, "how long does delivery take?")
    handled_here = message_update(user.chat_id, "what payment methods do you accept?")

    async def replica(update_id: int) -> bool:
        store = production.store()
        try:
            return await Redeliveries(store).first_time("telegram", str(update_id))
        finally:
            await store.close()

    assert asyncio.run(replica(taken["update_id"]))  # replica B accepted this one
    assert user.post(taken).json() == {"status": "duplicate"}
    assert "MoMo" in "\n".join(m["text"] for m in user.turn(handled_here))
    assert not asyncio.run(replica(handled_here["update_id"]))  # and B sees Rasa's record
    assert production.user_texts(user.conversation_id) == ["what payment methods do you accept?"]


def test_a_messenger_message_seen_by_another_replica_is_not_handled_again(production) -> None:
    stack = production.stack
    user = MessengerUser(
        stack.rasa.url("/webhooks/facebook/webhook"),
        production.graph,
        str(random.randint(10**15, 10**16)),
        wait_turn=stack.wait_turn,
    )
    taken = message_event(user.psid, "how long does delivery take?")

    async def replica(mid: str) -> bool:
        store = production.store()
        try:
            return await Redeliveries(store).first_time("facebook", mid)
        finally:
            await store.close()

    assert asyncio.run(replica(taken["message"]["mid"]))
    assert user.post(notification(taken)).status_code == 200
    assert user.say("what payment methods do you accept?")
    assert production.user_texts(user.conversation_id) == ["what payment methods do you accept?"]


def test_a_telegram_chat_over_its_rate_is_told_once_and_the_rest_dropped(production) -> None:
    stack = production.stack
    user = TelegramUser(
        stack.rasa.url("/webhooks/telegram/webhook"),
        production.telegram,
        random.randint(10**8, 10**9),
        secret_token=TELEGRAM_SECRET,
        wait_turn=stack.wait_turn,
    )
    updates = [message_update(user.chat_id, f"xin chào {n}") for n in range(SENDER_LIMIT + 2)]
    answers = [user.post(update) for update in updates]  # in a burst: each answered at once
    assert [(r.status_code, r.json()["status"]) for r in answers] == [
        (200, "ok")
    ] * SENDER_LIMIT + [(200, "rate_limited")] * 2
    turns = production.wait_user_texts(user.conversation_id, SENDER_LIMIT)
    assert turns == [f"xin chào {n}" for n in range(SENDER_LIMIT)]
    texts = [m["text"] for m in user.silence(2)]  # the notice follows the turns before it
    assert texts.count(slow_down_text("vi")) == 1  # the chat's Telegram language
    assert texts[-1] == SLOW_DOWN["vi"]


# -- settings a public deployment must not run without ----------------------------------------


def start_rasa(env: dict[str, str], credentials: Path) -> str:
    """Start a second Rasa with `env`; the output of its refusal to start."""
    port = free_port()
    command = [
        str(RASA_PYTHON), "-m", "scripts.rasa_server", "--model", str(MODEL),
        "--interface", "127.0.0.1", "--port", str(port), "--credentials", str(credentials),
        "--endpoints", str(REPO_ROOT / "endpoints.yml"),
    ]  # fmt: skip
    with pytest.raises(ServiceStartError) as refused:
        service = start_service(
            "rasa-refused",
            command,
            env={**SECRETS, **env},
            port=port,
            health_url=f"http://127.0.0.1:{port}/status?token={TOKEN}",
            startup_timeout=120,
        )
        service.cleanup()
    return str(refused.value)


def test_production_settings_refuse_telegram_without_its_secret_token(production, tmp_path) -> None:
    channels = channel_environment(production.telegram.base_url, "http://127.0.0.1:9", "")
    del channels["TELEGRAM_SECRET_TOKEN"]
    credentials = write(tmp_path / "credentials.yml", compose(channels))
    output = start_rasa(production.settings, credentials)
    assert "exited with code" in output and "TELEGRAM_SECRET_TOKEN" in output


def test_production_settings_refuse_to_start_without_the_shared_redis(production, tmp_path) -> None:
    settings = {**production.settings, "REDIS_HOST": ""}
    output = start_rasa(settings, REPO_ROOT / "credentials.yml")
    assert "exited with code" in output and "REDIS_HOST" in output

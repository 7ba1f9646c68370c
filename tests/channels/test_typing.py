"""Typing during a live chat on the chat side (channels/typing.py), on a real Sanic server with
our socket.io, Telegram and Messenger channels (no model: nothing here reaches the assistant):

- the widget's `customer_typing` goes to the helpdesk for the socket's own conversation only,
  throttled (caredesk_rules/typing.py), once, with the channels' key;
- the helpdesk's `agent_typing` needs Rasa's token and reaches only that conversation's
  socket, the Telegram chat as `sendChatAction`, the Messenger user as `typing_on` /
  `typing_off` (on the platforms at most one every 4.5 s); Zalo has no route for it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import socketio
from rasa.core.channels.channel import register
from sanic import Sanic

from channels.messenger import MessengerInput
from channels.socketio import CaredeskSocketIOInput
from channels.telegram import TelegramInput
from channels.typing import AGENT_TYPING_EVENT, CUSTOMER_TYPING_EVENT
from channels.zalo import ZaloInput
from devstack.processes import free_port
from tests.support.fake_graph_api import (
    APP_SECRET,
    PAGE_ACCESS_TOKEN,
    VERIFY_TOKEN,
    FakeGraphApi,
    fake_graph_api,
)
from tests.support.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, fake_telegram
from tests.support.http_fakes import FakeServer, Reply, fake_http_server
from tests.support.sanic_server import sanic_in_thread

RASA_TOKEN = "rasa-token-for-typing-tests"
API_KEY = "channels-key-for-typing-tests"


@pytest.fixture(scope="module")
def helpdesk() -> Iterator[FakeServer]:
    with fake_http_server(lambda request: Reply(202, '{"relayed": true}')) as server:
        yield server


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with fake_telegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraphApi]:
    with fake_graph_api() as fake:
        yield fake


@pytest.fixture(scope="module")
def rasa(helpdesk: FakeServer, telegram: FakeTelegram, graph: FakeGraphApi) -> Iterator[str]:
    """Our socket.io and Telegram channels on a Sanic server, as `rasa run` registers them
    on its own thread; its URL."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RASA_AUTH_TOKEN", RASA_TOKEN)
        env.setenv("BACKOFFICE_API_KEY", API_KEY)
        env.setenv("HELPDESK_API_URL", helpdesk.base_url)
        env.setenv("CAREDESK_SESSION_SECRET", "typing-test-secret")
        port = free_port()
        app = Sanic("caredesk_typing_test")
        app.ctx.agent = None  # no model: no tracker store, so every socket gets a new session
        channels = [
            CaredeskSocketIOInput(session_persistence=True),
            TelegramInput(TOKEN, BOT_USERNAME, None, api_url=telegram.base_url),
            MessengerInput(
                VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url=graph.base_url
            ),
            ZaloInput("zalo-app-id", "zalo-oa-secret", "zalo-oa-token"),
        ]
        register(channels, app, route="/webhooks/")
        with sanic_in_thread(app, port):
            yield f"http://127.0.0.1:{port}"


class Customer:
    """The widget's side of the socket: its session and what it was sent."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.agent_typing: list[dict[str, Any]] = []
        self.client.on(AGENT_TYPING_EVENT, self.agent_typing.append)
        self.session_id = ""

    async def connect(self, url: str) -> None:
        confirmed: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", confirmed.set_result)
        await self.client.connect(url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {})
        self.session_id = (await asyncio.wait_for(confirmed, 10))["session_id"]


async def settle(seconds: float = 0.4) -> None:
    await asyncio.sleep(seconds)


def typing_posts(helpdesk: FakeServer) -> list[tuple[str, dict[str, Any], str | None]]:
    return [
        (r.path, json.loads(r.body), r.headers.get("X-API-Key"))
        for r in helpdesk.requests
        if r.path.endswith("/typing")
    ]


def test_the_widget_s_typing_reaches_the_helpdesk_for_its_own_conversation_throttled(
    rasa: str, helpdesk: FakeServer
) -> None:
    url = rasa

    async def run() -> None:
        customer = Customer()
        await customer.connect(url)
        for _ in range(5):  # keystrokes faster than the rule lets through
            await customer.client.emit(CUSTOMER_TYPING_EVENT, {"typing": True})
        await customer.client.emit(CUSTOMER_TYPING_EVENT, {"typing": "yes"})  # malformed
        await customer.client.emit(CUSTOMER_TYPING_EVENT, {"typing": False})
        await customer.client.emit(CUSTOMER_TYPING_EVENT, {"typing": False})
        await settle()
        await customer.client.disconnect()
        path = f"/api/v1/handoffs/{customer.session_id}/typing"
        assert typing_posts(helpdesk) == [
            (path, {"typing": True}, API_KEY),
            (path, {"typing": False}, API_KEY),
        ]

    asyncio.run(run())


def test_the_agent_s_typing_needs_rasa_s_token_and_reaches_only_that_conversation(
    rasa: str,
) -> None:
    url = rasa

    async def run() -> None:
        async with aiohttp.ClientSession() as http:
            customer, other = Customer(), Customer()
            await customer.connect(url)
            await other.connect(url)
            route = f"{url}/webhooks/socketio/agent_typing"
            signal = {
                "conversation_id": customer.session_id,
                "typing": True,
                "agent_name": "Lê Thị Mai Anh",
            }

            async def post(body: Any, token: str | None) -> int:
                params = {"token": token} if token is not None else {}
                async with http.post(route, json=body, params=params) as answer:
                    return answer.status

            assert await post(signal, None) == 403
            assert await post(signal, "wrong") == 403
            assert await post({**signal, "typing": "yes"}, RASA_TOKEN) == 400
            assert await post({"typing": True}, RASA_TOKEN) == 400
            await settle(0.2)
            assert customer.agent_typing == [] and other.agent_typing == []

            assert await post(signal, RASA_TOKEN) == 202
            assert await post({**signal, "typing": False}, RASA_TOKEN) == 202
            await settle()
            assert customer.agent_typing == [
                {"typing": True, "agent_name": "Lê Thị Mai Anh"},
                {"typing": False, "agent_name": "Lê Thị Mai Anh"},
            ]
            assert other.agent_typing == []  # another customer's conversation hears nothing
            await customer.client.disconnect()
            await other.client.disconnect()

    asyncio.run(run())


def test_on_telegram_the_agent_s_typing_is_a_chat_action_at_most_every_few_seconds(
    rasa: str, telegram: FakeTelegram
) -> None:
    url = rasa

    async def run() -> None:
        async with aiohttp.ClientSession() as http:
            route = f"{url}/webhooks/telegram/agent_typing"
            signal = {"conversation_id": "telegram:4242", "typing": True, "agent_name": "An"}
            for _ in range(3):
                async with http.post(route, json=signal, params={"token": RASA_TOKEN}) as answer:
                    assert answer.status == 202
            stopped = {**signal, "typing": False}
            async with http.post(route, json=stopped, params={"token": RASA_TOKEN}) as answer:
                assert answer.status == 202
            # After "stopped", the next keystrokes show it again at once.
            async with http.post(route, json=signal, params={"token": RASA_TOKEN}) as answer:
                assert answer.status == 202
            async with http.post(route, json=signal) as answer:
                assert answer.status == 403

    asyncio.run(run())
    actions = [c.params for c in telegram.calls if c.method == "sendChatAction"]
    assert actions == [{"chat_id": "4242", "action": "typing"}] * 2
    assert not [c for c in telegram.calls if c.method == "sendMessage"]


def test_on_messenger_the_agent_s_typing_is_the_typing_bubble_on_and_off(
    rasa: str, graph: FakeGraphApi
) -> None:
    async def run() -> None:
        async with aiohttp.ClientSession() as http:
            route = f"{rasa}/webhooks/facebook/agent_typing"
            signal = {"conversation_id": "facebook:5151", "typing": True, "agent_name": "An"}
            for body in (signal, signal, {**signal, "typing": False}):
                async with http.post(route, json=body, params={"token": RASA_TOKEN}) as answer:
                    assert answer.status == 202

    asyncio.run(run())
    assert graph.sender_actions("5151") == ["typing_on", "typing_off"]
    assert graph.messages("5151") == []


def test_zalo_has_no_typing_route(rasa: str) -> None:
    """Zalo's OA API has no typing action: the channel is on, but the helpdesk's signal finds
    no route there (a 404 the helpdesk logs at debug level)."""

    async def run() -> int:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{rasa}/webhooks/zalo/") as health:
                assert health.status == 200  # the channel is there
            route = f"{rasa}/webhooks/zalo/agent_typing"
            body = {"conversation_id": "zalo:1", "typing": True, "agent_name": "An"}
            async with http.post(route, json=body, params={"token": RASA_TOKEN}) as answer:
                return answer.status

    assert asyncio.run(run()) == 404

"""Typing indicators in a live chat, both ways, as a customer and an agent see them.

The real back office (helpdesk and console) and our real socket.io channel (channels/socketio.py
on a Sanic server, as `rasa run` registers it) talk to each other as in production: the
widget's `customer_typing` goes through the channel to the helpdesk and on to the console's
websocket; the console's typing goes to the helpdesk, then to the channel's `agent_typing`
route and the widget's socket. No model is trained for this: a stand-in for Rasa's agent
forwards the customer's messages to the helpdesk (as `action_forward_to_agent` does) and a
stand-in `trigger_intent` relays the helpdesk's outbox events with the marks
`action_relay_handoff_event` puts on them (actions/handoff.py); the "waiting" notice the
assistant says when it hands over is pushed by the test.

Both languages; screenshots in var/artifacts/screenshots/ (typing-*.png).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response
from sanic.request import Request

from channels.socketio import CaredeskSocketIOInput, CaredeskSocketIOOutput
from devstack.backoffice import AGENT_PASSWORDS
from devstack.processes import free_port
from tests.support.browser import SCREENSHOTS
from tests.support.browser import WIDGET_BUNDLE as BUNDLE
from tests.support.helpdesk import API_KEY, RASA_TOKEN, Helpdesk, module_helpdesk
from tests.support.sanic_server import sanic_in_thread

pytestmark = pytest.mark.browser

ZONE = "Asia/Ho_Chi_Minh"
MAI_ANH = "Lê Thị Mai Anh"  # the seeded billing agent
BILLING = {"en": "Billing", "vi": "Thanh toán & Hóa đơn"}
TEXTS = {
    "en": {
        "joined": "{name} from our team has joined the conversation.",
        "waiting": "I've passed your conversation to our Billing team.",
        "agent_typing": f"{MAI_ANH} is typing…",
        "customer_typing": "Customer is typing…",
        "queue_typing": "typing…",
        "customer_says": "I was charged twice for ORD-10001",
        "agent_says": "Let me check that payment for you.",
    },
    "vi": {
        "joined": "{name} của shop đã tham gia cuộc trò chuyện.",
        "waiting": "Mình đã chuyển cuộc trò chuyện tới bộ phận Thanh toán & Hóa đơn.",
        "agent_typing": f"{MAI_ANH} đang soạn tin…",
        "customer_typing": "Khách đang soạn tin…",
        "queue_typing": "đang soạn tin…",
        "customer_says": "Mình bị trừ tiền hai lần cho đơn ORD-10001",
        "agent_says": "Để mình kiểm tra khoản thanh toán đó cho bạn nhé.",
    },
}
SHOP_PAGE = """<!doctype html><html lang="{language}"><head><meta charset="utf-8">
<title>Mây Store</title></head><body><h1>Mây Store</h1>
<script src="/caredesk-widget.js" data-server-url="{url}" data-language="{language}"
  data-title="Mây Store"></script></body></html>"""


class TrackerStub:
    async def exists(self, conversation_id: str) -> bool:
        return False  # every widget gets a session of its own


class ForwardingAgent:
    """Stands in for Rasa's agent with a person on the conversation: each customer message
    goes to the helpdesk, as `action_forward_to_agent` sends it."""

    tracker_store = TrackerStub()

    def __init__(self, helpdesk_url: str) -> None:
        self.helpdesk_url = helpdesk_url

    async def handle_message(self, message: UserMessage) -> None:
        body = {
            "message_id": uuid.uuid4().hex,
            "text": message.text,
            "sent_at": datetime.now(timezone.utc).isoformat(),
        }
        url = f"{self.helpdesk_url}/api/v1/handoffs/{message.sender_id}/messages"
        headers = {"X-API-Key": API_KEY}
        answer = await asyncio.to_thread(requests.post, url, json=body, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.text


class ChatServer:
    """Our socket.io channel on Sanic, the shop page with the widget, and the stand-ins."""

    def __init__(self, port: int, helpdesk_url: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.channel = CaredeskSocketIOInput(session_persistence=True)
        self.languages: dict[str, str] = {}  # conversation -> the customer's language
        app = Sanic("caredesk_live_typing")
        app.ctx.agent = ForwardingAgent(helpdesk_url)
        register([self.channel], app, route="/webhooks/")
        app.add_route(self.shop_page, "/shop/<language:str>")
        app.add_route(self.bundle, "/caredesk-widget.js")
        app.add_route(
            self.trigger_intent, "/conversations/<conversation_id:str>/trigger_intent", ["POST"]
        )
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def shop_page(self, request: Request, language: str) -> Any:
        return response.html(SHOP_PAGE.format(url=self.url, language=language))

    async def bundle(self, request: Request) -> Any:
        return response.text(BUNDLE.read_text(encoding="utf-8"), content_type="text/javascript")

    async def trigger_intent(self, request: Request, conversation_id: str) -> Any:
        """The helpdesk's outbox event, said in the conversation as the relay action says it."""
        assert request.args.get("token") == RASA_TOKEN
        body = request.json
        entities = body.get("entities") or {}
        tag = {"delivery_id": entities.get("delivery_id")}
        language = self.languages.get(conversation_id, "en")
        name = entities.get("agent_name")
        if body.get("name") == "EXTERNAL_agent_joined":
            text = TEXTS[language]["joined"].format(name=name)
            mark = {"from": "agent", "event": "agent_joined", "agent_name": name, **tag}
        elif body.get("name") == "EXTERNAL_agent_message":
            text = str(entities.get("agent_text") or "")
            mark = {"from": "agent", "event": "agent_message", "agent_name": name, **tag}
        else:
            return response.json({"tracker": {"events": []}})
        await self.say(conversation_id, text, mark)
        events = [
            {"event": "user", "text": "hi", "metadata": {"confirms_delivery": True}},
            {"event": "bot", "text": text, "metadata": {"caredesk": mark}},
        ]
        return response.json({"tracker": {"events": events}})

    async def say(self, conversation_id: str, text: str, mark: dict[str, Any]) -> None:
        output = CaredeskSocketIOOutput(self.channel.sio, "bot_uttered")
        await output.send_response(
            conversation_id, {"text": text, "timestamp": time.time(), "caredesk": mark}
        )

    def push(self, conversation_id: str, text: str, mark: dict[str, Any]) -> None:
        assert self.loop is not None
        future = asyncio.run_coroutine_threadsafe(self.say(conversation_id, text, mark), self.loop)
        future.result(timeout=10)

    def newest_session(self) -> str:
        return list(self.channel._sessions.values())[-1]

    def __enter__(self) -> ChatServer:
        self._serving = sanic_in_thread(self.app, self.port)
        self.loop = self._serving.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._serving.__exit__(None, None, None)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Helpdesk, ChatServer]]:
    chat_port = free_port()
    with module_helpdesk(Path(tmp_path_factory.mktemp("typing"))) as helpdesk:
        helpdesk.env["RASA_URL"] = f"http://127.0.0.1:{chat_port}"
        helpdesk.start()
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RASA_AUTH_TOKEN", RASA_TOKEN)
            env.setenv("BACKOFFICE_API_KEY", API_KEY)
            env.setenv("HELPDESK_API_URL", helpdesk.base_url)
            env.setenv("CAREDESK_SESSION_SECRET", "live-typing-secret")
            env.setenv("CAREDESK_ALLOWED_ORIGINS", f"http://127.0.0.1:{chat_port}")
            with ChatServer(chat_port, helpdesk.base_url) as chat:
                yield helpdesk, chat


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"typing-{name}.png"))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_side_sees_the_other_typing(
    browser: Any, stack: tuple[Helpdesk, ChatServer], language: str
) -> None:
    from playwright.sync_api import expect

    helpdesk, chat = stack
    texts = TEXTS[language]
    locale = {"en": "en-US", "vi": "vi-VN"}[language]
    problems: list[str] = []

    # The customer opens the chat on the shop's page.
    shop = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale,
                               timezone_id=ZONE)  # fmt: skip
    shop.set_default_timeout(10_000)
    customer = shop.new_page()
    customer.on("pageerror", lambda error: problems.append(str(error)))
    # What the widget sends on its socket (long-polling requests, then websocket frames).
    sent: list[str] = []
    customer.on("request", lambda request: sent.append(request.post_data or ""))
    customer.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    customer.goto(f"{chat.url}/shop/{language}")
    widget = customer.locator("#caredesk-widget")
    widget.locator(".cd-launcher").click()
    expect(widget.locator(".cd-root")).to_have_attribute("data-connection", "online")
    conversation = chat.newest_session()
    chat.languages[conversation] = language
    box = widget.locator("#cd-input")
    agent_typing = widget.locator(".cd-agent-typing")

    # With the assistant: typing is nobody's business, nothing is sent.
    box.press_sequentially("hello", delay=30)
    time.sleep(0.5)
    box.fill("")
    assert not [frame for frame in sent if "customer_typing" in frame]

    # Handed over to billing (the assistant's notice, as the hand-off action says it).
    handoff = helpdesk.request_handoff(conversation, language=language, channel="socketio")
    assert handoff.status_code == 201, handoff.text
    waiting = {
        "from": "bot",
        "event": "handoff_waiting",
        "department": "billing",
        "department_names": BILLING,
    }
    chat.push(conversation, texts["waiting"], waiting)
    expect(widget.locator(".cd-root")).to_have_attribute("data-mode", "waiting")

    # The billing agent signs in to the console in the same language.
    desk = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale)
    desk.set_default_timeout(10_000)
    console = desk.new_page()
    console.on("pageerror", lambda error: problems.append(str(error)))
    console.goto(helpdesk.base_url + "/console")
    if language == "vi":
        console.select_option("#language", "vi")
    console.fill("#username", "billing")
    console.fill("#password", AGENT_PASSWORDS["billing"])
    console.press("#password", "Enter")
    card = console.locator(f'#queue-list .queue-item[data-conversation="{conversation}"]')
    expect(card).to_be_visible()
    marker = card.locator(".queue-typing")

    # Customer → agent, while waiting: a marker on the queue card.
    box.press_sequentially(texts["customer_says"][:12], delay=40)
    expect(marker).to_be_visible()
    expect(marker).to_have_text(texts["queue_typing"])
    shoot(console, f"console-queue-{language}")
    expect(marker).to_be_hidden(timeout=12_000)  # stopped typing: gone after the pause

    # The agent claims it; the customer sees who joined.
    card.click()
    console.click("#claim")
    expect(widget.locator(".cd-root")).to_have_attribute("data-mode", "agent")

    # Customer → agent, in the open conversation: "Customer is typing…", gone once it arrives.
    line = console.locator("#customer-typing")
    expect(line).to_be_hidden()
    box.fill("")
    box.press_sequentially(texts["customer_says"], delay=40)
    expect(line).to_be_visible()
    expect(line).to_have_text(texts["customer_typing"])
    shoot(console, f"console-customer-typing-{language}")
    box.press("Enter")
    expect(console.locator("#transcript .msg-customer").last).to_contain_text(
        texts["customer_says"]
    )
    expect(line).to_be_hidden()

    # Agent → customer: "<agent> is typing…" with the agent's initials, gone when the reply
    # arrives.
    reply = console.locator("#reply-text")
    reply.press_sequentially(texts["agent_says"][:20], delay=40)
    expect(agent_typing).to_be_visible()
    expect(agent_typing).to_contain_text(texts["agent_typing"])
    expect(agent_typing.locator(".cd-msg-avatar")).to_have_text("LA")
    shoot(customer, f"widget-agent-typing-{language}")
    reply.press_sequentially(texts["agent_says"][20:], delay=20)
    reply.press("Enter")
    expect(widget.locator(".cd-msg-agent").last).to_contain_text(texts["agent_says"])
    expect(agent_typing).to_be_hidden()

    # The agent stops typing without sending: it goes away by itself.
    reply.press_sequentially("…", delay=10)
    expect(agent_typing).to_be_visible()
    expect(agent_typing).to_be_hidden(timeout=12_000)
    shoot(customer, f"widget-after-typing-{language}")

    # The customer's signals said only "typing" or "stopped", never a word of the text.
    signals = [frame for frame in sent if "customer_typing" in frame]
    assert signals
    for frame in signals:
        assert '{"typing":true}' in frame or '{"typing":false}' in frame, frame
        assert texts["customer_says"][:5] not in frame

    # The assistant's dots never showed while a person had the conversation (issue 12).
    expect(widget.locator(".cd-typing")).to_be_hidden()
    assert problems == []
    shop.close()
    desk.close()

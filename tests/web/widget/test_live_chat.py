"""The widget while a person is involved, and its composer, as a customer sees them (issue 12).

A socket.io server speaks caredesk's channel protocol: session_confirm offers the turn-done
event and the channel's message limit (`channels.socketio.SESSION_OFFER`, the real one), bot
messages go out through our real output class with the `caredesk` marks the actions put on them
(actions/handoff.py: `handoff_waiting`, `agent_joined`, `agent_message`, `agent_transferred`,
`handoff_resolved`), and the test plays the helpdesk by pushing them when an agent would act.
Every test runs in Vietnamese and English, on a desktop and a 390x844 phone, in a browser set
to another time zone than the shop's (BROWSER_ZONE): session_confirm names the shop's
(channels/shop_time.py, the real one), and every time the widget shows (message times, the
waiting header) must read on the shop's clock; screenshots go to var/artifacts/screenshots/
(widget-live-*.png).

The whole path (the helpdesk's promise → the action's mark → the socket) runs on the real stack
in tests/channels/test_socketio.py; the waiting header on the real stack in test_widget.py.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import socketio

from channels.limits import MAX_MESSAGE_CHARS
from channels.shop_time import shop_time_zone
from channels.socketio import SESSION_OFFER, TURN_DONE_EVENT, CaredeskSocketIOOutput
from devstack.processes import free_port
from tests.support.asgi_server import ThreadedServer
from tests.support.browser import SCREENSHOTS
from tests.support.browser import WIDGET_BUNDLE as BUNDLE

pytestmark = pytest.mark.browser

ZONE = "Asia/Ho_Chi_Minh"  # the shop's (backoffice/config/departments.yml)
BROWSER_ZONE = "Europe/Berlin"  # the customer's browser: 6 or 7 hours behind the shop
VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-US", "vi": "vi-VN"}
BILLING = {"en": "Billing", "vi": "Thanh toán & Hóa đơn"}
LOGISTICS = {"en": "Delivery & Logistics", "vi": "Giao hàng & Vận chuyển"}
MAI_ANH, QUOC_BAO = "Lê Thị Mai Anh", "Phạm Quốc Bảo"  # the seeded agents' display names
ANSWER_DELAY = 1.5  # seconds the fake assistant "thinks" before answering
FORWARD_DELAY = 3.0  # seconds before the server is done with a message forwarded to a person

TEXTS = {
    "en": {
        "bot": "Virtual assistant",
        "waiting": "Waiting for {department}",
        "expected": "Expected reply by {time}",
        "chatting": "Chatting with {name}",
        "ended": "{name} ended the conversation",
        "too_long": "Your message is {n} characters long; the limit is {max}.",
        "ask_person": "I want to talk to someone about a double charge",
        "ask_policy": "what is your return policy",
        "waiting_line": "I've passed your conversation to our Billing team (ticket TCK-000042).",
        "closed_line": "Our agent has closed the conversation. I am here if you need anything.",
    },
    "vi": {
        "bot": "Trợ lý ảo",
        "waiting": "Đang chờ bộ phận {department}",
        "expected": "Dự kiến phản hồi trước {time}",
        "chatting": "Đang trò chuyện với {name}",
        "ended": "{name} đã kết thúc cuộc trò chuyện",
        "too_long": "Tin nhắn của bạn dài {n} ký tự, vượt giới hạn {max} ký tự.",
        "ask_person": "cho mình gặp nhân viên, bị trừ tiền hai lần",
        "ask_policy": "chính sách đổi trả thế nào",
        "waiting_line": "Mình đã chuyển cuộc trò chuyện tới bộ phận Thanh toán & Hóa đơn.",
        "closed_line": "Nhân viên đã kết thúc cuộc trò chuyện. Mình luôn sẵn sàng hỗ trợ bạn.",
    },
}


def clock(at: datetime, language: str) -> str:
    """A time as Chromium writes it for the language: "2:35 PM" (en-US), "14:35" (vi-VN)."""
    if language == "vi":
        return f"{at.hour}:{at.minute:02d}"
    return f"{(at.hour % 12) or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def promise(at: datetime, now: datetime, language: str) -> str:
    """The promised time as the header words it: the clock today, "tomorrow" after midnight."""
    if at.date() == now.date():
        return clock(at, language)
    return clock(at, language) + (" tomorrow" if language == "en" else " ngày mai")


def loose(text: str) -> re.Pattern[str]:
    """`text` with any kind of space where it has one (ICU writes a narrow one before PM)."""
    return re.compile(r"\s".join(re.escape(part) for part in text.split(" ")))


def spaced(text: str) -> str:
    return re.sub(r"\s", " ", text)  # Chromium's narrow space before PM, the widget's no-break one


def number(n: int, language: str) -> str:
    return f"{n:,}".replace(",", "." if language == "vi" else ",")


class LiveChatServer(ThreadedServer):
    """caredesk's socket.io protocol; the test plays the assistant and the helpdesk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self.rooms: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
        self.sio = sio
        self.out = CaredeskSocketIOOutput(sio, "bot_uttered")

        @sio.on("session_request")
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            self.loop = asyncio.get_running_loop()
            session_id = (data or {}).get("session_id") or uuid.uuid4().hex
            self.rooms.append(sid)
            confirmation = {
                "session_id": session_id,
                "session_token": "t" * 64,
                **SESSION_OFFER,
                "time_zone": shop_time_zone(),
            }
            await sio.emit("session_confirm", confirmation, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            self.received.append(data)
            text = str(data.get("message", ""))
            try:
                await self.answer(sid, text)
            finally:
                await sio.emit(TURN_DONE_EVENT, {}, room=sid)

        self._serve(socketio.ASGIApp(sio, other_asgi_app=self.host_page))

    async def answer(self, sid: str, text: str) -> None:
        if text in (TEXTS["en"]["ask_person"], TEXTS["vi"]["ask_person"]):
            language = "vi" if text == TEXTS["vi"]["ask_person"] else "en"
            promised = datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=30)
            self.promised = promised.replace(second=0, microsecond=0)
            mark = {
                "from": "bot",
                "event": "handoff_waiting",
                "department": "billing",
                "department_names": BILLING,
                "expected_reply_at": self.promised.isoformat(),
            }
            await self.say(sid, TEXTS[language]["waiting_line"], mark)
        elif text in (TEXTS["en"]["ask_policy"], TEXTS["vi"]["ask_policy"]):
            await asyncio.sleep(ANSWER_DELAY)
            await self.say(sid, "30 days, free return shipping.")
            await asyncio.sleep(ANSWER_DELAY)  # a second part of the same answer: dots between
            await self.say(sid, "Anything else?")
        else:
            await asyncio.sleep(FORWARD_DELAY)  # forwarded to a person: nothing to say

    async def say(self, sid: str, text: str, caredesk: dict[str, Any] | None = None) -> None:
        """A bot event as Rasa hands it to the channel: both copies, the second placed."""
        message = {"text": text, "timestamp": time.time()}
        if caredesk:
            message["caredesk"] = caredesk
        await self.out.send_response(sid, message)

    def push(self, text: str, caredesk: dict[str, Any]) -> None:
        """What the helpdesk's outbox makes Rasa say to the latest socket."""
        assert self.loop is not None
        coroutine = self.say(self.rooms[-1], text, caredesk)
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def host_page(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        language = scope.get("path", "/").strip("/")[-2:]
        body = f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8">
<title>Mây Store</title></head><body><h1>Mây Store</h1>
<script src="/caredesk-widget.js" data-server-url="{self.url}" data-language="{language}"
  data-title="Mây Store"></script></body></html>"""
        if scope["type"] == "http" and scope["path"] == "/caredesk-widget.js":
            body, kind = BUNDLE.read_text(encoding="utf-8"), "text/javascript"
        else:
            kind = "text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", kind.encode())],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})


@pytest.fixture(scope="module")
def server() -> Iterator[LiveChatServer]:
    assert shop_time_zone() == ZONE  # what the expected times below are computed in
    with LiveChatServer() as running:
        yield running


@pytest.fixture(params=[(lang, device) for lang in ("vi", "en") for device in VIEWPORTS])
def chat(request: Any, browser: Any, server: LiveChatServer) -> Iterator[Any]:
    language, device = request.param
    context = browser.new_context(
        viewport=VIEWPORTS[device], locale=LOCALES[language], timezone_id=BROWSER_ZONE
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.language, page.device = language, device
    page.goto(f"{server.url}/shop-{language}")
    widget = page.locator("#caredesk-widget")
    widget.locator(".cd-launcher").click()
    from playwright.sync_api import expect

    expect(widget.locator(".cd-root")).to_have_attribute("data-connection", "online")
    yield page
    context.close()


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"widget-live-{name}-{page.language}-{page.device}.png"
    page.screenshot(path=str(path))


def say(page: Any, text: str) -> None:
    box = page.locator("#caredesk-widget #cd-input")
    box.fill(text)
    box.press("Enter")


def never_visible(locator: Any, seconds: float) -> None:
    """`locator` stays hidden for `seconds` (polled every 100 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not locator.is_visible(), "shown although nothing is coming"
        time.sleep(0.1)


def test_waiting_agent_and_end_show_in_the_header_and_the_log(
    chat: Any, server: LiveChatServer
) -> None:
    from playwright.sync_api import expect

    page, language = chat, chat.language
    texts = TEXTS[language]
    widget = page.locator("#caredesk-widget")
    status, substatus = widget.locator(".cd-status"), widget.locator(".cd-substatus")
    avatar, typing = widget.locator(".cd-header .cd-avatar"), widget.locator(".cd-typing")
    expect(status).to_have_text(texts["bot"])
    expect(avatar).to_be_hidden()

    # The assistant's answer is on its way: dots until the last part of it has arrived.
    say(page, texts["ask_policy"])
    expect(typing).to_be_visible()
    expect(widget.locator(".cd-msg-bot", has_text="30 days")).to_be_visible()
    expect(typing).to_be_visible()  # the second part is still coming
    expect(widget.locator(".cd-msg-bot", has_text="Anything else?")).to_be_visible()
    expect(typing).to_be_hidden()

    # Handed to billing: the header says whom the customer waits for and until when.
    say(page, texts["ask_person"])
    expect(widget.locator(".cd-msg-bot", has_text=texts["waiting_line"])).to_be_visible()
    department = BILLING[language]
    expect(status).to_have_text(texts["waiting"].format(department=department))
    promised = promise(server.promised, datetime.now(ZoneInfo(ZONE)), language)
    expect(substatus).to_have_text(loose(texts["expected"].format(time=promised)))
    expect(avatar).to_be_visible()
    expect(widget.locator(".cd-root")).to_have_attribute("data-mode", "waiting")
    assert texts["bot"] not in (widget.locator(".cd-header").text_content() or "")
    shoot(page, "1-waiting")
    # The customer switches the widget's language: the department is named in the other one.
    other = "en" if language == "vi" else "vi"
    widget.locator("#cd-language").select_option(other)
    expect(status).to_have_text(TEXTS[other]["waiting"].format(department=BILLING[other]))
    widget.locator("#cd-language").select_option(language)
    expect(status).to_have_text(texts["waiting"].format(department=department))

    # Nobody types while the customer waits: no dots, although the server takes 3 s with it.
    say(page, "are you there?" if language == "en" else "có ai không ạ?")
    expect(widget.locator(".cd-msg-customer").last).to_be_visible()
    never_visible(typing, FORWARD_DELAY + 0.5)

    # An agent joins: the header shows the agent, the agent's messages their initials.
    joined = "{} joined the conversation." if language == "en" else "{} đã tham gia."
    server.push(
        joined.format(MAI_ANH), {"from": "agent", "event": "agent_joined", "agent_name": MAI_ANH}
    )
    expect(status).to_have_text(texts["chatting"].format(name=MAI_ANH))
    expect(avatar).to_have_text("LA")
    server.push(
        "I can see the two charges; refunding one now.",
        {"from": "agent", "event": "agent_message", "agent_name": MAI_ANH},
    )
    reply = widget.locator(".cd-msg-agent", has_text="I can see the two charges")
    expect(reply.locator(".cd-msg-avatar")).to_have_text("LA")
    expect(reply.locator(".cd-sender")).to_contain_text(MAI_ANH)
    say(page, "thanks!" if language == "en" else "cảm ơn bạn!")
    never_visible(typing, 1.0)  # the agent owns the conversation: no assistant dots
    shoot(page, "2-agent")

    # A transfer: waiting again, for the new department; then its agent joins.
    server.push(
        "Your conversation is being passed to our Delivery & Logistics team.",
        {
            "from": "bot",
            "event": "agent_transferred",
            "department": "logistics",
            "department_names": LOGISTICS,
            "expected_reply_at": "",  # no promise: the header says someone comes shortly
        },
    )
    expect(status).to_have_text(texts["waiting"].format(department=LOGISTICS[language]))
    soon = "Someone will be with you shortly" if language == "en" else "Nhân viên sẽ trả lời"
    expect(substatus).to_contain_text(soon)
    server.push(
        f"{QUOC_BAO} joined.", {"from": "agent", "event": "agent_joined", "agent_name": QUOC_BAO}
    )
    expect(avatar).to_have_text("PB")

    # The agent resolves: a divider ends the conversation; the assistant is back.
    server.push(texts["closed_line"], {"from": "bot", "event": "handoff_resolved"})
    divider = widget.locator(".cd-divider")
    expect(divider).to_have_count(1)
    expect(divider).to_have_attribute("role", "separator")
    expect(divider).to_contain_text(texts["ended"].format(name=QUOC_BAO))
    expect(status).to_have_text(texts["bot"])
    expect(avatar).to_be_hidden()
    expect(substatus).to_be_hidden()
    never_visible(typing, 1.0)  # "thanks!" went to the agent: nothing of the assistant's comes

    # Every message says when it was said, as the customer's language writes the time, on the
    # shop's clock (the browser's is hours behind).
    now = datetime.now(ZoneInfo(ZONE))
    times = widget.locator(".cd-msg .cd-time")
    expect(times).to_have_count(widget.locator(".cd-msg").count())
    written = {spaced(t) for t in times.all_text_contents()}
    assert written <= {clock(now - timedelta(minutes=m), language) for m in range(3)}, written
    shoot(page, "3-ended")
    assert page.problems == []


def test_the_counter_follows_the_servers_limit_and_never_cuts_a_message(
    chat: Any, server: LiveChatServer
) -> None:
    from playwright.sync_api import expect

    page, language = chat, chat.language
    widget = page.locator("#caredesk-widget")
    box, counter = widget.locator("#cd-input"), widget.locator(".cd-counter")
    warning, send = widget.locator(".cd-too-long"), widget.locator(".cd-send")
    words = "Tôi muốn đổi trả tai nghe vì bị rè " if language == "vi" else "my headset crackles "
    long_text = (words * 200)[: MAX_MESSAGE_CHARS + 150].rstrip() + " end"
    assert len(long_text) > MAX_MESSAGE_CHARS

    box.fill(long_text[:1000])
    expect(counter).to_be_hidden()  # far from the limit: nothing to count
    near = long_text[: MAX_MESSAGE_CHARS - 200].rstrip()  # counted as sent: trimmed
    box.fill(near)
    expect(counter).to_have_text(
        f"{number(len(near), language)} / {number(MAX_MESSAGE_CHARS, language)}"
    )
    expect(warning).to_be_hidden()

    # Over the limit: said in the customer's language, sending refused, nothing cut.
    sent_before = len(server.received)
    box.fill(long_text)
    too_long = TEXTS[language]["too_long"].format(
        n=number(len(long_text), language), max=number(MAX_MESSAGE_CHARS, language)
    )
    expect(warning).to_contain_text(too_long)
    expect(counter).to_have_class(re.compile("cd-over"))
    expect(send).to_have_attribute("aria-disabled", "true")
    box.press("Enter")
    send.click(force=True)  # aria-disabled: Playwright, like a screen reader, sees it off
    page.wait_for_timeout(500)
    assert len(server.received) == sent_before
    assert box.input_value() == long_text  # every word kept for the customer to shorten
    expect(widget.locator(".cd-msg-customer")).to_have_count(0)
    shoot(page, "4-too-long")

    # Exactly at the limit it goes, whole.
    exact = long_text[:MAX_MESSAGE_CHARS]
    box.fill(exact)
    expect(warning).to_be_hidden()
    expect(send).to_have_attribute("aria-disabled", "false")
    box.press("Enter")
    expect(widget.locator(".cd-msg-customer")).to_have_count(1)
    deadline = time.monotonic() + 10
    while len(server.received) == sent_before:
        assert time.monotonic() < deadline, "the message at the limit was not sent"
        time.sleep(0.05)
    assert server.received[-1]["message"] == exact.strip()
    expect(counter).to_be_hidden()
    assert page.problems == []


UNREAD = {
    "en": ("Open chat with customer care", "1 new message", "3 new messages"),
    "vi": ("Mở khung chat với bộ phận chăm sóc khách hàng", "1 tin nhắn mới", "3 tin nhắn mới"),
}


def test_messages_arriving_while_closed_badge_the_launcher_until_it_is_opened(
    chat: Any, server: LiveChatServer
) -> None:
    """An order update (or any message) pushed while the panel is closed: a badge with the
    count, named in the widget's language as part of the launcher's name, kept across a reload
    of the page, gone when the panel opens."""
    from playwright.sync_api import expect

    page, language = chat, chat.language
    opener, one, three = UNREAD[language]
    widget = page.locator("#caredesk-widget")
    launcher, badge = widget.locator(".cd-launcher"), widget.locator(".cd-badge")
    page.keyboard.press("Escape")
    expect(widget.locator(".cd-panel")).to_be_hidden()
    expect(badge).to_be_hidden()
    expect(launcher).to_have_accessible_name(opener)

    server.push("Update on order ORD-10002: it has shipped.", {})
    expect(badge).to_have_text("1")
    expect(page.get_by_role("img", name=one, exact=True)).to_be_visible()
    expect(launcher).to_have_accessible_name(f"{opener} {one}")
    server.push("Update on order ORD-10002: it is out for delivery today.", {})
    server.push("Update on order ORD-10002: it has been delivered.", {})
    expect(badge).to_have_text("3")
    expect(launcher).to_have_accessible_name(f"{opener} {three}")
    shoot(page, "unread-badge")

    page.reload()  # another page of the shop: the count stays with the tab
    expect(badge).to_have_text("3")
    expect(page.get_by_role("img", name=three, exact=True)).to_be_visible()
    launcher.click()
    expect(widget.locator(".cd-panel")).to_be_visible()
    expect(badge).to_be_hidden()
    expect(widget.locator(".cd-msg-bot", has_text="it has been delivered")).to_be_visible()
    page.keyboard.press("Escape")  # read: closed again, nothing new
    expect(launcher).to_have_accessible_name(opener)
    expect(badge).to_be_hidden()
    assert page.problems == []

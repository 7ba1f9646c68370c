"""What the widget does with every kind of bot message Rasa's socket.io channel can emit.

Our assistant's answers are text and buttons; Rasa's channel can also send images, cards
(`elements`) and custom JSON, which a retailer's own responses may use. Here Rasa's real output
class (`rasa.core.channels.socketio.SocketIOOutput`) emits them from a plain socket.io server
speaking the channel's protocol (session_request → session_confirm, user_uttered → bot_uttered),
so the payloads are exactly Rasa's, without training a model that says them. The host page is a
stranger's page (another origin, its own strict CSP) that embeds the widget with every data
attribute; the test checks what is drawn, what is never executed, and what the widget sends.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from rasa.core.channels.socketio import SocketIOOutput

from devstack.processes import free_port
from tests.support.asgi_server import ThreadedServer
from tests.support.browser import SCREENSHOTS
from tests.support.browser import WIDGET_BUNDLE as BUNDLE

pytestmark = pytest.mark.browser

HOST_PATH = "/products/tai-nghe"
PICTURE = "http://cdn.test/sony.png"
INJECTION = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
# A 1x1 PNG, for the picture the bot sends.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


class RasaSocketServer(ThreadedServer):
    """A socket.io server with Rasa's channel protocol; replies through Rasa's output class."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self.sessions: list[str] = []
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
        self.sio = sio

        @sio.on("session_request")
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = (data or {}).get("session_id")
            self.sessions.append(str(session_id))
            entered = sio.enter_room(sid, session_id)
            if asyncio.iscoroutine(entered):
                await entered
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            self.received.append(data)
            await self.reply(str(data["session_id"]), str(data.get("message", "")))

        self._serve(socketio.ASGIApp(sio, other_asgi_app=self.host_page))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def page_url(self) -> str:
        """The shop's page: another origin (localhost, not 127.0.0.1), on loopback too, since
        Chromium refuses a public page's requests to a loopback address."""
        return f"http://localhost:{self.port}{HOST_PATH}"

    async def host_page(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A stranger's page with its own strict CSP, embedding the widget with every attribute."""
        found = scope["type"] == "http" and scope["path"] == HOST_PATH
        csp = (
            "default-src 'none'; script-src http://widget.test; img-src http://cdn.test; "
            f"connect-src {self.url} ws://127.0.0.1:{self.port}; style-src 'none'"
        )
        body = host_page(self.url).encode() if found else b"not found"
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        if found:
            headers.append((b"content-security-policy", csp.encode()))
        await send(
            {"type": "http.response.start", "status": 200 if found else 404, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})

    async def reply(self, room: str, message: str) -> None:
        out = SocketIOOutput(self.sio, "bot_uttered")
        if message == "show me":
            await out.send_text_message(
                room,
                "Our best sellers this week:\n- Sony WH-CH520\n- JBL Flip 6\n"
                f"See **all deals** at [our deals page](https://shop.test/deals). {INJECTION}",
            )
            await out.send_image_url(room, PICTURE)
            await out.send_elements(
                room,
                [
                    {
                        "title": "Tai nghe Sony WH-CH520",
                        "subtitle": "1.190.000₫ · free delivery",
                        "image_url": PICTURE,
                        "buttons": [{"title": "Buy / Mua", "payload": "/place_order"}],
                    }
                ],
            )
            await out.send_text_with_buttons(
                room,
                "Anything else?",
                [
                    {"title": "Delivery", "payload": "/delivery_options"},
                    {"title": f"Bad {INJECTION}", "payload": "/greet"},
                ],
            )
            await out.send_attachment(
                room, {"type": "image", "payload": {"src": "javascript:alert(3)"}}
            )
        else:
            await out.send_text_message(room, f"you said: {message}")


@pytest.fixture(scope="module")
def rasa_socket() -> Iterator[RasaSocketServer]:
    with RasaSocketServer() as server:
        yield server


# Tokens' shape only: the chat server checks the signature (tests/channels/test_shop_identity.py).
SIGNED_IN = "v1.QzQy.4102444800.0123abcd"
OTHER_CUSTOMER = "v1.YW4.4102444800.4567ef01"


def host_page(server_url: str) -> str:
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Another shop</title></head>
<body><h1>Tai nghe</h1><p>A page of a shop on another origin.</p>
<script src="http://widget.test/caredesk-widget.js" async
  data-server-url="{server_url}" data-language="en" data-title="Shop help"
  data-primary-color="#ffd400" data-position="left" data-customer-token="{SIGNED_IN}"></script>
</body></html>"""


@pytest.fixture
def page(browser: Any, rasa_socket: RasaSocketServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(10_000)
    context.route(
        "http://widget.test/caredesk-widget.js",
        lambda route: route.fulfill(path=str(BUNDLE), content_type="text/javascript"),
    )
    context.route(PICTURE, lambda route: route.fulfill(body=PNG, content_type="image/png"))
    tab = context.new_page()
    tab.problems = []
    tab.on("pageerror", lambda error: tab.problems.append(str(error)))
    tab.on("dialog", lambda dialog: (tab.problems.append(dialog.message), dialog.dismiss()))
    tab.on(
        "console",
        lambda m: tab.problems.append(m.text) if "Refused to" in m.text else None,
    )
    tab.goto(rasa_socket.page_url)
    yield tab
    context.close()


def open_and_say(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    page.locator("#caredesk-widget .cd-launcher").click()
    expect(page.locator("#caredesk-widget .cd-root")).to_have_attribute("data-connection", "online")
    page.locator("#caredesk-widget #cd-input").fill(text)
    page.locator("#caredesk-widget #cd-input").press("Enter")


def test_images_cards_lists_links_and_buttons_render_safely(
    page: Any, rasa_socket: RasaSocketServer
) -> None:
    from playwright.sync_api import expect

    widget = page.locator("#caredesk-widget")
    # Data attributes: English UI on a Vietnamese page, title, left side, the brand colour
    # with a dark text colour (yellow is too light for white text).
    expect(widget.locator(".cd-launcher")).to_have_accessible_name("Open chat with customer care")
    launcher = widget.locator(".cd-launcher")
    assert (launcher.bounding_box() or {}).get("x", 999) < 100
    colours = launcher.evaluate(
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    )
    assert colours == ["rgb(255, 212, 0)", "rgb(17, 24, 39)"]
    open_and_say(page, "show me")
    expect(widget.locator(".cd-title")).to_have_text("Shop help")

    log = widget.locator(".cd-messages")
    # Five messages were sent; the last, a `javascript:` picture, is dropped altogether.
    expect(log.locator(".cd-msg-bot")).to_have_count(4)
    first = log.locator(".cd-msg-bot").first
    expect(first.locator("ul.cd-list li")).to_have_text(["Sony WH-CH520", "JBL Flip 6"])
    expect(first.locator("strong")).to_have_text("all deals")
    deals = first.locator("a.cd-link")
    expect(deals).to_have_attribute("href", "https://shop.test/deals")
    expect(deals).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(deals).to_contain_text("our deals page")
    expect(first).to_contain_text(INJECTION)  # shown as text, never parsed

    picture = log.locator(".cd-msg-bot").nth(1).locator("img.cd-image")
    expect(picture).to_have_attribute("src", PICTURE)
    expect(picture).to_have_attribute("alt", "Image")
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 1

    card = log.locator(".cd-card")
    expect(card.locator(".cd-card-title")).to_have_text("Tai nghe Sony WH-CH520")
    expect(card.locator(".cd-card-subtitle")).to_have_text("1.190.000₫ · free delivery")
    expect(card.locator("img.cd-card-image")).to_have_attribute("src", PICTURE)

    replies = log.locator(".cd-replies:visible button")
    expect(replies).to_have_text(["Delivery", f"Bad {INJECTION}"])
    page.wait_for_timeout(500)  # time for the fifth message, which must not show
    expect(log.locator(".cd-msg-bot")).to_have_count(4)
    expect(widget.locator("img")).to_have_count(2)  # only the two pictures from the CDN
    expect(widget.locator("script")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-15-rich-messages.png"))

    # A quick reply sends its payload and shows its title; the card's button works too.
    replies.first.click()
    expect(log.locator(".cd-msg-customer").last).to_contain_text("Delivery")
    expect(log.locator(".cd-msg-bot").last).to_have_text(re.compile("you said: /delivery_options"))
    card.locator("button").click()
    expect(log.locator(".cd-msg-bot").last).to_have_text(re.compile("you said: /place_order"))
    assert page.problems == []


def test_every_message_carries_the_page_context(page: Any, rasa_socket: RasaSocketServer) -> None:
    from playwright.sync_api import expect

    before = len(rasa_socket.received)
    open_and_say(page, "xin chào")
    expect(page.locator("#caredesk-widget .cd-msg-bot").last).to_have_text(
        re.compile("you said: xin chào")
    )
    payload = rasa_socket.received[before]
    context = {
        "page_url": rasa_socket.page_url,
        "customer_token": SIGNED_IN,
        "language": "en",
        "confirms_delivery": True,  # the helpdesk waits for this widget's receipts
    }
    assert payload["message"] == "xin chào"
    assert payload["metadata"] == context
    assert payload["customData"] == context  # what rasa-webchat-era configurations read
    assert re.fullmatch(r"[0-9a-f]{32}", payload["session_id"])
    assert rasa_socket.sessions[-1] == payload["session_id"]
    # Another customer signs in on the page (no reload): the next message goes into a new
    # conversation, and the previous customer's messages are no longer shown.
    page.evaluate(f"window.caredeskCustomer = {{token: '{OTHER_CUSTOMER}'}}")
    page.locator("#caredesk-widget #cd-input").fill("ok")
    page.locator("#caredesk-widget #cd-input").press("Enter")
    expect(page.locator("#caredesk-widget .cd-msg-bot").last).to_contain_text("you said: ok")
    latest = rasa_socket.received[-1]
    assert latest["metadata"]["customer_token"] == OTHER_CUSTOMER
    assert latest["session_id"] != payload["session_id"]
    assert rasa_socket.sessions[-1] == latest["session_id"]
    expect(page.locator("#caredesk-widget .cd-msg-customer")).to_have_count(1)
    assert page.problems == []

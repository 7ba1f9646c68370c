"""The community `rasa-webchat` widget (npm, 1.0.1, socket.io-client 3) chats with our server.

The socket.io protocol must stay standard (issue 5): a page set up as rasa-webchat's README says
talks to the test stack's Rasa over caredesk's socket.io channel, in headless Chromium. The
widget opens, sends its init payload, the customer types two questions, the bot's answers and
its quick-reply buttons are rendered in rasa-webchat's own DOM, and a click on a quick reply
gets its answer. The shared tracker shows the conversation arrived on the socket.io channel.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import pytest

from devstack.processes import REPO_ROOT
from devstack.stack import Stack
from tests.support.browser import SCREENSHOTS, launched_chromium, require, require_chromium

pytestmark = [pytest.mark.stack, pytest.mark.browser]

PAGE = Path(__file__).parent / "rasa_webchat" / "index.html"
WEBCHAT_JS = REPO_ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
TIMEOUT_MS = 45_000  # rasa-webchat delays each bot message by up to 3 s on purpose


class _PageHandler(BaseHTTPRequestHandler):
    """The test page and the widget's bundle; nothing else."""

    files: ClassVar[dict[str, tuple[Path, str]]] = {
        "/": (PAGE, "text/html; charset=utf-8"),
        "/rasa-webchat.js": (WEBCHAT_JS, "text/javascript; charset=utf-8"),
    }

    def do_GET(self) -> None:
        found = self.files.get(urlsplit(self.path).path)
        if found is None:
            self.send_error(404)
            return
        body = found[0].read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", found[1])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the page, not the access log."""


@pytest.fixture(scope="module")
def page_server(stack: Stack) -> Iterator[str]:
    require(
        WEBCHAT_JS.exists(),
        f"{WEBCHAT_JS} is missing: run `make web/node_modules/.installed` (npm ci in web/)",
    )
    # On the port the running system lets browsers come from (CAREDESK_ALLOWED_ORIGINS).
    server = ThreadingHTTPServer(("127.0.0.1", stack.page_port), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    with launched_chromium() as chromium:
        yield chromium


def test_rasa_webchat_chats_with_our_socketio_channel(
    page_server: str, stack: Stack, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    local = ("127.0.0.1", "localhost")
    # The widget's CSS imports a web font: only our two servers are reachable in tests.
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if urlsplit(route.request.url).hostname in local else route.abort()
        ),
    )
    try:
        page.goto(f"{page_server}/?socketUrl={quote(stack.rasa.base_url, safe='')}")
        page.locator(".rw-launcher").click()  # a visitor opens the chat
        messages = page.locator(".rw-messages-container")
        bot = messages.locator(".rw-response")

        # The init payload (/greet) was sent over socket.io and answered.
        bot.filter(has_text="Mây Store").first.wait_for(timeout=TIMEOUT_MS)

        def say(text: str) -> None:
            box = page.locator(".rw-new-message")
            box.fill(text)
            box.press("Enter")
            messages.locator(".rw-client", has_text=text).last.wait_for(timeout=TIMEOUT_MS)

        say("what are your delivery options?")
        bot.filter(has_text="Viettel Post").first.wait_for(timeout=TIMEOUT_MS)

        say("hello")
        # The help menu's six buttons arrive as socket.io quick replies, rendered as such.
        replies = page.locator(".rw-replies .rw-reply")
        replies.nth(5).wait_for(timeout=TIMEOUT_MS)
        assert replies.count() == 6
        titles = replies.all_inner_texts()
        payment = next(t for t in titles if "Payment" in t or "thanh toán" in t)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "rasa_webchat_quick_replies.png"))

        replies.filter(has_text=payment).click()
        messages.locator(".rw-client", has_text=payment).wait_for(timeout=TIMEOUT_MS)
        bot.filter(has_text="MoMo").first.wait_for(timeout=TIMEOUT_MS)
        page.screenshot(path=str(SCREENSHOTS / "rasa_webchat_conversation.png"))

        # Our server saw it all on the socket.io channel, under the widget's session id.
        stored = page.evaluate("() => window.sessionStorage.getItem('chat_session')")
        session_id = json.loads(stored)["session_id"]
        events = stack.tracker(session_id)["events"]
        user = [e for e in events if e["event"] == "user"]
        assert [e["text"] for e in user] == [
            "/greet",
            "what are your delivery options?",
            "hello",
            "/check_payment_methods",
        ]
        assert {e["input_channel"] for e in user} == {"socketio"}
        assert errors == []
    finally:
        context.close()

"""The website chat widget on the demo shop, in a real browser against the whole stack.

Playwright drives Debian's Chromium as a customer would: open the back office's `/shop`, chat
in English and in Vietnamese, track an order with the buttons, reload and find the history,
use two tabs, lose the connection and get it back, ask for a person while an agent in a second
browser context claims the conversation in the console and replies, and rate the conversation
afterwards; then keyboard only and a 360 px phone. One stack (back office, action server, Rasa)
serves every test; the page reaches Rasa through a small TCP relay so that a test can cut the
customer's connection the way a flaky network does. Screenshots go to var/artifacts/screenshots.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devstack.backoffice import AGENT_PASSWORDS
from devstack.processes import free_port
from devstack.stack import Stack, running_stack
from tests.support.browser import SCREENSHOTS, WIDGET_BUNDLE, launched_chromium, require_chromium

pytestmark = [pytest.mark.stack, pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
BOT_TIMEOUT = 45_000  # ms: a reply may wait for an action and the order system
RATING = '/inform{"csat_score": "4"}'
# English words enough for the language detector ("hello" alone is no evidence: the bot would
# answer in the default language, Vietnamese).
GREETING = "hi there, good morning"
INJECTION = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


# -- the network between the browser and Rasa ---------------------------------------------------


class Relay:
    """A TCP relay in front of the Rasa server: `drop()` cuts every open connection at once."""

    def __init__(self) -> None:
        self.port = free_port()
        self.target: int | None = None
        self.accepted = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, name="relay", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            if self.target is None:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.accepted += 1
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            source.settimeout(None)
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self._lock:
                self._open.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def drop(self) -> int:
        with self._lock:
            victims = list(self._open)
        self._close(*victims)
        return len(victims)

    def stop(self) -> None:
        self._stopped.set()
        self.drop()
        self._server.close()


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    running = Relay()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def stack(relay: Relay) -> Iterator[Stack]:
    require_chromium()
    bundle = WIDGET_BUNDLE
    if not bundle.is_file():
        pytest.fail(f"{bundle} is missing: run `make widget` (make test does)")
    # The shop page names the relay as the Rasa server the browser talks to.
    with running_stack(env={"RASA_PUBLIC_URL": relay.url}) as running:
        relay.target = running.rasa.port
        yield running


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


class Visitor:
    """One browser context (a customer's browser, or an agent's), watching for page errors."""

    def __init__(self, browser: Any, stack: Stack, viewport: dict[str, int], locale: str) -> None:
        self.stack = stack
        # A browser far from the shop's clock (Asia/Ho_Chi_Minh): times must still read on it.
        self.context = browser.new_context(
            viewport=viewport, locale=locale, timezone_id=BROWSER_ZONE
        )
        self.context.set_default_timeout(20_000)  # a loaded 2-core machine
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.dialogs: list[str] = []
        self.page = self.new_page()

    def new_page(self) -> Any:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._console)
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.csp_violations.append(message.text)

    def open_shop(self, query: str = "", page: Any = None) -> None:
        (page or self.page).goto(self.stack.backoffice.base_url + "/shop" + query)

    def assert_clean(self) -> None:
        assert self.page_errors == []
        assert self.csp_violations == []
        assert self.dialogs == []

    def screenshot(self, name: str, page: Any = None) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (page or self.page).screenshot(path=str(SCREENSHOTS / f"widget-{name}.png"))


class Customer(Visitor):
    """A shopper with the chat widget; `page` is the tab in use."""

    def launcher(self, page: Any = None) -> Any:
        return (page or self.page).locator("#caredesk-widget .cd-launcher")

    def panel(self, page: Any = None) -> Any:
        return (page or self.page).locator("#caredesk-widget .cd-panel")

    def log(self, page: Any = None) -> Any:
        return (page or self.page).locator("#caredesk-widget .cd-messages")

    def open_chat(self, page: Any = None) -> None:
        from playwright.sync_api import expect

        self.launcher(page).click()
        expect(self.panel(page)).to_be_visible()
        expect((page or self.page).locator("#caredesk-widget .cd-root")).to_have_attribute(
            "data-connection", "online", timeout=20_000
        )

    def say(self, text: str, page: Any = None) -> None:
        page = page or self.page
        box = page.locator("#caredesk-widget #cd-input")
        box.fill(text)
        box.press("Enter")

    def bot_says(self, pattern: str | re.Pattern[str], page: Any = None) -> Any:
        """Waits for a message from the other side (bot, agent or notice) matching `pattern`."""
        from playwright.sync_api import expect

        messages = (page or self.page).locator(
            "#caredesk-widget .cd-msg-bot, #caredesk-widget .cd-msg-agent, "
            "#caredesk-widget .cd-notice"
        )
        match = messages.filter(has_text=pattern).last
        expect(match).to_be_visible(timeout=BOT_TIMEOUT)
        return match

    def click_reply(self, title: str, page: Any = None) -> None:
        page = page or self.page
        button = page.locator(
            "#caredesk-widget .cd-replies:visible button.cd-reply", has_text=title
        )
        button.first.click()

    def session_id(self, page: Any = None) -> str:
        key = f"caredesk:{self.stack_rasa_url}:session"
        return str((page or self.page).evaluate(f"localStorage.getItem({json.dumps(key)})"))

    @property
    def stack_rasa_url(self) -> str:
        return str(self.stack.backoffice_env.get("RASA_PUBLIC_URL"))


@pytest.fixture
def visitors(browser: Any, stack: Stack) -> Iterator[Any]:
    opened: list[Visitor] = []

    def new(
        kind: type[Visitor] = Customer, viewport: dict[str, int] = DESKTOP, locale: str = "en-US"
    ) -> Any:
        visitor = kind(browser, stack, viewport, locale)
        opened.append(visitor)
        return visitor

    yield new
    for visitor in opened:
        visitor.context.close()


def user_metadata(stack: Stack, session_id: str) -> list[dict[str, Any]]:
    events = stack.tracker(session_id)["events"]
    return [e.get("metadata") or {} for e in events if e["event"] == "user"]


def agent_api(stack: Stack, username: str) -> requests.Session:
    http = requests.Session()
    login = http.post(
        stack.backoffice.base_url + "/api/v1/agent/login",
        json={"username": username, "password": AGENT_PASSWORDS[username]},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    http.headers["Authorization"] = f"Bearer {login.json()['token']}"
    return http


# -- tests -------------------------------------------------------------------------------------


def test_english_chat_tracks_an_order_with_the_buttons(visitors: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors()
    page = shopper.page
    shopper.open_shop("?lang=en")
    # The shop's demo sign-in: the page's server signs the customer into the widget's tag, the
    # widget sends the token with every message, the chat verifies it.
    page.click("#account-toggle")
    expect(page.locator("#account-status")).to_contain_text("an.nguyen@example.com")
    launcher = shopper.launcher()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_accessible_name("Open chat with customer care")
    shopper.screenshot("01-shop-closed")

    shopper.open_chat()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#caredesk-widget #cd-input")).to_be_focused()
    expect(page.locator("#caredesk-widget .cd-title")).to_have_text("Mây Store · Help")
    expect(page.locator("#caredesk-widget .cd-status")).to_have_text("Virtual assistant")
    expect(page.locator("#caredesk-widget #cd-input")).to_have_attribute(
        "placeholder", "Type a message…"
    )

    shopper.say(GREETING)
    expect(shopper.log().locator(".cd-msg-customer .cd-bubble").last).to_have_text(GREETING)
    shopper.bot_says("What can I do for you?")
    # The typing indicator showed while the bot worked and is gone now.
    expect(page.locator("#caredesk-widget .cd-typing")).to_be_hidden()
    expect(page.locator("#caredesk-widget #cd-live")).not_to_be_empty()
    menu = page.locator("#caredesk-widget .cd-replies:visible")
    expect(menu.locator("button", has_text="Track my order")).to_be_visible()
    shopper.screenshot("02-greeting-with-buttons")

    shopper.click_reply("Track my order")
    expect(shopper.log().locator(".cd-msg-customer").last).to_have_text(
        re.compile("Track my order")
    )
    expect(menu).to_have_count(0)  # used quick replies go away
    expect(page.locator("#caredesk-widget #cd-input")).to_be_focused()
    shopper.bot_says(re.compile("order number", re.I))
    shopper.say("ORD-10001")
    # Signed in: the shop vouches for the customer, so no email or phone is asked for.
    shopper.bot_says("GHN123456789VN")
    shopper.bot_says(re.compile("ORD-10001.*on its way"))
    shopper.screenshot("03-order-tracked")
    # A link in the bot's text is clickable, opens in a new tab, and cannot reach the opener.
    shopper.say("can I get the invoice for it?")
    invoice = shopper.bot_says("/invoices/").locator("a.cd-link")
    expect(invoice).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+/invoices/"))
    expect(invoice).to_have_attribute("target", "_blank")
    expect(invoice).to_have_attribute("rel", re.compile("noopener"))

    session_id = shopper.session_id()
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    assert stack.tracker(session_id)["slots"]["order_id"] == "ORD-10001"
    metadata = user_metadata(stack, session_id)
    assert metadata, "no user turns recorded"
    assert all(m.get("customer_id") == "an.nguyen@example.com" for m in metadata)
    assert not any("customer_token" in m for m in metadata)  # the token is not kept
    assert all(m.get("language") == "en" for m in metadata)
    assert all(m.get("page_url", "").endswith("/shop?lang=en") for m in metadata)
    shopper.assert_clean()


def test_vietnamese_chat_and_switching_the_widget_language(visitors: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors(locale="vi-VN")
    page = shopper.page
    shopper.open_shop()  # <html lang="vi">
    expect(shopper.launcher()).to_have_accessible_name(
        "Mở khung chat với bộ phận chăm sóc khách hàng"
    )
    shopper.open_chat()
    expect(page.locator("#caredesk-widget .cd-status")).to_have_text("Trợ lý ảo")
    expect(page.locator("#caredesk-widget #cd-input")).to_have_attribute(
        "placeholder", "Nhập tin nhắn…"
    )
    shopper.say("don hang cua toi dang o dau")
    shopper.bot_says(re.compile("mã đơn hàng|đơn hàng", re.I))
    shopper.say("ORD-10001, sdt 0912 345 678")
    shopper.bot_says(re.compile("đang được giao"))
    shopper.screenshot("04-vietnamese")
    session_id = shopper.session_id()
    assert {m.get("language") for m in user_metadata(stack, session_id)} == {"vi"}
    assert all(m.get("customer_id") is None for m in user_metadata(stack, session_id))

    # The customer switches the widget to English: its own strings follow at once, the bot is
    # told with the next message, and the choice is remembered.
    page.locator("#caredesk-widget #cd-language").select_option("en")
    expect(page.locator("#caredesk-widget #cd-input")).to_have_attribute(
        "placeholder", "Type a message…"
    )
    expect(page.locator("#caredesk-widget .cd-welcome")).to_contain_text("Hello!")
    shopper.say("what is your return policy?")
    shopper.bot_says(re.compile("30 days"))
    assert user_metadata(stack, session_id)[-1]["language"] == "en"
    page.reload()
    expect(page.locator("#caredesk-widget #cd-language")).to_have_value("en")
    shopper.assert_clean()


def test_history_survives_a_reload_and_is_shared_by_tabs(visitors: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors()
    first = shopper.page
    shopper.open_shop("?lang=en")
    shopper.open_chat()
    shopper.say("what is your return policy?")
    shopper.bot_says(re.compile("30 days"))
    session_id = shopper.session_id()
    count = shopper.log().locator(".cd-msg").count()
    assert count >= 2

    first.reload()
    # The panel was open, so it opens again, with the conversation as it was.
    expect(shopper.panel()).to_be_visible()
    expect(shopper.log().locator(".cd-msg")).to_have_count(count)
    expect(shopper.log().locator(".cd-msg-customer").first).to_have_text(
        re.compile("what is your return policy")
    )
    assert shopper.session_id() == session_id
    shopper.screenshot("05-after-reload")

    # A second tab joins the same conversation; what happens in one shows in the other.
    second = shopper.new_page()
    shopper.open_shop("?lang=en", page=second)
    shopper.open_chat(page=second)
    expect(shopper.log(second).locator(".cd-msg")).to_have_count(count)
    shopper.say("how long does delivery take to Da Nang?", page=second)
    # The reply is the bot message after this question (the history already holds "30 days").
    reply = (
        shopper.log(second)
        .locator(".cd-msg-customer", has_text="how long does delivery take")
        .locator("xpath=following-sibling::*[contains(@class, 'cd-msg-bot')]")
        .first
    )
    expect(reply).to_have_text(re.compile("Da Nang|Đà Nẵng|day", re.I), timeout=BOT_TIMEOUT)
    expect(shopper.log(first).locator(".cd-msg-customer").last).to_have_text(
        re.compile("how long does delivery take")
    )
    # Both tabs received the bot's reply from the room, but it is shown (and stored) once:
    # once both have settled, the two logs are the same, without repeats.
    deadline = time.monotonic() + 10
    while True:
        texts = [t.strip() for t in shopper.log(second).locator(".cd-msg").all_text_contents()]
        first_texts = [t.strip() for t in shopper.log(first).locator(".cd-msg").all_text_contents()]
        if (texts == first_texts and len(texts) > count + 1) or time.monotonic() > deadline:
            break
        first.wait_for_timeout(200)
    assert first_texts == texts
    assert len(texts) > count + 1, texts
    assert (reply.text_content() or "").strip() in texts
    assert len(texts) == len(set(texts)), texts
    shopper.screenshot("06-second-tab", page=second)
    shopper.assert_clean()


def test_reconnects_after_the_connection_drops(visitors: Any, stack: Stack, relay: Relay) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors()
    page = shopper.page
    shopper.open_shop("?lang=en")
    shopper.open_chat()
    shopper.say(GREETING)
    shopper.bot_says("What can I do for you?")
    before = relay.accepted

    assert relay.drop() > 0
    root = page.locator("#caredesk-widget .cd-root")
    banner = page.locator("#caredesk-widget .cd-banner")
    expect(banner).to_have_text(re.compile("Connection lost"), timeout=15_000)
    expect(page.locator("#caredesk-widget .cd-status")).to_have_text("Reconnecting…")
    shopper.screenshot("07-connection-lost")
    expect(root).to_have_attribute("data-connection", "online", timeout=30_000)
    expect(banner).to_have_text("Connected again.")
    assert relay.accepted > before

    # Replies reach this socket only if it asked for its session (room) again.
    shopper.say("what payment methods do you accept?")
    shopper.bot_says(re.compile("COD|cash|card|MoMo", re.I))
    shopper.assert_clean()


def delivery_states(stack: Stack, session_id: str) -> dict[str, str]:
    """What the console shows of each message sent to the customer: text -> delivery state."""
    conversation = agent_api(stack, "billing").get(
        stack.backoffice.base_url + f"/api/v1/agent/conversations/{session_id}", timeout=10
    )
    assert conversation.status_code == 200, conversation.text
    transcript = conversation.json()["transcript"]
    return {t["text"]: t["delivery"]["state"] for t in transcript if t.get("delivery")}


def test_an_agent_reply_sent_while_offline_arrives_once_on_reconnecting(
    visitors: Any, stack: Stack, relay: Relay
) -> None:
    """Issue 10: the widget confirms what it shows; what it missed while the network was down
    it fetches when it reconnects, once; until then the helpdesk does not count it delivered."""
    from playwright.sync_api import expect

    shopper: Customer = visitors()
    page = shopper.page
    shopper.open_shop("?lang=en")
    shopper.open_chat()
    shopper.say("I want to talk to someone, I was charged twice")
    shopper.bot_says(re.compile("billing", re.I))
    session_id = shopper.session_id()
    billing = agent_api(stack, "billing")
    conversation = stack.backoffice.base_url + f"/api/v1/agent/conversations/{session_id}"
    assert billing.post(conversation + "/claim", timeout=10).status_code == 200
    shopper.bot_says(re.compile("joined"))
    deadline = time.monotonic() + 15
    while "delivered" not in delivery_states(stack, session_id).values():
        assert time.monotonic() < deadline, delivery_states(stack, session_id)
        time.sleep(0.3)

    # The network goes away: the relay refuses new connections and cuts the open ones.
    relay.target = None
    try:
        relay.drop()
        root = page.locator("#caredesk-widget .cd-root")
        expect(root).to_have_attribute("data-connection", "offline", timeout=15_000)
        text = "Found it: one of the two charges is refunded."
        assert billing.post(conversation + "/reply", json={"text": text}, timeout=10).ok
        deadline = time.monotonic() + 20
        while delivery_states(stack, session_id).get(text) != "accepted":
            assert time.monotonic() < deadline, delivery_states(stack, session_id)
            time.sleep(0.3)
        time.sleep(2)
        assert delivery_states(stack, session_id)[text] == "accepted"  # nobody has it yet
    finally:
        relay.target = stack.rasa.port
    expect(root).to_have_attribute("data-connection", "online", timeout=30_000)
    reply = shopper.bot_says(text)
    expect(reply).to_have_attribute("data-role", "agent")
    deadline = time.monotonic() + 15
    while delivery_states(stack, session_id).get(text) != "delivered":
        assert time.monotonic() < deadline, delivery_states(stack, session_id)
        time.sleep(0.3)
    agent_lines = shopper.log().locator(".cd-msg-agent", has_text=text)
    expect(agent_lines).to_have_count(1)
    shopper.screenshot("12-fetched-after-reconnecting")
    page.reload()  # the stored transcript and the fetch on connecting: still once
    expect(root).to_have_attribute("data-connection", "online", timeout=30_000)
    expect(shopper.log().locator(".cd-msg-agent", has_text=text)).to_have_count(1)
    page.wait_for_timeout(2000)
    expect(shopper.log().locator(".cd-msg-agent", has_text=text)).to_have_count(1)
    shopper.assert_clean()


BROWSER_ZONE = "UTC"


def shop_promise(stack: Stack, session_id: str) -> str:
    """The first reply the helpdesk promised ("by 13:40 today", shop time, as the console's
    system line keeps it), as the widget writes it in en-US: "1:40 PM"."""
    login = requests.post(
        f"{stack.backoffice.base_url}/api/v1/agent/login",
        json={"username": "admin", "password": AGENT_PASSWORDS["admin"]},
        timeout=30,
    ).json()
    conversation = requests.get(
        f"{stack.backoffice.base_url}/api/v1/agent/conversations/{session_id}",
        headers={"Authorization": f"Bearer {login['token']}"},
        timeout=30,
    ).json()
    told = next(m for m in conversation["transcript"] if m["event"] == "bot_handoff")
    match = re.search(r"(\d{1,2}):(\d{2})", told["event_data"]["expected_en"])
    assert match, told
    hour, minute = int(match[1]), int(match[2])
    return f"{(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def test_handoff_agent_reply_resolve_and_rating(visitors: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors()
    page = shopper.page
    shopper.open_shop("?lang=en")
    shopper.open_chat()
    shopper.say("I want to talk to someone, I was charged twice")
    shopper.bot_says(re.compile("billing", re.I))
    session_id = shopper.session_id()
    assert stack.tracker(session_id)["slots"]["department"] == "billing"
    # The header: whom the customer waits for, and the first reply the helpdesk promised.
    widget = page.locator("#caredesk-widget")
    expect(widget.locator(".cd-status")).to_have_text("Waiting for Billing")
    # The same moment the helpdesk promised in words (shop time, "by 13:40 today"), on the shop's
    # clock although the browser's is 7 hours behind (the usability test's two clocks).
    promised = shop_promise(stack, session_id)
    expect(widget.locator(".cd-substatus")).to_have_text(
        re.compile(r"Expected reply by " + re.escape(promised).replace(r"\ ", r"\s"))
    )
    shopper.screenshot("07-waiting-for-billing")
    # Nobody types while the customer waits: no assistant dots after a message.
    shopper.say("is anyone there?")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert not widget.locator(".cd-typing").is_visible()
        time.sleep(0.1)

    # An agent of billing, in another browser, signs in to the console and claims it.
    agent: Visitor = visitors(Visitor)
    console = agent.page
    console.goto(stack.backoffice.base_url + "/console")
    console.fill("#username", "billing")
    console.fill("#password", AGENT_PASSWORDS["billing"])
    console.press("#password", "Enter")
    expect(console.locator("#chats-view")).to_be_visible()
    item = console.locator(f'#queue-list .queue-item[data-conversation="{session_id}"]')
    expect(item).to_be_visible(timeout=20_000)
    item.click()
    expect(console.locator("#transcript")).to_contain_text("charged twice")
    console.click("#claim")
    expect(console.locator("#conv-state")).to_have_text("With an agent")
    whoami = console.locator("#whoami").text_content() or ""  # "Lê Thị Mai Anh · Billing"
    agent_name = whoami.split("·")[0].strip()
    assert agent_name

    joined = shopper.bot_says(re.compile("joined"))
    expect(joined).to_have_attribute("data-event", "agent_joined")
    expect(page.locator("#caredesk-widget .cd-status")).to_contain_text(
        f"Chatting with {agent_name}"
    )
    initials = agent_name.split()[0][0] + agent_name.split()[-1][0]
    expect(widget.locator(".cd-header .cd-avatar")).to_have_text(initials)

    console.fill("#reply-text", "Hi, I can see the two charges. I'm refunding one now.")
    console.press("#reply-text", "Enter")
    reply = shopper.bot_says("I can see the two charges")
    expect(reply).to_have_attribute("data-role", "agent")
    expect(reply.locator(".cd-sender")).to_contain_text("(agent)")
    expect(reply.locator(".cd-msg-avatar")).to_have_text(initials)
    expect(reply.locator("time.cd-time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    shopper.screenshot("08-agent-reply")

    # The customer answers (markup in it stays text): it goes to the agent, the bot stays out.
    shopper.say(f"thank you, that's great {INJECTION}")
    expect(console.locator("#transcript .msg-customer").last).to_contain_text(
        "thank you, that's great", timeout=20_000
    )
    expect(shopper.log().locator(".cd-msg-customer").last).to_contain_text(INJECTION)

    # The agent sends a list, a link and markup: list items, a safe link, the markup as text.
    console.fill(
        "#reply-text",
        "Your refund:\n- 1,540,000 VND\n- back on your card in 5-7 days\n"
        f"Details: https://shop.example.vn/help/refunds. {INJECTION}",
    )
    console.press("#reply-text", "Enter")
    details = shopper.bot_says("Your refund:")
    expect(details.locator("ul.cd-list li")).to_have_text(
        ["1,540,000 VND", "back on your card in 5-7 days"]
    )
    expect(details.locator("a.cd-link")).to_have_attribute(
        "href", "https://shop.example.vn/help/refunds"
    )
    expect(details).to_contain_text(INJECTION)
    expect(page.locator("#caredesk-widget img")).to_have_count(0)
    agent.screenshot("09-console-with-customer")

    console.click("#resolve")
    expect(console.locator("#conv-state")).to_have_text("Resolved")
    shopper.bot_says(re.compile("closed the conversation"))
    expect(widget.locator(".cd-divider")).to_contain_text(f"{agent_name} ended the conversation")
    rating = page.locator("#caredesk-widget .cd-rating:visible")
    expect(rating).to_have_attribute("role", "group")
    stars = rating.locator("button.cd-star")
    expect(stars).to_have_count(5)
    expect(stars.nth(3)).to_have_accessible_name("4 out of 5: happy")
    expect(page.locator("#caredesk-widget .cd-status")).to_have_text("Virtual assistant")
    shopper.screenshot("10-rating")

    stars.nth(3).click()
    expect(shopper.log().locator(".cd-msg-customer").last).to_contain_text("Rated 4 out of 5")
    expect(rating).to_have_count(0)
    shopper.bot_says(re.compile("Thank you for your rating"))
    ticket_id = stack.tracker(session_id)["slots"]["ticket_id"]
    billing = agent_api(stack, "billing")
    found = billing.get(
        stack.backoffice.base_url + "/api/v1/agent/tickets", params={"q": ticket_id}, timeout=10
    ).json()["tickets"]
    assert found[0]["csat_score"] == 4
    assert any(
        e["event"] == "user" and e.get("text") == RATING
        for e in stack.tracker(session_id)["events"]
    )
    shopper.screenshot("11-rated")
    shopper.assert_clean()
    agent.assert_clean()


def test_keyboard_only(visitors: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors()
    page = shopper.page
    shopper.open_shop("?lang=en")
    keyboard = page.keyboard

    def focused_in_widget() -> str:
        """The focused element inside the widget's shadow root, as "tag.class#id"."""
        return str(
            page.evaluate(
                """() => {
                  const host = document.getElementById('caredesk-widget');
                  const el = host && host.shadowRoot.activeElement;
                  if (!el) return document.activeElement === host ? 'host' : '';
                  return el.tagName.toLowerCase() + '.' + el.className + '#' + el.id;
                }"""
            )
        )

    # Tab through the page until the launcher has the focus (it is the last stop on the page).
    for _ in range(40):
        keyboard.press("Tab")
        if focused_in_widget().startswith("button.cd-launcher"):
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    outline = page.evaluate(
        "getComputedStyle(document.getElementById('caredesk-widget').shadowRoot"
        ".activeElement).outlineStyle"
    )
    assert outline == "solid"  # a visible focus ring
    keyboard.press("Enter")
    expect(shopper.panel()).to_be_visible()
    assert focused_in_widget().startswith("textarea.cd-input")
    expect(page.locator("#caredesk-widget .cd-root")).to_have_attribute(
        "data-connection", "online", timeout=20_000
    )

    keyboard.type(GREETING)
    keyboard.press("Enter")
    shopper.bot_says("What can I do for you?")

    # Shift+Tab from the composer goes back into the conversation: the quick replies.
    reached = []
    for _ in range(12):
        keyboard.press("Shift+Tab")
        reached.append(focused_in_widget())
        if (
            "cd-reply" in reached[-1]
            and page.evaluate(
                "document.getElementById('caredesk-widget').shadowRoot.activeElement.textContent"
            )
            == "Talk to a person"
        ):
            break
    else:
        pytest.fail(f"quick replies not reachable with Shift+Tab: {reached}")
    # Forward order: header controls, the log, the replies, the composer, send.
    keyboard.press("Shift+Tab")
    while "cd-reply" in focused_in_widget():
        keyboard.press("Shift+Tab")
    assert focused_in_widget().startswith("div.cd-log"), reached
    keyboard.press("Shift+Tab")
    assert focused_in_widget().startswith("button.cd-close")
    keyboard.press("Shift+Tab")
    assert focused_in_widget().startswith("select.cd-language")
    shopper.screenshot("12-keyboard-focus")

    # Tab forward to a quick reply and choose it with the keyboard.
    for _ in range(10):
        keyboard.press("Tab")
        if "cd-reply" in focused_in_widget():
            break
    keyboard.press("Enter")
    assert focused_in_widget().startswith("textarea.cd-input")
    keyboard.press("Tab")
    assert focused_in_widget().startswith("button.cd-send")

    # Escape closes the panel and gives the focus back to the launcher.
    keyboard.press("Escape")
    expect(shopper.panel()).to_be_hidden()
    assert focused_in_widget().startswith("button.cd-launcher")
    expect(shopper.launcher()).to_have_attribute("aria-expanded", "false")
    keyboard.press("Space")
    expect(shopper.panel()).to_be_visible()
    assert focused_in_widget().startswith("textarea.cd-input")
    shopper.assert_clean()


def test_default_colours_meet_wcag_aa(visitors: Any, stack: Stack) -> None:
    shopper: Customer = visitors()
    shopper.open_shop("?lang=en")
    shopper.open_chat()
    shopper.say(GREETING)
    shopper.bot_says("What can I do for you?")
    pairs = shopper.page.evaluate(
        """() => {
          const root = document.getElementById('caredesk-widget').shadowRoot;
          const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
            .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
          const background = (el) => { for (; el; el = el.parentElement || el.getRootNode().host) {
              const c = getComputedStyle(el).backgroundColor;
              if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; }
            return 'rgb(255, 255, 255)'; };
          const out = [];
          for (const sel of ['.cd-title', '.cd-status', '.cd-welcome', '.cd-msg-bot .cd-p',
                             '.cd-msg-customer .cd-p', '.cd-reply', '.cd-input']) {
            const el = root.querySelector(sel);
            if (!el) { out.push([sel, 0]); continue; }
            const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(background(el)));
            out.push([sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
          }
          return out;
        }"""
    )
    for selector, ratio in pairs:
        assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f} < 4.5"


def test_phone_width_is_full_screen_and_usable(visitors: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    shopper: Customer = visitors(viewport=PHONE, locale="vi-VN")
    page = shopper.page
    shopper.open_shop()
    launcher = shopper.launcher().bounding_box()
    assert launcher and launcher["x"] + launcher["width"] <= PHONE["width"]
    assert launcher["width"] >= 44 and launcher["height"] >= 44  # a thumb-sized target
    shopper.screenshot("13-phone-closed")
    shopper.open_chat()
    box = shopper.panel().bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    expect(shopper.panel()).to_have_attribute("aria-modal", "true")
    shopper.say("phi ship ra Da Nang bao nhieu")
    shopper.bot_says(re.compile("Đà Nẵng|Da Nang|phí", re.I))
    # Nothing wider than the screen, the composer and the close button on screen.
    overflow = page.evaluate(
        "(() => { const log = document.getElementById('caredesk-widget').shadowRoot"
        ".querySelector('.cd-log'); return log.scrollWidth - log.clientWidth; })()"
    )
    assert overflow <= 0
    for selector in ("#cd-input", ".cd-send", ".cd-close"):
        element = page.locator(f"#caredesk-widget {selector}").bounding_box()
        assert element, selector
        assert element["x"] >= 0 and element["x"] + element["width"] <= PHONE["width"]
        assert element["y"] >= 0 and element["y"] + element["height"] <= PHONE["height"]
    shopper.screenshot("14-phone-open")
    # Full screen is modal: Tab goes round inside the panel, never to the page behind it.
    active = "() => document.getElementById('caredesk-widget').shadowRoot.activeElement.className"
    page.locator("#caredesk-widget .cd-send").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(active) == "cd-language"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(active) == "cd-send"
    page.locator("#caredesk-widget .cd-close").click()
    expect(shopper.panel()).to_be_hidden()
    expect(shopper.launcher()).to_be_visible()
    shopper.assert_clean()


# -- a signed-in customer (issue 12) ------------------------------------------------------------

SIGNED_IN_CASES = {
    # language: (locale, question, answer's tier and next tier, their recent orders' question)
    "en": ("en-US", "how many points do I have?", ("Gold", "Diamond"), "where is my order?"),
    "vi": ("vi-VN", "mình có bao nhiêu điểm", ("Vàng", "Kim cương"), "đơn của mình tới đâu rồi"),
}


@pytest.mark.parametrize(
    "viewport", [DESKTOP, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_signed_in_customer_gets_points_and_order_buttons_without_giving_a_contact(
    visitors: Any, stack: Stack, language: str, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    locale, question, (tier, next_tier), which_order = SIGNED_IN_CASES[language]
    size = "desktop" if viewport == DESKTOP else "phone"
    stack.reset()
    shopper: Customer = visitors(viewport=viewport, locale=locale)
    page = shopper.page
    shopper.open_shop(f"?lang={language}")
    page.click("#account-toggle")  # the demo sign-in
    expect(page.locator("#account-status")).to_contain_text("an.nguyen@example.com")
    shopper.open_chat()

    shopper.say(question)
    shopper.bot_says(re.compile(rf"{tier}.*1[.,]240"))
    shopper.bot_says(next_tier)
    expect(shopper.log()).not_to_contain_text(re.compile(r"email|số điện thoại", re.I))
    shopper.screenshot(f"signed-in-points-{language}-{size}")

    shopper.say(which_order)
    buttons = page.locator("#caredesk-widget .cd-replies:visible button.cd-reply")
    expect(buttons).to_have_count(4, timeout=BOT_TIMEOUT)
    expect(buttons.first).to_contain_text("ORD-10004")
    shopper.screenshot(f"signed-in-which-order-{language}-{size}")
    shopper.click_reply("ORD-10001")
    shopper.bot_says("GHN123456789VN")
    expect(shopper.log()).not_to_contain_text(re.compile(r"email|số điện thoại", re.I))
    shopper.screenshot(f"signed-in-order-{language}-{size}")
    shopper.assert_clean()


# -- proactive order updates (issue 14) ----------------------------------------------------------


def report_event(stack: Stack, order_id: str, event: dict[str, Any]) -> None:
    """The retailer's order system tells the back office what happened to an order."""
    answer = stack.backoffice.session().post(
        f"{stack.backoffice.base_url}/api/v1/orders/{order_id}/events", json=event, timeout=10
    )
    assert answer.status_code == 200, answer.text


def update_said(stack: Stack, session_id: str, words: str) -> None:
    """Waits until the assistant said an update with `words` in the conversation (delivered
    while nobody was connected: it is in the transcript, for the widget to fetch)."""
    deadline = time.monotonic() + 30
    while True:
        said = [
            e.get("text") or ""
            for e in stack.tracker(session_id)["events"]
            if e.get("event") == "bot"
            and ((e.get("metadata") or {}).get("caredesk") or {}).get("event") == "order_update"
        ]  # fmt: skip
        if any(words in text for text in said):
            return
        assert time.monotonic() < deadline, said
        time.sleep(0.3)


def test_order_updates_show_at_once_and_badge_the_closed_launcher(
    visitors: Any, stack: Stack
) -> None:
    """A customer verifies ORD-10002 and says yes to its updates: `shipped` appears in the open
    widget at once; with the panel closed `delayed` puts "1 new message" on the launcher, and
    opening shows it; with the page gone `out_for_delivery` waits in the conversation and the
    next page's widget fetches it, badged the same way."""
    from playwright.sync_api import expect

    stack.reset()
    shopper: Customer = visitors()
    page = shopper.page
    shopper.open_shop("?lang=en")
    shopper.open_chat()
    shopper.say("where is my order ORD-10002, my email is binh.tran@example.com")
    shopper.bot_says(re.compile("updates about order ORD-10002 here"))
    shopper.click_reply("Yes, send updates")
    shopper.bot_says(re.compile("I'll send updates about order ORD-10002 here"))
    session_id = shopper.session_id()

    report_event(
        stack,
        "ORD-10002",
        {"type": "shipped", "event_id": "widget-shipped", "carrier": "GHTK",
         "tracking_number": "GHTK555000111VN"},
    )  # fmt: skip
    started = time.monotonic()
    shipped = shopper.bot_says(re.compile("ORD-10002: it has shipped with GHTK"))
    assert time.monotonic() - started < 15
    expect(shipped).to_contain_text("GHTK555000111VN")
    expect(shipped).to_have_attribute("data-role", "bot")
    shopper.screenshot("20-order-update-open")

    launcher = shopper.launcher()
    badge = page.locator("#caredesk-widget .cd-badge")
    page.keyboard.press("Escape")  # closes the panel
    expect(shopper.panel()).to_be_hidden()
    expect(badge).to_be_hidden()
    report_event(stack, "ORD-10002", {"type": "delayed", "event_id": "widget-late"})
    expect(badge).to_be_visible(timeout=BOT_TIMEOUT)
    expect(badge).to_have_text("1")
    expect(page.get_by_role("img", name="1 new message")).to_be_visible()
    expect(launcher).to_have_accessible_name("Open chat with customer care 1 new message")
    shopper.screenshot("21-order-update-badge")
    shopper.open_chat()
    shopper.bot_says(re.compile("ORD-10002: the delivery is running late"))
    expect(badge).to_be_hidden()
    expect(launcher).to_have_accessible_name("Open chat with customer care")

    # The customer leaves the shop; the update is said in the conversation meanwhile.
    page.keyboard.press("Escape")
    page.goto("about:blank")
    report_event(stack, "ORD-10002", {"type": "out_for_delivery", "event_id": "widget-out"})
    update_said(stack, session_id, "out for delivery today")
    shopper.open_shop("?lang=en")
    expect(shopper.panel()).to_be_hidden()
    expect(badge).to_have_text("1", timeout=BOT_TIMEOUT)
    expect(page.get_by_role("img", name="1 new message")).to_be_visible()
    shopper.open_chat()
    shopper.bot_says(re.compile("ORD-10002: it is out for delivery today"))
    expect(badge).to_be_hidden()
    for words in ("has shipped with GHTK", "running late", "out for delivery today"):
        expect(shopper.log().locator(".cd-msg-bot", has_text=words)).to_have_count(1)
    shopper.assert_clean()

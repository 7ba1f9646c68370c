"""The agent console (`GET /console`) against the real back office, helpdesk included.

Plain HTTP first (the page and its assets, their Content-Security-Policy), then Playwright
driving Debian's Chromium: an agent of billing signs in, sees a waiting conversation whose
transcript carries HTML/script injections, claims it, replies, adds a note and resolves it,
while an agent of logistics never sees it; and the Vietnamese UI switch. The Rasa server is
the helpdesk tests' recorder, so the agent's actions are checked down to the external events.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from devstack.backoffice import AGENT_PASSWORDS
from devstack.processes import REPO_ROOT
from tests.support.browser import SCREENSHOTS
from tests.support.helpdesk import Helpdesk, new_conversation_id

CONSOLE_FILES = REPO_ROOT / "backoffice" / "web" / "console"
IMG_INJECTION = "<img src=x onerror=alert(1)>"
SCRIPT_INJECTION = '<script>alert("xss")</script>'
VIEWPORT = {"width": 1440, "height": 900}


# -- servers and browser -----------------------------------------------------------------------


class Tab:
    """A page in its own browser context, recording what must never happen on it."""

    def __init__(
        self,
        browser: Any,
        base_url: str,
        viewport: dict[str, int] | None = None,
        timezone_id: str | None = None,
    ) -> None:
        """`timezone_id`: the browser's clock ("Europe/Berlin"), else the machine's."""
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=viewport or VIEWPORT, locale="en-US", timezone_id=timezone_id
        )
        self.context.set_default_timeout(8000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("console", self._console)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.csp_violations.append(message.text)

    def open(self) -> None:
        self.page.goto(self.base_url + "/console")

    def sign_in(self, username: str) -> None:
        from playwright.sync_api import expect

        page = self.page
        page.fill("#username", username)
        page.fill("#password", AGENT_PASSWORDS[username])
        page.press("#password", "Enter")
        expect(page.locator("#chats-view")).to_be_visible()
        expect(page.locator("#queue-list section").first).to_be_visible()

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def assert_clean(self) -> None:
        assert self.dialogs == [], "a dialog opened: injected script ran"
        assert self.page_errors == []
        assert self.csp_violations == []

    def close(self) -> None:
        self.context.close()


def _at(seconds_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).isoformat()


def _csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# -- plain HTTP --------------------------------------------------------------------------------


def test_console_page_is_served_with_a_strict_csp(helpdesk: Helpdesk) -> None:
    response = requests.get(helpdesk.base_url + "/console", timeout=10)  # no key, no token
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    header = response.headers["content-security-policy"]
    csp = _csp(header)
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert "unsafe" not in header and "*" not in header
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    html = response.text
    # The only script is our entry module; no inline script, style or event handler anywhere.
    assert re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I) == [
        (' type="module" src="/console/static/main.js"', "")
    ]
    assert '<link rel="stylesheet" href="/console/static/console.css">' in html
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)
    slash = requests.get(helpdesk.base_url + "/console/", timeout=10, allow_redirects=False)
    assert slash.status_code == 308 and slash.headers["location"] == "/console"


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("main.js", "text/javascript"),  # module scripts are refused without a JavaScript type
        ("views/queue.js", "text/javascript"),
        ("locales/vi.json", "application/json"),
        ("console.css", "text/css"),
    ],
)
def test_console_assets_load_with_the_same_headers(
    helpdesk: Helpdesk, name: str, media_type: str
) -> None:
    response = requests.get(f"{helpdesk.base_url}/console/static/{name}", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-cache"  # a release reaches agents at once
    assert response.text == (CONSOLE_FILES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    [
        "/console/static/index.html",
        "/console/static/console.py",
        "/console/static/..%2F..%2Fapi%2Fmain.py",
        "/console/static/%2e%2e/%2e%2e/main.py",
        "/console/static/",
        "/console/static/views/",
        "/console/static/locales/fr.json",
    ],
)
def test_only_the_console_files_are_served(helpdesk: Helpdesk, path: str) -> None:
    response = requests.get(helpdesk.base_url + path, timeout=10)
    assert response.status_code == 404
    assert "import" not in response.text


def test_console_loads_nothing_from_elsewhere_and_never_parses_html() -> None:
    paths = sorted(path for path in CONSOLE_FILES.rglob("*") if path.is_file())
    files = {path.relative_to(CONSOLE_FILES).as_posix(): path.read_text("utf-8") for path in paths}
    assert {"index.html", "main.js", "console.css", "locales/en.json"} <= set(files)
    for name, text in files.items():
        assert not re.search(r"https?://", text), f"{name} names another origin"
    assert "url(" not in files["console.css"] and "@import" not in files["console.css"]
    scripts = {name: text for name, text in files.items() if name.endswith(".js")}
    assert len(scripts) > 1
    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
    for name, script in scripts.items():
        for sink in (*sinks, "new Function", "DOMParser", "createContextualFragment"):
            assert sink not in script, f"{name} uses {sink}"
        # Imports stay inside the console's folder (relative paths, never another origin).
        for target in re.findall(r'^import\b[^;]*?from "([^"]+)"', script, re.M):
            assert target.startswith("./") or target.startswith("../"), f"{name}: {target}"
            assert (CONSOLE_FILES / name).parent.joinpath(target).resolve().is_file()


# -- in the browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_agent_claims_replies_notes_and_resolves_in_the_browser(
    helpdesk: Helpdesk, tabs: Any
) -> None:
    from playwright.sync_api import expect

    started = time.monotonic()
    conversation = new_conversation_id()
    question = f"I want a person, I was charged twice {IMG_INJECTION} {SCRIPT_INJECTION}"
    reason = "matched 'charged twice' (billing) <b>bold?</b>"
    created = helpdesk.request_handoff(
        conversation,
        routing_reason=reason,
        transcript=[
            {"role": "customer", "text": "Hi", "at": _at(40)},
            {"role": "bot", "text": "Hello! <i>How</i> can I help?", "at": _at(39)},
            {"role": "customer", "text": question, "at": _at(1)},
        ],
        order_summary={
            "order_id": "ORD-10001",
            "status": "shipped",
            "total_vnd": 1990000,
            "payment_method": "card",
            "carrier": "GHN",
            "tracking_number": "GHN123456789VN",
            "items": [{"name": f"Headphones {IMG_INJECTION}", "quantity": 1}],
        },
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket_id"]
    item_selector = f'#queue-list .queue-item[data-conversation="{conversation}"]'

    # Logistics: its own queue, without billing's conversation (browser and API agree).
    logistics = tabs()
    logistics.open()
    logistics.sign_in("logistics")
    expect(logistics.page.locator('#queue-list [data-department="logistics"]')).to_be_visible()
    expect(logistics.page.locator('#queue-list [data-department="billing"]')).to_have_count(0)
    assert logistics.page.locator(item_selector).count() == 0
    logistics.screenshot("console-01-logistics-queue")
    other = helpdesk.login("logistics")
    assert conversation not in other.call("GET", "/queue").text
    assert other.conversation(conversation).status_code == 403
    assert other.conversation(conversation, "claim").status_code == 403
    logistics.assert_clean()

    # Billing: sign in, the conversation waits in the billing queue with its waiting time.
    tab = tabs()
    page = tab.page
    tab.open()
    expect(page.locator("#login-title")).to_have_text("Sign in")
    expect(page.locator("#username")).to_be_focused()
    tab.screenshot("console-00-sign-in")
    tab.sign_in("billing")
    assert page.evaluate("sessionStorage.getItem('caredesk.console.token')")
    expect(page.locator("#whoami")).to_contain_text("Lê Thị Mai Anh")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    item = page.locator(
        f'#queue-list [data-department="billing"] .queue-item[data-conversation="{conversation}"]'
    )
    expect(item).to_contain_text(ticket_id)
    expect(item.locator(".wait")).to_have_text(re.compile(r"^waiting \d+ s$"))
    tab.screenshot("console-02-billing-queue")

    # Open it: whole transcript, injections shown as text, routing reason, order summary.
    item.click()
    expect(page.locator("#conv-title")).to_have_text(question)
    expect(page.locator("#conv-state")).to_have_text("Waiting for an agent")
    messages = page.locator("#transcript .msg")
    expect(messages).to_have_count(4)  # and the line of what the bot told the customer
    expect(messages.last).to_contain_text(f"passed to Billing (ticket {ticket_id})")
    expect(page.locator("#transcript .msg-bot .msg-text")).to_have_text(
        "Hello! <i>How</i> can I help?"
    )
    expect(page.locator("#transcript .msg-customer .msg-text").last).to_have_text(question)
    expect(page.locator("#transcript .msg-customer .msg-role").first).to_have_text("Customer")
    # The caller chose the department: its name, then the caller's own words as they are.
    expect(page.locator("#routing-reason p").first).to_have_text(
        "The system that asked for a person chose Billing."
    )
    expect(page.locator("#routing-reason p").last).to_have_text(reason)
    order = page.locator("#order-summary")
    expect(order).to_contain_text("ORD-10001")
    expect(order).to_contain_text("GHN123456789VN")
    expect(order).to_contain_text("1.990.000")
    expect(order).to_contain_text(f"Headphones {IMG_INJECTION} × 1")
    assert page.locator("img, #transcript script, #transcript i, #routing-reason b").count() == 0
    tab.screenshot("console-03-conversation-waiting")

    # Claim, then reply from the keyboard: Shift+Enter is a new line, Enter sends.
    page.click("#claim")
    expect(page.locator("#conv-state")).to_have_text("With an agent")
    expect(page.locator("#reply-text")).to_be_focused()
    expect(page.locator("#transcript .msg-system").last).to_contain_text("joined")
    page.keyboard.type("Sorry about the double charge!")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("I am refunding one of them now.")
    page.keyboard.press("Enter")
    reply = "Sorry about the double charge!\nI am refunding one of them now."
    agent_turn = page.locator("#transcript .msg-agent .msg-text")
    expect(agent_turn).to_have_count(1)
    assert agent_turn.text_content() == reply
    expect(page.locator("#reply-text")).to_have_value("")

    # A new customer message arrives live over the websocket (polling would take 10 s).
    live_text = f"Thank you {SCRIPT_INJECTION}"
    forwarded = helpdesk.api(
        "POST",
        f"/handoffs/{conversation}/messages",
        json={"message_id": "m-live-1", "text": live_text, "sent_at": _at(0)},
    )
    assert forwarded.status_code == 202, forwarded.text
    expect(page.locator("#transcript .msg-customer .msg-text").last).to_have_text(
        live_text, timeout=4000
    )

    # An internal note.
    note = "Checked the PSP: <b>two</b> captures"
    page.fill("#note-text", note)
    page.click("#note-add")
    expect(page.locator("#notes .note-text")).to_have_text(note)
    expect(page.locator("#notes .note-author")).to_have_text("Lê Thị Mai Anh")
    tab.screenshot("console-04-conversation-with-agent")

    # Resolve.
    page.click("#resolve")
    expect(page.locator("#conv-state")).to_have_text("Resolved")
    expect(page.locator("#reply-form")).to_be_hidden()
    expect(page.locator("#conv-note")).to_contain_text("resolved")
    expect(page.locator(item_selector)).to_have_count(0)  # gone from the queue
    tab.screenshot("console-05-resolved")
    assert page.locator("img").count() == 0
    tab.assert_clean()

    # Everything the browser did is stored, and reached the customer's channel.
    billing = helpdesk.login("billing")
    stored = billing.conversation(conversation).json()
    assert stored["handoff"]["state"] == "resolved"
    assert stored["ticket"]["status"] == "solved"
    assert stored["ticket"]["solved_at"] and stored["ticket"]["first_agent_reply_at"]
    assert [m["text"] for m in stored["transcript"] if m["role"] == "agent"] == [reply]
    assert [m["text"] for m in stored["transcript"] if m["role"] == "customer"][-1] == live_text
    assert [(n["text"], n["agent_username"]) for n in stored["notes"]] == [(note, "billing")]
    delivered = helpdesk.rasa.wait_delivered(conversation, 3)
    assert [name for name, _ in delivered] == [
        "EXTERNAL_agent_joined",
        "EXTERNAL_agent_message",
        "EXTERNAL_handoff_resolved",
    ]
    assert delivered[1][1]["agent_text"] == reply

    # Sign out: the token is revoked, not only forgotten.
    token = page.evaluate("sessionStorage.getItem('caredesk.console.token')")
    page.click("#sign-out")
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#banner-text")).to_have_text("You are signed out.")
    assert page.evaluate("sessionStorage.getItem('caredesk.console.token')") is None
    deadline = time.monotonic() + 5
    while billing.call("GET", "/me", token=token).status_code != 401:
        assert time.monotonic() < deadline, "the token still works after signing out"
        time.sleep(0.1)
    assert time.monotonic() - started < 45


@pytest.mark.browser
def test_every_time_is_on_the_shops_clock_in_a_browser_elsewhere(
    helpdesk: Helpdesk, browser: Any
) -> None:
    """The usability test's two clocks: an agent whose browser is in Berlin read the promise
    "First reply expected by 13:55 today" among times 7 hours behind it. Every time the
    console shows is in the shop's time zone (the queue's `time_zone`), in both languages:
    the transcript, the system line's own time, the ticket list."""
    from playwright.sync_api import expect

    shop = ZoneInfo("Asia/Ho_Chi_Minh")
    said = datetime(2026, 12, 1, 6, 30, tzinfo=timezone.utc)  # 13:30 in the shop, 7:30 in Berlin
    conversation = new_conversation_id()
    transcript = [{"role": "customer", "text": "My parcel is late", "at": said.isoformat()}]
    made = helpdesk.request_handoff(conversation, transcript=transcript, department="logistics")
    assert made.status_code == 201, made.text
    queue = helpdesk.agent("logistics").call("GET", "/queue").json()
    assert queue["time_zone"] == "Asia/Ho_Chi_Minh"

    tab = Tab(browser, helpdesk.base_url, timezone_id="Europe/Berlin")
    try:
        tab.open()
        tab.sign_in("logistics")
        page = tab.page
        page.locator(f'#queue-list .queue-item[data-conversation="{conversation}"]').click()
        first = page.locator("#transcript .msg-customer time").first
        expect(first).to_have_text("01/12/2026, 13:30")
        request = page.locator("#transcript .msg-system time").first  # the hand-off, just now
        [(requested_at,)] = helpdesk.rows(
            "SELECT requested_at FROM handoffs WHERE conversation_id = :c", c=conversation
        )
        requested = datetime.fromisoformat(str(requested_at)).replace(tzinfo=timezone.utc)
        in_shop = requested.astimezone(shop)
        expect(request).to_have_text(in_shop.strftime("%H:%M"))
        page.select_option("#language", "vi")
        expect(first).to_have_text(re.compile(r"13:30.*01/12/2026|01/12/2026.*13:30"))
        page.click("#tab-tickets")
        page.fill("#ticket-q", made.json()["ticket_id"])
        page.click("#ticket-search-submit")
        row = page.locator(f'tr[data-ticket="{made.json()["ticket_id"]}"] time')
        expect(row).to_contain_text(in_shop.strftime("%d/%m/%Y"))
        expect(row).to_contain_text(re.compile(in_shop.strftime("%H:") + r"\d\d"))
        tab.screenshot("console-40-shop-clock-vi")
        tab.assert_clean()
    finally:
        tab.close()


def test_vietnamese_ui_switch_tickets_and_status_change(helpdesk: Helpdesk, tabs: Any) -> None:
    from playwright.sync_api import expect

    conversation = new_conversation_id()
    created = helpdesk.request_handoff(
        conversation,
        department="logistics",
        language="vi",
        routing_reason="khớp 'giao sai' (logistics)",
        order_summary=None,
        transcript=[
            {
                "role": "customer",
                "text": "Cho tôi gặp nhân viên, đơn hàng bị giao sai",
                "at": _at(5),
            }
        ],
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket_id"]

    tab = tabs()
    page = tab.page
    tab.open()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#language", "vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#login-title")).to_have_text("Đăng nhập")
    expect(page.locator('label[for="username"]')).to_have_text("Tên đăng nhập")
    assert page.title() == "caredesk · Trang nhân viên hỗ trợ"
    tab.sign_in("admin")

    # Both dictionaries have the same keys, and every labelled element shows Vietnamese.
    mismatch = page.evaluate(
        """() => {
            const {en, vi} = window.CAREDESK_I18N;
            const missing = Object.keys(en).filter(k => !(k in vi))
                .concat(Object.keys(vi).filter(k => !(k in en)));
            const wrong = [...document.querySelectorAll('[data-i18n]')]
                .filter(n => n.textContent !== vi[n.getAttribute('data-i18n')])
                .map(n => n.getAttribute('data-i18n'));
            return {missing, wrong};
        }"""
    )
    assert mismatch == {"missing": [], "wrong": []}
    expect(page.locator("#queues-title")).to_have_text("Hàng chờ")
    expect(page.locator("#tab-tickets")).to_have_text("Phiếu hỗ trợ")
    expect(page.locator("#sign-out")).to_have_text("Đăng xuất")
    expect(page.locator("#connection-text")).to_have_text("Trực tuyến")
    logistics = page.locator('#queue-list .dept-summary [data-department="logistics"]')
    expect(logistics.locator("span").first).to_have_text("Giao hàng & Vận chuyển")  # the file
    item = page.locator(
        f'#queue-list [data-group="waiting"] .queue-item[data-conversation="{conversation}"]'
    )
    expect(item.locator(".dept-tag")).to_have_text("Giao hàng & Vận chuyển")
    expect(item.locator(".wait")).to_have_text(re.compile(r"^đã chờ \d+ giây$"))
    item.click()
    expect(page.locator("#conv-state")).to_have_text("Đang chờ nhân viên")
    expect(page.locator("#claim")).to_have_text("Nhận xử lý")
    expect(page.locator("#transcript .msg-customer .msg-role")).to_have_text("Khách hàng")
    expect(page.locator("#order-summary")).to_contain_text("Khách chưa xác minh đơn hàng")
    tab.screenshot("console-06-vietnamese-conversation")

    # Tickets: search by id, change the status; a refused change is explained in Vietnamese.
    page.click("#tab-tickets")
    expect(page.locator("#tickets-title")).to_have_text("Phiếu hỗ trợ")
    page.fill("#ticket-q", ticket_id)
    page.press("#ticket-q", "Enter")
    row = page.locator(f'#ticket-rows tr[data-ticket="{ticket_id}"]')
    expect(page.locator("#ticket-rows tr")).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Mới")
    row.get_by_label(f"Trạng thái của {ticket_id}", exact=True).select_option("pending")
    row.get_by_role("button", name=f"Cập nhật trạng thái của {ticket_id}").click()
    expect(row.locator(".badge")).to_have_text("Chờ phản hồi")
    # Nothing moves a ticket back to new: the choice is gone once it has moved.
    choices = row.locator("select option")
    expect(choices).to_have_text(["Đang xử lý", "Chờ phản hồi", "Đã giải quyết"])
    agent = helpdesk.login("admin")
    found = agent.call("GET", "/tickets", params={"q": ticket_id}).json()["tickets"]
    assert [(t["id"], t["status"]) for t in found] == [(ticket_id, "pending")]
    row.get_by_label(f"Trạng thái của {ticket_id}", exact=True).select_option("solved")
    row.get_by_role("button", name=f"Cập nhật trạng thái của {ticket_id}").click()
    expect(page.locator("#banner-text")).to_contain_text("Khách vẫn đang trò chuyện trực tiếp")
    expect(row.locator(".badge")).to_have_text("Chờ phản hồi")
    tab.screenshot("console-07-vietnamese-tickets")

    # The choice survives a reload (as does the session, in sessionStorage); back to English.
    page.reload()
    expect(page.locator("#queues-title")).to_have_text("Hàng chờ")
    page.select_option("#language", "en")
    expect(page.locator("#queues-title")).to_have_text("Queues")
    expect(logistics.locator("span").first).to_have_text("Delivery & Logistics")
    tab.assert_clean()


@pytest.mark.browser
def test_queue_is_polled_every_10_s_while_the_websocket_is_down(
    helpdesk: Helpdesk, tabs: Any
) -> None:
    from playwright.sync_api import expect

    tab = tabs()
    page = tab.page
    page.clock.install()  # fake timers: jump over the 10 s instead of waiting for them
    page.route_web_socket(
        re.compile(r"/api/v1/agent/ws"), lambda ws: ws.close(code=1011, reason="test: no push")
    )
    tab.open()
    tab.sign_in("sales")
    expect(page.locator("#connection")).to_have_attribute("data-state", "polling")
    expect(page.locator("#connection-text")).to_have_text("Reconnecting · refreshing every 10 s")
    conversation = new_conversation_id()
    created = helpdesk.request_handoff(
        conversation, department="sales", routing_reason="matched 'bulk order' (sales)"
    )
    assert created.status_code == 201, created.text
    item = page.locator(f'#queue-list .queue-item[data-conversation="{conversation}"]')
    page.clock.run_for(2000)
    assert item.count() == 0  # nothing pushed it
    page.clock.fast_forward("00:10")
    expect(item).to_be_visible(timeout=4000)
    expect(page.locator("#connection")).to_have_attribute("data-state", "polling")
    tab.assert_clean()


@pytest.mark.browser
def test_agent_changes_their_password_in_the_browser(helpdesk: Helpdesk, tabs: Any) -> None:
    """customer_support (no other test here signs in with it) changes the password; the
    session in another browser ends, this one goes on; the rule's and the mistakes' messages
    in both languages."""
    from playwright.sync_api import expect

    old, new = AGENT_PASSWORDS["customer_support"], "Hà đổi mật khẩu ngày 6 tháng 12"
    elsewhere = helpdesk.login("customer_support")  # the same agent, signed in elsewhere
    tab = tabs()
    page = tab.page
    tab.open()
    tab.sign_in("customer_support")
    error = page.locator("#password-error")

    def submit(current: str, fresh: str, repeat: str | None = None) -> None:
        page.fill("#current-password", current)
        page.fill("#new-password", fresh)
        page.fill("#repeat-password", fresh if repeat is None else repeat)
        page.click("#password-submit")

    page.click("#change-password")
    expect(page.locator("#password-view")).to_be_visible()
    expect(page.locator("#chats-view")).to_be_hidden()
    expect(page.locator("#current-password")).to_be_focused()
    submit(old, new, repeat=new + "!")
    expect(error).to_have_text("The two new passwords are not the same.")
    expect(page.locator("#repeat-password")).to_be_focused()
    submit(old, "too short")  # the number comes from the server's rule
    expect(error).to_have_text("The new password is too short: use at least 12 characters.")
    expect(page.locator("#new-password")).to_be_focused()
    submit(old, "my name is customer_support")
    expect(error).to_have_text("The new password must not contain your username.")
    submit("not my password", new)
    expect(error).to_have_text("The current password is not right.")
    expect(page.locator("#current-password")).to_be_focused()
    assert elsewhere.call("GET", "/me").status_code == 200  # nothing has changed yet
    tab.screenshot("console-08-change-password")

    submit(old, new)
    expect(page.locator("#banner-text")).to_have_text(
        "Your password has been changed. Your other sessions were signed out."
    )
    expect(page.locator("#chats-view")).to_be_visible()
    expect(page.locator("#password-view")).to_be_hidden()
    assert elsewhere.call("GET", "/me").status_code == 401
    page.reload()  # this session goes on
    expect(page.locator("#queue-list section").first).to_be_visible()
    refused = requests.post(
        helpdesk.base_url + "/api/v1/agent/login",
        json={"username": "customer_support", "password": old},
        timeout=10,
    )
    assert refused.status_code == 401
    assert helpdesk.login("customer_support", new).agent["username"] == "customer_support"

    page.select_option("#language", "vi")
    page.click("#change-password")
    expect(page.locator("#password-title")).to_have_text("Đổi mật khẩu của bạn")
    expect(page.locator('label[for="current-password"]')).to_have_text("Mật khẩu hiện tại")
    expect(page.locator('label[for="repeat-password"]')).to_have_text("Nhập lại mật khẩu mới")
    expect(page.locator("#password-submit")).to_have_text("Đổi mật khẩu")
    submit(new, "ngắn quá")
    expect(error).to_have_text("Mật khẩu mới quá ngắn: cần ít nhất 12 ký tự.")
    submit(new, "aaaaaaaaaaaaaaaa")
    expect(error).to_have_text("Mật khẩu mới cần có ít nhất 6 ký tự khác nhau.")
    submit(new, new)
    expect(error).to_have_text("Mật khẩu mới phải khác mật khẩu hiện tại.")
    submit("sai mật khẩu rồi", "một mật khẩu khác hẳn")
    expect(error).to_have_text("Mật khẩu hiện tại chưa đúng.")
    tab.screenshot("console-09-change-password-vietnamese")
    page.click("#password-cancel")
    expect(page.locator("#chats-view")).to_be_visible()
    page.click("#change-password")
    expect(page.locator("#current-password")).to_have_value("")  # nothing typed is kept
    expect(error).to_be_hidden()
    tab.assert_clean()


@pytest.mark.browser
def test_a_locked_account_is_told_how_long_to_wait(helpdesk: Helpdesk, tabs: Any) -> None:
    from playwright.sync_api import expect

    for _ in range(5):  # after_sales: no other test here signs in with it
        wrong = requests.post(
            helpdesk.base_url + "/api/v1/agent/login",
            json={"username": "after_sales", "password": "a guess"},
            timeout=10,
        )
        assert wrong.status_code == 401
    tab = tabs()
    page = tab.page
    tab.open()
    page.fill("#username", "after_sales")
    page.fill("#password", AGENT_PASSWORDS["after_sales"])  # right, but locked out
    page.press("#password", "Enter")
    expect(page.locator("#login-error")).to_have_text(
        "Too many wrong passwords. Try again in 15 min."
    )
    expect(page.locator("#chats-view")).to_be_hidden()
    page.select_option("#language", "vi")
    page.press("#password", "Enter")
    expect(page.locator("#login-error")).to_have_text(
        "Bạn đã nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút."
    )
    tab.assert_clean()

"""What agents expect of a live-chat console (issue 12), in the browser, in both UI languages,
on a desktop and on a 390x844 phone.

- The transcript keeps to the newest message after opening, claiming, the agent's reply and a
  new customer message; an agent who scrolled up to read is not moved: a "new messages" button
  counts what arrived below. Conversations the agent has not open count their new messages.
- Everything is in the agent's language: system lines, the routing reason with the
  departments' names (never a key such as "(billing)"), channel names (never "socketio").
- What the assistant told the customer at hand-off (ticket, department, first-reply target).
- An admin sees one list of everyone waiting, longest first; two chats with the same subject
  differ by contact, channel, waiting time and first words.
- A demo's sign-in page names its users; a back office that is not a demo does not.

Screenshots go to var/artifacts/screenshots/console-1*-<lang>-<size>-*.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.backoffice.web.test_console import Tab
from tests.support.helpdesk import Helpdesk, new_conversation_id

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ("en", "vi")
DEPARTMENT_KEYS = (
    "customer_support", "after_sales", "billing", "logistics", "sales", "marketing", "technical"
)  # fmt: skip
# The words each check looks for, as an agent reads them.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "billing": "Billing",
        "logistics": "Delivery & Logistics",
        "after_sales": "After-sales & Warranty",
        "joined": "{agent} joined the conversation.",
        "transferred": "{agent} transferred the conversation from Billing to Delivery & Logistics.",
        "told": "The assistant told the customer: passed to Billing (ticket {ticket}), a person "
        "will reply here. First reply expected ",
        "sent_to": "Sent to Billing: the customer wrote “charged twice”; the assistant read it "
        "as a payment problem",
        "website": "Website chat",
        "one_new": "↓ 1 new message",
        "wait": r"^waiting \d+ (s|min)$",
        "no_contact": "No contact given",
        "all_waiting": r"^Everyone waiting \(\d+\), longest first$",
        "demo_title": "Demo accounts",
        "admin_works": "all departments (admin)",
        "cco_works": "the dashboard (customer experience)",
    },
    "vi": {
        "billing": "Thanh toán & Hóa đơn",
        "logistics": "Giao hàng & Vận chuyển",
        "after_sales": "Hậu mãi & Bảo hành",
        "joined": "{agent} đã tham gia cuộc trò chuyện.",
        "transferred": "{agent} đã chuyển cuộc trò chuyện từ bộ phận Thanh toán & Hóa đơn sang "
        "bộ phận Giao hàng & Vận chuyển.",
        "told": "Trợ lý đã báo khách: đã chuyển tới bộ phận Thanh toán & Hóa đơn (phiếu {ticket}), "
        "nhân viên sẽ trả lời ngay tại đây. Phản hồi đầu tiên dự kiến ",
        "sent_to": "Chuyển tới bộ phận Thanh toán & Hóa đơn: khách viết “charged twice”; trợ lý "
        "hiểu là sự cố thanh toán",
        "website": "Chat trên website",
        "one_new": "↓ 1 tin nhắn mới",
        "wait": r"^đã chờ \d+ (giây|phút)$",
        "no_contact": "Khách chưa để lại liên hệ",
        "all_waiting": r"^Tất cả khách đang chờ \(\d+\), chờ lâu nhất trước$",
        "demo_title": "Tài khoản dùng thử",
        "admin_works": "tất cả bộ phận (quản trị)",
        "cco_works": "bảng số liệu (trải nghiệm khách hàng)",
    },
}
LAYOUTS = [
    pytest.param(lang, size, id=f"{lang}-{size}") for lang in LANGUAGES for size in VIEWPORTS
]

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser: Any, helpdesk: Helpdesk) -> Iterator[Any]:
    """Opens the console in a language and a window size, signed in as `username` (or not)."""
    opened: list[Tab] = []

    def open_console(lang: str, size: str, username: str | None = None) -> Tab:
        tab = Tab(browser, helpdesk.base_url, VIEWPORTS[size])
        opened.append(tab)
        tab.open()
        tab.page.select_option("#language", lang)
        if username:
            tab.sign_in(username)
        return tab

    yield open_console
    for tab in opened:
        tab.close()


def _at(seconds_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).isoformat()


def _say(helpdesk: Helpdesk, conversation: str, text: str) -> None:
    """The customer writes while a person has (or waits for) the conversation."""
    forwarded = helpdesk.api(
        "POST",
        f"/handoffs/{conversation}/messages",
        json={"message_id": f"m-{time.monotonic_ns()}", "text": text, "sent_at": _at(0)},
    )
    assert forwarded.status_code == 202, forwarded.text


def _long_transcript(turns: int = 40) -> list[dict[str, str]]:
    lines = []
    for n in range(turns):
        role = "customer" if n % 2 == 0 else "bot"
        text = f"Line {n}: " + "a fairly long sentence that takes some room on the screen " * 2
        lines.append({"role": role, "text": text, "at": _at(600 - n)})
    return lines


def _wait_at_bottom(page: Any) -> None:
    page.wait_for_function(
        "() => { const l = document.getElementById('transcript');"
        " return l.scrollHeight > l.clientHeight"
        " && l.scrollHeight - l.scrollTop - l.clientHeight < 2; }",
        timeout=4000,
    )


def _scroll_to_top(page: Any) -> None:
    """The agent scrolls up to read (the page sees the scroll event)."""
    page.evaluate(
        "() => new Promise(done => { const l = document.getElementById('transcript');"
        " l.addEventListener('scroll', () => done(), {once: true}); l.scrollTop = 0; })"
    )


def _shot(tab: Tab, name: str, lang: str, size: str, focus: str | None = None) -> None:
    """A screenshot of what the agent sees around `focus`; nothing sticks out sideways."""
    if focus:  # in one step: a queue reloaded meanwhile replaces its elements
        tab.page.evaluate(
            "selector => document.querySelector(selector).scrollIntoView({block: 'nearest'})", focus
        )
    tab.screenshot(f"{name}-{lang}-{size}")
    wide = tab.page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(n => n.getClientRects().length"
        " && n.getBoundingClientRect().right > innerWidth + 1)"
        ".map(n => n.id || n.className || n.tagName).slice(0, 8)"
    )
    assert wide == [], f"{name}: wider than the window: {wide}"


# -- 1. the transcript keeps up; unread counts ----------------------------------------------------


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_transcript_follows_the_newest_message_unless_the_agent_reads_above(
    helpdesk: Helpdesk, console: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    chat, other = new_conversation_id(), new_conversation_id()
    for conversation, transcript in ((chat, _long_transcript()), (other, None)):
        extra = {"transcript": transcript} if transcript else {}
        created = helpdesk.request_handoff(conversation, language=lang, **extra)
        assert created.status_code == 201, created.text
    tab = console(lang, size, "billing")
    page = tab.page
    item = page.locator(f'#queue-list .queue-item[data-conversation="{chat}"]')
    other_item = page.locator(f'#queue-list .queue-item[data-conversation="{other}"]')

    # Opened: the newest message is in view, not the first of a long transcript.
    item.click()
    expect(page.locator("#transcript .msg")).to_have_count(41)  # and the hand-off line
    _wait_at_bottom(page)
    _shot(tab, "console-10-opened", lang, size, "#transcript")

    # Read from the top, then claim: the claim brings the agent to the newest line.
    _scroll_to_top(page)
    page.click("#claim")
    joined = words["joined"].format(agent="Lê Thị Mai Anh")
    expect(page.locator("#transcript .msg-system .msg-text").last).to_have_text(joined)
    _wait_at_bottom(page)

    # The agent's own reply, then a customer message while following: both in view.
    page.fill("#reply-text", "Let me check the two charges.")
    page.click("#reply-send")
    expect(page.locator("#transcript .msg-agent")).to_have_count(1)
    _wait_at_bottom(page)
    _say(helpdesk, chat, "Thanks, I'll wait")
    expect(page.locator("#transcript .msg-customer .msg-text").last).to_have_text(
        "Thanks, I'll wait"
    )
    _wait_at_bottom(page)
    expect(page.locator("#new-messages")).to_be_hidden()

    # Scrolled up to read: a new message does not move the transcript; the button counts it.
    _scroll_to_top(page)
    _say(helpdesk, chat, "Are you still there?")
    marker = page.locator("#new-messages")
    expect(marker).to_have_text(words["one_new"])
    expect(page.locator("#transcript .msg-customer .msg-text").last).to_have_text(
        "Are you still there?"
    )
    assert page.evaluate("document.getElementById('transcript').scrollTop") == 0
    _shot(tab, "console-11-new-messages-marker", lang, size, "#new-messages")
    marker.click()
    _wait_at_bottom(page)
    expect(marker).to_be_hidden()

    # A message in a conversation the agent has not open: counted on it in the queue.
    _say(helpdesk, other, "Hello? Anyone?")
    expect(other_item.locator(".unread")).to_have_text("1")
    _say(helpdesk, other, "I need help with a refund")
    expect(other_item.locator(".unread")).to_have_text("2")
    _shot(tab, "console-12-unread-count", lang, size, f'#queue-list [data-conversation="{other}"]')
    other_item.click()
    expect(page.locator("#conv-title")).to_have_text("I want a person, I was charged twice")
    expect(other_item.locator(".unread")).to_have_count(0)
    tab.assert_clean()


# -- 2 and 3. the agent's language everywhere; what the bot told the customer ---------------------


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_lines_reasons_and_channels_are_in_the_agents_language(
    helpdesk: Helpdesk, console: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    chat, messenger = new_conversation_id(), new_conversation_id()
    created = helpdesk.request_handoff(
        chat,
        department=None,  # routed by the helpdesk from the customer's words
        routing_reason=None,
        request_text="I want a person, I was charged twice",
        intent="payment_issue",  # worded from the knowledge file's labels, never the raw name
        language="vi" if lang == "en" else "en",  # the customer's language is not the agent's
    )
    assert created.status_code == 201, created.text
    ticket = created.json()["ticket_id"]
    assert created.json()["department"] == "billing"
    assert helpdesk.request_handoff(messenger, channel="facebook").status_code == 201
    tab = console(lang, size, "admin")
    page = tab.page

    expect(
        page.locator(f'#queue-list [data-conversation="{messenger}"] .queue-channel')
    ).to_have_text("Messenger")
    item = page.locator(f'#queue-list .queue-item[data-conversation="{chat}"]')
    expect(item.locator(".queue-channel")).to_have_text(words["website"])
    item.click()

    # What the assistant told the customer, in the transcript and beside it.
    told = words["told"].format(ticket=ticket)
    expect(page.locator("#promise")).to_contain_text(told)
    expect(page.locator("#transcript .msg-system .msg-text").last).to_contain_text(told)
    # Why it came here: the department's name and the customer's words, in the agent's language.
    expect(page.locator("#routing-reason .routing-chosen")).to_contain_text(words["sent_to"])
    facts = page.locator("#customer-info")
    expect(facts).to_contain_text(words["website"])
    _shot(tab, "console-13-routing-and-promise", lang, size, "#details")

    page.click("#claim")
    expect(page.locator("#transcript .msg-system .msg-text").last).to_have_text(
        words["joined"].format(agent="Hoàng Gia Huy")
    )
    page.select_option("#transfer-to", "logistics")
    page.click("#transfer")
    expect(page.locator("#transcript .msg-system .msg-text").last).to_have_text(
        words["transferred"].format(agent="Hoàng Gia Huy")
    )
    expect(page.locator("#conv-dept")).to_have_text(words["logistics"])
    _shot(tab, "console-14-system-lines", lang, size, "#transcript")

    # No internal key anywhere the agent reads.
    shown = page.locator("#chats-view").inner_text()
    assert "socketio" not in shown and "facebook" not in shown
    for key in DEPARTMENT_KEYS:
        assert f"({key})" not in shown and f" {key} " not in shown, key

    # Switching the language rewrites what is already on screen.
    other = "vi" if lang == "en" else "en"
    page.select_option("#language", other)
    expect(page.locator("#transcript .msg-system .msg-text").last).to_have_text(
        WORDS[other]["transferred"].format(agent="Hoàng Gia Huy")
    )
    expect(page.locator("#promise")).to_contain_text(WORDS[other]["told"].format(ticket=ticket))
    tab.assert_clean()


# -- 4. one list of everyone waiting, for admins --------------------------------------------------


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_admin_sees_everyone_waiting_longest_first_and_tells_equal_subjects_apart(
    helpdesk: Helpdesk, console: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    same = "I want to talk to a person"
    first, second = new_conversation_id(), new_conversation_id()
    created = helpdesk.request_handoff(
        first,
        department="after_sales",
        channel="zalo",
        contact="an.nguyen@example.com",
        transcript=[
            {"role": "customer", "text": "Máy giặt mua tuần trước bị rò nước", "at": _at(90)},
            {"role": "bot", "text": "Bạn cần gì thêm?", "at": _at(60)},
            {"role": "customer", "text": same, "at": _at(2)},
        ],
    )
    assert created.status_code == 201, created.text
    time.sleep(1.2)  # the first has waited longer
    created = helpdesk.request_handoff(
        second,
        department="billing",
        channel="telegram",
        contact="+84912345678",
        transcript=[
            {"role": "customer", "text": "Hello, about my invoice", "at": _at(30)},
            {"role": "customer", "text": same, "at": _at(1)},
        ],
    )
    assert created.status_code == 201, created.text
    tab = console(lang, size, "admin")
    page = tab.page

    waiting = page.locator('#queue-list [data-group="waiting"]')
    expect(waiting.locator("h3")).to_have_text(re.compile(words["all_waiting"]))
    expect(page.locator("#queue-list .dept")).to_have_count(0)  # no block per department
    order = waiting.locator(".queue-item").evaluate_all(
        "items => items.map(i => i.dataset.conversation)"
    )
    assert order.index(first) < order.index(second)
    seconds = waiting.locator(".queue-item .wait").evaluate_all(
        "nodes => nodes.map(n => Number(n.dataset.seconds))"
    )
    assert seconds == sorted(seconds, reverse=True)

    one = waiting.locator(f'.queue-item[data-conversation="{first}"]')
    two = waiting.locator(f'.queue-item[data-conversation="{second}"]')
    for entry in (one, two):
        expect(entry.locator(".queue-subject")).to_have_text(same)
        expect(entry.locator(".wait")).to_have_text(re.compile(words["wait"]))
    expect(one.locator(".queue-contact")).to_have_text("an.nguyen@example.com")
    expect(one.locator(".queue-channel")).to_have_text("Zalo")
    expect(one.locator(".queue-first")).to_have_text("“Máy giặt mua tuần trước bị rò nước”")
    expect(one.locator(".dept-tag")).to_have_text(words["after_sales"])
    expect(two.locator(".queue-contact")).to_have_text("0912 345 678")
    expect(two.locator(".queue-channel")).to_have_text("Telegram")
    expect(two.locator(".queue-first")).to_have_text("“Hello, about my invoice”")
    expect(two.locator(".dept-tag")).to_have_text(words["billing"])
    _shot(tab, "console-15-all-waiting", lang, size, f'#queue-list [data-conversation="{first}"]')
    tab.assert_clean()


# -- 5. demo user names on the sign-in page, in a demo only ---------------------------------------


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_a_demo_names_its_users_on_the_sign_in_page(console: Any, lang: str, size: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    tab = console(lang, size)
    page = tab.page
    box = page.locator("#demo-accounts")
    expect(box).to_be_visible()
    expect(box.locator("h2")).to_have_text(words["demo_title"])
    users = box.locator(".demo-user")
    expect(users).to_have_count(9)
    admin = box.locator('.demo-user[data-username="admin"]')
    expect(admin).to_contain_text("Hoàng Gia Huy")
    expect(admin).to_contain_text(words["admin_works"])
    expect(box.locator('.demo-user[data-username="cco"]')).to_contain_text(words["cco_works"])
    expect(box.locator('.demo-user[data-username="billing"]')).to_contain_text(words["billing"])
    assert "password" not in (box.inner_text().lower().replace("passwords are", ""))
    _shot(tab, "console-16-demo-users", lang, size, "#demo-accounts")
    box.locator('.demo-user[data-username="billing"]').click()
    expect(page.locator("#username")).to_have_value("billing")
    expect(page.locator("#password")).to_be_focused()

    # A back office that is not a demo answers 404 there: nothing is shown.
    page.route(
        "**/api/v1/agent/demo-accounts",
        lambda route: route.fulfill(
            status=404,
            content_type="application/json",
            body='{"error": {"code": "not_a_demo", "message": "Not a demo."}}',
        ),
    )
    page.reload()
    expect(page.locator("#login-title")).to_be_visible()
    expect(box).to_be_hidden()
    tab.assert_clean()


def test_only_a_demo_back_office_names_its_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CAREDESK_SEED_DEMO off (as production must have it): the endpoint does not exist."""
    from fastapi.testclient import TestClient

    from backoffice.core.config import Settings
    from backoffice.main import create_app
    from backoffice.prestart import prestart

    monkeypatch.setenv("BACKOFFICE_API_KEY", "test-key-not-secret")
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    answers = {}
    for flag in ("false", "true"):
        monkeypatch.setenv("CAREDESK_SEED_DEMO", flag)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        prestart(settings)
        response = TestClient(create_app(settings)).get("/api/v1/agent/demo-accounts")
        answers[flag] = (response.status_code, response.json())
    assert answers["false"][0] == 404
    assert answers["false"][1]["error"]["code"] == "not_a_demo"
    assert answers["true"][0] == 200 and len(answers["true"][1]["accounts"]) == 9

"""The console's tools in the browser (issue 12), in both UI languages, on a desktop and on a
390x844 phone: a saved reply inserted with "/" and with the button, an answer of the knowledge
base inserted in the conversation's language, the customer's history with a link that opens
an earlier chat, presence (the away toggle, the team list) and the admins' library.

Screenshots go to var/artifacts/screenshots/console-3*-<lang>-<size>.png.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from caredesk_rules.ids import ticket_id_for
from tests.backoffice.web.test_console import Tab
from tests.backoffice.web.test_console_workspace import LAYOUTS, VIEWPORTS, _shot
from tests.support.helpdesk import Helpdesk, new_conversation_id

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "slash": "/invoice",
        "canned": "I can issue a VAT invoice for your company.",
        "kb_query": "delivery fee",
        "kb_answer": "20,000",
        "orders": "Orders",
        "online": "Online",
        "away": "Away",
        "team_billing": "Billing",
        "one_online": "1 online",
        "none_online": "0 online",
    },
    "vi": {
        "slash": "/hoa don",
        "canned": "Mình có thể xuất hóa đơn VAT cho công ty bạn.",
        "kb_query": "phí giao hàng",
        "kb_answer": "20.000đ",
        "orders": "Đơn hàng",
        "online": "Đang trực",
        "away": "Tạm vắng",
        "team_billing": "Thanh toán & Hóa đơn",
        "one_online": "1 đang trực",
        "none_online": "0 đang trực",
    },
}

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser: Any, helpdesk: Helpdesk) -> Iterator[Any]:
    opened: list[Tab] = []

    def open_console(lang: str, size: str, username: str) -> Tab:
        tab = Tab(browser, helpdesk.base_url, VIEWPORTS[size])
        opened.append(tab)
        tab.open()
        tab.page.select_option("#language", lang)
        tab.sign_in(username)
        return tab

    yield open_console
    for tab in opened:
        tab.assert_clean()
        tab.close()


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_saved_replies_knowledge_base_and_history(
    helpdesk: Helpdesk, console: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    earlier, chat = new_conversation_id(), new_conversation_id()
    # The same verified customer (An Nguyễn, ORD-10001) asked before, and asks again now.
    for conversation in (earlier, chat):
        made = helpdesk.request_handoff(conversation, language=lang)
        assert made.status_code == 201, made.text
    tab = console(lang, size, "billing")
    page = tab.page
    page.locator(f'#queue-list .queue-item[data-conversation="{chat}"]').click()
    page.click("#claim")
    expect(page.locator("#reply-form")).to_be_visible()

    # "/" and words: the department's saved replies in the chat's language; Enter inserts.
    box = page.locator("#reply-text")
    box.click()
    box.press_sequentially(words["slash"])
    expect(page.locator("#tool-panel")).to_be_visible()
    expect(page.locator("#tool-results .tool-item")).to_have_count(1)  # filtered by the words
    expect(page.locator("#tool-results .tool-item").first).to_contain_text(words["canned"])
    _shot(tab, "console-30-slash", lang, size, "#tool-panel")
    box.press("Enter")
    expect(page.locator("#tool-panel")).to_be_hidden()
    expect(box).to_have_value(re.compile("^" + re.escape(words["canned"])))
    assert page.locator("#transcript .msg-agent").count() == 0  # inserted, never sent

    # The knowledge base: searched, inserted after what the agent wrote.
    box.fill("")
    page.click("#kb-open")
    page.fill("#tool-q", words["kb_query"])
    first = page.locator("#tool-results .tool-item").first
    expect(first).to_contain_text(words["kb_answer"])
    _shot(tab, "console-31-knowledge", lang, size, "#tool-panel")
    first.locator(".tool-insert").click()
    assert words["kb_answer"] in box.input_value()
    expect(box).to_be_focused()
    page.click("#reply-send")  # edited or not, the agent sends it
    expect(page.locator("#transcript .msg-agent .msg-text").last).to_contain_text(
        words["kb_answer"]
    )

    # The customer's history: the earlier chat, the verified customer's orders.
    [(number,)] = helpdesk.rows("SELECT id FROM tickets WHERE conversation_id = :c", c=earlier)
    history = page.locator("#history")
    earlier_item = history.locator(f'.history-item[data-ticket="{ticket_id_for(number)}"]')
    expect(earlier_item).to_be_visible()
    expect(history.locator(".history-item[data-order='ORD-10001']")).to_be_visible()
    expect(history.locator(".history-item[data-order='ORD-10004']")).to_be_visible()
    expect(history).to_contain_text(words["orders"])
    _shot(tab, "console-32-history", lang, size, "#history")
    earlier_item.click()  # opens the earlier chat
    page.wait_for_function(
        "id => document.getElementById('conv-ticket').textContent === id",
        arg=ticket_id_for(number),
    )


CONTACT_WORDS = {
    "en": {
        "card": "0903 111 222 · not verified",
        "details": "given by the customer, not verified",
        "look_up": "Look up orders for this contact",
        "looked_up": "Not verified by the customer",
    },
    "vi": {
        "card": "0903 111 222 · chưa xác minh",
        "details": "khách hàng tự cung cấp, chưa xác minh",
        "look_up": "Tra cứu đơn hàng theo liên hệ này",
        "looked_up": "Khách hàng chưa xác minh",
    },
}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_contact_written_while_waiting_is_shown_and_its_orders_looked_up_on_purpose(
    helpdesk: Helpdesk, console: Any, lang: str
) -> None:
    """The usability test's "No contact given": the customer wrote their phone while waiting.
    The card and the customer panel show it as given, not verified; the orders (Trần Bình's
    ORD-10002) only after the agent presses the button; the ticket search finds it."""
    from playwright.sync_api import expect

    words = CONTACT_WORDS[lang]
    chat = new_conversation_id()
    made = helpdesk.request_handoff(
        chat, language=lang, contact=None, contact_verified=False, order_summary=None
    )
    ticket_id = made.json()["ticket_id"]
    tab = console(lang, "desktop", "billing")
    page = tab.page
    card = page.locator(f'#queue-list .queue-item[data-conversation="{chat}"]')
    card.click()
    said = helpdesk.api(
        "POST",
        f"/handoffs/{chat}/messages",
        json={
            "message_id": f"m-{uuid.uuid4().hex[:8]}",
            "text": "số của mình là 0903.111.222 nhé",
            "sent_at": "2026-12-07T06:30:00+00:00",
        },
    )
    assert said.status_code == 202, said.text
    expect(card.locator(".queue-contact")).to_have_text(words["card"])  # pushed, no reload
    expect(page.locator("#customer-info")).to_contain_text(words["details"])
    history = page.locator("#history")
    expect(history.locator(".history-item[data-order]")).to_have_count(0)
    button = history.locator("#history-look-up")
    expect(button).to_have_text(words["look_up"])
    button.click()
    expect(history.locator(".history-item[data-order='ORD-10002']")).to_be_visible()
    expect(history.locator(".history-warning")).to_contain_text(words["looked_up"])
    _shot(tab, "console-33-looked-up", lang, "desktop", "#history")

    page.click("#tab-tickets")
    page.fill("#ticket-q", "0903 111 222")
    page.click("#ticket-search-submit")
    expect(page.locator(f'tr[data-ticket="{ticket_id}"]')).to_be_visible()


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_presence_toggle_and_team(helpdesk: Helpdesk, console: Any, lang: str, size: str) -> None:
    from playwright.sync_api import expect

    words = WORDS[lang]
    tab = console(lang, size, "billing")
    page = tab.page
    expect(page.locator("#presence-box")).to_have_attribute("data-state", "online")
    billing = page.locator('#team-list .team-group[data-department="billing"]')
    expect(billing).to_contain_text(words["team_billing"])
    expect(billing.locator(".pill")).to_have_text(words["one_online"])
    _shot(tab, "console-33-presence", lang, size, "#team-list")
    page.select_option("#presence", "away")
    expect(page.locator("#presence-box")).to_have_attribute("data-state", "away")
    expect(billing.locator('.team-agent[data-username="billing"]')).to_have_attribute(
        "data-presence", "away"
    )
    expect(billing.locator(".pill")).to_have_text(words["none_online"])
    state = helpdesk.rows("SELECT away FROM agents WHERE username = 'billing'")
    assert state == [(True,)] or state == [(1,)]
    page.select_option("#presence", "online")
    expect(page.locator("#presence-box")).to_have_attribute("data-state", "online")


@pytest.mark.parametrize(("lang", "size"), LAYOUTS)
def test_admin_sees_every_team_and_keeps_the_library(
    helpdesk: Helpdesk, console: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    tab = console(lang, size, "admin")
    page = tab.page
    expect(page.locator("#team-list .team-group")).to_have_count(8)  # 7 teams and the admins
    expect(page.locator('#team-list .team-agent[data-username="admin"]')).to_have_attribute(
        "data-presence", "online"
    )
    page.click("#tab-library")
    expect(page.locator("#library-list .library-item").first).to_be_visible()
    title = f"Test {uuid.uuid4().hex[:6]}"
    page.select_option("#library-form-dept", "sales")
    page.select_option("#library-form-lang", lang)
    page.fill("#library-reply-title", title)
    page.fill("#library-text", "Cảm ơn bạn đã ủng hộ shop!" if lang == "vi" else "Thanks!")
    page.click("#library-save")
    page.fill("#library-q", title)
    page.click("#library-search-submit")
    item = page.locator("#library-list .library-item")
    expect(item).to_have_count(1)
    _shot(tab, "console-34-library", lang, size, "#library-list")
    item.locator(".btn-danger").click()
    item.locator(".btn-danger").click()  # the second click deletes
    expect(page.locator("#library-list .library-item")).to_have_count(0)

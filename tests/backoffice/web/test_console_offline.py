"""Chats nobody could take when the customer asked, in the browser (Playwright, Debian's Chromium).

Marketing is closed all day in the tests' departments file, so a hand-off to it leaves the chat
with the assistant and the ticket open. Its agent finds it under "Tickets awaiting a reply",
takes it over and replies; an admin gets the same button from the Tickets tab's "Open chat";
a transfer to the closed team is confirmed first and told to the customer once. The Rasa
server is the helpdesk tests' recorder: what the customer is told is checked there.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from devstack.backoffice import CLOSED_DEPARTMENT as CLOSED
from tests.backoffice.web.test_console import Tab
from tests.support.helpdesk import Helpdesk, new_conversation_id

pytestmark = pytest.mark.browser


def _item(page: Any, conversation: str) -> Any:
    return page.locator(f'#queue-list .queue-item[data-conversation="{conversation}"]')


def test_a_chat_nobody_could_take_is_listed_taken_over_and_answered(
    helpdesk: Helpdesk, tabs: Any
) -> None:
    from playwright.sync_api import expect

    conversation = new_conversation_id()
    asked = helpdesk.request_handoff(
        conversation, department=CLOSED, routing_reason="matched 'partnership' (marketing)"
    )
    assert asked.status_code == 201 and asked.json()["state"] == "bot", asked.text
    ticket_id = asked.json()["ticket_id"]

    tab: Tab = tabs()
    page = tab.page
    tab.open()
    tab.sign_in(CLOSED)
    section = page.locator(f'#queue-list [data-department="{CLOSED}"]')
    expect(section.locator('[data-group="awaiting_reply"]')).to_have_text(
        "Tickets awaiting a reply (1)"
    )
    item = _item(page, conversation)
    expect(item).to_contain_text(ticket_id)
    expect(item.locator(".reply-promise")).to_have_text(
        "reply promised " + asked.json()["expected_reply_en"]
    )
    tab.screenshot("console-offline-01-awaiting-reply")

    item.click()
    expect(page.locator("#conv-state")).to_have_text("With the assistant")
    expect(page.locator("#conv-note")).to_contain_text("Nobody could take this chat")
    expect(page.locator("#claim")).to_be_hidden()
    expect(page.locator("#reply-form")).to_be_hidden()
    take_over = page.locator("#take-over")
    expect(take_over).to_have_text("Take over")
    take_over.click()
    expect(page.locator("#conv-state")).to_have_text("With an agent")
    expect(take_over).to_be_hidden()
    expect(page.locator("#reply-text")).to_be_focused()
    expect(page.locator("#transcript .msg-system").last).to_contain_text("joined")
    page.keyboard.type("Hello, thanks for waiting: I can help with the partnership.")
    page.keyboard.press("Enter")
    expect(page.locator("#transcript .msg-agent .msg-text")).to_have_count(1)
    expect(section.locator('[data-group="awaiting_reply"]')).to_have_text(
        "Tickets awaiting a reply (0)"
    )
    expect(item.locator(".handled")).to_be_visible()  # now with an agent
    tab.screenshot("console-offline-02-taken-over")
    page.select_option("#language", "vi")
    expect(section.locator('[data-group="awaiting_reply"]')).to_have_text("Phiếu chờ phản hồi (0)")
    delivered = helpdesk.rasa.wait_delivered(conversation, 3)
    assert [name for name, _ in delivered] == [
        "EXTERNAL_no_agent_available",
        "EXTERNAL_agent_joined",  # the customer is told, as after a claim
        "EXTERNAL_agent_message",
    ]
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "with_agent"
    tab.assert_clean()


def test_the_admin_opens_such_a_chat_from_the_tickets_tab_and_takes_it_over(
    helpdesk: Helpdesk, tabs: Any
) -> None:
    from playwright.sync_api import expect

    conversation = new_conversation_id()
    asked = helpdesk.request_handoff(conversation, department=CLOSED)
    ticket_id = asked.json()["ticket_id"]
    # Billing's chat nobody took three hours ago (as the presence rule or the wait leaves it):
    # its promised reply has passed.
    late = new_conversation_id()
    helpdesk.request_handoff(late)
    three_hours_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=3)
    with helpdesk.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE handoffs SET state = 'bot', active_key = NULL, requested_at = :t,"
                " waiting_since = :t WHERE conversation_id = :c"
            ),
            {"t": three_hours_ago, "c": late},
        )
    tab: Tab = tabs()
    page = tab.page
    tab.open()
    tab.sign_in("admin")
    # One list for every department, with the department named, the earliest promise first.
    awaiting = page.locator('#queue-list [data-group="awaiting_reply"]')
    expect(awaiting.locator("h3")).to_contain_text("Tickets awaiting a reply")
    expect(awaiting.locator(f'[data-conversation="{conversation}"] .dept-tag')).to_be_visible()
    overdue = awaiting.locator(f'[data-conversation="{late}"]')
    expect(overdue).to_have_class(re.compile(r"\bis-overdue\b"))
    expect(overdue.locator(".reply-promise.overdue")).to_contain_text("overdue: reply was promised")
    order = awaiting.locator(".queue-item").evaluate_all(
        "items => items.map(i => i.dataset.conversation)"
    )
    assert order.index(late) < order.index(conversation)  # its promise came first
    page.evaluate(  # in one step: a queue reloaded meanwhile replaces its elements
        "id => document.querySelector(`#queue-list [data-conversation='${id}']`)"
        ".scrollIntoView({block: 'nearest'})",
        late,
    )
    tab.screenshot("console-offline-04-admin-awaiting")
    page.click("#tab-tickets")
    page.fill("#ticket-q", ticket_id)
    page.press("#ticket-q", "Enter")
    row = page.locator(f'#ticket-rows tr[data-ticket="{ticket_id}"]')
    row.get_by_role("button", name=f"Open the chat of {ticket_id}").click()
    expect(page.locator("#conv-ticket")).to_have_text(ticket_id)
    expect(page.locator("#take-over")).to_be_visible()
    page.click("#take-over")
    expect(page.locator("#conv-state")).to_have_text("With an agent")
    expect(page.locator("#reply-form")).to_be_visible()
    assert [n for n, _ in helpdesk.rasa.wait_delivered(conversation, 2)][-1] == (
        "EXTERNAL_agent_joined"
    )
    tab.assert_clean()


def test_a_transfer_to_a_team_nobody_can_answer_for_is_confirmed_and_told_once(
    helpdesk: Helpdesk, tabs: Any
) -> None:
    from playwright.sync_api import expect

    conversation = new_conversation_id()
    helpdesk.request_handoff(conversation)  # billing, open
    tab: Tab = tabs()
    page = tab.page
    tab.open()
    tab.sign_in("billing")
    _item(page, conversation).click()
    page.click("#claim")
    expect(page.locator("#conv-state")).to_have_text("With an agent")
    # The list says who can take a chat now: the agent's own team has them online.
    closed = page.locator(f'#transfer-to option[value="{CLOSED}"]')
    expect(closed).to_have_text("Marketing & Partnerships · closed now")
    expect(page.locator('#transfer-to option[value="logistics"]')).to_have_text(
        "Delivery & Logistics · nobody online"
    )
    page.select_option("#transfer-to", CLOSED)
    page.click("#transfer")
    confirm = page.locator("#transfer-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Marketing & Partnerships is closed now")
    expect(confirm).to_contain_text("when to expect a reply")
    tab.screenshot("console-offline-03-transfer-confirm")
    page.click("#transfer-cancel")  # nothing happens
    expect(confirm).to_be_hidden()
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "with_agent"
    page.click("#transfer")
    page.click("#transfer-anyway")
    banner = page.locator("#banner-text")
    expect(banner).to_have_text("Conversation transferred to Marketing & Partnerships.")
    expect(page.locator("#conv")).to_be_hidden()  # not billing's any more
    time.sleep(0.3)  # the status line's delayed write, had there been one
    said = page.evaluate(
        """() => [...document.querySelectorAll('#announcer, #banner-text')]
              .map(n => n.textContent).filter(t => t.includes('transferred'))"""
    )
    assert said == ["Conversation transferred to Marketing & Partnerships."]  # once
    delivered = helpdesk.rasa.wait_delivered(conversation, 2)
    time.sleep(0.3)
    delivered = helpdesk.rasa.delivered(conversation)
    assert [(name, entities.get("department")) for name, entities in delivered] == [
        ("EXTERNAL_agent_joined", None),
        ("EXTERNAL_no_agent_available", CLOSED),  # one message for the customer
    ]
    tab.assert_clean()

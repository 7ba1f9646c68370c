"""The console shows how far each message to the customer got, and sends a failed one again.

The back office runs with a small attempt cap (3) against the helpdesk tests' recorder standing
in for Rasa. The recorder answers 200 but relays nothing, as Rasa does while its action server
is down: the agent's reply goes from "Sending…" to "Not delivered" (pushed to the open console,
no reload), in both console languages; once Rasa relays again, "Send again" delivers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.backoffice import write_departments_file
from tests.backoffice.web.test_console import Tab
from tests.support.helpdesk import (
    Helpdesk,
    RasaRecorder,
    new_conversation_id,
    rasa_recorder,
    running_helpdesk,
)

pytestmark = pytest.mark.browser

MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaRecorder]:
    with rasa_recorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory, rasa: RasaRecorder) -> Iterator[Helpdesk]:
    folder = tmp_path_factory.mktemp("console-delivery")
    departments = write_departments_file(folder / "departments.yml")
    database = f"sqlite:///{folder / 'helpdesk.db'}"
    with running_helpdesk(
        database, "sqlite", rasa, departments, max_attempts=MAX_ATTEMPTS
    ) as running:
        yield running


def test_a_message_that_cannot_be_delivered_is_shown_and_sent_again(
    helpdesk: Helpdesk, rasa: RasaRecorder, browser: Any
) -> None:
    from playwright.sync_api import expect

    conversation = new_conversation_id()
    assert helpdesk.request_handoff(conversation).status_code == 201
    agent = helpdesk.agent("billing")
    assert agent.conversation(conversation, "claim").status_code == 200
    helpdesk.wait_all_delivered(conversation)

    tab = Tab(browser, helpdesk.base_url)
    try:
        page = tab.page
        tab.open()
        tab.sign_in("billing")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        page.locator(f'.queue-item[data-conversation="{conversation}"]').click()
        joined = page.locator("#transcript .msg-system").last
        expect(joined).to_contain_text("joined")
        expect(joined.locator(".msg-delivery")).to_have_text("Delivered")

        # The action server is down from now on: Rasa answers 200 and relays nothing.
        rasa.unrelayed.add(conversation)
        page.fill("#reply-text", "Your refund is on its way.")
        page.press("#reply-text", "Enter")
        reply = page.locator("#transcript .msg-agent").last
        expect(reply.locator(".msg-text")).to_have_text("Your refund is on its way.")
        state = reply.locator(".msg-delivery")
        expect(state).to_have_attribute("data-state", "failed", timeout=15_000)
        expect(state.locator(".msg-delivery-state")).to_have_text("Not delivered")
        retry = state.locator("button")
        expect(retry).to_have_text("Send again")
        expect(retry).to_have_attribute("aria-label", "Send this message to the customer again")
        tab.screenshot("console-delivery-01-not-delivered")
        attempts = [c for c in rasa.calls_for(conversation) if c.name == "EXTERNAL_agent_message"]
        assert len(attempts) == MAX_ATTEMPTS
        assert len({c.delivery_id for c in attempts}) == 1  # one idempotency key throughout

        page.select_option("#language", "vi")
        expect(state.locator(".msg-delivery-state")).to_have_text("Không gửi được")
        expect(state.locator("button")).to_have_text("Gửi lại")
        expect(state.locator("button")).to_have_attribute(
            "aria-label", "Gửi lại tin nhắn này cho khách"
        )
        expect(joined.locator(".msg-delivery")).to_have_text("Đã đến khách")
        tab.screenshot("console-delivery-02-vi")

        # Rasa relays again; the agent sends the message again from the console.
        rasa.unrelayed.discard(conversation)
        state.locator("button").click()
        expect(state).to_have_attribute("data-state", "delivered")
        expect(state).to_have_text("Đã đến khách")
        expect(state.locator("button")).to_have_count(0)
        relayed = [c for c in rasa.calls_for(conversation) if c.name == "EXTERNAL_agent_message"]
        assert len(relayed) == MAX_ATTEMPTS + 1
        assert relayed[-1].delivery_id == attempts[0].delivery_id
        tab.screenshot("console-delivery-03-sent-again")
        tab.assert_clean()
    finally:
        tab.close()

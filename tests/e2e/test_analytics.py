"""The analytics end to end, as `make run` wires them: Rasa's SQL event broker writes the
conversation's events, the back office reads them, and the CCO's summary counts them within
30 seconds, joined with the helpdesk's hand-off."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from devstack.backoffice import AGENT_PASSWORDS
from devstack.stack import Stack, running_stack

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def analytics_stack() -> Iterator[Stack]:
    with running_stack(event_broker=True) as stack:
        yield stack


def cco_token(stack: Stack) -> str:
    response = requests.post(
        stack.backoffice.base_url + "/api/v1/agent/login",
        json={"username": "cco", "password": AGENT_PASSWORDS["cco"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def summary(stack: Stack, token: str) -> dict:
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    response = requests.get(
        stack.backoffice.base_url + "/api/v1/analytics/summary",
        params={"from": today, "to": today},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_contained_and_an_escalated_rest_conversation_are_in_the_summary(
    analytics_stack: Stack,
) -> None:
    stack = analytics_stack
    token = cco_token(stack)
    before = summary(stack, token)
    run = uuid.uuid4().hex[:8]
    answered = stack.say(f"analytics-faq-{run}", "what is your return policy")
    assert "30 days" in " ".join(r.get("text", "") for r in answered)
    escalated = f"analytics-billing-{run}"
    stack.say_sure(escalated, "I want to talk to someone, I was charged twice for my order")
    assert stack.tracker(escalated)["slots"]["department"] == "billing"

    deadline = time.monotonic() + 30
    while True:
        after = summary(stack, token)
        if (
            after["conversations"] - before["conversations"] >= 2
            and after["handoffs"] > before["handoffs"]
        ):
            break
        assert time.monotonic() < deadline, f"not in the summary within 30 s: {after}"
        time.sleep(1)
    assert after["conversations"] - before["conversations"] == 2
    assert after["escalations"] - before["escalations"] == 1
    assert (
        after["escalations_by_department"]["billing"]
        - before["escalations_by_department"]["billing"]
        == 1
    )
    assert after["by_channel"]["rest"]["conversations"] >= 2

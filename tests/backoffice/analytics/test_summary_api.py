"""`GET /api/v1/analytics/summary` on a real back office that reads Rasa's SQL event broker
table: who may read it, what it refuses, and a conversation in it within 30 seconds."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from backoffice.analytics.api import MAX_DAYS
from tests.backoffice.analytics.rasa_events import Chat, Turn, publish
from tests.support.helpdesk import Helpdesk, handoff_body

PATH = "/api/v1/analytics/summary"
TODAY = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def summary(helpdesk: Helpdesk, token: str | None, **params: str) -> requests.Response:
    params = {"from": TODAY.isoformat(), "to": TODAY.isoformat(), **params}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(helpdesk.base_url + PATH, params=params, headers=headers, timeout=30)


def test_only_the_cco_and_admin_read_the_analytics(helpdesk: Helpdesk) -> None:
    assert summary(helpdesk, None).status_code == 401
    assert summary(helpdesk, "not-a-token").status_code == 401
    refused = summary(helpdesk, helpdesk.agent("billing").token)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden_role"
    for username in ("cco", "admin"):
        reader = helpdesk.agent(username)
        assert reader.agent["role"] == username
        response = summary(helpdesk, reader.token)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
    # The service key is not a way in: the analytics are people's, like the console.
    keyed = requests.get(
        helpdesk.base_url + PATH,
        params={"from": TODAY.isoformat(), "to": TODAY.isoformat()},
        headers={"X-API-Key": helpdesk.env["BACKOFFICE_API_KEY"]},
        timeout=10,
    )
    assert keyed.status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "07-12-2026"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-12-08", "to": "2026-12-07"}, "from"),
        ({"from": "2025-01-01", "to": "2026-12-31"}, "to"),
        ({"department": "accounting"}, "department"),
        ({"language": "fr"}, "language"),
        ({"channel": "Web Chat!"}, "channel"),
    ],
)
def test_bad_parameters_are_a_clear_422(helpdesk: Helpdesk, params: dict, field: str) -> None:
    response = summary(helpdesk, helpdesk.agent("cco").token, **params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]["field"] == field
    assert field in error["message"] or "range" in error["message"]


def test_a_missing_date_is_a_422_too(helpdesk: Helpdesk) -> None:
    response = requests.get(
        helpdesk.base_url + PATH,
        params={"from": TODAY.isoformat()},
        headers={"Authorization": f"Bearer {helpdesk.agent('cco').token}"},
        timeout=10,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "query.to"


def test_the_longest_range_is_accepted(helpdesk: Helpdesk) -> None:
    first = TODAY - timedelta(days=MAX_DAYS - 1)
    response = summary(helpdesk, helpdesk.agent("cco").token, **{"from": first.isoformat()})
    assert response.status_code == 200, response.text
    assert len(response.json()["daily"]) == MAX_DAYS


def test_conversations_appear_within_30_seconds_with_their_hand_off(
    helpdesk: Helpdesk, events_db: Path
) -> None:
    token = helpdesk.agent("cco").token
    before = summary(helpdesk, token).json()
    run = uuid.uuid4().hex[:8]
    now = time.time()
    contained = Chat(
        f"rest-contained-{run}", "rest", [Turn(now - 20, "what is your return policy", "faq")]
    )
    escalated = Chat(
        f"rest-billing-{run}",
        "rest",
        [
            Turn(
                now - 10,
                "I was charged twice, a person please",
                "payment_issue",
                slots={"department": "billing"},
            )
        ],
    )
    # The helpdesk's side of the escalation: the action server asks for the hand-off.
    created = helpdesk.api("POST", "/handoffs", json=handoff_body(escalated.sender, channel="rest"))
    assert created.status_code in (200, 201), created.text
    publish(events_db, [contained, escalated])

    deadline = time.monotonic() + 30
    while True:
        after = summary(helpdesk, token).json()
        if after["conversations"] - before["conversations"] == 2:
            break
        assert time.monotonic() < deadline, f"not in the summary after 30 s: {after}"
        time.sleep(0.5)
    assert after["escalations"] - before["escalations"] == 1
    by_department = after["escalations_by_department"]
    assert by_department["billing"] - before["escalations_by_department"]["billing"] == 1
    assert after["by_channel"]["rest"]["conversations"] >= 2
    assert after["handoffs"] - before["handoffs"] == 1
    billing = summary(helpdesk, token, department="billing").json()
    assert billing["escalations"] >= 1 and billing["conversations"] == billing["escalations"]
    assert (
        "previous" in after and after["previous"]["to"] == (TODAY - timedelta(days=1)).isoformat()
    )

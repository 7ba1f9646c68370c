"""The summary's `order_updates` on a real back office: a conversation subscribes through the
order-subscriptions API, the order system reports an event, the delivery worker sends it (to a
recorder answering as Rasa), and the CCO's summary counts the opt-in, the update sent and the
opt-out; the previous period and another channel count none. The definitions, day by day and
state by state, are tested in tests/backoffice/orders/services/test_update_counts.py."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from tests.backoffice.analytics.test_summary_api import TODAY, summary
from tests.support.helpdesk import Helpdesk, new_conversation_id

ORDER = "ORD-10002"
BINH = "binh.tran@example.com"  # ORD-10002's customer (docs/contract.md's demo data)
NONE = {"sent": 0, "deferred": 0, "not_allowed": 0, "failed": 0, "pending": 0}


def order_updates(helpdesk: Helpdesk, **params: str) -> dict[str, Any]:
    response = summary(helpdesk, helpdesk.agent("cco").token, **params)
    assert response.status_code == 200, response.text
    figures: dict[str, Any] = response.json()["order_updates"]
    assert response.json()["previous"]["order_updates"] == {
        **NONE, "opt_ins": 0, "opt_outs": 0,
    }  # fmt: skip
    return figures


def test_the_summary_counts_opt_ins_updates_sent_and_opt_outs(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    subscribed = helpdesk.api(
        "POST",
        "/order-subscriptions",
        json={"order_id": ORDER, "conversation_id": conversation, "channel": "rest",
              "language": "vi", "contact": BINH},
    )  # fmt: skip
    assert subscribed.status_code == 201, subscribed.text
    assert order_updates(helpdesk) == {**NONE, "opt_ins": 1, "opt_outs": 0}

    event = helpdesk.api("POST", f"/orders/{ORDER}/events", json={"type": "packed"})
    assert event.status_code == 200, event.text
    deadline = time.monotonic() + 20
    while (figures := order_updates(helpdesk))["sent"] != 1:
        assert time.monotonic() < deadline, figures
        time.sleep(0.3)
    assert figures == {**NONE, "sent": 1, "opt_ins": 1, "opt_outs": 0}

    ended = helpdesk.api("DELETE", "/order-subscriptions", params={"conversation_id": conversation})
    assert ended.status_code == 200 and ended.json()["unsubscribed"] == [ORDER]
    assert order_updates(helpdesk) == {**NONE, "sent": 1, "opt_ins": 1, "opt_outs": 1}
    assert order_updates(helpdesk, language="vi", department="billing")["opt_outs"] == 1
    assert order_updates(helpdesk, channel="telegram") == {**NONE, "opt_ins": 0, "opt_outs": 0}
    assert order_updates(helpdesk, language="en") == {**NONE, "opt_ins": 0, "opt_outs": 0}
    week = {"from": (TODAY - timedelta(days=6)).isoformat()}  # its previous week: none
    assert order_updates(helpdesk, **week) == {**NONE, "sent": 1, "opt_ins": 1, "opt_outs": 1}

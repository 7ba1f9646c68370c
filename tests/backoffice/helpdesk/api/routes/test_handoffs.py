"""Live handoff over real HTTP: the bot's API, the outbox delivered to a Rasa stand-in, the
no-agent paths and a back-office restart with events still pending (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.backoffice import CLOSED_DEPARTMENT
from tests.support.helpdesk import (
    RASA_TOKEN,
    Helpdesk,
    RasaRecorder,
    handoff_body,
    new_conversation_id,
    running_helpdesk,
)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def say(helpdesk: Helpdesk, conversation_id: str, message_id: str, text: str) -> requests.Response:
    return helpdesk.api(
        "POST",
        f"/handoffs/{conversation_id}/messages",
        json={"message_id": message_id, "text": text, "sent_at": now_iso()},
    )


def test_asking_twice_gives_one_handoff_and_one_ticket(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    first = helpdesk.request_handoff(conversation)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["state"] == "waiting"
    assert body["department"] == "billing"
    assert body["within_business_hours"] is True
    assert body["ticket_id"].startswith("TCK-")
    assert body["expected_reply_en"] and body["expected_reply_vi"]
    # The promised moment itself, for the widget to show in the customer's time zone.
    promised = datetime.fromisoformat(body["expected_reply_at"])
    assert timedelta(0) < promised - datetime.now(timezone.utc) <= timedelta(days=62)
    again = helpdesk.request_handoff(conversation, department="logistics", transcript=[])
    assert again.status_code == 200
    assert again.json()["ticket_id"] == body["ticket_id"]
    assert again.json()["department"] == "billing"  # the active handoff is returned as it is
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM handoffs WHERE conversation_id = :c", c=conversation
    ) == [(1,)]
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM tickets WHERE conversation_id = :c", c=conversation
    ) == [(1,)]
    status = helpdesk.api("GET", f"/handoffs/{conversation}")
    assert status.json() == {
        "state": "waiting",
        "ticket_id": body["ticket_id"],
        "department": "billing",
        "agent_name": None,
    }


def test_concurrent_requests_create_one_handoff(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    statuses: list[int] = []
    tickets: set[str] = set()
    lock = threading.Lock()

    def ask() -> None:
        response = helpdesk.request_handoff(conversation)
        with lock:
            statuses.append(response.status_code)
            tickets.add(response.json()["ticket_id"])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert len(tickets) == 1
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM tickets WHERE conversation_id = :c", c=conversation
    ) == [(1,)]


def test_a_long_transcript_fits(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    turn = {"role": "customer", "text": "Tôi muốn hỏi về đơn hàng của tôi. " * 25, "at": now_iso()}
    response = helpdesk.request_handoff(conversation, transcript=[turn] * 120)  # ~150 KB of JSON
    assert response.status_code == 201, response.text[:200]
    number = int(response.json()["ticket_id"].split("-")[1])
    counts = helpdesk.rows(
        "SELECT role = 'system', COUNT(*) FROM ticket_messages WHERE ticket_id = :t "
        "GROUP BY role = 'system' ORDER BY 1",
        t=number,
    )
    assert counts == [(0, 120), (1, 1)]  # and the line of what the bot told the customer


def test_unknown_conversation_is_with_the_bot(helpdesk: Helpdesk) -> None:
    response = helpdesk.api("GET", f"/handoffs/{new_conversation_id()}")
    assert response.status_code == 200
    assert response.json() == {
        "state": "bot",
        "ticket_id": None,
        "department": None,
        "agent_name": None,
    }


def test_full_cycle_reaches_the_customer_in_order(helpdesk: Helpdesk, rasa: RasaRecorder) -> None:
    conversation = new_conversation_id()
    ticket_id = helpdesk.request_handoff(conversation).json()["ticket_id"]
    agent = helpdesk.agent("billing")
    assert agent.conversation(conversation, "claim").status_code == 200
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["agent_name"] == "Lê Thị Mai Anh"
    assert say(helpdesk, conversation, "m-1", "Here is my receipt").status_code == 202
    for text in ("Chào anh/chị, em xem ngay ạ.", "Second", "Third <b>bold</b>"):
        assert agent.conversation(conversation, "reply", json={"text": text}).status_code == 201
    resolved = agent.conversation(conversation, "resolve")
    assert resolved.status_code == 200
    assert resolved.json()["ticket"]["status"] == "solved"
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "resolved"

    delivered = rasa.wait_delivered(conversation, 5)
    name = "Lê Thị Mai Anh"
    assert delivered == [
        ("EXTERNAL_agent_joined", {"agent_name": name}),
        (
            "EXTERNAL_agent_message",
            {"agent_text": "Chào anh/chị, em xem ngay ạ.", "agent_name": name},
        ),
        ("EXTERNAL_agent_message", {"agent_text": "Second", "agent_name": name}),
        ("EXTERNAL_agent_message", {"agent_text": "Third <b>bold</b>", "agent_name": name}),
        ("EXTERNAL_handoff_resolved", {"ticket_id": ticket_id}),
    ]
    calls = rasa.calls_for(conversation)
    assert {(c.token, c.output_channel) for c in calls} == {(RASA_TOKEN, "latest")}

    csat = helpdesk.api(
        "POST", f"/tickets/{ticket_id}/csat", json={"score": 5, "conversation_id": conversation}
    )
    assert csat.status_code == 200
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "bot"

    # Asking again later is a new handoff with a new ticket (the first one is solved).
    again = helpdesk.request_handoff(conversation)
    assert again.status_code == 201
    assert again.json()["ticket_id"] != ticket_id


def test_customer_messages_are_idempotent_and_need_an_active_handoff(
    helpdesk: Helpdesk,
) -> None:
    conversation = new_conversation_id()
    refused = say(helpdesk, conversation, "m-0", "anyone?")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_active_handoff"
    ticket_id = helpdesk.request_handoff(conversation).json()["ticket_id"]
    number = int(ticket_id.split("-")[1])
    first = say(helpdesk, conversation, "msg-42", "while I wait: order ORD-10001")
    assert first.status_code == 202
    assert first.json() == {"state": "waiting", "ticket_id": ticket_id, "duplicate": False}
    again = say(helpdesk, conversation, "msg-42", "while I wait: order ORD-10001")
    assert again.json()["duplicate"] is True
    rows = helpdesk.rows(
        "SELECT text FROM ticket_messages WHERE ticket_id = :t AND external_id = 'msg-42'",
        t=number,
    )
    assert rows == [("while I wait: order ORD-10001",)]
    for bad in (
        {"message_id": "", "text": "x", "sent_at": now_iso()},
        {"message_id": "a b", "text": "x", "sent_at": now_iso()},
        {"message_id": "m", "text": "", "sent_at": now_iso()},
        {"message_id": "m", "text": "x" * 4001, "sent_at": now_iso()},
        {"message_id": "m", "text": "x", "sent_at": "soon"},
        {"message_id": "m", "text": 5, "sent_at": now_iso()},
        {"message_id": "m", "text": "x"},
    ):
        response = helpdesk.api("POST", f"/handoffs/{conversation}/messages", json=bad)
        assert response.status_code == 422, bad
    turns = "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = :t AND role != 'system'"
    assert helpdesk.rows(turns, t=number) == [(4,)]


def test_a_contact_written_to_the_agent_goes_on_a_ticket_without_one(helpdesk: Helpdesk) -> None:
    """Written while waiting: recorded as given, not verified; the console's card and the
    ticket search find it; a second one, or a proven one already there, is not replaced."""
    conversation = new_conversation_id()
    made = helpdesk.request_handoff(
        conversation, contact=None, contact_verified=False, order_summary=None
    )
    ticket_id = made.json()["ticket_id"]
    admin = helpdesk.agent("admin")
    socket = admin.websocket()
    try:
        socket.wait_for(lambda e: e.get("type") == "hello")
        say(helpdesk, conversation, "m-1", "Hello? Is anyone there?")
        say(helpdesk, conversation, "m-2", "email mình là An.Nguyen@Example.com nhé")
        pushed = socket.wait_for(
            lambda e: e.get("type") == "conversation_updated" and e.get("reason") == "contact"
        )
        assert pushed["ticket_id"] == ticket_id
    finally:
        socket.close()
    say(helpdesk, conversation, "m-3", "or call 0903 111 222")
    view = admin.call("GET", f"/conversations/{conversation}").json()["ticket"]
    assert (view["contact_email"], view["contact_phone"], view["contact_verified"]) == (
        "an.nguyen@example.com",
        None,
        False,
    )
    [card] = [
        entry
        for group in admin.call("GET", "/queue").json()["departments"]
        for entry in group["waiting"]
        if entry["conversation_id"] == conversation
    ]
    assert (card["contact"], card["contact_verified"]) == ("an.nguyen@example.com", False)
    found = admin.call("GET", "/tickets", params={"q": "an.nguyen@example.com"}).json()
    assert ticket_id in [t["id"] for t in found["tickets"]]

    proven = new_conversation_id()  # a verified contact is never replaced by a written one
    helpdesk.request_handoff(proven, contact="binh.tran@example.com")
    say(helpdesk, proven, "m-1", "my other email is someone@example.com")
    view = admin.call("GET", f"/conversations/{proven}").json()["ticket"]
    assert (view["contact_email"], view["contact_verified"]) == ("binh.tran@example.com", True)


def test_outside_business_hours_the_customer_is_told_at_once(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    conversation = new_conversation_id()
    response = helpdesk.request_handoff(conversation, department=CLOSED_DEPARTMENT, language="vi")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "bot"
    assert body["within_business_hours"] is False
    # The department opens tomorrow at 8:00 and promises an hour ("today" just after midnight).
    assert (body["expected_reply_en"], body["expected_reply_vi"]) in (
        ("by 9:00 tomorrow", "trước 9:00 ngày mai"),
        ("by 9:00 today", "trước 9:00 hôm nay"),
    )
    delivered = rasa.wait_delivered(conversation, 1)
    assert delivered == [
        (
            "EXTERNAL_no_agent_available",
            {
                "ticket_id": body["ticket_id"],
                "department": CLOSED_DEPARTMENT,
                "expected_reply": body["expected_reply_vi"],
                "expected_reply_en": body["expected_reply_en"],
                "expected_reply_vi": body["expected_reply_vi"],
            },
        )
    ]
    number = int(body["ticket_id"].split("-")[1])
    assert helpdesk.rows("SELECT status FROM tickets WHERE id = :t", t=number) == [("new",)]
    # Asking again: the same ticket (still open for agents), no second ticket.
    again = helpdesk.request_handoff(conversation, department=CLOSED_DEPARTMENT)
    assert again.status_code == 200
    assert again.json()["ticket_id"] == body["ticket_id"]
    assert again.json()["state"] == "bot"
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM tickets WHERE conversation_id = :c", c=conversation
    ) == [(1,)]
    # The ticket waits for the department's agents.
    marketing = helpdesk.login(CLOSED_DEPARTMENT)
    found = marketing.call("GET", "/tickets", params={"q": body["ticket_id"]}).json()["tickets"]
    assert [t["id"] for t in found] == [body["ticket_id"]]


def test_a_failed_delivery_is_retried_and_nothing_overtakes_it(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    conversation = new_conversation_id()
    rasa.fail(conversation, 500, 502)
    helpdesk.request_handoff(conversation)
    agent = helpdesk.agent("billing")
    agent.conversation(conversation, "claim")
    agent.conversation(conversation, "reply", json={"text": "one"})
    agent.conversation(conversation, "reply", json={"text": "two"})
    delivered = rasa.wait_delivered(conversation, 3)
    assert [name for name, _ in delivered] == [
        "EXTERNAL_agent_joined",
        "EXTERNAL_agent_message",
        "EXTERNAL_agent_message",
    ]
    assert [e["agent_text"] for _, e in delivered[1:]] == ["one", "two"]
    statuses = [(c.name, c.status) for c in rasa.calls_for(conversation)]
    assert statuses[:3] == [
        ("EXTERNAL_agent_joined", 500),
        ("EXTERNAL_agent_joined", 502),
        ("EXTERNAL_agent_joined", 200),
    ]
    helpdesk.wait_all_delivered(conversation)


BAD_HANDOFFS = [
    ("department", "finance"),
    ("language", "de"),
    ("channel", "Socket IO"),
    ("channel", ""),
    ("conversation_id", "../etc"),
    ("conversation_id", ""),
    ("routing_reason", ""),
    ("routing_reason", "r" * 501),
    ("contact", "12"),
    ("order_summary", {"order_id": "nope"}),
    ("order_summary", {"order_id": "ORD-10001", "items": [{"name": "x", "quantity": 0}]}),
    ("order_summary", {"order_id": "ORD-10001", "secret": 1}),
    ("transcript", None),
    ("transcript", [{"role": "customer", "text": "x" * 4001, "at": 1}]),
    ("transcript", [{"role": "bot", "text": "hi", "at": 1}] * 301),
    ("transcript", [{"role": "system; DROP TABLE tickets", "text": "hi", "at": 1}]),
]


@pytest.mark.parametrize(("field", "value"), BAD_HANDOFFS)
def test_bad_handoff_requests_write_nothing(helpdesk: Helpdesk, field: str, value: Any) -> None:
    before = helpdesk.counts()
    body = handoff_body(new_conversation_id())
    body[field] = value
    response = helpdesk.api("POST", "/handoffs", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert helpdesk.counts() == before


def test_handoff_api_needs_the_service_key(helpdesk: Helpdesk) -> None:
    before = helpdesk.counts()
    agent_token = helpdesk.agent("billing").token
    for key in ("", "wrong", agent_token):
        body = handoff_body(new_conversation_id())
        assert helpdesk.api("POST", "/handoffs", key=key, json=body).status_code == 401
        assert helpdesk.api("GET", "/handoffs/someone", key=key).status_code == 401
    counts = helpdesk.counts()
    assert counts["tickets"] == before["tickets"] and counts["handoffs"] == before["handoffs"]


# -- processes of their own: the no-agent timeout and a restart --------------------------------


def test_no_agent_claims_in_time(
    database_url: str, rasa: RasaRecorder, departments_file: Path
) -> None:
    with running_helpdesk(
        database_url, "noagent", rasa, departments_file, wait_seconds=1
    ) as helpdesk:
        conversation = new_conversation_id()
        body = helpdesk.request_handoff(conversation, department="technical").json()
        assert body["state"] == "waiting"
        delivered = rasa.wait_delivered(conversation, 1, timeout=8)
        name, entities = delivered[0]
        assert name == "EXTERNAL_no_agent_available"
        assert entities["ticket_id"] == body["ticket_id"]
        assert entities["expected_reply_en"] == body["expected_reply_en"]
        state = helpdesk.api("GET", f"/handoffs/{conversation}").json()
        assert state["state"] == "bot"
        number = int(body["ticket_id"].split("-")[1])
        assert helpdesk.rows("SELECT status FROM tickets WHERE id = :t", t=number) == [("new",)]
        # Too late to claim: the conversation is back with the bot.
        late = helpdesk.agent("technical").conversation(conversation, "claim")
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "illegal_transition"


def test_pending_events_survive_a_restart(helpdesk: Helpdesk, rasa: RasaRecorder) -> None:
    """Rasa is down while an agent works; the back office restarts; nothing is lost."""
    conversation = new_conversation_id()
    rasa.down = True
    try:
        ticket_id = helpdesk.request_handoff(conversation).json()["ticket_id"]
        agent = helpdesk.agent("billing")
        agent.conversation(conversation, "claim")
        for n in range(1, 4):
            agent.conversation(conversation, "reply", json={"text": f"reply {n}"})
        agent.conversation(conversation, "resolve")
        time.sleep(0.3)  # let the worker try (and fail) at least once
        assert helpdesk.pending_events(conversation) == 5
        helpdesk.stop()
    finally:
        rasa.down = False
        if not helpdesk.running:
            helpdesk.restart()  # same database, new process (the session's server goes on)
    delivered = rasa.wait_delivered(conversation, 5, timeout=15)
    assert [name for name, _ in delivered] == [
        "EXTERNAL_agent_joined",
        "EXTERNAL_agent_message",
        "EXTERNAL_agent_message",
        "EXTERNAL_agent_message",
        "EXTERNAL_handoff_resolved",
    ]
    assert [e.get("agent_text") for _, e in delivered[1:4]] == ["reply 1", "reply 2", "reply 3"]
    assert delivered[4][1] == {"ticket_id": ticket_id}
    assert all(c.status == 503 for c in rasa.calls_for(conversation)[: -len(delivered)])
    helpdesk.wait_all_delivered(conversation)
    # The state survived too.
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "resolved"

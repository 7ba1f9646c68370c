"""The agent console's API and websocket over real HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from caredesk_rules.accounts import SEEDED_AGENTS
from devstack.backoffice import AGENT_PASSWORDS
from tests.support.helpdesk import DEPARTMENTS, Helpdesk, RasaRecorder, new_conversation_id


def login(helpdesk: Helpdesk, username: str, password: str) -> requests.Response:
    return requests.post(
        helpdesk.base_url + "/api/v1/agent/login",
        json={"username": username, "password": password},
        timeout=10,
    )


def entries(queue: dict[str, Any], department: str, state: str) -> list[str]:
    for group in queue["departments"]:
        if group["department"] == department:
            return [e["conversation_id"] for e in group[state]]
    raise AssertionError(f"{department} not in {[g['department'] for g in queue['departments']]}")


# -- sign-in ----------------------------------------------------------------------------------


def test_seeded_agents_sign_in_and_out(helpdesk: Helpdesk) -> None:
    seeded = helpdesk.rows("SELECT username, display_name, role, active FROM agents")
    assert sorted(row[0] for row in seeded) == sorted((*DEPARTMENTS, "admin", "cco"))
    for username, display_name, role, active in seeded:
        assert role == (username if username in ("admin", "cco") else "agent") and active
        assert not display_name.isascii()  # Vietnamese names
    for (stored,) in helpdesk.rows("SELECT password_hash FROM agents"):
        assert stored.startswith("scrypt$")
        assert not any(password in stored for password in AGENT_PASSWORDS.values())
    for username in ("technical", "admin"):  # signing in costs a scrypt check: two suffice
        response = login(helpdesk, username, AGENT_PASSWORDS[username])
        assert response.status_code == 200, (username, response.text)
        agent = response.json()["agent"]
        assert agent["username"] == username
        assert agent["departments"] == ([] if username == "admin" else [username])
    client = helpdesk.login("billing")  # its own session: it signs out
    assert client.call("GET", "/me").json()["username"] == "billing"
    assert client.call("POST", "/logout").status_code == 204
    revoked = client.call("GET", "/me")
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "invalid_token"
    number = helpdesk.rows(
        "SELECT COUNT(*) FROM agent_sessions WHERE token_hash = :t", t=client.token
    )
    assert number == [(0,)]  # tokens are stored hashed, never as such


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("billing", "wrong"),
        ("admin", AGENT_PASSWORDS["billing"]),  # every account has its own password
        ("nobody", AGENT_PASSWORDS["billing"]),
        ("billing", AGENT_PASSWORDS["billing"].upper()),
        ("admin", ""),
    ],
)
def test_wrong_credentials_are_refused_alike(
    helpdesk: Helpdesk, username: str, password: str
) -> None:
    before = helpdesk.counts()
    response = login(helpdesk, username, password)
    if password == "":
        assert response.status_code == 422
    else:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    assert helpdesk.counts() == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic YmlsbGluZzpwdw=="},
        {"Authorization": "Bearer " + "x" * 5000},
        {"X-API-Key": "helpdesk-test-key-0123456789"},  # the service key is not an agent
    ],
)
def test_bad_tokens_are_refused(helpdesk: Helpdesk, headers: dict[str, str]) -> None:
    conversation = new_conversation_id()
    helpdesk.request_handoff(conversation)
    before = helpdesk.counts()
    for method, path in (
        ("GET", "/me"),
        ("GET", "/queue"),
        ("GET", "/tickets"),
        ("POST", f"/conversations/{conversation}/claim"),
    ):
        response = requests.request(
            method, helpdesk.base_url + "/api/v1/agent" + path, headers=headers, timeout=10
        )
        assert response.status_code in (401, 403), (path, response.text)
        assert "error" in response.json()
    assert helpdesk.counts() == before
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "waiting"


# -- queues and departments ---------------------------------------------------------------------


def test_a_demo_names_its_accounts_for_the_sign_in_page(helpdesk: Helpdesk) -> None:
    """The tests' back office is a demo (CAREDESK_SEED_DEMO=true): names, never passwords.
    Without the flag the endpoint is absent (tests/backoffice/web/test_console.py)."""
    response = requests.get(helpdesk.base_url + "/api/v1/agent/demo-accounts", timeout=10)
    assert response.status_code == 200
    accounts = response.json()["accounts"]
    assert [a["username"] for a in accounts] == [a.username for a in SEEDED_AGENTS]
    admin = next(a for a in accounts if a["username"] == "admin")
    assert admin == {
        "username": "admin",
        "display_name": "Hoàng Gia Huy",
        "departments": [],
        "is_admin": True,
        "role": "admin",
    }
    assert "password" not in response.text.lower()
    assert not any(password in response.text for password in AGENT_PASSWORDS.values())


def test_intent_labels_are_the_knowledge_file_s_and_only_for_agents(helpdesk: Helpdesk) -> None:
    url = helpdesk.base_url + "/api/v1/agent/intent-labels"
    assert requests.get(url, timeout=10).status_code == 401
    labels = helpdesk.agent("billing").call("GET", "/intent-labels").json()
    assert labels["payment_issue"] == {"en": "a payment problem", "vi": "sự cố thanh toán"}
    assert all(set(names) == {"en", "vi"} for names in labels.values())


def test_a_routed_handoff_carries_its_reasons_and_promise(helpdesk: Helpdesk) -> None:
    """What the console words in the agent's language: the routing decision as data, the bot's
    hand-off message and each system line as a kind with values; the queue entry says who
    and their first words."""
    conversation = new_conversation_id()
    created = helpdesk.request_handoff(
        conversation,
        department=None,
        routing_reason=None,
        request_text="I want a person, I was charged twice for my order",
        contact="+84912345678",
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket_id"]
    billing = helpdesk.agent("billing")
    [entry] = [
        e
        for g in billing.call("GET", "/queue").json()["departments"]
        for e in g["waiting"]
        if e["conversation_id"] == conversation
    ]
    assert (entry["contact"], entry["first_words"], entry["channel"]) == (
        "+84912345678",
        "Hi",
        "socketio",
    )
    view = billing.conversation(conversation).json()
    assert view["routing"]["how"] == "routed"
    chosen = view["routing"]["evidence"][0]
    assert chosen["department"] == "billing" and "charged twice" in chosen["matched"]
    told = view["transcript"][-1]
    assert (told["role"], told["event"]) == ("system", "bot_handoff")
    assert told["event_data"]["ticket"] == ticket_id
    assert told["event_data"]["department"] == "billing"
    assert told["event_data"]["expected_en"] and told["event_data"]["expected_vi"]
    claimed = billing.conversation(conversation, "claim").json()
    joined = claimed["transcript"][-1]
    assert (joined["event"], joined["event_data"]) == ("joined", {"agent": "Lê Thị Mai Anh"})
    assert [m["event"] for m in claimed["transcript"] if m["role"] != "system"] == [None] * 3


def test_an_agent_sees_only_their_departments(helpdesk: Helpdesk) -> None:
    billing_chat, logistics_chat = new_conversation_id(), new_conversation_id()
    helpdesk.request_handoff(billing_chat)
    helpdesk.request_handoff(logistics_chat, department="logistics")
    billing = helpdesk.agent("billing")
    queue = billing.call("GET", "/queue").json()
    assert [g["department"] for g in queue["departments"]] == ["billing"]
    assert queue["time_zone"] == "Asia/Ho_Chi_Minh"  # the console shows every time in it
    waiting = queue["departments"][0]["waiting"]
    mine = next(e for e in waiting if e["conversation_id"] == billing_chat)
    assert mine["waiting_seconds"] >= 0
    assert mine["subject"] == "I want a person, I was charged twice"
    assert mine["routing_reason"] == "matched 'charged twice' (billing)"
    assert logistics_chat not in entries(queue, "billing", "waiting")
    refused = billing.call("GET", "/queue", params={"department": "logistics"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden_department"
    assert billing.conversation(logistics_chat).status_code == 403
    before = helpdesk.counts()
    assert billing.conversation(logistics_chat, "claim").status_code == 403
    assert billing.conversation(logistics_chat, "notes", json={"text": "peek"}).status_code == 403
    assert helpdesk.counts() == before
    assert helpdesk.api("GET", f"/handoffs/{logistics_chat}").json()["state"] == "waiting"

    admin = helpdesk.agent("admin")
    everything = admin.call("GET", "/queue").json()
    assert [g["department"] for g in everything["departments"]] == list(DEPARTMENTS)
    assert logistics_chat in entries(everything, "logistics", "waiting")
    assert billing.call("GET", "/queue", params={"department": "nope"}).status_code == 422


def test_claim_reply_note_transfer_resolve(helpdesk: Helpdesk, rasa: RasaRecorder) -> None:
    conversation = new_conversation_id()
    ticket_id = helpdesk.request_handoff(conversation).json()["ticket_id"]
    billing = helpdesk.agent("billing")
    claimed = billing.conversation(conversation, "claim")
    assert claimed.status_code == 200, claimed.text
    view = claimed.json()
    assert view["handoff"]["state"] == "with_agent"
    assert view["handoff"]["agent_username"] == "billing"
    assert view["ticket"]["status"] == "open"
    assert view["routing_reason"] == "matched 'charged twice' (billing)"
    assert view["order_summary"] == {
        "order_id": "ORD-10001",
        "status": "shipped",
        "total_vnd": 1990000,
    }
    assert [(m["role"], m["text"]) for m in view["transcript"][:3]] == [
        ("customer", "Hi"),
        ("bot", "Hello! How can I help?"),
        ("customer", "I want a person, I was charged twice"),
    ]
    queue = billing.call("GET", "/queue").json()
    assert conversation in entries(queue, "billing", "with_agent")
    assert conversation not in entries(queue, "billing", "waiting")

    script = '<script>alert("x")</script>'
    reply = billing.conversation(conversation, "reply", json={"text": script})
    assert reply.status_code == 201
    assert reply.json()["transcript"][-1]["text"] == script  # stored as typed; escaped on display
    assert reply.json()["ticket"]["first_agent_reply_at"] is not None
    note = billing.conversation(conversation, "notes", json={"text": "Refund due; ask logistics"})
    assert note.status_code == 201
    assert [n["text"] for n in note.json()["notes"]] == ["Refund due; ask logistics"]
    assert note.json()["notes"][0]["agent_username"] == "billing"

    same = billing.conversation(conversation, "transfer", json={"department": "billing"})
    assert same.status_code == 409
    moved = billing.conversation(conversation, "transfer", json={"department": "logistics"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "waiting" and moved.json()["department"] == "logistics"
    assert billing.conversation(conversation).status_code == 403  # no longer billing's
    logistics = helpdesk.agent("logistics")
    assert conversation in entries(logistics.call("GET", "/queue").json(), "logistics", "waiting")
    assert logistics.conversation(conversation, "claim").status_code == 200
    resolved = logistics.conversation(conversation, "resolve")
    assert resolved.status_code == 200
    assert resolved.json()["ticket"]["status"] == "solved"
    assert resolved.json()["ticket"]["department"] == "logistics"
    assert resolved.json()["notes"][0]["text"] == "Refund due; ask logistics"

    delivered = rasa.wait_delivered(conversation, 5)
    promised = delivered[2][1]["expected_reply_at"]  # when logistics will answer, if it opens
    assert promised == "" or datetime.fromisoformat(promised).tzinfo is not None
    assert delivered == [
        ("EXTERNAL_agent_joined", {"agent_name": "Lê Thị Mai Anh"}),
        ("EXTERNAL_agent_message", {"agent_text": script, "agent_name": "Lê Thị Mai Anh"}),
        ("EXTERNAL_agent_transferred", {"department": "logistics", "expected_reply_at": promised}),
        ("EXTERNAL_agent_joined", {"agent_name": "Phạm Quốc Bảo"}),
        ("EXTERNAL_handoff_resolved", {"ticket_id": ticket_id}),
    ]


def test_illegal_moves_are_conflicts_and_change_nothing(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    billing = helpdesk.agent("billing")
    assert billing.conversation(conversation, "claim").status_code == 404
    helpdesk.request_handoff(conversation)
    before = helpdesk.counts()
    for action, body in (
        ("reply", {"text": "too early"}),
        ("resolve", None),
        ("transfer", {"department": "sales"}),
    ):
        response = billing.conversation(conversation, action, json=body)
        assert response.status_code == 409, (action, response.text)
        error = response.json()["error"]
        assert error["code"] == "illegal_transition"
        assert error["details"]["state"] == "waiting"
    assert helpdesk.counts() == before
    assert billing.conversation(conversation, "claim").status_code == 200
    again = billing.conversation(conversation, "claim")
    assert again.status_code == 409
    assert again.json()["error"]["details"] == {
        "state": "with_agent",
        "action": "claim",
        "allowed": ["reply", "resolve", "transfer"],
    }
    assert billing.conversation(conversation, "resolve").status_code == 200
    for action in ("resolve", "claim"):
        assert billing.conversation(conversation, action).status_code == 409


def test_a_conversation_nobody_could_take_is_listed_and_taken_over(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    """Marketing is closed all day: the customer gets a ticket and a promised reply, the chat
    stays with the assistant; marketing's queue lists it as awaiting a reply and its agent
    takes it over (the customer is told the agent joined), then replies."""
    conversation = new_conversation_id()
    asked = helpdesk.request_handoff(conversation, department="marketing")
    assert asked.json()["state"] == "bot"
    marketing, admin = helpdesk.agent("marketing"), helpdesk.agent("admin")
    view = marketing.conversation(conversation).json()
    assert view["handoff"]["state"] == "bot" and view["handoff"]["can_take_over"] is True
    for agent in (marketing, admin):
        [group] = [
            g for g in agent.call("GET", "/queue").json()["departments"]
            if g["department"] == "marketing"
        ]  # fmt: skip
        [entry] = [e for e in group["awaiting_reply"] if e["conversation_id"] == conversation]
        assert entry["state"] == "bot" and entry["ticket_id"] == asked.json()["ticket_id"]
        assert entry["expected_reply_at"] == asked.json()["expected_reply_at"]
        assert entry["expected_reply_en"] == asked.json()["expected_reply_en"]
        assert entry["overdue"] is False
        assert conversation not in [e["conversation_id"] for e in group["waiting"]]
    billing = helpdesk.agent("billing")
    assert billing.conversation(conversation, "take-over").status_code == 403
    taken = marketing.conversation(conversation, "take-over")
    assert taken.status_code == 200, taken.text
    handoff = taken.json()["handoff"]
    assert (handoff["state"], handoff["agent_username"], handoff["can_take_over"]) == (
        "with_agent",
        "marketing",
        False,
    )
    assert taken.json()["transcript"][-1]["event"] == "joined"
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "with_agent"
    again = admin.conversation(conversation, "take-over")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"
    assert marketing.conversation(conversation, "reply", json={"text": "Hi!"}).status_code == 201
    delivered = rasa.wait_delivered(conversation, 3)
    assert [name for name, _ in delivered] == [
        "EXTERNAL_no_agent_available",
        "EXTERNAL_agent_joined",
        "EXTERNAL_agent_message",
    ]
    # Resolved and rated: with the assistant again, its ticket solved; nothing to take over.
    marketing.conversation(conversation, "resolve")
    ticket_id = asked.json()["ticket_id"]
    rated = helpdesk.api(
        "POST", f"/tickets/{ticket_id}/csat", json={"conversation_id": conversation, "score": 5}
    )
    assert rated.status_code in (200, 204), rated.text
    view = marketing.conversation(conversation).json()
    assert view["handoff"]["state"] == "bot" and view["handoff"]["can_take_over"] is False
    before = helpdesk.counts()
    refused = marketing.conversation(conversation, "take-over")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["state"] == "bot"
    assert helpdesk.counts() == before
    assert new_conversation_id() not in marketing.call("GET", "/queue").text
    assert marketing.conversation(new_conversation_id(), "take-over").status_code == 404


def test_a_transfer_nobody_can_take_is_one_message_and_the_list_says_so(
    helpdesk: Helpdesk, rasa: RasaRecorder
) -> None:
    billing = helpdesk.agent("billing")
    listed = billing.call("GET", "/departments")
    assert listed.status_code == 200
    seen = {d["department"]: d for d in listed.json()["departments"]}
    assert set(seen) == set(DEPARTMENTS)
    assert seen["marketing"]["open_now"] is False and seen["marketing"]["nobody"] == "closed"
    assert seen["logistics"]["nobody"] is None  # this server promises a person when open
    assert seen["logistics"]["name_vi"] and isinstance(seen["logistics"]["agents_online"], int)
    assert (
        requests.get(helpdesk.base_url + "/api/v1/agent/departments", timeout=10).status_code == 401
    )
    conversation = new_conversation_id()
    helpdesk.request_handoff(conversation)
    billing.conversation(conversation, "claim")
    moved = billing.conversation(conversation, "transfer", json={"department": "marketing"})
    assert moved.status_code == 200 and moved.json()["state"] == "bot"
    delivered = rasa.wait_delivered(conversation, 2)
    time.sleep(0.3)  # nothing else follows
    delivered = rasa.delivered(conversation)
    assert [name for name, _ in delivered] == [
        "EXTERNAL_agent_joined",
        "EXTERNAL_no_agent_available",
    ]
    assert delivered[1][1]["department"] == "marketing"


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("reply", {"text": ""}),
        ("reply", {"text": "x" * 2001}),
        ("reply", {"text": 12}),
        ("reply", {"text": "bell\x07"}),
        ("reply", {}),
        ("notes", {"text": None}),
        ("notes", {"text": "ok", "extra": True}),
        ("transfer", {"department": "hr"}),
        ("transfer", {"department": ["logistics"]}),
    ],
)
def test_bad_agent_input_is_refused(helpdesk: Helpdesk, action: str, body: dict[str, Any]) -> None:
    conversation = new_conversation_id()
    helpdesk.request_handoff(conversation)
    billing = helpdesk.agent("billing")
    billing.conversation(conversation, "claim")
    before = helpdesk.counts()
    response = billing.conversation(conversation, action, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert helpdesk.counts() == before
    assert helpdesk.api("GET", f"/handoffs/{conversation}").json()["state"] == "with_agent"


# -- tickets ----------------------------------------------------------------------------------


def test_search_tickets_and_change_their_status(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    subject = "Invoice needs my company tax code " + conversation
    created = helpdesk.api(
        "POST",
        "/tickets",
        json={
            "conversation_id": conversation,
            "department": "billing",
            "subject": subject,
            "description": "Please add MST 0312345678.",
            "contact": "0903 111 222",
            "language": "vi",
        },
    ).json()
    billing = helpdesk.agent("billing")
    for query in (conversation, created["id"], "+84903111222", "0903111222", "TAX CODE"):
        found = billing.call("GET", "/tickets", params={"q": query}).json()["tickets"]
        assert created["id"] in [t["id"] for t in found], query
    by_status = billing.call("GET", "/tickets", params={"status": "new", "department": "billing"})
    assert created["id"] in [t["id"] for t in by_status.json()["tickets"]]
    logistics = helpdesk.agent("logistics")
    assert logistics.call("GET", "/tickets", params={"q": created["id"]}).json()["tickets"] == []
    assert logistics.call("GET", "/tickets", params={"department": "billing"}).status_code == 403
    forbidden = logistics.call("PATCH", f"/tickets/{created['id']}", json={"status": "solved"})
    assert forbidden.status_code == 403

    for status in ("open", "pending", "solved"):
        response = billing.call("PATCH", f"/tickets/{created['id']}", json={"status": status})
        assert response.status_code == 200
        assert response.json()["status"] == status
        assert (response.json()["solved_at"] is not None) is (status == "solved")
    back_to_new = billing.call("PATCH", f"/tickets/{created['id']}", json={"status": "new"})
    assert back_to_new.status_code == 409
    assert back_to_new.json()["error"]["code"] == "illegal_transition"
    assert back_to_new.json()["error"]["details"]["status"] == "solved"
    for bad in ({"status": "closed"}, {"status": None}, {}, {"status": "open", "x": 1}):
        response = billing.call("PATCH", f"/tickets/{created['id']}", json=bad)
        assert response.status_code == 422
    for bad_query in ({"status": "closed"}, {"limit": 0}, {"limit": 101}, {"q": "x" * 101}):
        assert billing.call("GET", "/tickets", params=bad_query).status_code == 422
    missing = billing.call("PATCH", "/tickets/TCK-999999999", json={"status": "open"})
    assert missing.status_code == 404


def test_a_live_ticket_cannot_be_solved_behind_the_chat(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    ticket_id = helpdesk.request_handoff(conversation).json()["ticket_id"]
    billing = helpdesk.agent("billing")
    response = billing.call("PATCH", f"/tickets/{ticket_id}", json={"status": "solved"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "handoff_active"


# -- websocket --------------------------------------------------------------------------------


def test_websocket_pushes_to_the_right_department(helpdesk: Helpdesk) -> None:
    billing, logistics = helpdesk.agent("billing"), helpdesk.agent("logistics")
    billing_socket, logistics_socket = billing.websocket(), logistics.websocket()
    try:
        hello = billing_socket.wait_for(lambda e: e["type"] == "hello")
        assert hello["agent"]["username"] == "billing"
        logistics_socket.wait_for(lambda e: e["type"] == "hello")
        conversation = new_conversation_id()
        helpdesk.request_handoff(conversation)
        billing_socket.wait_for(
            lambda e: e["type"] == "queue_changed" and e["department"] == "billing"
        )
        billing.conversation(conversation, "claim")
        updated = billing_socket.wait_for(
            lambda e: e["type"] == "conversation_updated" and e.get("reason") == "claimed"
        )
        assert updated["conversation_id"] == conversation
        assert updated["state"] == "with_agent"
        assert updated["agent_name"] == "Lê Thị Mai Anh"
        sent = helpdesk.api(
            "POST",
            f"/handoffs/{conversation}/messages",
            json={
                "message_id": "ws-1",
                "text": "<img src=x onerror=alert(1)>",
                "sent_at": datetime.now(timezone.utc).isoformat(),
            },
        )
        assert sent.status_code == 202
        message = billing_socket.wait_for(lambda e: e["type"] == "customer_message")
        assert message["conversation_id"] == conversation
        assert message["message"]["role"] == "customer"
        assert message["message"]["text"] == "<img src=x onerror=alert(1)>"
        others = [e for e in logistics_socket.drain() if e.get("conversation_id") == conversation]
        assert others == []  # logistics hears nothing about billing's chat
    finally:
        billing_socket.close()
        logistics_socket.close()


def test_websocket_refuses_bad_tokens(helpdesk: Helpdesk) -> None:
    billing = helpdesk.agent("billing")
    for token in ("", "wrong-token"):
        socket = billing.websocket(token=token)
        socket.closed.wait(5)
        assert socket.closed.is_set()
        assert socket.error is not None  # the handshake was refused
        assert socket.events.empty()

"""HelpdeskClient against the real back office, plus local fakes that answer with the real
service's bodies for the failures it must survive: 5xx, timeouts, garbage. Calls the helpdesk
makes idempotent (reads, a hand-off per conversation, a message per id, a rating) are retried;
opening a ticket and adding to one are not, so a lost answer never writes twice."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from actions.clients.helpdesk import (
    Handoff,
    HelpdeskClient,
    HelpdeskUnavailable,
    InvalidTicketRequest,
    Ticket,
    TicketLocked,
    TicketNotFound,
    TopicNeeded,
)
from caredesk_rules.departments import DEPARTMENT_KEYS
from devstack.backoffice import CLOSED_DEPARTMENT, write_departments_file
from tests.support.helpdesk import API_KEY, Helpdesk, rasa_recorder, running_helpdesk
from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

AN = "an.nguyen@example.com"
DEPARTMENTS = set(DEPARTMENT_KEYS)


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helpdesk]:
    """The reference helpdesk with every team open around the clock but one (known states)."""
    folder = tmp_path_factory.mktemp("helpdesk-client")
    departments = write_departments_file(folder / "departments.yml")
    database = f"sqlite:///{folder / 'helpdesk.db'}"
    with rasa_recorder() as rasa, running_helpdesk(database, "sqlite", rasa, departments) as hd:
        yield hd


@pytest.fixture
def client(helpdesk: Helpdesk) -> Iterator[HelpdeskClient]:
    client = HelpdeskClient(helpdesk.base_url, API_KEY, timeout=5, retries=2, backoff=0.01)
    yield client
    client.close()


@pytest.fixture
def conversation() -> str:
    """Each test is a conversation (and a contact) of its own: failed look-ups are counted per
    conversation and per contact, and a conversation has one hand-off at a time."""
    return f"rest:client-test-{uuid.uuid4().hex[:12]}"


def fake_client(server: FakeServer, timeout: float = 2.0, retries: int = 2) -> HelpdeskClient:
    return HelpdeskClient(server.base_url, "key", timeout=timeout, retries=retries, backoff=0.01)


def error_json(code: str, details: dict[str, Any] | None = None) -> str:
    error: dict[str, Any] = {"code": code, "message": "x"}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error})


def stranger(conversation: str) -> str:
    return f"{conversation.split('-')[-1]}@example.net"


def open_ticket(client: HelpdeskClient, conversation: str = "rest:x") -> Ticket:
    return client.open_ticket(
        subject="Charged twice",
        description="I was charged twice for my order",
        contact=AN,
        language="en",
        conversation_id=conversation,
        intent="payment_issue",
    )


def request_handoff(
    client: HelpdeskClient,
    conversation: str = "rest:x",
    words: str = "a person please, I was charged twice",
    **extra: Any,
) -> Handoff:
    return client.request_handoff(
        conversation_id=conversation,
        request_text=words,
        language="vi",
        channel="rest",
        transcript=[{"role": "customer", "text": words, "at": "2026-12-01T08:00:00+00:00"}],
        **extra,
    )


def ticket_number(ticket_id: str) -> int:
    return int(ticket_id.split("-")[1])


# -- the real helpdesk ----------------------------------------------------------------------------


def test_open_ticket_is_routed_and_named_in_both_languages(
    client: HelpdeskClient, conversation: str
) -> None:
    ticket = open_ticket(client, conversation)
    assert ticket.id.startswith("TCK-")
    assert ticket.department == "billing"
    assert ticket.department_names["en"] and ticket.department_names["vi"]
    assert ticket.department_names["en"] != ticket.department_names["vi"]
    assert ticket.expected_reply_en and ticket.expected_reply_vi


def test_ticket_status_for_the_customer_who_proves_the_contact(
    client: HelpdeskClient, conversation: str
) -> None:
    opened = open_ticket(client, conversation)
    found = client.ticket_status(opened.id, AN.upper(), conversation)
    assert (found.id, found.department) == (opened.id, "billing")
    assert found.status == opened.status
    assert found.updated_at is not None and found.updated_at.tzinfo is not None


def test_an_unknown_ticket_and_a_wrong_contact_look_the_same(
    client: HelpdeskClient, conversation: str
) -> None:
    with pytest.raises(TicketNotFound):
        client.ticket_status("TCK-999999", AN, conversation)
    with pytest.raises(TicketNotFound):
        client.ticket_status(
            open_ticket(client, conversation).id, stranger(conversation), conversation
        )


def test_too_many_wrong_contacts_lock_the_ticket_until_a_time(
    client: HelpdeskClient, conversation: str
) -> None:
    ticket_id = open_ticket(client, conversation).id
    for _ in range(2):
        with pytest.raises(TicketNotFound):
            client.ticket_status(ticket_id, stranger(conversation), conversation)
    with pytest.raises(TicketLocked):  # the third wrong guess
        client.ticket_status(ticket_id, stranger(conversation), conversation)
    with pytest.raises(TicketLocked) as locked:
        client.ticket_status(ticket_id, AN, conversation)  # not even the right contact is checked
    assert locked.value.until is not None and locked.value.until > datetime.now(timezone.utc)


def test_add_to_ticket_stores_the_customer_words(
    client: HelpdeskClient, helpdesk: Helpdesk, conversation: str
) -> None:
    ticket_id = open_ticket(client, conversation).id
    client.add_to_ticket(ticket_id, AN, "The second charge was on 3 December.", conversation)
    assert helpdesk.rows(
        "SELECT role FROM ticket_messages WHERE ticket_id = :t AND text = :x",
        t=ticket_number(ticket_id),
        x="The second charge was on 3 December.",
    ) == [("customer",)]
    with pytest.raises(TicketNotFound):
        client.add_to_ticket(ticket_id, stranger(conversation), "x", conversation)


def test_input_the_helpdesk_refuses_is_an_invalid_request(client: HelpdeskClient) -> None:
    with pytest.raises(InvalidTicketRequest):
        client.open_ticket(subject="x", description="y", contact="", language="en")


def test_a_handoff_is_routed_and_asking_twice_gives_the_same_one(
    client: HelpdeskClient, conversation: str
) -> None:
    first = request_handoff(client, conversation, intent="payment_issue")
    assert (first.state, first.department, first.within_business_hours) == (
        "waiting",
        "billing",
        True,
    )
    assert first.ticket_id.startswith("TCK-")
    assert first.department_names["vi"] and first.expected_reply_vi
    assert datetime.fromisoformat(first.expected_reply_at).tzinfo is not None  # the promise
    assert request_handoff(client, conversation).ticket_id == first.ticket_id


def test_a_closed_team_hands_off_to_nobody_and_says_when_to_expect_a_reply(
    client: HelpdeskClient, conversation: str
) -> None:
    handoff = request_handoff(client, conversation, "a person please, I want to advertise with you")
    assert (handoff.department, handoff.state) == (CLOSED_DEPARTMENT, "bot")
    assert not handoff.within_business_hours
    assert handoff.expected_reply_en and handoff.expected_reply_vi


def test_a_request_without_a_topic_is_refused_only_when_the_topic_is_required(
    client: HelpdeskClient, conversation: str
) -> None:
    with pytest.raises(TopicNeeded):
        request_handoff(client, conversation, "cho mình gặp nhân viên", require_topic=True)
    assert request_handoff(client, conversation, "cho mình gặp nhân viên").department == (
        "customer_support"
    )


def test_forwarded_messages_and_the_rating_reach_the_ticket(
    client: HelpdeskClient, helpdesk: Helpdesk, conversation: str
) -> None:
    handoff = request_handoff(client, conversation)
    for _ in range(2):  # a retry of the same message is stored once
        client.forward_message(conversation, "msg-1", "still there?", "2026-12-01T08:01:00Z")
    number = ticket_number(handoff.ticket_id)
    stored = "SELECT count(*) FROM ticket_messages WHERE ticket_id = :t AND text = 'still there?'"
    assert helpdesk.rows(stored, t=number) == [(1,)]
    client.record_csat(handoff.ticket_id, conversation, 4)
    assert helpdesk.rows("SELECT csat_score FROM tickets WHERE id = :t", t=number) == [(4,)]


def test_a_message_without_a_handoff_is_refused(client: HelpdeskClient, conversation: str) -> None:
    with pytest.raises(InvalidTicketRequest, match="no_active_handoff"):
        client.forward_message(conversation, "msg-1", "hello?", "2026-12-01T08:01:00Z")


def test_departments_are_named_in_both_languages(client: HelpdeskClient) -> None:
    departments = client.departments()
    assert set(departments) == DEPARTMENTS
    assert all(names["en"] and names["vi"] for names in departments.values())


def test_a_wrong_key_is_an_outage_not_a_missing_ticket(helpdesk: Helpdesk) -> None:
    client = HelpdeskClient(helpdesk.base_url, "wrong-key", timeout=5, retries=0)
    with pytest.raises(HelpdeskUnavailable, match="401"):
        client.ticket_status("TCK-1", AN, "rest:x")


# -- fakes answering with the real service's bodies ---------------------------------------------


@pytest.fixture(scope="module")
def real_bodies(helpdesk: Helpdesk) -> dict[str, str]:
    """Genuine answers of the real service, so that the fakes below speak its contract."""
    conversation = f"rest:real-bodies-{uuid.uuid4().hex[:8]}"
    handoff = helpdesk.api(
        "POST",
        "/handoffs",
        json={
            "conversation_id": conversation,
            "request_text": "I was charged twice",
            "language": "en",
            "channel": "rest",
            "transcript": [],
        },
    )
    opened = helpdesk.api(
        "POST",
        "/tickets",
        json={
            "subject": "x",
            "description": "I was charged twice",
            "contact": AN,
            "language": "en",
        },
    )
    opened.raise_for_status()
    ticket = helpdesk.api("GET", f"/tickets/{opened.json()['id']}", contact=AN)
    departments = helpdesk.api("GET", "/departments")
    for response in (handoff, ticket, departments):
        response.raise_for_status()
    return {"handoff": handoff.text, "ticket": ticket.text, "departments": departments.text}


def calls(client: HelpdeskClient) -> dict[str, Callable[[], Any]]:
    """Every call of the client, each as the actions make it."""
    return {
        "ticket_status": lambda: client.ticket_status("TCK-1", AN, "rest:x"),
        "departments": client.departments,
        "request_handoff": lambda: request_handoff(client),
        "forward_message": lambda: client.forward_message("c", "m-1", "hi", "2026-12-01T08:00:00Z"),
        "record_csat": lambda: client.record_csat("TCK-1", "c", 5),
        "open_ticket": lambda: open_ticket(client),
        "add_to_ticket": lambda: client.add_to_ticket("TCK-1", AN, "more", "rest:x"),
    }


IDEMPOTENT = ["ticket_status", "departments", "request_handoff", "forward_message", "record_csat"]
WRITES_ONCE = ["open_ticket", "add_to_ticket"]


@pytest.mark.parametrize("call", IDEMPOTENT + WRITES_ONCE)
def test_server_errors_are_retried_only_where_a_repeat_is_harmless(
    call: str, real_bodies: dict[str, str]
) -> None:
    with fake_http_server(lambda seen: Reply(503, error_json("unavailable"))) as server:
        with pytest.raises(HelpdeskUnavailable, match="503"):
            calls(fake_client(server, retries=2))[call]()
        assert len(server.requests) == (3 if call in IDEMPOTENT else 1)


@pytest.mark.parametrize("call", ["ticket_status", "open_ticket"])
def test_a_slow_helpdesk_times_out(call: str, real_bodies: dict[str, str]) -> None:
    with fake_http_server(lambda seen: Reply(200, real_bodies["ticket"], delay=1.5)) as server:
        started = time.monotonic()
        with pytest.raises(HelpdeskUnavailable, match="timed out"):
            calls(fake_client(server, timeout=0.2, retries=2))[call]()
        assert time.monotonic() - started < 1.4
        assert len(server.requests) == (3 if call in IDEMPOTENT else 1)


def test_a_transient_error_is_recovered_by_the_retry(real_bodies: dict[str, str]) -> None:
    def flaky(seen: Seen) -> Reply:
        if len(server.requests) == 1:
            return Reply(502, "<html>bad gateway</html>", content_type="text/html")
        return Reply(201, real_bodies["handoff"])

    with fake_http_server(flaky) as server:
        handoff = request_handoff(fake_client(server))
        assert handoff.department == "billing"
        assert server.count("POST", "/api/v1/handoffs") == 2


def test_a_stopped_helpdesk_is_unavailable() -> None:
    from devstack.processes import free_port

    client = HelpdeskClient(f"http://127.0.0.1:{free_port()}", "key", timeout=1, retries=1)
    with pytest.raises(HelpdeskUnavailable, match="connection failed"):
        client.departments()


def _mutated(body: str, **changes: Any) -> str:
    data = json.loads(body)
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("call", "body"),
    [
        ("request_handoff", lambda real: "not json"),
        ("request_handoff", lambda real: _mutated(real["handoff"], ticket_id=None)),
        ("request_handoff", lambda real: _mutated(real["handoff"], department_names={"en": "x"})),
        ("ticket_status", lambda real: _mutated(real["ticket"], updated_at="yesterday")),
        ("departments", lambda real: json.dumps({"departments": json.loads(real["departments"])})),
    ],
    ids=["not json", "no ticket id", "a name in one language", "not a date", "not a list"],
)
def test_garbage_answers_mean_unavailable(
    call: str, body: Callable[[dict[str, str]], str], real_bodies: dict[str, str]
) -> None:
    reply = Reply(200, body(real_bodies))
    with fake_http_server(lambda seen: reply) as server:
        with pytest.raises(HelpdeskUnavailable, match=r"not JSON|malformed"):
            calls(fake_client(server))[call]()
        assert len(server.requests) == 1  # a 2xx answer is final: no retry


@pytest.mark.parametrize("call", ["request_handoff", "ticket_status", "departments"])
def test_the_fakes_serve_parseable_answers(call: str, real_bodies: dict[str, str]) -> None:
    """Guards the garbage tests above: the unmodified bodies do parse."""
    body = real_bodies["ticket" if call == "ticket_status" else call.removeprefix("request_")]
    with fake_http_server(lambda seen: Reply(200, body)) as server:
        assert calls(fake_client(server))[call]()


@pytest.mark.parametrize(
    "details",
    [None, {"locked_until": "soon"}, {"locked_until": "2026-12-01T08:00:00"}],
    ids=["no details", "not a date", "no time zone"],
)
def test_a_lock_without_a_usable_time_is_still_a_lock(details: dict[str, str] | None) -> None:
    reply = Reply(429, error_json("verification_locked", details), headers={"Retry-After": "60"})
    with fake_http_server(lambda seen: reply) as server:
        with pytest.raises(TicketLocked) as locked:
            fake_client(server).ticket_status("TCK-1", AN, "rest:x")
        assert locked.value.until is None
        assert len(server.requests) == 1


def test_what_the_helpdesk_is_told_about_the_conversation(real_bodies: dict[str, str]) -> None:
    with fake_http_server(lambda seen: Reply(200, real_bodies["ticket"])) as server:
        fake_client(server).ticket_status("TCK 1/2", f" {AN} ", "zalo:Nguyễn\x07" + "x" * 300)
        [seen] = server.requests
    assert seen.path == "/api/v1/tickets/TCK%201%2F2"
    assert seen.headers["X-API-Key"] == "key"
    assert seen.headers["X-Customer-Contact"] == AN
    assert seen.headers["X-Conversation-Client"] == "zalo:Nguyn" + "x" * 190


@pytest.mark.parametrize("contact", ["", "   ", "chị@example.com", "a\nb@example.com"])
def test_contacts_that_cannot_travel_in_a_header_are_refused_before_sending(
    contact: str,
) -> None:
    with fake_http_server(lambda seen: Reply(500)) as server:
        with pytest.raises(InvalidTicketRequest):
            fake_client(server).ticket_status("TCK-1", contact, "rest:x")
        assert server.requests == []


def test_a_handoff_request_carries_the_contract_fields(real_bodies: dict[str, str]) -> None:
    with fake_http_server(lambda seen: Reply(201, real_bodies["handoff"])) as server:
        request_handoff(
            fake_client(server), "rest:x", "x" * 5000, contact=AN, order_summary={"order_id": "1"}
        )
        [seen] = server.requests
    body = json.loads(seen.body)
    assert set(body) == {
        "conversation_id",
        "request_text",
        "require_topic",
        "language",
        "channel",
        "transcript",
        "contact",
        "contact_verified",
        "order_summary",
    }  # no intent key when there is no hint: the helpdesk routes on the words alone
    assert body["contact_verified"] is False  # only written, unless the caller says proven
    assert len(body["request_text"]) == 4000
    assert body["require_topic"] is False

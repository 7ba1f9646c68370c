"""The handoff state machine: every legal and illegal move, in the table and in the service
(in-process: the world of conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, text

from backoffice.core.transitions import IllegalTransitionError
from backoffice.helpdesk.models import Agent, Handoff, Ticket
from backoffice.helpdesk.services import handoff_states
from backoffice.helpdesk.services.handoff_states import HANDOFF_TABLE, TRANSITIONS
from backoffice.helpdesk.services.handoffs import (
    ConversationNotFoundError,
    NoActiveHandoffError,
    NotYourConversationError,
)
from backoffice.helpdesk.services.tickets import (
    ForbiddenDepartmentError,
    TicketService,
    TranscriptLine,
)
from caredesk_rules.handoff_states import STATES
from tests.backoffice.helpdesk.services.conftest import NOW, WAIT, World, directory, request

# -- the table ---------------------------------------------------------------------------------

EXPECTED = {
    ("bot", "request"): "waiting",
    ("waiting", "claim"): "with_agent",
    ("waiting", "no_agent"): "bot",
    ("bot", "take_over"): "with_agent",
    ("with_agent", "reply"): "with_agent",
    ("with_agent", "transfer"): "waiting",
    ("with_agent", "resolve"): "resolved",
    ("resolved", "release"): "bot",
}
ALL_PAIRS = [(state, action) for state in STATES for action in HANDOFF_TABLE.actions]


def test_the_table_is_exactly_the_documented_machine() -> None:
    assert TRANSITIONS == EXPECTED
    assert set(STATES) == {"bot", "waiting", "with_agent", "resolved"}


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS)
def test_every_move_from_every_state(state: str, action: str) -> None:
    # An open ticket: the one guard (take_over) passes; the guard has its own test below.
    handoff = Handoff(conversation_id="c-1", state=state, agent_id=7, ticket=Ticket(status="new"))
    if (state, action) in EXPECTED:
        event = handoff_states.apply(handoff, action, NOW)
        assert (event.source, event.target) == (state, EXPECTED[(state, action)])
        assert handoff.state == EXPECTED[(state, action)]
        active = handoff.state in ("waiting", "with_agent")
        assert handoff.active_key == ("c-1" if active else None)
        assert handoff.updated_at == NOW
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            handoff_states.apply(handoff, action, NOW)
        assert caught.value.status_code == 409
        assert caught.value.code == "illegal_transition"
        assert caught.value.details["state"] == state
        assert handoff.state == state  # untouched
        assert handoff.agent_id == 7


# -- the service -------------------------------------------------------------------------------


def test_the_happy_path_and_its_events(world: World) -> None:
    service = world.handoffs()
    result = service.request(request("c-1", contact="0912 345 678"))
    assert result.created and result.handoff.state == "waiting" and result.within_business_hours
    assert (result.expected_reply.en, result.expected_reply.vi) == (
        "by 10:30 today",
        "trước 10:30 hôm nay",
    )
    billing, logistics = world.agent("billing"), world.agent("logistics")
    world.handoffs().claim(billing, "c-1")
    world.handoffs().reply(billing, "c-1", "Hello")
    world.handoffs().transfer(billing, "c-1", "logistics")
    assert world.state("c-1") == "waiting"
    world.handoffs().claim(logistics, "c-1")
    handoff = world.handoffs().resolve(logistics, "c-1")
    assert handoff.state == "resolved" and handoff.active_key is None
    ticket_id = handoff.ticket.public_id
    assert [(seq, intent) for seq, intent, _ in world.events("c-1")] == [
        (1, "EXTERNAL_agent_joined"),
        (2, "EXTERNAL_agent_message"),
        (3, "EXTERNAL_agent_transferred"),
        (4, "EXTERNAL_agent_joined"),
        (5, "EXTERNAL_handoff_resolved"),
    ]
    with world.session() as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        assert (ticket.status, ticket.department, ticket.contact_phone) == (
            "solved",
            "logistics",
            "+84912345678",
        )
        assert ticket.first_agent_reply_at == NOW and ticket.solved_at == NOW
    # CSAT acknowledges the resolution: resolved -> bot.
    TicketService(world.session(), directory(), clock=lambda: NOW).record_csat(ticket_id, "c-1", 5)
    assert world.state("c-1") == "bot"


def test_illegal_service_moves_write_nothing(world: World) -> None:
    billing, sales = world.agent("billing"), world.agent("sales")
    with pytest.raises(ConversationNotFoundError):
        world.handoffs().claim(billing, "nobody")
    world.handoffs().request(request("c-2"))
    before = world.snapshot()
    refusals: list[tuple[Any, type[Exception]]] = [
        (lambda: world.handoffs().reply(billing, "c-2", "hi"), IllegalTransitionError),
        (lambda: world.handoffs().resolve(billing, "c-2"), IllegalTransitionError),
        (lambda: world.handoffs().transfer(billing, "c-2", "sales"), IllegalTransitionError),
        (lambda: world.handoffs().claim(sales, "c-2"), ForbiddenDepartmentError),
        (lambda: world.handoffs().add_note(sales, "c-2", "peek"), ForbiddenDepartmentError),
    ]
    for call, error in refusals:
        with pytest.raises(error):
            call()
    assert world.snapshot() == before
    world.handoffs().claim(billing, "c-2")
    before = world.snapshot()
    admin = world.agent("admin")
    other = Agent(id=999, username="billing2", display_name="B2", departments=["billing"])
    for call, error in [
        (lambda: world.handoffs().claim(billing, "c-2"), IllegalTransitionError),
        (lambda: world.handoffs().claim(admin, "c-2"), IllegalTransitionError),
        (lambda: world.handoffs().reply(other, "c-2", "mine now"), NotYourConversationError),
        (lambda: world.handoffs().resolve(other, "c-2"), NotYourConversationError),
    ]:
        with pytest.raises(error):
            call()
    assert world.snapshot() == before
    world.handoffs().resolve(admin, "c-2")  # an admin may close anyone's conversation
    before = world.snapshot()
    for action in ("claim", "reply", "transfer", "resolve"):
        with pytest.raises(IllegalTransitionError):
            if action == "transfer":
                world.handoffs().transfer(billing, "c-2", "sales")
            elif action == "reply":
                world.handoffs().reply(billing, "c-2", "late")
            else:
                getattr(world.handoffs(), action)(billing, "c-2")
    with pytest.raises(NoActiveHandoffError):
        world.handoffs().customer_message("c-2", "m-1", "hello?", NOW)
    assert world.snapshot() == before


def test_nobody_claims_in_time(world: World) -> None:
    world.handoffs().request(request("c-3", language="vi"))
    world.clock[0] = NOW + timedelta(seconds=WAIT - 1)
    assert world.handoffs().expire_waiting() == 0
    world.clock[0] = NOW + timedelta(seconds=WAIT)
    assert world.handoffs().expire_waiting() == 1
    assert world.state("c-3") == "bot"
    [(_, intent, entities)] = world.events("c-3")
    assert intent == "EXTERNAL_no_agent_available"
    assert entities["expected_reply_en"] == "by 10:30 today"
    assert entities["expected_reply"] == entities["expected_reply_vi"] == "trước 10:30 hôm nay"
    assert world.handoffs().expire_waiting() == 0  # once only
    with world.session() as session:
        assert session.execute(select(Ticket.status)).scalar_one() == "new"  # still open
    # Asking again reuses the open ticket and the handoff row.
    again = world.handoffs().request(request("c-3"))
    assert not again.created and again.handoff.state == "waiting"
    with world.session() as session:
        assert session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(Handoff)).scalar_one() == 1


def test_outside_business_hours(world: World) -> None:
    world.clock[0] = datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc)  # Friday 17:00 local
    result = world.handoffs().request(request("c-4"))
    assert result.handoff.state == "bot" and not result.within_business_hours
    assert result.expected_reply.en == "by 8:30 on Monday 9 March"
    assert result.expected_reply.vi == "trước 8:30 thứ Hai, ngày 09/03"
    closed = world.handoffs().request(request("c-5", department="marketing"))
    assert closed.handoff.state == "bot"
    assert closed.expected_reply.at is None
    assert closed.expected_reply.en == "as soon as the team is back"


def test_a_waiting_handoff_expires_when_the_department_closes(world: World) -> None:
    world.clock[0] = datetime(2026, 3, 6, 9, 58, tzinfo=timezone.utc)  # 16:58 local
    world.handoffs().request(request("c-6"))
    world.clock[0] = datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc)  # 17:00: closed
    assert world.handoffs(wait=3600).expire_waiting() == 1
    assert world.state("c-6") == "bot"


def test_transfer_to_a_closed_department_tells_the_customer(world: World) -> None:
    billing = world.agent("billing")
    world.handoffs().request(request("c-7"))
    world.handoffs().claim(billing, "c-7")
    world.handoffs().transfer(billing, "c-7", "marketing")
    assert world.state("c-7") == "bot"
    # One message: nobody is there, the ticket stays open (never "someone will be with you
    # shortly" first); it names the new department.
    assert [
        (intent, entities.get("department")) for _, intent, entities in world.events("c-7")
    ] == [
        ("EXTERNAL_agent_joined", None),
        ("EXTERNAL_no_agent_available", "marketing"),
    ]


def test_a_transfer_promises_the_new_departments_first_reply(world: World) -> None:
    """The customer's widget shows when the new department will answer (30 open minutes)."""
    billing = world.agent("billing")
    world.handoffs().request(request("c-9"))
    world.handoffs().claim(billing, "c-9")
    world.handoffs().transfer(billing, "c-9", "logistics")
    [(intent, entities)] = [(i, e) for _, i, e in world.events("c-9") if "transfer" in i]
    assert intent == "EXTERNAL_agent_transferred"
    assert entities == {
        "department": "logistics",
        "expected_reply_at": (NOW + timedelta(minutes=30)).isoformat(),
    }


def test_customer_messages_are_stored_once(world: World) -> None:
    world.handoffs().request(request("c-8"))
    handoff, duplicate = world.handoffs().customer_message("c-8", "m-1", "still there?", NOW)
    assert not duplicate and handoff.state == "waiting"
    _, duplicate = world.handoffs().customer_message("c-8", "m-1", "still there?", NOW)
    assert duplicate
    with world.session() as session:
        texts = session.execute(
            text("SELECT text FROM ticket_messages WHERE role != 'system' ORDER BY id")
        ).all()
        assert [t[0] for t in texts] == ["I need a person about my bill", "still there?"]


def test_a_contact_written_while_waiting_fills_a_ticket_without_one(world: World) -> None:
    world.handoffs().request(request("c-9"))
    world.handoffs().customer_message("c-9", "m-1", "call me on 0912 345 678", NOW)
    world.handoffs().customer_message("c-9", "m-2", "or an.nguyen@example.com", NOW)
    world.handoffs().request(
        request("c-10", contact="binh.tran@example.com", contact_verified=True)
    )
    world.handoffs().customer_message("c-10", "m-1", "my phone: 0912 345 678", NOW)
    with world.session() as session:
        rows = session.execute(
            text(
                "SELECT conversation_id, contact_email, contact_phone, contact_verified "
                "FROM tickets ORDER BY id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("c-9", None, "+84912345678", False),  # the first one written, not verified
        ("c-10", "binh.tran@example.com", None, True),  # a proven one stays
    ]


def test_outbox_sequences_are_per_conversation(world: World) -> None:
    billing = world.agent("billing")
    for conversation in ("a", "b"):
        world.handoffs().request(request(conversation))
        world.handoffs().claim(billing, conversation)
    world.handoffs().reply(billing, "a", "1")
    world.handoffs().reply(billing, "b", "1")
    world.handoffs().reply(billing, "a", "2")
    assert [seq for seq, _, _ in world.events("a")] == [1, 2, 3]
    assert [seq for seq, _, _ in world.events("b")] == [1, 2]


def test_the_transcript_keeps_what_the_bot_promised_and_the_routing(world: World) -> None:
    """Open: the hand-off line (ticket, department, first-reply target) follows the bot's part;
    closed: only the no-agent line, which says what the customer was told instead."""
    routing = {"how": "routed", "evidence": [{"department": "billing", "matched": ["bill"]}]}
    world.handoffs().request(request("c-open", routing=routing))
    world.clock[0] = datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc)  # Friday 17:00 local
    world.handoffs().request(request("c-closed"))
    with world.session() as session:
        ticket = session.execute(
            select(Ticket).where(Ticket.conversation_id == "c-open")
        ).scalar_one()
        assert ticket.routing == routing
        kinds = {
            conversation: [
                (m.role, m.event)
                for m in session.execute(
                    select(Ticket).where(Ticket.conversation_id == conversation)
                )
                .scalar_one()
                .messages
            ]
            for conversation in ("c-open", "c-closed")
        }
    assert kinds == {
        "c-open": [("customer", None), ("system", "bot_handoff")],
        "c-closed": [("customer", None), ("system", "no_agent")],
    }


def test_the_queue_tells_equal_subjects_apart(world: World) -> None:
    """Who and the first words: two chats that end with the same request differ there."""
    first = "My order ORD-10001 came with a broken screen and the box was wet, and " * 2
    for conversation, opening in (("c-a", first), ("c-b", "Hello")):
        world.handoffs().request(
            request(
                conversation,
                contact="+84912345678" if conversation == "c-a" else None,
                transcript=[
                    TranscriptLine("customer", opening, NOW - timedelta(minutes=5)),
                    TranscriptLine("bot", "How can I help?", NOW - timedelta(minutes=4)),
                    TranscriptLine("customer", "I want a person", NOW - timedelta(minutes=1)),
                ],
            )
        )
    [(_, entries)] = [
        group for group in world.handoffs().queue(world.agent("billing")) if group[0] == "billing"
    ]
    seen = {
        e.handoff.conversation_id: (e.ticket.subject, e.ticket.contact, e.first_words)
        for e in entries
    }
    assert seen["c-a"][0] == seen["c-b"][0] == "I want a person"
    assert seen["c-a"][1] == "+84912345678" and seen["c-b"][1] is None
    assert seen["c-b"][2] == "Hello"
    assert seen["c-a"][2] is not None and len(seen["c-a"][2]) <= 80
    assert seen["c-a"][2].startswith("My order ORD-10001 came") and seen["c-a"][2].endswith("…")


# -- a conversation nobody could take: listed, and taken over ---------------------------------


def beat(world: World, username: str, away: bool | None = None) -> None:
    """The agent's console is open (and, when given, their away toggle)."""
    presence = world.presence()
    agent = presence.session.execute(select(Agent).where(Agent.username == username)).scalar_one()
    presence.heartbeat(agent, away)


def awaiting(world: World, username: str, department: str) -> list[Any]:
    [(_, entries)] = [
        group for group in world.handoffs().queue(world.agent(username)) if group[0] == department
    ]
    return [e for e in entries if e.handoff.state == "bot"]


def test_a_conversation_nobody_could_take_awaits_a_reply_in_its_queue(world: World) -> None:
    """Nobody online: the customer was promised a reply; the department's queue lists the chat
    by that promise, earliest first, and marks it overdue once the moment has passed."""
    world.clock[0] = NOW + timedelta(minutes=10)
    world.handoffs(needs_agent_online=True).request(request("later"))  # asked first, promised later
    world.clock[0] = NOW
    world.handoffs(needs_agent_online=True).request(request("sooner"))
    world.handoffs().request(request("waits"))  # someone may claim it: not awaiting a reply
    solved = world.handoffs(needs_agent_online=True).request(request("solved"))
    TicketService(world.session(), directory(), clock=lambda: NOW).set_status(
        world.agent("billing"), solved.ticket.public_id, "solved"
    )
    listed = awaiting(world, "billing", "billing")
    assert [e.handoff.conversation_id for e in listed] == ["sooner", "later"]
    assert [e.expected_reply.en for e in listed] == ["by 10:30 today", "by 10:40 today"]
    assert not any(e.overdue for e in listed)
    assert listed[0].first_words == "I need a person about my bill"
    world.clock[0] = NOW + timedelta(minutes=35)
    assert [e.overdue for e in awaiting(world, "billing", "billing")] == [True, False]
    # An admin sees it in billing's group; another department does not see it at all.
    assert len(awaiting(world, "admin", "billing")) == 2
    assert awaiting(world, "sales", "sales") == []


def test_an_agent_takes_over_a_conversation_nobody_could_take(world: World) -> None:
    result = world.handoffs(needs_agent_online=True).request(request("o-1"))
    assert result.handoff.state == "bot"
    billing = world.agent("billing")
    taken = world.handoffs().take_over(billing, "o-1")
    assert (taken.state, taken.agent_id, taken.claimed_at) == ("with_agent", billing.id, NOW)
    assert taken.active_key == "o-1"  # the customer's messages go to the agent again
    assert awaiting(world, "billing", "billing") == []
    world.handoffs().reply(billing, "o-1", "Hello, I am here now")
    assert [intent for _, intent, _ in world.events("o-1")] == [
        "EXTERNAL_no_agent_available",
        "EXTERNAL_agent_joined",  # as after a claim: the assistant pauses, the customer is told
        "EXTERNAL_agent_message",
    ]
    handoff, _ = world.handoffs().customer_message("o-1", "m-1", "thanks!", NOW)
    assert handoff.state == "with_agent"
    with world.session() as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        assert ticket.status == "open" and ticket.first_agent_reply_at == NOW


def test_taking_over_is_refused_unless_the_chat_is_with_the_assistant_and_its_ticket_open(
    world: World,
) -> None:
    billing, sales = world.agent("billing"), world.agent("sales")
    with pytest.raises(ConversationNotFoundError):
        world.handoffs().take_over(billing, "nobody")
    world.handoffs(needs_agent_online=True).request(request("o-2"))
    world.handoffs().request(request("o-3"))  # waiting: claim it instead
    before = world.snapshot()
    with pytest.raises(ForbiddenDepartmentError):
        world.handoffs().take_over(sales, "o-2")
    with pytest.raises(IllegalTransitionError) as caught:
        world.handoffs().take_over(billing, "o-3")
    assert caught.value.status_code == 409
    assert caught.value.details == {
        "state": "waiting",
        "action": "take_over",
        "allowed": ["claim", "no_agent"],
    }
    assert world.snapshot() == before
    world.handoffs().take_over(billing, "o-2")
    with pytest.raises(IllegalTransitionError):  # with an agent already
        world.handoffs().take_over(world.agent("admin"), "o-2")
    world.handoffs().resolve(billing, "o-2")
    with pytest.raises(IllegalTransitionError):  # resolved
        world.handoffs().take_over(billing, "o-2")
    ticket_id = world.handoffs().status("o-2")[1].ticket.public_id  # type: ignore[union-attr]
    TicketService(world.session(), directory(), clock=lambda: NOW).record_csat(ticket_id, "o-2", 5)
    assert world.state("o-2") == "bot"  # with the assistant again, its ticket solved
    before = world.snapshot()
    with pytest.raises(IllegalTransitionError) as caught:
        world.handoffs().take_over(billing, "o-2")
    assert caught.value.code == "illegal_transition"
    assert caught.value.details == {"state": "bot", "action": "take_over", "allowed": ["request"]}
    assert world.snapshot() == before


def test_a_transfer_to_a_department_nobody_can_take_is_one_message_and_awaits_there(
    world: World,
) -> None:
    billing = world.agent("billing")
    world.handoffs().request(request("t-1"))
    world.handoffs().claim(billing, "t-1")
    world.handoffs(needs_agent_online=True).transfer(billing, "t-1", "logistics")
    told = [(intent, entities) for _, intent, entities in world.events("t-1")]
    assert [intent for intent, _ in told] == [
        "EXTERNAL_agent_joined",
        "EXTERNAL_no_agent_available",
    ]
    assert told[1][1]["department"] == "logistics"
    assert told[1][1]["expected_reply_en"] == "by 10:30 today"
    assert [e.handoff.conversation_id for e in awaiting(world, "logistics", "logistics")] == ["t-1"]
    # Someone online: the transfer waits for them, and the customer is told so.
    world.handoffs().request(request("t-2"))
    world.handoffs().claim(billing, "t-2")
    beat(world, "logistics")
    world.handoffs(needs_agent_online=True).transfer(billing, "t-2", "logistics")
    assert [intent for _, intent, _ in world.events("t-2")][-1] == "EXTERNAL_agent_transferred"
    assert world.state("t-2") == "waiting"


def test_the_transfer_list_says_who_can_take_a_chat_now(world: World) -> None:
    beat(world, "billing")
    beat(world, "sales", away=True)
    seen = {
        a.department: (a.open_now, a.agents_online, a.nobody)
        for a in world.handoffs(needs_agent_online=True).availability()
    }
    assert seen["billing"] == (True, 1, None)
    assert seen["sales"] == (True, 0, "nobody_online")
    assert seen["logistics"] == (True, 0, "nobody_online")
    assert seen["marketing"] == (False, 0, "closed")
    # Without the rule only the hours count.
    assert {a.department: a.nobody for a in world.handoffs().availability()}["logistics"] is None

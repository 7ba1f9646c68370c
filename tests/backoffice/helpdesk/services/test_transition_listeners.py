"""What follows a hand-off's or a ticket's move: each listener on a real (temporary SQLite)
database, with a console connected to a real hub for what is pushed after the commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.transitions import Transition
from backoffice.helpdesk.models import (
    TICKET_STATUSES,
    Agent,
    Handoff,
    OutboxEvent,
    Ticket,
    TicketMessage,
)
from backoffice.helpdesk.seed import seed_agents
from backoffice.helpdesk.services import handoff_states, ticket_states
from backoffice.helpdesk.services.business_hours import ExpectedReply
from backoffice.helpdesk.services.notifications import AgentHub, Notifier
from backoffice.helpdesk.services.transcript import add_message
from backoffice.helpdesk.services.transition_dispatch import Effects
from backoffice.helpdesk.services.transition_listeners import DISPATCHER
from backoffice.models import Base
from caredesk_rules.accounts import PASSWORD_VARIABLES

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
EARLIER = datetime(2026, 3, 6, 2, 0, tzinfo=timezone.utc)
PASSWORDS = {username: "not used: the hasher is a stand-in" for username in PASSWORD_VARIABLES}
EXPECTED = ExpectedReply(EARLIER, "by 10:30 today", "trước 10:30 hôm nay")
# The hand-off state each action starts from.
FROM = {
    "request": "bot",
    "claim": "waiting",
    "take_over": "bot",
    "reply": "with_agent",
    "transfer": "with_agent",
    "resolve": "with_agent",
    "no_agent": "waiting",
    "release": "resolved",
}


class Console:
    """An admin's console on a real hub: sees every department's pushes."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.hub = AgentHub()
        _, self.queue = self.hub.register(None, self.loop)

    def received(self) -> list[dict[str, Any]]:
        self.loop.run_until_complete(asyncio.sleep(0))  # run the hub's call_soon_threadsafe
        events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events


@dataclass
class Scene:
    session: Session
    handoff: Handoff
    ticket: Ticket
    notifier: Notifier
    console: Console
    agent: Agent

    def move(self, action: handoff_states.Action, **data: Any) -> Effects:
        """The hand-off's move as a service makes it: state, publish, then the commit."""
        event = handoff_states.apply(self.handoff, action, NOW, actor=self.actor(action), data=data)
        if action in ("claim", "take_over"):
            self.handoff.agent_id = self.agent.id
        line = None
        if action == "reply":
            line = add_message(self.ticket, "agent", "Hello", NOW, author=self.agent.display_name)
        self.session.flush()
        effects = Effects(self.session, self.notifier, line)
        DISPATCHER.publish(event, effects)
        return effects

    def actor(self, action: str) -> str | None:
        return None if action in ("request", "no_agent", "release") else self.agent.display_name

    def lines(self) -> list[tuple[str, str, str | None]]:
        rows = self.session.execute(
            select(TicketMessage).where(TicketMessage.ticket_id == self.ticket.id)
        ).scalars()
        return [(m.role, m.text, m.author) for m in rows]

    def events(self) -> list[tuple[str | None, dict[str, Any] | None]]:
        """Each line's kind and values: what the console words in the agent's language."""
        rows = self.session.execute(
            select(TicketMessage).where(TicketMessage.ticket_id == self.ticket.id)
        ).scalars()
        return [(m.event, m.event_data) for m in rows]

    def outbox(self) -> list[OutboxEvent]:
        return list(self.session.execute(select(OutboxEvent)).scalars())


@pytest.fixture
def scene_for(tmp_path: Path) -> Iterator[Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    Base.metadata.create_all(engine)
    sessions: list[Session] = []

    def build(state: str, ticket_status: str = "new", language: str = "en") -> Scene:
        session = make_session_factory(engine)()
        sessions.append(session)
        seed_agents(session, PASSWORDS, hasher=lambda _: "not-a-real-hash", now=EARLIER)
        agent = session.execute(select(Agent).where(Agent.username == "billing")).scalar_one()
        ticket = Ticket(
            department="billing", status=ticket_status, language=language, subject="Refund",
            conversation_id="c-1", created_at=EARLIER, updated_at=EARLIER,
            solved_at=EARLIER if ticket_status == "solved" else None,
        )  # fmt: skip
        handoff = Handoff(
            conversation_id="c-1", ticket=ticket, department="billing", state=state,
            agent_id=agent.id if state in ("with_agent", "resolved") else None,
            channel="socketio", language=language, requested_at=EARLIER, waiting_since=EARLIER,
            updated_at=EARLIER,
        )  # fmt: skip
        session.add(handoff)
        session.flush()
        console = Console()
        return Scene(session, handoff, ticket, Notifier(hub=console.hub), console, agent)

    yield build
    for session in sessions:
        session.close()
    engine.dispose()


def scene(scene_for: Any, action: str, **kwargs: Any) -> Scene:
    """A hand-off in the state `action` moves it from."""
    built: Scene = scene_for(FROM[action], **kwargs)
    return built


# -- the ticket follows its hand-off ----------------------------------------------------------

# (hand-off action, ticket status before) -> ticket status after; absent: unchanged.
TICKET_AFTER = {
    ("request", "pending"): "open",
    ("claim", "new"): "open",
    ("claim", "pending"): "open",
    ("take_over", "new"): "open",
    ("take_over", "pending"): "open",
    ("resolve", "new"): "solved",
    ("resolve", "open"): "solved",
    ("resolve", "pending"): "solved",
    ("no_agent", "solved"): "open",
}


@pytest.mark.parametrize("status", TICKET_STATUSES)
@pytest.mark.parametrize(
    "action", ["request", "claim", "take_over", "reply", "transfer", "resolve", "no_agent"]
)
def test_the_ticket_follows_the_handoff(scene_for: Any, action: str, status: str) -> None:
    here = scene(scene_for, action, ticket_status=status)
    data = {"transfer": {"previous_department": "sales"}}.get(action, {})
    if action == "no_agent":
        data = {"reason": "not_claimed", "expected": EXPECTED}
    if action == "take_over" and status == "solved":
        return  # refused before any listener runs (test_handoffs.py)
    here.move(action, **data)  # type: ignore[arg-type]
    assert here.ticket.status == TICKET_AFTER.get((action, status), status)
    assert here.ticket.updated_at == NOW
    assert (here.ticket.solved_at is not None) is (here.ticket.status == "solved")


def test_a_release_touches_nothing_else(scene_for: Any) -> None:
    here = scene(scene_for, "release", ticket_status="solved")
    here.move("release")
    here.notifier.flush()
    assert (here.ticket.status, here.ticket.updated_at) == ("solved", EARLIER)
    assert here.lines() == [] and here.outbox() == [] and here.console.received() == []


# -- the transcript and the customer ----------------------------------------------------------


def test_claim_joins_in_the_transcript_and_tells_the_customer(scene_for: Any) -> None:
    here = scene(scene_for, "claim")
    effects = here.move("claim")
    name = here.agent.display_name
    assert here.lines() == [("system", f"{name} joined the conversation.", name)]
    assert here.events() == [("joined", {"agent": name})]
    [event] = here.outbox()
    assert (event.intent, event.entities) == ("EXTERNAL_agent_joined", {"agent_name": name})
    assert effects.line is not None and event.ticket_message_id == effects.line.id


def test_taking_over_joins_like_a_claim_and_tells_the_consoles(scene_for: Any) -> None:
    """Nobody could take the hand-off; an agent takes the chat over later: the customer hears
    the agent joined, exactly as after a claim, and the consoles see it taken."""
    here = scene(scene_for, "take_over")
    effects = here.move("take_over")
    name = here.agent.display_name
    assert here.events() == [("joined", {"agent": name})]
    [event] = here.outbox()
    assert (event.intent, event.entities) == ("EXTERNAL_agent_joined", {"agent_name": name})
    assert effects.line is not None and event.ticket_message_id == effects.line.id
    here.notifier.flush()
    pushed = [p for p in here.console.received() if p["type"] == "conversation_updated"]
    assert [p["reason"] for p in pushed] == ["ticket_status", "taken_over"]  # new -> open
    assert (pushed[-1]["state"], pushed[-1]["agent_name"]) == ("with_agent", name)


def test_a_transfer_nobody_can_take_leaves_the_customer_to_the_no_agent_move(
    scene_for: Any,
) -> None:
    """The no_agent move that follows tells the customer, naming the new department: one
    message, not "someone will be with you shortly" then "nobody is available"."""
    here = scene(scene_for, "transfer")
    data = {"previous_department": "billing", "expected": EXPECTED, "nobody_available": "closed"}
    event = handoff_states.apply(here.handoff, "transfer", NOW, actor="Mai", data=data)
    here.handoff.department = here.ticket.department = "logistics"
    DISPATCHER.publish(event, Effects(here.session, here.notifier))
    assert here.outbox() == []
    assert [kind for kind, _ in here.events()] == ["transferred"]  # agents still read it
    here.move("no_agent", reason="closed", expected=EXPECTED)
    [told] = here.outbox()
    assert told.intent == "EXTERNAL_no_agent_available"
    assert told.entities["department"] == "logistics"


def test_a_reply_goes_to_the_customer_and_to_the_consoles(scene_for: Any) -> None:
    here = scene(scene_for, "reply")
    effects = here.move("reply")
    name = here.agent.display_name
    assert here.lines() == [("agent", "Hello", name)]  # the service's line, no system line
    [event] = here.outbox()
    assert event.intent == "EXTERNAL_agent_message"
    assert event.entities == {"agent_text": "Hello", "agent_name": name}
    assert effects.line is not None and event.ticket_message_id == effects.line.id
    here.notifier.flush()
    [pushed] = here.console.received()
    assert pushed["reason"] == "agent_message" and pushed["message"]["text"] == "Hello"


def test_a_transfer_names_both_departments(scene_for: Any) -> None:
    here = scene(scene_for, "transfer")
    event = handoff_states.apply(
        here.handoff, "transfer", NOW, actor="Mai", data={"previous_department": "billing"}
    )
    here.handoff.department = here.ticket.department = "logistics"
    DISPATCHER.publish(event, Effects(here.session, here.notifier))
    assert here.lines() == [
        ("system", "Mai transferred the conversation from billing to logistics.", "Mai")
    ]
    assert here.events() == [
        ("transferred", {"agent": "Mai", "from": "billing", "to": "logistics"})
    ]
    [told] = here.outbox()
    assert (told.intent, told.entities) == (
        "EXTERNAL_agent_transferred",
        {"department": "logistics", "expected_reply_at": ""},  # no promise was made
    )
    here.notifier.flush()
    pushed = here.console.received()
    assert [p["department"] for p in pushed if p["type"] == "queue_changed"] == [
        "billing",
        "logistics",
    ]
    [update] = [p for p in pushed if p["type"] == "conversation_updated"]
    assert update["reason"] == "transferred" and update["previous_department"] == "billing"
    assert update["state"] == "waiting" and update["agent_name"] is None


def test_a_transfer_tells_the_customer_when_the_new_department_answers(scene_for: Any) -> None:
    here = scene(scene_for, "transfer")
    data = {"previous_department": "billing", "expected": EXPECTED}
    event = handoff_states.apply(here.handoff, "transfer", NOW, actor="Mai", data=data)
    here.handoff.department = here.ticket.department = "logistics"
    DISPATCHER.publish(event, Effects(here.session, here.notifier))
    [told] = here.outbox()
    assert told.entities == {"department": "logistics", "expected_reply_at": EARLIER.isoformat()}


def test_a_request_notes_what_the_bot_told_the_customer(scene_for: Any) -> None:
    """Waiting for a person: the ticket, the department and the first-reply target the
    assistant gives the customer are a line agents read; nothing goes to the customer."""
    here = scene(scene_for, "request")
    here.move("request", open=True, expected=EXPECTED)
    ticket = here.ticket.public_id
    assert here.lines() == [
        (
            "system",
            f"The assistant told the customer: passed to billing (ticket {ticket}); a person "
            "will reply here. First reply expected by 10:30 today.",
            None,
        )
    ]
    assert here.events() == [
        (
            "bot_handoff",
            {
                "ticket": ticket,
                "department": "billing",
                "expected_en": "by 10:30 today",
                "expected_vi": "trước 10:30 hôm nay",
            },
        )
    ]
    assert here.outbox() == []


def test_a_request_while_closed_leaves_the_promise_to_the_no_agent_line(scene_for: Any) -> None:
    here = scene(scene_for, "request")
    here.move("request", open=False, expected=EXPECTED)
    assert here.lines() == []


def test_resolve_tells_the_customer_the_ticket(scene_for: Any) -> None:
    here = scene(scene_for, "resolve", ticket_status="open")
    here.move("resolve")
    name = here.agent.display_name
    assert here.lines() == [("system", f"{name} resolved the conversation.", name)]
    assert here.events() == [("resolved", {"agent": name})]
    [told] = here.outbox()
    assert (told.intent, told.entities) == (
        "EXTERNAL_handoff_resolved",
        {"ticket_id": here.ticket.public_id},
    )


@pytest.mark.parametrize(
    ("language", "said"), [("en", "by 10:30 today"), ("vi", "trước 10:30 hôm nay")]
)
def test_no_agent_says_when_to_expect_a_reply(scene_for: Any, language: str, said: str) -> None:
    here = scene(scene_for, "no_agent", language=language)
    here.move("no_agent", reason="closed", expected=EXPECTED)
    assert here.lines() == [
        (
            "system",
            "No agent was available (outside business hours); the customer was told to expect "
            "a reply by 10:30 today. The ticket stays open.",
            None,
        )
    ]
    assert here.events() == [
        (
            "no_agent",
            {
                "reason": "closed",
                "ticket": here.ticket.public_id,
                "department": "billing",
                "expected_en": "by 10:30 today",
                "expected_vi": "trước 10:30 hôm nay",
            },
        )
    ]
    [told] = here.outbox()
    assert told.intent == "EXTERNAL_no_agent_available"
    assert told.entities == {
        "ticket_id": here.ticket.public_id,
        "department": "billing",
        "expected_reply": said,
        "expected_reply_en": "by 10:30 today",
        "expected_reply_vi": "trước 10:30 hôm nay",
    }


# -- the consoles, after the commit -----------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "reason", "named"),
    [
        ("request", "requested", False),
        ("claim", "claimed", True),
        ("take_over", "taken_over", True),
        ("resolve", "resolved", True),
        ("no_agent", "no_agent", False),
    ],
)
def test_consoles_hear_of_a_move_only_when_it_is_flushed_after_the_commit(
    scene_for: Any, action: str, reason: str, named: bool
) -> None:
    here = scene(scene_for, action, ticket_status="open")
    data = {"reason": "closed", "expected": EXPECTED} if action == "no_agent" else {}
    here.move(action, **data)  # type: ignore[arg-type]
    assert here.console.received() == []
    here.session.commit()
    here.notifier.flush()
    pushed = here.console.received()
    assert pushed[0] == {"type": "queue_changed", "department": "billing"}
    update = pushed[-1]
    assert update == {
        "type": "conversation_updated",
        "conversation_id": "c-1",
        "ticket_id": here.ticket.public_id,
        "state": handoff_states.TRANSITIONS[(FROM[action], action)],
        "department": "billing",
        "agent_name": here.agent.display_name if named else None,
        "reason": reason,
    }


def test_a_refused_transaction_leaves_nothing_and_pushes_nothing(scene_for: Any) -> None:
    here = scene(scene_for, "claim")
    here.session.commit()
    here.move("claim")
    here.session.rollback()
    here.notifier.discard()
    here.notifier.flush()
    here.session.expire_all()
    assert here.handoff.state == "waiting" and here.ticket.status == "new"
    assert here.lines() == [] and here.outbox() == []
    assert here.console.received() == []


# -- a ticket's own moves ---------------------------------------------------------------------


@pytest.mark.parametrize(("state", "pushed"), [("with_agent", True), ("bot", False)])
def test_a_ticket_move_is_pushed_while_its_handoff_is_live(
    scene_for: Any, state: str, pushed: bool
) -> None:
    here: Scene = scene_for(state, ticket_status="open")
    event: Transition = ticket_states.apply(here.ticket, "pend", NOW, actor="Mai")
    DISPATCHER.publish(event, Effects(here.session, here.notifier))
    here.notifier.flush()
    expected = {
        "type": "conversation_updated",
        "conversation_id": "c-1",
        "ticket_id": here.ticket.public_id,
        "reason": "ticket_status",
        "ticket_status": "pending",
    }
    assert here.console.received() == ([expected] if pushed else [])

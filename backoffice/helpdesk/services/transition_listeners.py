"""What follows a hand-off's or a ticket's move, registered in one place, in the order it runs.

Each listener runs inside the service's transaction (transition_dispatch.py): the ticket's
status, the transcript line and the outbox event for the customer commit together with the
move, and a refused or failed move leaves none of them. Pushes to the consoles wait in the
`Notifier` until the commit; the customer's widget or messaging channel hears of it through the
outbox, whose delivery worker the notifier wakes after the commit.

    hand-off move  ticket                transcript       customer (outbox)    consoles
    request        pending -> open       "Bot told: ..."                       queue, requested
    claim          new, pending -> open  "X joined"       agent_joined         queue, claimed
    take_over      new, pending -> open  "X joined"       agent_joined         queue, taken_over
    reply                                (the reply)      agent_message        the reply
    transfer                             "X transferred"  agent_transferred*   queues, transferred
    resolve        -> solved             "X resolved"     handoff_resolved     queue, resolved
    no_agent       solved -> open        "No agent ..."   no_agent_available   queue, no_agent

A ticket's move while its hand-off is live is pushed to the consoles too ("ticket_status").
*A transfer to a department that cannot take the chat now (closed, nobody online) tells the
customer nothing itself: the no_agent move that follows at once names the new department, so
the customer reads one message that says what happens, not "someone will be with you shortly"
followed by "nobody is available".

Every system line carries its kind (`event`: joined, transferred, resolved, no_agent,
bot_handoff) and values (`event_data`), so the console words it in the agent's language with the
departments' names; `text` is the English line for the record.
"""

from __future__ import annotations

from typing import Any

from backoffice.core.transitions import Transition
from backoffice.helpdesk.models import Handoff, Ticket
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services import ticket_states
from backoffice.helpdesk.services.outbox import enqueue
from backoffice.helpdesk.services.transcript import add_message, message_event
from backoffice.helpdesk.services.transition_dispatch import Effects, TransitionDispatcher
from caredesk_rules.handoff_states import is_active

DISPATCHER = TransitionDispatcher()

# The ticket's move that follows a hand-off's move, by the ticket's status at the time; a
# status not listed stays as it is.
TICKET_FOLLOWS_HANDOFF: dict[tuple[str, str], ticket_states.Action] = {
    ("request", "pending"): "open",  # asked for a person again: it is work again
    ("claim", "new"): "open",
    ("claim", "pending"): "open",
    ("take_over", "new"): "open",  # an agent takes over a chat nobody could take at first
    ("take_over", "pending"): "open",
    ("resolve", "new"): "solve",
    ("resolve", "open"): "solve",
    ("resolve", "pending"): "solve",
    ("no_agent", "solved"): "open",  # nobody could take it: it stays open for agents
}
CONSOLE_REASONS = {
    "request": "requested",
    "claim": "claimed",
    "take_over": "taken_over",
    "transfer": "transferred",
    "resolve": "resolved",
    "no_agent": "no_agent",
}


@DISPATCHER.on(
    "handoff", "request", "claim", "take_over", "reply", "transfer", "resolve", "no_agent"
)
def ticket_follows_handoff(event: Transition, effects: Effects) -> None:
    """The ticket moves through its own table (so its own listeners run); touched either way."""
    ticket: Ticket = event.subject.ticket
    action = TICKET_FOLLOWS_HANDOFF.get((event.action, ticket.status))
    if action is None:
        ticket.updated_at = event.at
        return
    DISPATCHER.publish(ticket_states.apply(ticket, action, event.at, actor=event.actor), effects)


# Why nobody took a hand-off: the code a system line keeps, and its English words.
NO_AGENT_REASONS = {
    "closed": "outside business hours",
    "not_claimed": "no agent claimed it in time",
    "nobody_online": "no agent of the department was online",
}


@DISPATCHER.on("handoff", "claim", "take_over", "transfer", "resolve", "no_agent")
def note_in_transcript(event: Transition, effects: Effects) -> None:
    """The system line agents read in the transcript, and the customer is told about."""
    handoff: Handoff = event.subject
    data: dict[str, Any] = {"agent": event.actor}
    if event.action in ("claim", "take_over"):
        kind, text = "joined", f"{event.actor} joined the conversation."
    elif event.action == "transfer":
        previous = event.data["previous_department"]
        data.update({"from": previous, "to": handoff.department})
        kind = "transferred"
        text = (
            f"{event.actor} transferred the conversation from {previous} to {handoff.department}."
        )
    elif event.action == "resolve":
        kind, text = "resolved", f"{event.actor} resolved the conversation."
    else:
        expected = event.data["expected"]
        data = {
            "reason": event.data["reason"],
            "ticket": handoff.ticket.public_id,
            "department": handoff.department,
            "expected_en": expected.en,
            "expected_vi": expected.vi,
        }
        kind = "no_agent"
        text = (
            f"No agent was available ({NO_AGENT_REASONS[event.data['reason']]}); the customer "
            f"was told to expect a reply {expected.en}. The ticket stays open."
        )
    effects.line = add_message(
        handoff.ticket, "system", text, event.at, author=event.actor, event=kind, event_data=data
    )


@DISPATCHER.on("handoff", "request")
def note_what_the_bot_said(event: Transition, effects: Effects) -> None:
    """What the assistant tells the customer when the hand-off waits for a person (the ticket,
    the department), with the department's first-reply target: agents see the promise they
    inherit. When nobody can take it, the no_agent line that follows says what the customer
    was told (when to expect a reply)."""
    if not event.data.get("open"):
        return
    handoff: Handoff = event.subject
    expected = event.data["expected"]
    ticket = handoff.ticket.public_id
    add_message(
        handoff.ticket,
        "system",
        f"The assistant told the customer: passed to {handoff.department} (ticket {ticket}); "
        f"a person will reply here. First reply expected {expected.en}.",
        event.at,
        event="bot_handoff",
        event_data={
            "ticket": ticket,
            "department": handoff.department,
            "expected_en": expected.en,
            "expected_vi": expected.vi,
        },
    )


@DISPATCHER.on("handoff", "claim", "take_over", "reply", "transfer", "resolve", "no_agent")
def tell_customer(event: Transition, effects: Effects) -> None:
    """The outbox event for the customer, tied to the transcript line it reports."""
    handoff: Handoff = event.subject
    line = effects.line
    assert line is not None, "the transcript line is written first"
    if event.action == "transfer" and event.data.get("nobody_available"):
        return  # the no_agent move that follows tells the customer, once (see the table)
    entities: dict[str, Any]
    if event.action in ("claim", "take_over"):
        intent, entities = "EXTERNAL_agent_joined", {"agent_name": event.actor}
    elif event.action == "reply":
        intent = "EXTERNAL_agent_message"
        entities = {"agent_text": line.text, "agent_name": event.actor}
    elif event.action == "transfer":
        # When the new department promises a first reply (the widget's waiting header).
        expected = event.data.get("expected")
        at = expected.at.isoformat() if expected is not None and expected.at else ""
        intent = "EXTERNAL_agent_transferred"
        entities = {"department": handoff.department, "expected_reply_at": at}
    elif event.action == "resolve":
        intent, entities = "EXTERNAL_handoff_resolved", {"ticket_id": handoff.ticket.public_id}
    else:
        expected = event.data["expected"]
        intent = "EXTERNAL_no_agent_available"
        entities = {
            "ticket_id": handoff.ticket.public_id,
            "department": handoff.department,  # after a transfer: the new one
            "expected_reply": expected.vi if handoff.language == "vi" else expected.en,
            "expected_reply_en": expected.en,
            "expected_reply_vi": expected.vi,
        }
    effects.session.flush()  # the line's id
    enqueue(
        effects.session, handoff.conversation_id, intent, entities, event.at,
        ticket_message_id=line.id,
    )  # fmt: skip
    effects.notifier.outbox_written()


@DISPATCHER.on("handoff", "reply")
def push_reply(event: Transition, effects: Effects) -> None:
    handoff: Handoff = event.subject
    assert effects.line is not None
    effects.session.flush()  # the line's id
    pushed = message_event(handoff.ticket, handoff.conversation_id, effects.line)
    effects.notifier.push({**pushed, "reason": "agent_message"}, handoff.department)


@DISPATCHER.on("handoff", *CONSOLE_REASONS)
def push_to_consoles(event: Transition, effects: Effects) -> None:
    """The queues that changed and the conversation's new state, to the departments that see
    them (both, for a transfer)."""
    handoff: Handoff = event.subject
    departments = dict.fromkeys(
        [event.data.get("previous_department") or handoff.department, handoff.department]
    )
    for department in departments:
        effects.notifier.push({"type": "queue_changed", "department": department}, department)
    # The agent who did it, while the conversation is with one (not after a transfer).
    agent_name = event.actor if handoff.agent_id else None
    extra = {k: v for k, v in event.data.items() if k == "previous_department"}
    update = conversation_update(handoff, CONSOLE_REASONS[event.action], agent_name, **extra)
    effects.notifier.push(update, *departments)


def conversation_update(
    handoff: Handoff, reason: str, agent_name: str | None, **extra: Any
) -> dict[str, Any]:
    """What the consoles are pushed when a conversation changed (console/live.js reads it)."""
    return {
        "type": "conversation_updated",
        "conversation_id": handoff.conversation_id,
        "ticket_id": handoff.ticket.public_id,
        "state": handoff.state,
        "department": handoff.department,
        "agent_name": agent_name,
        "reason": reason,
        **extra,
    }


@DISPATCHER.on("ticket")
def push_ticket_status(event: Transition, effects: Effects) -> None:
    """Agents in the live chat see the ticket's new status."""
    ticket: Ticket = event.subject
    handoff = HelpdeskRepository(effects.session).latest_handoff_of_ticket(ticket.id)
    if handoff is None or not is_active(handoff.state):
        return
    effects.notifier.push(
        {
            "type": "conversation_updated",
            "conversation_id": handoff.conversation_id,
            "ticket_id": ticket.public_id,
            "reason": "ticket_status",
            "ticket_status": event.target,
        },
        ticket.department,
    )

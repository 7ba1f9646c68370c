"""The live-handoff state machine, in one table: every legal move, nothing implicit.

    bot --request--> waiting --claim--> with_agent --resolve--> resolved --release--> bot
                       |  ^                 |  ^ \\
             no_agent  |  +----transfer-----+  |  reply (stays with_agent)
                       v                       |
                      bot --------take_over----+
              (the ticket stays open for agents; an agent may take the chat over)

A conversation without an active handoff is with the bot. Anything not in `TRANSITIONS` is
illegal and raises `IllegalTransitionError` (HTTP 409), before anything is written; so is a
move whose guard (`GUARDS`) refuses it: `take_over` needs the hand-off's ticket still open
(nobody could take the hand-off, so the customer was promised a reply), never a bot
conversation whose ticket was solved. The state names are shared with the Rasa side
(caredesk_rules/handoff_states.py); what follows a move (the ticket, the transcript, the
customer, the consoles) is done by transition_listeners.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from backoffice.core.transitions import (
    IllegalTransitionError,
    Transition,
    TransitionTable,
    move,
)
from backoffice.helpdesk.models import Handoff
from backoffice.helpdesk.services.ticket_states import is_open
from caredesk_rules.handoff_states import ACTIVE_STATES, BOT, RESOLVED, WAITING, WITH_AGENT

Action = Literal[
    "request", "claim", "take_over", "reply", "transfer", "resolve", "release", "no_agent"
]

TRANSITIONS: dict[tuple[str, str], str] = {
    (BOT, "request"): WAITING,
    (WAITING, "claim"): WITH_AGENT,
    (WAITING, "no_agent"): BOT,
    (BOT, "take_over"): WITH_AGENT,
    (WITH_AGENT, "reply"): WITH_AGENT,
    (WITH_AGENT, "transfer"): WAITING,
    (WITH_AGENT, "resolve"): RESOLVED,
    (RESOLVED, "release"): BOT,
}
HANDOFF_TABLE = TransitionTable("handoff", "a conversation", "state", TRANSITIONS)


def awaits_agent(handoff: Handoff) -> bool:
    """With the assistant while its ticket is still open: nobody could take the hand-off, the
    customer was promised a reply, and an agent may take the conversation over."""
    return handoff.state == BOT and handoff.ticket is not None and is_open(handoff.ticket.status)


# Moves the table allows only when the hand-off also passes a check: (check, why refused).
GUARDS: dict[str, tuple[Callable[[Handoff], bool], str]] = {
    "take_over": (awaits_agent, "its ticket is not open"),
}


def allowed(handoff: Handoff, action: str) -> bool:
    """Whether `action` would be accepted now (the table and the move's guard)."""
    if not HANDOFF_TABLE.allowed(handoff.state, action):
        return False
    guard = GUARDS.get(action)
    return guard is None or guard[0](handoff)


def apply(
    handoff: Handoff,
    action: Action,
    now: datetime,
    *,
    actor: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Transition:
    """Move `handoff` (already locked by the caller) and keep its bookkeeping consistent; the
    event for the caller to publish."""
    guard = GUARDS.get(action)
    if guard is not None and HANDOFF_TABLE.allowed(handoff.state, action) and not guard[0](handoff):
        raise IllegalTransitionError(
            f"Cannot {action.replace('_', ' ')} a conversation: {guard[1]}.",
            details={
                "state": handoff.state,
                "action": action,
                "allowed": [
                    a for a in HANDOFF_TABLE.allowed_actions(handoff.state) if allowed(handoff, a)
                ],
            },
        )
    event = move(
        HANDOFF_TABLE, handoff, action, now,
        subject_id=handoff.conversation_id, actor=actor, data=data,
    )  # fmt: skip
    handoff.updated_at = now
    # The unique `active_key` is what makes "one active handoff per conversation" a database
    # guarantee rather than a hope.
    handoff.active_key = handoff.conversation_id if event.target in ACTIVE_STATES else None
    if action in ("request", "transfer"):
        handoff.waiting_since = now
        handoff.agent_id = None
        handoff.claimed_at = None
    elif action in ("claim", "take_over"):
        handoff.claimed_at = now
    elif action == "resolve":
        handoff.resolved_at = now
    elif action == "no_agent":
        handoff.agent_id = None
    return event

"""The live-handoff state machine, in one table: every legal move, nothing implicit.

    bot --request--> waiting --claim--> with_agent --resolve--> resolved --release--> bot
                       |  ^                 |   \\
             no_agent  |  +----transfer-----+    reply (stays with_agent)
                       v
                      bot   (the ticket stays open for agents)

A conversation without an active handoff is with the bot. Anything not in `TRANSITIONS` is
illegal and raises `IllegalTransitionError` (HTTP 409), before anything is written. The state
names are shared with the Rasa side (caredesk_rules/handoff_states.py); what follows a move
(the ticket, the transcript, the customer, the consoles) is done by transition_listeners.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from backoffice.core.transitions import Transition, TransitionTable, move
from backoffice.helpdesk.models import Handoff
from caredesk_rules.handoff_states import ACTIVE_STATES, BOT, RESOLVED, WAITING, WITH_AGENT

Action = Literal["request", "claim", "reply", "transfer", "resolve", "release", "no_agent"]

TRANSITIONS: dict[tuple[str, str], str] = {
    (BOT, "request"): WAITING,
    (WAITING, "claim"): WITH_AGENT,
    (WAITING, "no_agent"): BOT,
    (WITH_AGENT, "reply"): WITH_AGENT,
    (WITH_AGENT, "transfer"): WAITING,
    (WITH_AGENT, "resolve"): RESOLVED,
    (RESOLVED, "release"): BOT,
}
HANDOFF_TABLE = TransitionTable("handoff", "a conversation", "state", TRANSITIONS)


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
    elif action == "claim":
        handoff.claimed_at = now
    elif action == "resolve":
        handoff.resolved_at = now
    elif action == "no_agent":
        handoff.agent_id = None
    return event

"""The live-handoff state machine, in one table: every legal move, nothing implicit.

    bot --request--> waiting --claim--> with_agent --resolve--> resolved --release--> bot
                       |  ^                 |   \\
             no_agent  |  +----transfer-----+    reply (stays with_agent)
                       v
                      bot   (the ticket stays open for agents)

A conversation without an active handoff is with the bot. Anything not in `TRANSITIONS` is
illegal and raises `IllegalTransitionError` (HTTP 409), before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from backoffice.core.errors import ConflictError
from backoffice.models.helpdesk import Handoff
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
ACTIONS: tuple[str, ...] = (
    "request",
    "claim",
    "reply",
    "transfer",
    "resolve",
    "release",
    "no_agent",
)


class IllegalTransitionError(ConflictError):
    code = "illegal_transition"

    def __init__(self, state: str, action: str) -> None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == state)
        super().__init__(
            f"Cannot {action.replace('_', ' ')} a conversation that is {state.replace('_', ' ')}.",
            details={"state": state, "action": action, "allowed": allowed},
        )


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransitionError(state, action) from None


def allowed(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS


def apply(handoff: Handoff, action: str, now: datetime) -> str:
    """Move `handoff` (already locked by the caller) and keep its bookkeeping consistent."""
    target = next_state(handoff.state, action)
    handoff.state = target
    handoff.updated_at = now
    # The unique `active_key` is what makes "one active handoff per conversation" a database
    # guarantee rather than a hope.
    handoff.active_key = handoff.conversation_id if target in ACTIVE_STATES else None
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
    return target

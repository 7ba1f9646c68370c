"""A ticket's status, in one table: who moves it where.

    new ---open---> open <--open-- pending, solved     (work on it; the customer wrote again)
    new, open, solved ---pend---> pending              (waiting on the customer)
    new, open, pending ---solve---> solved

`new` is only where a ticket starts: nobody has worked on it yet, and nothing moves a ticket
back there (an agent's `reset` is always refused). Agents move a ticket by the status they
pick (`ACTION_TO`); the live hand-off moves its ticket through transition_listeners.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from backoffice.core.transitions import Transition, TransitionTable, move
from backoffice.helpdesk.models import Ticket

Action = Literal["open", "pend", "solve", "reset"]  # reset: back to `new`, which no row allows

TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "open"): "open",
    ("pending", "open"): "open",
    ("solved", "open"): "open",
    ("new", "pend"): "pending",
    ("open", "pend"): "pending",
    ("solved", "pend"): "pending",
    ("new", "solve"): "solved",
    ("open", "solve"): "solved",
    ("pending", "solve"): "solved",
}
TICKET_TABLE = TransitionTable("ticket", "a ticket", "status", TRANSITIONS)


# The team still owes the customer something: every status but `solved`.
OPEN_STATUSES: tuple[str, ...] = ("new", "open", "pending")


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


# The action that takes a ticket to the status an agent picks.
ACTION_TO: dict[str, Action] = {
    "new": "reset",
    "open": "open",
    "pending": "pend",
    "solved": "solve",
}


def apply(
    ticket: Ticket,
    action: Action,
    now: datetime,
    *,
    actor: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Transition:
    """Move `ticket` (locked by the caller, already flushed so it has its id); the event."""
    event = move(
        TICKET_TABLE, ticket, action, now, subject_id=ticket.public_id, actor=actor, data=data
    )
    ticket.solved_at = now if event.target == "solved" else None
    ticket.updated_at = now
    return event

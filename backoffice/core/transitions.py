"""State machines as data, and the event a state change makes.

Each entity with a lifecycle (hand-off, ticket, order) has one `TransitionTable`: every legal
move is a row `(state, action) -> next state`; anything else raises `IllegalTransitionError`
(HTTP 409) before anything is written. `move` checks and makes a move and returns the
`Transition`; the helpdesk publishes it to its listeners (helpdesk/services/transition_dispatch.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backoffice.core.errors import ConflictError


class IllegalTransitionError(ConflictError):
    """The one refusal of a move its table does not have; `details` name the state (and, unless
    the table says otherwise, the action and what that state allows). A table may give an action
    a code of its own that clients already branch on (an order's `not_cancellable`)."""

    code = "illegal_transition"


@dataclass(frozen=True)
class TransitionTable:
    entity: str  # the name a `Transition` carries: "handoff", "ticket", "order"
    noun: str  # how a refusal names one: "a conversation"
    column: str  # the attribute holding the state, and its key in a refusal's details
    moves: Mapping[tuple[str, str], str]
    refusal_codes: Mapping[str, str] = field(default_factory=dict)
    # Whether a refusal's details also name the action and what the state allows; a table whose
    # clients already read only the state (an order's customers) keeps its details to that.
    explains_refusals: bool = True

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(action for _, action in self.moves))

    def allowed(self, state: str, action: str) -> bool:
        return (state, action) in self.moves

    def allowed_actions(self, state: str) -> list[str]:
        return sorted(action for (source, action) in self.moves if source == state)

    def next_state(self, state: str, action: str) -> str:
        try:
            return self.moves[(state, action)]
        except KeyError:
            raise self.refusal(state, action) from None

    def refusal(self, state: str, action: str) -> IllegalTransitionError:
        def words(name: str) -> str:
            return name.replace("_", " ")

        details: dict[str, Any] = {self.column: state}
        if self.explains_refusals:
            details.update(action=action, allowed=self.allowed_actions(state))
        return IllegalTransitionError(
            f"Cannot {words(action)} {self.noun} that is {words(state)}.",
            code=self.refusal_codes.get(action),
            details=details,
        )


@dataclass(frozen=True)
class Transition:
    """What happened: `entity` `subject_id` went from `source` to `target` by `action`."""

    entity: str
    subject_id: int | str
    source: str
    target: str
    action: str
    actor: str | None  # the agent's display name; None for the customer, the bot, a timer
    at: datetime
    subject: Any  # the row that moved, locked by the service
    data: Mapping[str, Any] = field(default_factory=dict)  # what the action carried


def move(
    table: TransitionTable,
    subject: Any,
    action: str,
    at: datetime,
    *,
    subject_id: int | str,
    actor: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Transition:
    """Check `action` against `table` and set the subject's state; the event to publish."""
    source = getattr(subject, table.column)
    target = table.next_state(source, action)
    setattr(subject, table.column, target)
    return Transition(
        table.entity, subject_id, source, target, action, actor, at, subject, data or {}
    )

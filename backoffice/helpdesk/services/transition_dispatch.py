"""The in-process events a state change publishes, and what their listeners act through.

A service that moves a hand-off or a ticket publishes its `Transition` on a
`TransitionDispatcher`; the listeners registered on it (transition_listeners.py) do the side
effects, in the service's open transaction: what they write commits or rolls back with the
move, and what they push to the consoles waits in the `Notifier` until after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.core.transitions import Transition
from backoffice.helpdesk.models import TicketMessage
from backoffice.helpdesk.services.notifications import Notifier


@dataclass
class Effects:
    """What listeners act through: the service's open transaction and its after-commit pushes.
    `line` is the transcript line the customer is told about, once a listener (or the
    service, for an agent's reply) has written it."""

    session: Session
    notifier: Notifier
    line: TicketMessage | None = None


Listener = Callable[[Transition, Effects], None]


class TransitionDispatcher:
    """Calls the listeners of a transition synchronously, in the order they were registered,
    so one may rely on what an earlier one wrote (the outbox event on the transcript line)."""

    def __init__(self) -> None:
        self._listeners: list[tuple[str, frozenset[str] | None, Listener]] = []

    def on(self, entity: str, *actions: str) -> Callable[[Listener], Listener]:
        """Register for `entity`'s transitions by `actions` (every action when none given)."""

        def register(listener: Listener) -> Listener:
            self._listeners.append((entity, frozenset(actions) or None, listener))
            return listener

        return register

    def publish(self, event: Transition, effects: Effects) -> None:
        for entity, actions, listener in self._listeners:
            if entity == event.entity and (actions is None or event.action in actions):
                listener(event, effects)

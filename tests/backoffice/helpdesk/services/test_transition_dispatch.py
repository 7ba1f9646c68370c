"""The helpdesk's dispatcher: which listeners hear a move, and in which order."""

from __future__ import annotations

from types import SimpleNamespace

from backoffice.core.transitions import Transition, move
from backoffice.helpdesk.services.notifications import Notifier
from backoffice.helpdesk.services.transition_dispatch import Effects, TransitionDispatcher
from tests.backoffice.core.test_transitions import DOOR, NOW


def test_listeners_run_in_registration_order_for_their_entity_and_actions() -> None:
    dispatcher = TransitionDispatcher()
    heard: list[str] = []

    @dispatcher.on("door")
    def every_move(event: Transition, effects: Effects) -> None:
        heard.append(f"every:{event.action}")

    @dispatcher.on("door", "lock")
    def locks_only(event: Transition, effects: Effects) -> None:
        heard.append(f"lock:{event.action}")

    @dispatcher.on("window")
    def other_entity(event: Transition, effects: Effects) -> None:
        heard.append("window")

    effects = Effects(session=None, notifier=Notifier())  # type: ignore[arg-type]
    door = SimpleNamespace(position="shut")
    dispatcher.publish(move(DOOR, door, "open", NOW, subject_id=1), effects)
    dispatcher.publish(move(DOOR, door, "lock", NOW, subject_id=1), effects)
    assert heard == ["every:open", "every:lock", "lock:lock"]

"""A ticket's status machine: every legal move, every refused one, and what a move keeps."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import get_args

import pytest

from backoffice.core.transitions import IllegalTransitionError
from backoffice.helpdesk.models import TICKET_STATUSES, Ticket
from backoffice.helpdesk.schemas import TicketStatus
from backoffice.helpdesk.services import ticket_states
from backoffice.helpdesk.services.ticket_states import ACTION_TO, TICKET_TABLE

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
EARLIER = datetime(2026, 3, 1, 3, 0, tzinfo=timezone.utc)
EXPECTED = {
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
ACTIONS = ("open", "pend", "solve", "reset")
ALL_PAIRS = [(status, action) for status in TICKET_STATUSES for action in ACTIONS]


def ticket(status: str) -> Ticket:
    return Ticket(id=42, status=status, solved_at=EARLIER, updated_at=EARLIER)


def test_the_table_is_exactly_the_documented_machine() -> None:
    assert TICKET_TABLE.moves == EXPECTED
    assert {s for s, _ in EXPECTED} | set(EXPECTED.values()) == set(TICKET_STATUSES)


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
def test_every_move_from_every_status(status: str, action: ticket_states.Action) -> None:
    subject = ticket(status)
    if (status, action) in EXPECTED:
        event = ticket_states.apply(subject, action, NOW, actor="Mai")
        target = EXPECTED[(status, action)]
        assert (event.entity, event.subject_id, event.source, event.target) == (
            "ticket",
            "TCK-000042",
            status,
            target,
        )
        assert (event.actor, event.at, event.subject) == ("Mai", NOW, subject)
        assert subject.status == target and subject.updated_at == NOW
        assert subject.solved_at == (NOW if target == "solved" else None)
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            ticket_states.apply(subject, action, NOW)
        assert (caught.value.status_code, caught.value.code) == (409, "illegal_transition")
        assert caught.value.details["status"] == status
        assert (subject.status, subject.solved_at, subject.updated_at) == (
            status,
            EARLIER,
            EARLIER,
        )


def test_nothing_moves_a_ticket_back_to_new() -> None:
    assert "new" not in TICKET_TABLE.moves.values()
    refused = TICKET_TABLE.refusal("open", ACTION_TO["new"])
    assert refused.message == "Cannot reset a ticket that is open."
    assert refused.details == {"status": "open", "action": "reset", "allowed": ["pend", "solve"]}


def test_every_status_an_agent_may_pick_has_its_action() -> None:
    assert set(ACTION_TO) == set(TICKET_STATUSES) == set(get_args(TicketStatus))
    for status, action in ACTION_TO.items():
        assert all(target == status for (_, a), target in EXPECTED.items() if a == action)

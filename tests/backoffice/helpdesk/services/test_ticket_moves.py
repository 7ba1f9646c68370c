"""An agent moves a ticket through its table; the customer writing again reopens it
(in-process, a temporary SQLite database; the world of test_handoffs.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.core.errors import ConflictError
from backoffice.core.transitions import IllegalTransitionError
from backoffice.helpdesk.models import Ticket
from backoffice.helpdesk.services.tickets import NewTicket, TicketService
from tests.backoffice.helpdesk.services.test_handoffs import NOW, World, directory, request, world

__all__ = ["world"]  # the fixture, used by name


def tickets(world: World) -> TicketService:
    return TicketService(world.session(), directory(), clock=lambda: world.clock[0])


def new_ticket(world: World) -> str:
    created = tickets(world).create(
        NewTicket("billing", "VAT invoice", "Please add my tax code.", "0903 111 222", "en")
    )
    return created.ticket.public_id


def status_of(world: World, public_id: str) -> tuple[str, bool]:
    with world.session() as session:
        [found] = [t for t in session.execute(select(Ticket)).scalars() if t.public_id == public_id]
        return found.status, found.solved_at is not None


def test_an_agent_walks_a_ticket_through_its_table(world: World) -> None:
    billing = world.agent("billing")
    ticket_id = new_ticket(world)
    for status in ("open", "pending", "solved", "open", "solved", "pending", "open"):
        assert tickets(world).set_status(billing, ticket_id, status).status == status
        assert status_of(world, ticket_id) == (status, status == "solved")
    assert tickets(world).set_status(billing, ticket_id, "open").status == "open"  # no move


def test_nothing_moves_a_ticket_back_to_new(world: World) -> None:
    billing = world.agent("billing")
    ticket_id = new_ticket(world)
    assert tickets(world).set_status(billing, ticket_id, "new").status == "new"  # no move
    tickets(world).set_status(billing, ticket_id, "pending")
    with pytest.raises(IllegalTransitionError) as caught:
        tickets(world).set_status(billing, ticket_id, "new")
    assert caught.value.status_code == 409
    assert caught.value.details == {
        "status": "pending",
        "action": "reset",
        "allowed": ["open", "solve"],
    }
    assert status_of(world, ticket_id) == ("pending", False)


def test_a_live_ticket_is_solved_by_resolving_the_conversation(world: World) -> None:
    billing = world.agent("billing")
    ticket_id = world.service().request(request("c-1")).ticket.public_id
    with pytest.raises(ConflictError) as caught:
        tickets(world).set_status(billing, ticket_id, "solved")
    assert caught.value.code == "handoff_active"
    assert tickets(world).set_status(billing, ticket_id, "pending").status == "pending"
    # The customer answers in the chat: the ticket is work again.
    world.service().customer_message("c-1", "m-1", "here it is", NOW)
    assert status_of(world, ticket_id) == ("open", False)

"""The ticket service in-process on a temporary SQLite database, with a clock the test controls:
the customer sees and adds to a ticket only with the contact on it, only the chat of the ticket
rates it, agents see and change only their departments' tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.core.errors import ConflictError, NotFoundError
from backoffice.core.transitions import IllegalTransitionError
from backoffice.helpdesk.models import Agent, Ticket
from backoffice.helpdesk.services.handoffs import HandoffRequest
from backoffice.helpdesk.services.tickets import (
    CreatedTicket,
    ForbiddenDepartmentError,
    NewTicket,
    TicketNotFoundError,
    TranscriptLine,
    record_contact,
)
from tests.backoffice.helpdesk.services.conftest import NOW, World, request

AN = "An.Nguyen@Example.com"


def open_ticket(
    world: World, department: str = "billing", contact: str = AN, **extra: object
) -> str:
    created = world.tickets().create(new_ticket(department, contact, **extra))
    return created.ticket.public_id


def new_ticket(department: str = "billing", contact: str = AN, **extra: object) -> NewTicket:
    return NewTicket(
        department=department,
        subject=str(extra.pop("subject", "Charged twice")),
        description=str(extra.pop("description", "I was charged twice for ORD-10001")),
        contact=contact,
        language="en",
        **extra,  # type: ignore[arg-type]
    )


def test_a_ticket_keeps_the_transcript_then_the_description(world: World) -> None:
    transcript = [
        TranscriptLine("customer", "hello", NOW - timedelta(minutes=2)),
        TranscriptLine("bot", "Hi, how can I help?", NOW - timedelta(minutes=1)),
    ]
    created = world.tickets().create(new_ticket(transcript=transcript))
    assert isinstance(created, CreatedTicket)
    assert created.messages_count == 3
    assert created.ticket.status == "new"
    assert created.ticket.contact_email == "an.nguyen@example.com"  # canonical
    assert created.within_business_hours
    with world.session() as session:
        ticket = session.get(Ticket, created.ticket.id)
        assert ticket is not None
        assert [(m.role, m.text) for m in sorted(ticket.messages, key=lambda m: m.at)] == [
            ("customer", "hello"),
            ("bot", "Hi, how can I help?"),
            ("customer", "I was charged twice for ORD-10001"),
        ]


def test_a_closed_team_promises_a_reply_when_it_opens(world: World) -> None:
    created = world.tickets().create(new_ticket("marketing"))
    assert not created.within_business_hours
    assert created.expected_reply.en and created.expected_reply.vi


@pytest.mark.parametrize(
    ("on_ticket", "given", "owns"),
    [
        (AN, "an.nguyen@example.com", True),
        (AN, " AN.NGUYEN@EXAMPLE.COM ", True),
        (AN, "binh.tran@example.com", False),
        ("0912 345 678", "+84 912 345 678", True),
        ("0912 345 678", "0912345679", False),
        (AN, "0912 345 678", False),
        (AN, "not a contact", False),
        (AN, None, False),
    ],
)
def test_only_the_contact_on_the_ticket_owns_it(
    world: World, on_ticket: str, given: str | None, owns: bool
) -> None:
    ticket_id = open_ticket(world, contact=on_ticket)
    assert world.tickets().owns(ticket_id, given) is owns
    if owns:
        assert world.tickets().summary_for_customer(ticket_id, given).ticket.public_id == ticket_id
    else:
        with pytest.raises(TicketNotFoundError):
            world.tickets().summary_for_customer(ticket_id, given)


def test_a_proven_contact_wins_and_a_written_one_only_fills_a_gap() -> None:
    ticket = Ticket(contact_verified=False)
    assert record_contact(ticket, "not a contact", verified=False) is False
    assert record_contact(ticket, "0903 111 222", verified=False) is True
    assert (ticket.contact_phone, ticket.contact_verified) == ("+84903111222", False)
    assert record_contact(ticket, "x@example.com", verified=False) is False  # one is there
    assert record_contact(ticket, AN, verified=True) is True  # proven replaces written
    assert (ticket.contact_email, ticket.contact_phone) == ("an.nguyen@example.com", None)
    assert ticket.contact_verified is True
    assert record_contact(ticket, "0903 111 222", verified=True) is False  # first proof stays
    assert ticket.contact == "an.nguyen@example.com"


def test_an_unknown_ticket_looks_like_someone_elses(world: World) -> None:
    assert world.tickets().owns("TCK-999", AN) is False
    assert world.tickets().owns("not an id", AN) is False
    for lookup in ("TCK-999", "not an id"):
        with pytest.raises(TicketNotFoundError) as caught:
            world.tickets().summary_for_customer(lookup, AN)
        assert caught.value.code == "ticket_not_found"


def test_the_customer_writing_again_reopens_a_solved_ticket(world: World) -> None:
    ticket_id = open_ticket(world)
    world.tickets().set_status(world.agent("billing"), ticket_id, "solved")
    world.clock[0] = NOW + timedelta(hours=1)
    summary = world.tickets().add_customer_info(ticket_id, AN, "It happened again today.")
    assert summary.messages_count == 2
    assert (summary.ticket.status, summary.ticket.solved_at) == ("open", None)
    assert summary.ticket.updated_at == NOW + timedelta(hours=1)
    with pytest.raises(TicketNotFoundError):
        world.tickets().add_customer_info(ticket_id, "binh.tran@example.com", "me too")


def test_adding_to_a_new_ticket_leaves_its_status(world: World) -> None:
    ticket_id = open_ticket(world)
    assert world.tickets().add_customer_info(ticket_id, AN, "One more thing").ticket.status == "new"


def test_only_the_chat_of_the_ticket_may_rate_it(world: World) -> None:
    ticket_id = open_ticket(world, conversation_id="rest:c-1")
    with pytest.raises(TicketNotFoundError):
        world.tickets().record_csat(ticket_id, "rest:someone-else", 5)
    world.clock[0] = NOW + timedelta(minutes=5)
    rated = world.tickets().record_csat(ticket_id, "rest:c-1", 4)
    assert (rated.csat_score, rated.csat_at) == (4, NOW + timedelta(minutes=5))


def test_agents_find_only_their_departments_tickets(world: World) -> None:
    billing_id = open_ticket(world, "billing", subject="Charged 100% twice")
    logistics_id = open_ticket(world, "logistics", contact="0912 345 678", subject="Parcel lost")
    service = world.tickets()
    billing, admin = world.agent("billing"), world.agent("admin")

    def found(agent: Agent, **query: str | None) -> list[str]:
        arguments: dict[str, str | None] = {"query": None, "status": None, "department": None}
        arguments.update(query)
        return [t.public_id for t in service.search(agent, **arguments)]  # type: ignore[arg-type]

    assert found(billing) == [billing_id]
    assert set(found(admin)) == {billing_id, logistics_id}
    assert found(admin, department="logistics") == [logistics_id]
    assert found(admin, query="+84 912 345 678") == [logistics_id]  # the contact, as typed
    assert found(admin, query="an.nguyen@example.com") == [billing_id]
    assert found(admin, query=logistics_id.lower()) == [logistics_id]
    assert found(admin, query="100%") == [billing_id]  # a literal %, not a wildcard
    assert found(admin, query="d%t") == []  # as a wildcard it would match "Charged … twice"
    assert found(billing, query="parcel") == []  # another team's ticket stays hidden
    with pytest.raises(ForbiddenDepartmentError):
        found(billing, department="logistics")


def test_status_changes_by_the_tickets_team_only(world: World) -> None:
    ticket_id = open_ticket(world, "billing")
    with pytest.raises(ForbiddenDepartmentError):
        world.tickets().set_status(world.agent("logistics"), ticket_id, "open")
    with pytest.raises(NotFoundError) as caught:
        world.tickets().set_status(world.agent("billing"), "TCK-999", "open")
    assert caught.value.code == "ticket_not_found"
    world.clock[0] = NOW + timedelta(minutes=30)
    solved = world.tickets().set_status(world.agent("billing"), ticket_id, "solved")
    assert (solved.status, solved.solved_at) == ("solved", NOW + timedelta(minutes=30))
    reopened = world.tickets().set_status(world.agent("admin"), ticket_id, "open")
    assert (reopened.status, reopened.solved_at) == ("open", None)


def test_a_ticket_in_a_live_chat_is_not_solved_from_the_ticket(world: World) -> None:
    result = world.handoffs().request(
        HandoffRequest(
            conversation_id="rest:c-live",
            department="billing",
            routing_reason="test",
            language="en",
            channel="rest",
            transcript=[TranscriptLine("customer", "a person please", NOW)],
        )
    )
    assert result.handoff.state == "waiting"
    with pytest.raises(ConflictError) as caught:
        world.tickets().set_status(world.agent("billing"), result.ticket.public_id, "solved")
    assert caught.value.code == "handoff_active"
    pending = world.tickets().set_status(world.agent("billing"), result.ticket.public_id, "pending")
    assert pending.status == "pending"


# -- an agent moves a ticket through its table; the customer writing again reopens it --------


def vat_ticket(world: World) -> str:
    created = world.tickets().create(
        NewTicket("billing", "VAT invoice", "Please add my tax code.", "0903 111 222", "en")
    )
    return created.ticket.public_id


def status_of(world: World, public_id: str) -> tuple[str, bool]:
    with world.session() as session:
        [found] = [t for t in session.execute(select(Ticket)).scalars() if t.public_id == public_id]
        return found.status, found.solved_at is not None


def test_an_agent_walks_a_ticket_through_its_table(world: World) -> None:
    billing = world.agent("billing")
    ticket_id = vat_ticket(world)
    for status in ("open", "pending", "solved", "open", "solved", "pending", "open"):
        assert world.tickets().set_status(billing, ticket_id, status).status == status
        assert status_of(world, ticket_id) == (status, status == "solved")
    assert world.tickets().set_status(billing, ticket_id, "open").status == "open"  # no move


def test_nothing_moves_a_ticket_back_to_new(world: World) -> None:
    billing = world.agent("billing")
    ticket_id = vat_ticket(world)
    assert world.tickets().set_status(billing, ticket_id, "new").status == "new"  # no move
    world.tickets().set_status(billing, ticket_id, "pending")
    with pytest.raises(IllegalTransitionError) as caught:
        world.tickets().set_status(billing, ticket_id, "new")
    assert caught.value.status_code == 409
    assert caught.value.details == {
        "status": "pending",
        "action": "reset",
        "allowed": ["open", "solve"],
    }
    assert status_of(world, ticket_id) == ("pending", False)


def test_a_live_ticket_is_solved_by_resolving_the_conversation(world: World) -> None:
    billing = world.agent("billing")
    ticket_id = world.handoffs().request(request("c-1")).ticket.public_id
    with pytest.raises(ConflictError) as caught:
        world.tickets().set_status(billing, ticket_id, "solved")
    assert caught.value.code == "handoff_active"
    assert world.tickets().set_status(billing, ticket_id, "pending").status == "pending"
    # The customer answers in the chat: the ticket is work again.
    world.handoffs().customer_message("c-1", "m-1", "here it is", NOW)
    assert status_of(world, ticket_id) == ("open", False)

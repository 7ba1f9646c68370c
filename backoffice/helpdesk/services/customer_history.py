"""The customer's history beside a conversation: their earlier tickets and hand-offs, and their
orders once they are verified.

"The same customer" is the same email or phone on the ticket, or the same sender on the same
channel (the conversation id is the channel's sender id). Agents see the tickets of their
departments; how many more there are elsewhere is only counted. Orders are listed at once
when the ticket's contact is verified (the customer proved it to the assistant: an order
verified with it, the shop's signed-in account). For a contact the customer only wrote, the
agent may look the orders up on purpose (`look_up_orders`, the console's "Look up orders for
this contact"): an agent may see them, the customer may not, as on the assistant's side; each
look-up is logged (the ticket and the agent, never the contact).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.helpdesk.models import Agent, Handoff, Ticket
from backoffice.helpdesk.services.handoffs import HandoffService
from backoffice.orders.models import Order
from backoffice.orders.services.orders import OrderService

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 20
ORDERS_LIMIT = 10


@dataclass(frozen=True)
class PastTicket:
    ticket: Ticket
    handoff_state: str | None  # its latest hand-off's state; None: a ticket without a live chat


@dataclass(frozen=True)
class CustomerHistory:
    tickets: Sequence[PastTicket]
    hidden: int  # the customer's tickets in departments the agent does not work for
    contact: str | None  # the ticket's email or phone
    verified: bool  # the customer proved `contact`
    looked_up: bool  # the agent asked for the orders of a contact the customer only wrote
    orders: Sequence[Order]


class CustomerHistoryService:
    def __init__(self, session: Session, handoffs: HandoffService, orders: OrderService) -> None:
        self.session = session
        self.handoffs = handoffs
        self.orders = orders

    def history(
        self, agent: Agent, conversation_id: str, *, look_up_orders: bool = False
    ) -> CustomerHistory:
        """For a conversation the agent may open (403/404 as the conversation itself)."""
        current = self.handoffs.conversation(agent, conversation_id).ticket
        same = [Ticket.conversation_id == conversation_id]
        if current.contact_email:
            same.append(Ticket.contact_email == current.contact_email)
        if current.contact_phone:
            same.append(Ticket.contact_phone == current.contact_phone)
        found = self.session.execute(
            select(Ticket)
            .where(or_(*same), Ticket.id != current.id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        ).scalars()
        theirs = [t for t in found if _same_customer(t, current)]
        visible = [t for t in theirs if agent.can_access(t.department)][:HISTORY_LIMIT]
        states = self._handoff_states([t.id for t in visible])
        contact = current.contact
        verified = bool(current.contact_verified) and contact is not None
        looked_up = look_up_orders and not verified and contact is not None
        if looked_up:
            logger.info(
                "agent %s looked up the orders of the contact given on %s",
                agent.username,
                current.public_id,
            )
        return CustomerHistory(
            tickets=[PastTicket(t, states.get(t.id)) for t in visible],
            hidden=sum(1 for t in theirs if not agent.can_access(t.department)),
            contact=contact,
            verified=verified,
            looked_up=looked_up,
            orders=self.orders.orders_of(contact, ORDERS_LIMIT)
            if contact is not None and (verified or looked_up)
            else [],
        )

    def _handoff_states(self, ticket_ids: list[int]) -> dict[int, str]:
        if not ticket_ids:
            return {}
        rows = self.session.execute(
            select(Handoff.ticket_id, Handoff.state)
            .where(Handoff.ticket_id.in_(ticket_ids))
            .order_by(Handoff.id)
        )
        return {ticket_id: state for ticket_id, state in rows}


def _same_customer(ticket: Ticket, current: Ticket) -> bool:
    """Found by contact, or by sender id on the same channel (on another channel the same id
    is another person)."""
    if ticket.contact_email and ticket.contact_email == current.contact_email:
        return True
    if ticket.contact_phone and ticket.contact_phone == current.contact_phone:
        return True
    return ticket.conversation_id == current.conversation_id and ticket.channel == current.channel

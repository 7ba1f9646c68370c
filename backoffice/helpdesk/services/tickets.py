"""Tickets: opened from the chat (or by a handoff), looked up and added to by the customer who
proves the contact on the ticket, searched and updated by agents of the ticket's department.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backoffice.core.errors import AppError, ConflictError, NotFoundError
from backoffice.core.transitions import Transition
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import Agent, Ticket
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services import handoff_states, ticket_states
from backoffice.helpdesk.services.business_hours import DepartmentDirectory, ExpectedReply
from backoffice.helpdesk.services.notifications import Notifier
from backoffice.helpdesk.services.transcript import add_message
from backoffice.helpdesk.services.transition_dispatch import Effects
from backoffice.helpdesk.services.transition_listeners import DISPATCHER
from caredesk_rules.contacts import canonical_contact
from caredesk_rules.handoff_states import is_active


class TicketNotFoundError(NotFoundError):
    # One answer for "no such ticket" and "not your ticket": reveals nothing.
    code = "ticket_not_found"
    message = "No ticket with this id was found for this contact."


class ForbiddenDepartmentError(AppError):
    status_code = 403
    code = "forbidden_department"
    message = "This belongs to a department you do not work for."


@dataclass(frozen=True)
class TranscriptLine:
    role: str
    text: str
    at: datetime


@dataclass(frozen=True)
class NewTicket:
    department: str
    subject: str
    description: str
    contact: str
    language: str
    conversation_id: str | None = None
    order_id: str | None = None
    priority: str = "normal"
    transcript: Sequence[TranscriptLine] = ()
    routing_reason: str | None = None
    routing: dict[str, Any] | None = None


@dataclass(frozen=True)
class TicketSummary:
    ticket: Ticket
    messages_count: int


@dataclass(frozen=True)
class CreatedTicket(TicketSummary):
    within_business_hours: bool
    expected_reply: ExpectedReply


def split_contact(contact: str | None) -> tuple[str | None, str | None]:
    """(email, phone), normalised; (None, None) when absent or unusable."""
    parsed = canonical_contact(contact) if contact else None
    if parsed is None:
        return None, None
    kind, value = parsed
    return (value, None) if kind == "email" else (None, value)


def record_contact(ticket: Ticket, contact: str | None, *, verified: bool) -> bool:
    """Puts the customer's contact on the ticket, the one rule for every way it arrives: a
    ticket without one takes it; a proven contact replaces one the customer only wrote; a
    written one never replaces what is there. True when the ticket changed."""
    email, phone = split_contact(contact)
    if email is None and phone is None:
        return False
    if ticket.contact is not None and (ticket.contact_verified or not verified):
        return False
    ticket.contact_email, ticket.contact_phone = email, phone
    ticket.contact_verified = verified
    return True


def contact_matches(ticket: Ticket, contact: str | None) -> bool:
    email, phone = split_contact(contact)
    if email is not None:
        return ticket.contact_email == email
    if phone is not None:
        return ticket.contact_phone == phone
    return False


class TicketService:
    def __init__(
        self,
        session: Session,
        directory: DepartmentDirectory,
        *,
        clock: Callable[[], datetime] = utcnow,
        notifier: Notifier | None = None,
    ) -> None:
        self.session = session
        self.repo = HelpdeskRepository(session)
        self.directory = directory
        self.clock = clock
        self.notifier = notifier or Notifier()

    # -- the customer's side ---------------------------------------------------------------

    def create(self, data: NewTicket) -> CreatedTicket:
        email, phone = split_contact(data.contact)
        with writing(self.session):
            now = self.clock()
            ticket = Ticket(
                department=data.department,
                priority=data.priority,
                status="new",
                contact_email=email,
                contact_phone=phone,
                conversation_id=data.conversation_id,
                order_id=data.order_id,
                language=data.language,
                subject=data.subject,
                routing_reason=data.routing_reason,
                routing=data.routing,
                created_at=now,
                updated_at=now,
            )
            for line in data.transcript:
                add_message(ticket, line.role, line.text, line.at)
            add_message(ticket, "customer", data.description, now)
            self.session.add(ticket)
            self.session.flush()
            count = len(ticket.messages)
        return CreatedTicket(
            ticket,
            count,
            self.directory.is_open(data.department, now),
            self.directory.expected_reply(data.department, now),
        )

    def owns(self, public_id: str, contact: str | None) -> bool:
        """Whether `contact` is the one on the ticket (False for an unknown ticket)."""
        ticket = self.repo.ticket(public_id)
        return ticket is not None and contact_matches(ticket, contact)

    def summary_for_customer(self, public_id: str, contact: str | None) -> TicketSummary:
        ticket = self._customer_ticket(public_id, contact)
        return TicketSummary(ticket, self.repo.message_count(ticket.id))

    def add_customer_info(self, public_id: str, contact: str | None, text: str) -> TicketSummary:
        with writing(self.session):
            ticket = self._customer_ticket(public_id, contact, for_update=True)
            now = self.clock()
            add_message(ticket, "customer", text, now)
            ticket.updated_at = now
            if ticket.status in ("solved", "pending"):  # the customer wrote again: work again
                self._publish(ticket_states.apply(ticket, "open", now))
            self.session.flush()
            count = self.repo.message_count(ticket.id)
        self.notifier.flush()
        return TicketSummary(ticket, count)

    def record_csat(self, public_id: str, conversation_id: str, score: int) -> Ticket:
        with writing(self.session):
            ticket = self.repo.ticket(public_id, for_update=True)
            # The conversation id is the proof: only that chat may rate the ticket.
            if ticket is None or ticket.conversation_id != conversation_id:
                raise TicketNotFoundError()
            now = self.clock()
            ticket.csat_score = score
            ticket.csat_at = now
            handoff = self.repo.latest_handoff_of_ticket(ticket.id)
            table = handoff_states.HANDOFF_TABLE
            if handoff is not None and table.allowed(handoff.state, "release"):
                locked = self.repo.handoff_by_id(handoff.id, for_update=True)
                if locked is not None and table.allowed(locked.state, "release"):
                    self._publish(handoff_states.apply(locked, "release", now))
        self.notifier.flush()
        return ticket

    # -- the agents' side ------------------------------------------------------------------

    def search(
        self,
        agent: Agent,
        *,
        query: str | None,
        status: str | None,
        department: str | None,
        limit: int = 50,
    ) -> Sequence[Ticket]:
        if department is not None and not agent.can_access(department):
            raise ForbiddenDepartmentError()
        email, phone = split_contact(query) if query else (None, None)
        return self.repo.search_tickets(
            departments=None if agent.is_admin else list(agent.departments or []),
            query=query,
            status=status,
            department=department,
            contact_email=email,
            contact_phone=phone,
            limit=limit,
        )

    def set_status(self, agent: Agent, public_id: str, status: str) -> Ticket:
        with writing(self.session):
            ticket = self.repo.ticket(public_id, for_update=True)
            if ticket is None:
                raise NotFoundError("No such ticket.", code="ticket_not_found")
            if not agent.can_access(ticket.department):
                raise ForbiddenDepartmentError()
            handoff = self.repo.latest_handoff_of_ticket(ticket.id)
            live = handoff is not None and is_active(handoff.state)
            if status == "solved" and live:
                raise ConflictError(
                    "The customer is in a live chat on this ticket: resolve the conversation.",
                    code="handoff_active",
                )
            if status != ticket.status:
                action = ticket_states.ACTION_TO[status]
                self._publish(
                    ticket_states.apply(ticket, action, self.clock(), actor=agent.display_name)
                )
        self.notifier.flush()
        return ticket

    # -- helpers ---------------------------------------------------------------------------

    def _publish(self, event: Transition) -> None:
        """Hand the move to its listeners, in this transaction."""
        self.session.flush()
        DISPATCHER.publish(event, Effects(self.session, self.notifier))

    def _customer_ticket(
        self, public_id: str, contact: str | None, *, for_update: bool = False
    ) -> Ticket:
        ticket = self.repo.ticket(public_id, for_update=for_update)
        if ticket is None or not contact_matches(ticket, contact):
            raise TicketNotFoundError()
        return ticket

"""Data access for the helpdesk: queries and row locks, no rules.

Every `for_update` read takes a row lock on PostgreSQL (SQLite serialises writers with
BEGIN IMMEDIATE instead), so a service that locks a conversation's handoff first can read,
decide and write without another request changing the state in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from backoffice.helpdesk.models import (
    Agent,
    AgentSession,
    Handoff,
    OutboxEvent,
    Ticket,
    TicketMessage,
    TicketNote,
)
from caredesk_rules.handoff_states import ACTIVE_STATES, BOT, WAITING
from caredesk_rules.ids import ticket_number


class HelpdeskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- tickets ---------------------------------------------------------------------------

    def ticket(self, public_id: str, *, for_update: bool = False) -> Ticket | None:
        number = ticket_number(public_id)
        if number is None:
            return None
        query = select(Ticket).where(Ticket.id == number).execution_options(populate_existing=True)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()

    def message_count(self, ticket_id: int) -> int:
        return int(
            self.session.execute(
                select(func.count())
                .select_from(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id)
            ).scalar_one()
        )

    def messages(self, ticket_id: int) -> Sequence[TicketMessage]:
        return (
            self.session.execute(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            )
            .scalars()
            .all()
        )

    def first_customer_lines(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        """Each ticket's first customer turn, in one query (the queue shows its first words)."""
        if not ticket_ids:
            return {}
        first = (
            select(func.min(TicketMessage.id))
            .where(TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.role == "customer")
            .group_by(TicketMessage.ticket_id)
        )
        rows = self.session.execute(
            select(TicketMessage.ticket_id, TicketMessage.text).where(TicketMessage.id.in_(first))
        ).all()
        return {row[0]: row[1] for row in rows}

    def last_message_at(self, ticket_id: int) -> datetime | None:
        value: datetime | None = self.session.execute(
            select(func.max(TicketMessage.at)).where(TicketMessage.ticket_id == ticket_id)
        ).scalar_one()
        return value

    def message_by_external_id(self, ticket_id: int, external_id: str) -> TicketMessage | None:
        return self.session.execute(
            select(TicketMessage).where(
                TicketMessage.ticket_id == ticket_id, TicketMessage.external_id == external_id
            )
        ).scalar_one_or_none()

    def notes(self, ticket_id: int) -> Sequence[TicketNote]:
        return (
            self.session.execute(
                select(TicketNote).where(TicketNote.ticket_id == ticket_id).order_by(TicketNote.id)
            )
            .scalars()
            .all()
        )

    def search_tickets(
        self,
        *,
        departments: Sequence[str] | None,
        query: str | None,
        status: str | None,
        department: str | None,
        contact_email: str | None,
        contact_phone: str | None,
        limit: int,
    ) -> Sequence[Ticket]:
        statement = select(Ticket)
        if departments is not None:
            statement = statement.where(Ticket.department.in_(departments))
        if department is not None:
            statement = statement.where(Ticket.department == department)
        if status is not None:
            statement = statement.where(Ticket.status == status)
        if query:
            number = ticket_number(query.upper())
            pattern = (
                "%"
                + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            conditions: list[Any] = [
                func.lower(Ticket.subject).like(pattern, escape="\\"),
                Ticket.conversation_id == query,
                Ticket.order_id == query.upper(),
            ]
            if number is not None:
                conditions.append(Ticket.id == number)
            if contact_email:
                conditions.append(Ticket.contact_email == contact_email)
            if contact_phone:
                conditions.append(Ticket.contact_phone == contact_phone)
            statement = statement.where(or_(*conditions))
        statement = statement.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)
        return self.session.execute(statement).scalars().all()

    # -- handoffs --------------------------------------------------------------------------

    def active_handoff(self, conversation_id: str, *, for_update: bool = False) -> Handoff | None:
        query = (
            select(Handoff)
            .where(Handoff.active_key == conversation_id)
            .execution_options(populate_existing=True)
        )
        if for_update:
            query = query.with_for_update(of=Handoff)
        return self.session.execute(query).unique().scalar_one_or_none()

    def latest_handoff(self, conversation_id: str, *, for_update: bool = False) -> Handoff | None:
        query = (
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.id.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        if for_update:
            query = query.with_for_update(of=Handoff)
        return self.session.execute(query).unique().scalar_one_or_none()

    def handoff_by_id(self, handoff_id: int, *, for_update: bool = False) -> Handoff | None:
        query = (
            select(Handoff)
            .where(Handoff.id == handoff_id)
            .execution_options(populate_existing=True)
        )
        if for_update:
            query = query.with_for_update(of=Handoff)
        return self.session.execute(query).unique().scalar_one_or_none()

    def latest_handoff_of_ticket(self, ticket_id: int) -> Handoff | None:
        return (
            self.session.execute(
                select(Handoff)
                .where(Handoff.ticket_id == ticket_id)
                .order_by(Handoff.id.desc())
                .limit(1)
            )
            .unique()
            .scalar_one_or_none()
        )

    def active_handoffs(self, departments: Sequence[str] | None) -> Sequence[Handoff]:
        query = select(Handoff).where(Handoff.state.in_(ACTIVE_STATES))
        if departments is not None:
            query = query.where(Handoff.department.in_(departments))
        query = query.order_by(Handoff.waiting_since, Handoff.id)
        return self.session.execute(query).unique().scalars().all()

    def bot_handoffs_with_tickets(
        self, departments: Sequence[str], ticket_statuses: Sequence[str]
    ) -> Sequence[Handoff]:
        """Conversations whose latest hand-off is with the bot and its ticket in one of these
        statuses (the service says which are open: services/handoff_states.awaits_agent)."""
        newer = aliased(Handoff)
        query = (
            select(Handoff)
            .join(Ticket, Handoff.ticket_id == Ticket.id)
            .where(
                Handoff.state == BOT,
                Ticket.status.in_(ticket_statuses),
                Handoff.department.in_(departments),
                ~exists().where(
                    newer.conversation_id == Handoff.conversation_id, newer.id > Handoff.id
                ),
            )
            .order_by(Handoff.id)
        )
        return self.session.execute(query).unique().scalars().all()

    def waiting_handoff_ids(self) -> Sequence[tuple[int, str, datetime]]:
        rows = self.session.execute(
            select(Handoff.id, Handoff.department, Handoff.waiting_since).where(
                Handoff.state == WAITING
            )
        ).all()
        return [(row[0], row[1], row[2]) for row in rows]

    # -- agents ----------------------------------------------------------------------------

    def agent_by_username(self, username: str) -> Agent | None:
        return self.session.execute(
            select(Agent).where(Agent.username == username)
        ).scalar_one_or_none()

    def agent_session(self, token_hash: str) -> AgentSession | None:
        return self.session.execute(
            select(AgentSession).where(AgentSession.token_hash == token_hash)
        ).scalar_one_or_none()

    # -- outbox ----------------------------------------------------------------------------

    def next_seq(self, conversation_id: str) -> int:
        current = self.session.execute(
            select(func.max(OutboxEvent.seq)).where(OutboxEvent.conversation_id == conversation_id)
        ).scalar_one()
        return int(current or 0) + 1

    def pending_heads(self, now: datetime, limit: int) -> Sequence[OutboxEvent]:
        """The oldest event of each conversation that Rasa has not relayed yet, due and not
        leased (an event that failed for good, or was delivered, no longer holds the line).

        Only heads: a later event of a conversation is never posted while an earlier one is
        pending, which is what keeps the conversation in order.
        """
        head = (
            select(OutboxEvent.conversation_id, func.min(OutboxEvent.seq).label("seq"))
            .where(
                OutboxEvent.delivered_at.is_(None),
                OutboxEvent.accepted_at.is_(None),
                OutboxEvent.failed_at.is_(None),
            )
            .group_by(OutboxEvent.conversation_id)
            .subquery()
        )
        query = (
            select(OutboxEvent)
            .join(
                head,
                (OutboxEvent.conversation_id == head.c.conversation_id)
                & (OutboxEvent.seq == head.c.seq),
            )
            .where(
                OutboxEvent.next_attempt_at <= now,
                or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
            )
            .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
            .limit(limit)
        )
        return self.session.execute(query).scalars().all()

    def receipts_due(self, now: datetime, limit: int) -> Sequence[OutboxEvent]:
        """Relayed events whose receipt the customer's client has not confirmed in time."""
        query = (
            select(OutboxEvent)
            .where(
                OutboxEvent.delivered_at.is_(None),
                OutboxEvent.accepted_at.is_not(None),
                OutboxEvent.failed_at.is_(None),
                OutboxEvent.next_attempt_at <= now,
                or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
            )
            .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
            .limit(limit)
        )
        return self.session.execute(query).scalars().all()

    def lease(self, event_id: int, now: datetime, until: datetime, *, relayed: bool) -> bool:
        """Take the event for one attempt: a post (`relayed` False) or a receipt check (True);
        False when another worker holds it, or it is no longer what the caller read: another
        process's attempt may have ended between the caller's read and this lease (relayed
        meanwhile, or failed and waiting for its backoff), and must not be repeated."""
        relayed_already = OutboxEvent.accepted_at.is_not(None)
        result = self.session.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.id == event_id,
                OutboxEvent.delivered_at.is_(None),
                OutboxEvent.failed_at.is_(None),
                relayed_already if relayed else ~relayed_already,
                OutboxEvent.next_attempt_at <= now,
                or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
            )
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def outbox_events_by_key(
        self, conversation_id: str, keys: Sequence[str], *, for_update: bool = False
    ) -> Sequence[OutboxEvent]:
        query = select(OutboxEvent).where(
            OutboxEvent.conversation_id == conversation_id, OutboxEvent.delivery_key.in_(keys)
        )
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalars().all()

    def deliveries_of_ticket(self, ticket_id: int) -> dict[int, OutboxEvent]:
        """The outbox event of each transcript line that has one, by message id."""
        rows = self.session.execute(
            select(OutboxEvent)
            .join(TicketMessage, TicketMessage.id == OutboxEvent.ticket_message_id)
            .where(TicketMessage.ticket_id == ticket_id)
        ).scalars()
        return {event.ticket_message_id: event for event in rows}

    def department_of_message(self, message_id: int) -> str | None:
        return self.session.execute(
            select(Ticket.department)
            .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
            .where(TicketMessage.id == message_id)
        ).scalar_one_or_none()

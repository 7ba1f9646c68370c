"""Live handoff: a conversation goes from the bot to a person of the right department and back.

Every operation is one transaction that first locks the conversation's handoff row, checks
the move against `handoff_states.TRANSITIONS`, writes the new state and publishes the move; the
listeners (transition_listeners.py) write the ticket's status, the transcript and the outbox
events for the customer in the same transaction, and only after the commit are the agents'
consoles pushed to and the delivery worker woken. A refused move writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.core.errors import AppError, ConflictError, NotFoundError
from backoffice.core.transitions import Transition
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import (
    Agent,
    Handoff,
    OutboxEvent,
    Ticket,
    TicketMessage,
    TicketNote,
)
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services import handoff_states, ticket_states
from backoffice.helpdesk.services.attachments import attach_conversation, attach_to_line
from backoffice.helpdesk.services.business_hours import DepartmentDirectory, ExpectedReply
from backoffice.helpdesk.services.notifications import Notifier
from backoffice.helpdesk.services.outbox import DeliveryNotFoundError, retry_failed
from backoffice.helpdesk.services.presence import PresenceService
from backoffice.helpdesk.services.tickets import (
    ForbiddenDepartmentError,
    TranscriptLine,
    record_contact,
)
from backoffice.helpdesk.services.transcript import add_message, message_event
from backoffice.helpdesk.services.transition_dispatch import Effects
from backoffice.helpdesk.services.transition_listeners import DISPATCHER, conversation_update
from caredesk_rules.contacts import contact_in_message
from caredesk_rules.handoff_states import BOT, WAITING

logger = logging.getLogger(__name__)

SUBJECT_LENGTH = 120
FIRST_WORDS_LENGTH = 80


class ConversationNotFoundError(NotFoundError):
    code = "conversation_not_found"
    message = "No handoff for this conversation."


class NoActiveHandoffError(ConflictError):
    code = "no_active_handoff"
    message = "The conversation is not with an agent or waiting for one."


class NotYourConversationError(AppError):
    status_code = 403
    code = "not_your_conversation"
    message = "Another agent is handling this conversation."


@dataclass(frozen=True)
class HandoffRequest:
    conversation_id: str
    department: str
    routing_reason: str
    language: str
    channel: str
    transcript: Sequence[TranscriptLine]
    contact: str | None = None
    contact_verified: bool = False  # the customer proved `contact`, else only wrote it
    order_summary: dict[str, Any] | None = None
    routing: dict[str, Any] | None = None


@dataclass(frozen=True)
class HandoffResult:
    handoff: Handoff
    ticket: Ticket
    created: bool
    within_business_hours: bool
    expected_reply: ExpectedReply


@dataclass(frozen=True)
class QueueEntry:
    handoff: Handoff
    ticket: Ticket
    agent: Agent | None
    waiting_seconds: int
    first_words: str | None = None  # of the customer's first turn: tells equal subjects apart
    # A conversation left with the assistant while its ticket waits for an agent: the reply
    # the customer was promised (its moment is None when the department never opens).
    expected_reply: ExpectedReply | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Availability:
    """Whether a hand-off to a department now would reach a person: `nobody` is why not (a
    transition_listeners.NO_AGENT_REASONS code), None when one can take it."""

    department: str
    open_now: bool
    agents_online: int
    nobody: str | None


@dataclass(frozen=True)
class ConversationView:
    handoff: Handoff
    ticket: Ticket
    agent: Agent | None
    transcript: Sequence[Any]
    notes: Sequence[TicketNote]
    deliveries: Mapping[int, OutboxEvent]  # transcript message id -> its event for the customer


def accessible(handoff: Handoff | None, agent: Agent) -> Handoff:
    """The handoff, when it exists and is in one of the agent's departments."""
    if handoff is None:
        raise ConversationNotFoundError()
    if not agent.can_access(handoff.department):
        raise ForbiddenDepartmentError()
    return handoff


def _shortened(text: str, length: int) -> str:
    """One line of at most `length` characters, cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return text


def _by_promised_reply(entry: QueueEntry) -> tuple[bool, datetime, int]:
    """The earliest promise first; a department that never opens promised no moment: last."""
    at = entry.expected_reply.at if entry.expected_reply is not None else None
    return (at is None, at or entry.handoff.requested_at, entry.handoff.id)


def _subject(transcript: Sequence[TranscriptLine], reason: str, department_name: str) -> str:
    for line in reversed(transcript):
        if line.role == "customer":
            return _shortened(line.text, SUBJECT_LENGTH)
    return f"Live chat: {department_name} ({reason})"[:200]


class HandoffService:
    def __init__(
        self,
        session: Session,
        directory: DepartmentDirectory,
        *,
        wait_seconds: int,
        clock: Callable[[], datetime] = utcnow,
        notifier: Notifier | None = None,
        needs_agent_online: bool = False,
    ) -> None:
        """`needs_agent_online`: inside business hours, a hand-off to a department with nobody
        online (services/presence.py) is not promised a person: the customer is told honestly
        (ticket, expected reply) at once, instead of waiting for a claim that cannot come."""
        self.session = session
        self.needs_agent_online = needs_agent_online
        self.repo = HelpdeskRepository(session)
        self.directory = directory
        self.wait_seconds = wait_seconds
        self.clock = clock
        self.notifier = notifier or Notifier()

    # -- the bot's side --------------------------------------------------------------------

    def active_department(self, conversation_id: str) -> str | None:
        """The department of the conversation's active handoff: asking again keeps it."""
        active = self.repo.active_handoff(conversation_id)
        return None if active is None else active.department

    def request(self, data: HandoffRequest) -> HandoffResult:
        """Idempotent per conversation: an active handoff is returned as it is."""
        for attempt in range(3):
            try:
                result = self._request_once(data)
            except IntegrityError:
                # PostgreSQL: a concurrent request for the same conversation committed first
                # (unique active handoff, or the outbox sequence). Read again: it is ours now.
                self.session.rollback()
                self.notifier.discard()
                if attempt == 2:
                    raise
                continue
            self.notifier.flush()
            return result
        raise AssertionError("unreachable")

    def _request_once(self, data: HandoffRequest) -> HandoffResult:
        with writing(self.session):
            now = self.clock()
            active = self.repo.active_handoff(data.conversation_id, for_update=True)
            if active is not None:
                return self._result(active, created=False, now=now)
            latest = self.repo.latest_handoff(data.conversation_id, for_update=True)
            if latest is not None and handoff_states.HANDOFF_TABLE.allowed(latest.state, "release"):
                self._publish(handoff_states.apply(latest, "release", now))
            created = not (latest is not None and handoff_states.awaits_agent(latest))
            department = self.directory.get(data.department)
            order_id = (data.order_summary or {}).get("order_id")
            if created:
                ticket = Ticket(
                    department=data.department,
                    priority="normal",
                    status="new",
                    conversation_id=data.conversation_id,
                    order_id=order_id,
                    order_summary=data.order_summary,
                    language=data.language,
                    channel=data.channel,
                    subject=_subject(data.transcript, data.routing_reason, department.name_en),
                    routing_reason=data.routing_reason,
                    routing=data.routing,
                    created_at=now,
                    updated_at=now,
                )
                record_contact(ticket, data.contact, verified=data.contact_verified)
                for line in data.transcript:
                    add_message(ticket, line.role, line.text, line.at)
                self.session.add(ticket)
                handoff = Handoff(
                    conversation_id=data.conversation_id,
                    ticket=ticket,
                    department=data.department,
                    state=BOT,
                    channel=data.channel,
                    language=data.language,
                    requested_at=now,
                    updated_at=now,
                )
                self.session.add(handoff)
            else:
                # Asked again after nobody could take it: same handoff, same open ticket; only
                # the part of the conversation the ticket has not seen yet is appended.
                assert latest is not None
                handoff, ticket = latest, latest.ticket
                seen = self.repo.last_message_at(ticket.id)
                for line in data.transcript:
                    if seen is None or line.at > seen:
                        add_message(ticket, line.role, line.text, line.at)
                handoff.department = ticket.department = data.department
                handoff.channel = ticket.channel = data.channel
                handoff.language = ticket.language = data.language
                ticket.routing_reason = data.routing_reason
                ticket.routing = data.routing
                record_contact(ticket, data.contact, verified=data.contact_verified)
                if data.order_summary is not None:
                    ticket.order_summary = data.order_summary
                    ticket.order_id = order_id
            self.session.flush()  # a new ticket's id, for the listeners
            attach_conversation(self.session, data.conversation_id, ticket)
            nobody = self._nobody_available(data.department, now)
            told = {
                "open": nobody is None,
                "expected": self.directory.expected_reply(data.department, now),
            }
            self._publish(handoff_states.apply(handoff, "request", now, data=told))
            if nobody is not None:
                self._no_agent(handoff, now, reason=nobody)
            return self._result(handoff, created=created, now=now)

    def status(self, conversation_id: str) -> tuple[str, Handoff | None]:
        latest = self.repo.latest_handoff(conversation_id)
        if latest is None:
            return BOT, None
        return latest.state, latest

    def customer_message(
        self,
        conversation_id: str,
        message_id: str,
        text: str,
        sent_at: datetime,
        attachment_id: str | None = None,
    ) -> tuple[Handoff, bool]:
        """Append a customer turn for the agent, with the photo it carries (one of this
        conversation's attachments); (handoff, duplicate)."""
        try:
            with writing(self.session):
                handoff = self.repo.active_handoff(conversation_id, for_update=True)
                if handoff is None:
                    state, _ = self.status(conversation_id)
                    raise NoActiveHandoffError(details={"state": state})
                ticket = handoff.ticket
                if self.repo.message_by_external_id(ticket.id, message_id) is not None:
                    return handoff, True
                message = add_message(ticket, "customer", text, sent_at, external_id=message_id)
                now = self.clock()
                ticket.updated_at = now
                if ticket.contact is None:
                    self._contact_written(handoff, text)
                if ticket.status == "pending":  # the customer answered: it is work again
                    self._publish(ticket_states.apply(ticket, "open", now))
                self.session.flush()
                photo = attach_to_line(
                    self.session, conversation_id, attachment_id, ticket, message.id
                )
                self.notifier.push(
                    message_event(ticket, conversation_id, message, photo), handoff.department
                )
        except IntegrityError:
            # The same message id raced itself (a channel retry): the first one is stored.
            self.session.rollback()
            self.notifier.discard()
            handoff = self.repo.active_handoff(conversation_id)
            if handoff is None:
                raise
            return handoff, True
        self.notifier.flush()
        return handoff, False

    def _contact_written(self, handoff: Handoff, text: str) -> None:
        """An email or phone the customer wrote to the agent goes on a ticket that has none,
        as written, not verified: the agent can reach them and find the ticket by it."""
        found = contact_in_message(text)
        if found is not None and record_contact(handoff.ticket, found[1], verified=False):
            logger.info("contact given by the customer on %s", handoff.ticket.public_id)
            self._push_update(handoff, "contact")

    # -- the agents' side ------------------------------------------------------------------

    def queue(self, agent: Agent, department: str | None = None) -> list[tuple[str, list[Any]]]:
        """Per department: its waiting and with-agent conversations, then those left with the
        assistant whose ticket awaits an agent (nobody could take them), by promised reply."""
        if department is not None and not agent.can_access(department):
            raise ForbiddenDepartmentError()
        if department is not None:
            keys = [department]
        elif agent.is_admin:
            keys = list(self.directory.keys())
        else:
            keys = [k for k in self.directory.keys() if k in (agent.departments or [])]  # noqa: SIM118
        now = self.clock()
        by_department: dict[str, list[QueueEntry]] = {key: [] for key in keys}
        handoffs = self.repo.active_handoffs(keys)
        first_lines = self.repo.first_customer_lines([h.ticket_id for h in handoffs])
        for handoff in handoffs:
            since = handoff.waiting_since or handoff.requested_at
            first = first_lines.get(handoff.ticket_id)
            by_department.setdefault(handoff.department, []).append(
                QueueEntry(
                    handoff,
                    handoff.ticket,
                    handoff.agent,
                    max(int((now - since).total_seconds()), 0),
                    None if first is None else _shortened(first, FIRST_WORDS_LENGTH),
                )
            )
        awaiting = self.repo.bot_handoffs_with_tickets(keys, ticket_states.OPEN_STATUSES)
        first_lines = self.repo.first_customer_lines([h.ticket_id for h in awaiting])
        later: dict[str, list[QueueEntry]] = {key: [] for key in keys}
        for handoff in awaiting:
            since = handoff.waiting_since or handoff.requested_at
            expected = self.directory.expected_reply(handoff.department, since, now)
            first = first_lines.get(handoff.ticket_id)
            later.setdefault(handoff.department, []).append(
                QueueEntry(
                    handoff,
                    handoff.ticket,
                    None,
                    max(int((now - since).total_seconds()), 0),
                    None if first is None else _shortened(first, FIRST_WORDS_LENGTH),
                    expected,
                    expected.at is not None and expected.at <= now,
                )
            )
        for key, entries in later.items():
            entries.sort(key=_by_promised_reply)
            by_department.setdefault(key, []).extend(entries)
        return [(key, by_department[key]) for key in keys]

    def conversation(self, agent: Agent, conversation_id: str) -> ConversationView:
        handoff = self.repo.latest_handoff(conversation_id)
        if handoff is None:
            raise ConversationNotFoundError()
        if not agent.can_access(handoff.department):
            raise ForbiddenDepartmentError()
        ticket = handoff.ticket
        return ConversationView(
            handoff,
            ticket,
            handoff.agent,
            self.repo.messages(ticket.id),
            self.repo.notes(ticket.id),
            self.repo.deliveries_of_ticket(ticket.id),
        )

    def claim(self, agent: Agent, conversation_id: str) -> Handoff:
        with writing(self.session):
            handoff = self._locked_for(agent, conversation_id)
            event = handoff_states.apply(handoff, "claim", self.clock(), actor=agent.display_name)
            handoff.agent_id = agent.id
            self._publish(event)
        self.notifier.flush()
        return handoff

    def take_over(self, agent: Agent, conversation_id: str) -> Handoff:
        """An agent takes a conversation nobody could take at hand-off time (it is with the
        assistant, its ticket open): from here on as after a claim (the customer is told the
        agent joined, the assistant stays silent). Any other conversation: 409."""
        with writing(self.session):
            handoff = self._locked_for(agent, conversation_id)
            event = handoff_states.apply(
                handoff, "take_over", self.clock(), actor=agent.display_name
            )
            handoff.agent_id = agent.id
            self._publish(event)
        self.notifier.flush()
        return handoff

    def availability(self) -> list[Availability]:
        """Every department: would a hand-off (or a transfer) to it reach a person now?"""
        now = self.clock()
        online: dict[str, int] = {}
        for person in PresenceService(self.session, clock=self.clock).agents(None):
            if person.presence == "online":
                for key in person.agent.departments or []:
                    online[key] = online.get(key, 0) + 1
        return [
            Availability(
                key,
                self.directory.is_open(key, now),
                online.get(key, 0),
                self._nobody_available(key, now),
            )
            for key in self.directory.keys()  # noqa: SIM118
        ]

    def reply(self, agent: Agent, conversation_id: str, text: str) -> Handoff:
        with writing(self.session):
            handoff = self._locked_for(agent, conversation_id)
            self._require_owner(handoff, agent, "reply")
            now = self.clock()
            event = handoff_states.apply(handoff, "reply", now, actor=agent.display_name)
            ticket = handoff.ticket
            message = add_message(ticket, "agent", text, now, author=agent.display_name)
            if ticket.first_agent_reply_at is None:
                ticket.first_agent_reply_at = now
            self._publish(event, line=message)
        self.notifier.flush()
        return handoff

    def add_note(self, agent: Agent, conversation_id: str, text: str) -> TicketNote:
        with writing(self.session):
            handoff = self._latest_locked_for(agent, conversation_id)
            now = self.clock()
            note = TicketNote(ticket_id=handoff.ticket_id, agent_id=agent.id, text=text, at=now)
            self.session.add(note)
            handoff.ticket.updated_at = now
            self.session.flush()
            self._push_update(handoff, "note", agent=agent)
        self.notifier.flush()
        return note

    def transfer(self, agent: Agent, conversation_id: str, department: str) -> Handoff:
        with writing(self.session):
            handoff = self._locked_for(agent, conversation_id)
            self._require_owner(handoff, agent, "transfer")
            if department == handoff.department:
                raise ConflictError(
                    "The conversation is already with this department.", code="same_department"
                )
            now = self.clock()
            nobody = self._nobody_available(department, now)
            event = handoff_states.apply(
                handoff, "transfer", now, actor=agent.display_name,
                data={
                    "previous_department": handoff.department,
                    "expected": self.directory.expected_reply(department, now),
                    "nobody_available": nobody,
                },
            )  # fmt: skip
            handoff.department = handoff.ticket.department = department
            self._publish(event)
            if nobody is not None:
                self._no_agent(handoff, now, reason=nobody)
        self.notifier.flush()
        return handoff

    def resolve(self, agent: Agent, conversation_id: str) -> Handoff:
        with writing(self.session):
            handoff = self._locked_for(agent, conversation_id)
            self._require_owner(handoff, agent, "resolve")
            self._publish(
                handoff_states.apply(handoff, "resolve", self.clock(), actor=agent.display_name)
            )
        self.notifier.flush()
        return handoff

    # -- messages for the customer that could not be delivered -----------------------------

    def retry_delivery(self, agent: Agent, conversation_id: str, delivery_id: str) -> Handoff:
        """The agent sends a dead-lettered message again (services/outbox.py)."""
        with writing(self.session):
            handoff = self._latest_locked_for(agent, conversation_id)
            found = self.repo.outbox_events_by_key(conversation_id, [delivery_id], for_update=True)
            if not found:
                raise DeliveryNotFoundError()
            retry_failed(found[0], self.clock())
            self.notifier.outbox_written()
            self._push_update(handoff, "delivery_retried")
        self.notifier.flush()
        return handoff

    # -- housekeeping (the delivery worker calls this) -------------------------------------

    def expire_waiting(self) -> int:
        """Waiting too long, or the department closed meanwhile: tell the customer honestly."""
        now = self.clock()
        due = [
            handoff_id
            for handoff_id, department, since in self.repo.waiting_handoff_ids()
            if since is None
            or (now - since).total_seconds() >= self.wait_seconds
            or (department in self.directory and not self.directory.is_open(department, now))
        ]
        self.session.rollback()
        expired = 0
        for handoff_id in due:
            with writing(self.session):
                handoff = self.repo.handoff_by_id(handoff_id, for_update=True)
                if handoff is None or handoff.state != WAITING:
                    continue  # claimed (or expired by another process) in the meantime
                now = self.clock()
                open_now = self.directory.is_open(handoff.department, now)
                since = handoff.waiting_since or handoff.requested_at
                if open_now and (now - since).total_seconds() < self.wait_seconds:
                    continue
                reason = "not_claimed" if open_now else "closed"
                self._no_agent(handoff, now, reason=reason)
                expired += 1
            self.notifier.flush()
        return expired

    # -- helpers ---------------------------------------------------------------------------

    def _nobody_available(self, department: str, now: datetime) -> str | None:
        """Why no person can take a hand-off to the department now (a NO_AGENT_REASONS code),
        or None when one can: closed, or open with nobody of the department online."""
        if not self.directory.is_open(department, now):
            return "closed"
        if self.needs_agent_online and not PresenceService(
            self.session, clock=self.clock
        ).anyone_online(department):
            return "nobody_online"
        return None

    def _no_agent(self, handoff: Handoff, now: datetime, *, reason: str) -> None:
        """`reason`: a code of transition_listeners.NO_AGENT_REASONS."""
        since = handoff.waiting_since or handoff.requested_at
        expected = self.directory.expected_reply(handoff.department, since, now)
        self._publish(
            handoff_states.apply(
                handoff, "no_agent", now, data={"reason": reason, "expected": expected}
            )
        )
        logger.info(
            "handoff of %s (ticket %s) went back to the bot: %s",
            handoff.conversation_id,
            handoff.ticket.public_id,
            reason,
        )

    def _locked_for(self, agent: Agent, conversation_id: str) -> Handoff:
        """The conversation's handoff (active one, else the latest), locked, if the agent may."""
        handoff = self.repo.active_handoff(conversation_id, for_update=True)
        if handoff is None:
            return self._latest_locked_for(agent, conversation_id)
        return accessible(handoff, agent)

    def _latest_locked_for(self, agent: Agent, conversation_id: str) -> Handoff:
        """The conversation's latest handoff, locked, if the agent may."""
        return accessible(self.repo.latest_handoff(conversation_id, for_update=True), agent)

    @staticmethod
    def _require_owner(handoff: Handoff, agent: Agent, action: str) -> None:
        handoff_states.HANDOFF_TABLE.next_state(handoff.state, action)  # the state first (409)
        if handoff.agent_id != agent.id and not agent.is_admin:
            raise NotYourConversationError()

    def _publish(self, event: Transition, *, line: TicketMessage | None = None) -> None:
        """Hand the move to its listeners, in this transaction (`line`: an agent's reply)."""
        self.session.flush()
        DISPATCHER.publish(event, Effects(self.session, self.notifier, line))

    def _push_update(self, handoff: Handoff, reason: str, *, agent: Agent | None = None) -> None:
        """A conversation changed without a move (a note, a retried delivery)."""
        agent = agent or handoff.agent
        name = agent.display_name if agent is not None and handoff.agent_id else None
        self.notifier.push(conversation_update(handoff, reason, name), handoff.department)

    def _result(self, handoff: Handoff, *, created: bool, now: datetime) -> HandoffResult:
        since = handoff.waiting_since or handoff.requested_at
        return HandoffResult(
            handoff,
            handoff.ticket,
            created,
            self.directory.is_open(handoff.department, now),
            self.directory.expected_reply(handoff.department, since, now),
        )

"""The helpdesk's tables: tickets and their transcript, agents, live handoffs, the outbox and
customers' photos.

Written for SQLite and PostgreSQL alike: no partial indexes (an active handoff is marked by a
nullable unique `active_key`), JSON only for opaque payloads, enums as CHECK constraints.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

from backoffice.core.models import Base, UTCDateTime
from backoffice.helpdesk.login_limits import LOGIN_SCOPES
from caredesk_rules.accounts import ADMIN, ROLES
from caredesk_rules.attachments import IMAGE_TYPES
from caredesk_rules.handoff_states import STATES as HANDOFF_STATES
from caredesk_rules.ids import ticket_id_for

TICKET_STATUSES = ("new", "open", "pending", "solved")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
LANGUAGES = ("en", "vi")
MESSAGE_ROLES = ("customer", "bot", "agent", "system")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_%(table_name)s_{column}")


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (_one_of("role", ROLES),)

    id = Column(Integer, primary_key=True)
    username = Column(String(32), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    password_hash = Column(String(255), nullable=False)
    departments = Column(JSON, nullable=False, default=list)  # list of department keys
    role = Column(String(8), nullable=False, default="agent")  # caredesk_rules.accounts.ROLES
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)
    # Presence (services/presence.py): the open console's last heartbeat, and the agent's
    # "away" toggle. Online = a recent heartbeat and not away; no recent heartbeat = offline.
    last_seen_at = Column(UTCDateTime)
    away = Column(Boolean, nullable=False, default=False)

    @property
    def is_admin(self) -> bool:
        """Every department's work and the admin-only tools."""
        return self.role == ADMIN

    def can_access(self, department: str) -> bool:
        return bool(self.is_admin) or department in (self.departments or [])


class AgentSession(Base):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no usable token."""

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)

    agent = relationship("Agent")


class LoginCounter(Base):
    """Wrong passwords of one account or one client address in the current window, and the
    lockout they caused; in the database so that every back-office process counts the same."""

    __tablename__ = "login_counters"
    __table_args__ = (
        _one_of("scope", LOGIN_SCOPES),
        UniqueConstraint("scope", "key", name="uq_login_counters_scope_key"),
    )

    id = Column(Integer, primary_key=True)
    scope = Column(String(8), nullable=False)
    key = Column(String(64), nullable=False)  # a username as typed (lower case), an address
    failures = Column(Integer, nullable=False, default=0)  # attempts in flight included
    window_started_at = Column(UTCDateTime, nullable=False, index=True)
    locked_until = Column(UTCDateTime)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        _one_of("status", TICKET_STATUSES),
        _one_of("priority", TICKET_PRIORITIES),
        _one_of("language", LANGUAGES),
        CheckConstraint(
            "csat_score IS NULL OR (csat_score >= 1 AND csat_score <= 5)",
            name="ck_tickets_csat_score",
        ),
    )

    id = Column(Integer, primary_key=True)
    department = Column(String(32), nullable=False, index=True)
    priority = Column(String(8), nullable=False, default="normal")
    status = Column(String(8), nullable=False, default="new", index=True)
    contact_email = Column(String(254), index=True)  # normalised (lower case)
    contact_phone = Column(String(16), index=True)  # +84XXXXXXXXX
    # True: the customer proved the contact (an order verified with it, the shop's signed-in
    # account); False: they only wrote it (services/tickets.py, record_contact).
    contact_verified = Column(Boolean, nullable=False, default=False, server_default=false())
    conversation_id = Column(String(128), index=True)
    order_id = Column(String(16))
    order_summary = Column(JSON)
    language = Column(String(2), nullable=False)
    channel = Column(String(32))
    subject = Column(String(200), nullable=False)
    routing_reason = Column(String(500))
    # The same decision as data (assignment.py's Assignment.routing), for the console's words.
    routing = Column(JSON)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    first_agent_reply_at = Column(UTCDateTime)
    solved_at = Column(UTCDateTime)
    csat_score = Column(SmallInteger)
    csat_at = Column(UTCDateTime)

    messages = relationship(
        "TicketMessage",
        back_populates="ticket",
        order_by="TicketMessage.id",
        cascade="all, delete-orphan",
    )
    notes = relationship(
        "TicketNote", back_populates="ticket", order_by="TicketNote.id", cascade="all"
    )

    @property
    def public_id(self) -> str:
        return ticket_id_for(self.id)

    @property
    def contact(self) -> str | None:
        return self.contact_email or self.contact_phone


class TicketMessage(Base):
    """One turn of the transcript: the bot part copied at handoff, then live turns."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        _one_of("role", MESSAGE_ROLES),
        # Idempotency: a retried customer message (same channel message id) is stored once.
        UniqueConstraint("ticket_id", "external_id", name="uq_ticket_messages_external_id"),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    role = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)
    author = Column(String(100))
    at = Column(UTCDateTime, nullable=False)
    external_id = Column(String(128))
    # A system line's kind and values (transition_listeners.py), so the console words it in
    # the agent's language; `text` keeps the English line for the record and the API.
    event = Column(String(32))
    event_data = Column(JSON)

    ticket = relationship("Ticket", back_populates="messages")


class TicketNote(Base):
    """Internal notes: agents only, never sent to the customer."""

    __tablename__ = "ticket_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    text = Column(Text, nullable=False)
    at = Column(UTCDateTime, nullable=False)

    ticket = relationship("Ticket", back_populates="notes")
    agent = relationship("Agent")


class Handoff(Base):
    """One request for a person, tied to one ticket; its state moves only through the service."""

    __tablename__ = "handoffs"
    # A conversation with no active handoff is with the bot; `bot` is also the state a handoff
    # row goes back to when nobody could take it or after its resolution was acknowledged.
    __table_args__ = (_one_of("state", HANDOFF_STATES),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    # = conversation_id while waiting or with an agent, else NULL: at most one active handoff
    # per conversation, enforced by the database (NULLs never collide in a unique index).
    active_key = Column(String(128), unique=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    department = Column(String(32), nullable=False)
    state = Column(String(16), nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"))
    channel = Column(String(32), nullable=False)
    language = Column(String(2), nullable=False)
    requested_at = Column(UTCDateTime, nullable=False)
    waiting_since = Column(UTCDateTime)  # reset by a transfer; the no-agent clock runs from here
    claimed_at = Column(UTCDateTime)
    resolved_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False)

    # Loaded on access, never joined: locking reads (FOR UPDATE) must touch this table only.
    ticket = relationship("Ticket")
    agent = relationship("Agent")


class OutboxEvent(Base):
    """An event for the customer, posted to Rasa in `seq` order per conversation and delivered
    when the customer's channel has it (services/outbox.py: the states and the rules)."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_outbox_events_conversation_seq"),
        Index("ix_outbox_events_pending", "delivered_at", "conversation_id", "seq"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False)
    seq = Column(Integer, nullable=False)
    intent = Column(String(64), nullable=False)
    entities = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    lease_until = Column(UTCDateTime)  # a worker is posting it; others keep off until then
    delivered_at = Column(UTCDateTime)
    last_error = Column(String(300))
    # The idempotency key: Rasa's side relays an event once per key, the channel confirms
    # receipt by it. Random, so a key from another database can never match.
    delivery_key = Column(String(32), unique=True)
    accepted_at = Column(UTCDateTime)  # Rasa relayed it: the message is in the conversation
    failed_at = Column(UTCDateTime)  # dead-lettered: no more attempts until an agent retries
    # The transcript line this event tells the customer about (the agent's reply, "joined"...).
    ticket_message_id = Column(Integer, ForeignKey("ticket_messages.id"), index=True)


class Attachment(Base):
    """A photo a customer sent: its facts here, its bytes in the attachments directory
    (services/attachments.py), named by `public_id` only."""

    __tablename__ = "attachments"
    __table_args__ = (_one_of("content_type", IMAGE_TYPES),)

    id = Column(Integer, primary_key=True)
    public_id = Column(String(36), nullable=False, unique=True)  # att_ and 32 random hex digits
    conversation_id = Column(String(128), nullable=False, index=True)
    sender = Column(String(8), nullable=False, default="customer")
    channel = Column(String(32), nullable=False)
    # The conversation's ticket when there is one (at upload, or when a hand-off opens it).
    ticket_id = Column(Integer, ForeignKey("tickets.id"), index=True)
    # The transcript line that carried it to an agent.
    ticket_message_id = Column(Integer, ForeignKey("ticket_messages.id"), index=True)
    content_type = Column(String(16), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, index=True)


class CannedReply(Base):
    """A saved reply agents insert into the reply box, per department and language; seeded
    from backoffice/config/canned_replies.yml, then kept here and edited by admins."""

    __tablename__ = "canned_replies"
    __table_args__ = (
        _one_of("language", LANGUAGES),
        UniqueConstraint("department", "language", "title", name="uq_canned_replies_title"),
        Index("ix_canned_replies_department_language", "department", "language"),
    )

    id = Column(Integer, primary_key=True)
    department = Column(String(32), nullable=False)
    language = Column(String(2), nullable=False)
    title = Column(String(80), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

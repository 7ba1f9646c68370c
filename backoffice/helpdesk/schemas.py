"""The helpdesk's wire format: strict on input (types, lengths, enums), explicit on output."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    conint,
    constr,
    field_validator,
    model_validator,
)

from backoffice.api.schemas import StrictRequest, multi_line, single_line
from backoffice.helpdesk.services.outbox import MAX_RECEIPT_KEYS, DeliveryState
from backoffice.orders.schemas import OrderHistoryOut
from caredesk_rules.accounts import MAX_PASSWORD_LENGTH
from caredesk_rules.attachments import ATTACHMENT_ID
from caredesk_rules.contacts import MAX_EMAIL_LENGTH, canonical_contact
from caredesk_rules.handoff_states import HandoffState
from caredesk_rules.ids import ORDER_ID_MAX_LENGTH, ORDER_ID_PATTERN

# Rasa sender ids: socket.io session ids, Telegram / Messenger / Zalo numbers, REST senders.
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@+=-]{0,127}$"
MESSAGE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@+=/-]{0,127}$"
CHANNEL_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
USERNAME_PATTERN = r"^[a-z][a-z0-9_.-]{0,31}$"
MAX_TEXT = 4000
MAX_AGENT_TEXT = 2000
MAX_TRANSCRIPT = 300
# An NLU intent name, sent as a routing hint ("warranty_claim").
INTENT_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

DepartmentKey = Literal[
    "customer_support", "after_sales", "billing", "logistics", "sales", "marketing", "technical"
]
Language = Literal["en", "vi"]
Priority = Literal["low", "normal", "high", "urgent"]
TicketStatus = Literal["new", "open", "pending", "solved"]
Role = Literal["customer", "bot", "agent", "system"]
AgentRole = Literal["agent", "cco", "admin"]  # caredesk_rules.accounts.ROLES
HandoffStateName = HandoffState
DELIVERY_ID_PATTERN = r"^[0-9a-f]{32}$"  # services/outbox.py: secrets.token_hex(16)

if TYPE_CHECKING:
    DeliveryId = str
    Score = int
    Quantity = int
    Amount = int
else:
    DeliveryId = constr(strict=True, pattern=DELIVERY_ID_PATTERN)
    Score = conint(strict=True, ge=1, le=5)
    Quantity = conint(strict=True, ge=1, le=999)
    Amount = conint(strict=True, ge=0, le=10**12)


def _aware(value: datetime) -> datetime:
    """Naive timestamps are taken as UTC (Rasa's are Unix times, which pydantic parses naive)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _timestamp(value: Any) -> Any:
    """Only ISO strings, Unix times and datetimes; pydantic would read `true` as 1970."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, datetime)):
        raise ValueError("must be an ISO 8601 date-time or a Unix timestamp")
    if isinstance(value, str) and len(value) > 40:
        raise ValueError("must be an ISO 8601 date-time or a Unix timestamp")
    return value


def _contact(value: str | None) -> str | None:
    if value is not None and canonical_contact(value) is None:
        raise ValueError("must be an email address or a Vietnamese mobile number")
    return value


# -- input ------------------------------------------------------------------------------------


class TranscriptEntry(StrictRequest):
    role: Role
    text: StrictStr = Field(..., min_length=1, max_length=MAX_TEXT)
    at: datetime

    _text = field_validator("text")(multi_line)
    _at_type = field_validator("at", mode="before")(_timestamp)
    _at = field_validator("at")(_aware)


class OrderItemSummary(StrictRequest):
    name: StrictStr = Field(..., min_length=1, max_length=200)
    quantity: Quantity = 1
    sku: StrictStr | None = Field(None, max_length=32)

    _text = field_validator("name", "sku")(lambda v: None if v is None else single_line(v))


class OrderSummary(StrictRequest):
    """The verified order the conversation is about, as the action server saw it."""

    order_id: StrictStr = Field(..., pattern=ORDER_ID_PATTERN, max_length=ORDER_ID_MAX_LENGTH)
    status: StrictStr | None = Field(None, max_length=32)
    placed_at: datetime | None = None
    total_vnd: Amount | None = None
    payment_method: StrictStr | None = Field(None, max_length=32)
    carrier: StrictStr | None = Field(None, max_length=64)
    tracking_number: StrictStr | None = Field(None, max_length=64)
    items: list[OrderItemSummary] | None = Field(None, max_length=50)
    note: StrictStr | None = Field(None, max_length=500)

    _text = field_validator("status", "payment_method", "carrier", "tracking_number", "note")(
        lambda v: None if v is None else single_line(v)
    )


def _department_or_words(request: Any, words: str) -> Any:
    if request.department is None and not getattr(request, words):
        raise ValueError(f"give department, or {words} for the helpdesk to route")
    return request


class RoutingRequest(StrictRequest):
    """The customer's words (and the intent the assistant understood, as a hint)."""

    text: StrictStr = Field(..., min_length=1, max_length=MAX_TEXT)
    language: Language | None = None
    intent: StrictStr | None = Field(None, pattern=INTENT_PATTERN)

    _text = field_validator("text")(multi_line)


class TicketCreate(StrictRequest):
    conversation_id: StrictStr | None = Field(None, pattern=CONVERSATION_ID_PATTERN)
    # Without a department the helpdesk routes the description (with `intent` as a hint).
    department: DepartmentKey | None = None
    intent: StrictStr | None = Field(None, pattern=INTENT_PATTERN)
    subject: StrictStr = Field(..., min_length=1, max_length=200)
    description: StrictStr = Field(..., min_length=1, max_length=MAX_TEXT)
    contact: StrictStr = Field(..., min_length=3, max_length=MAX_EMAIL_LENGTH)
    language: Language
    order_id: StrictStr | None = Field(
        None, pattern=ORDER_ID_PATTERN, max_length=ORDER_ID_MAX_LENGTH
    )
    priority: Priority = "normal"
    transcript: list[TranscriptEntry] | None = Field(None, max_length=MAX_TRANSCRIPT)
    routing_reason: StrictStr | None = Field(None, min_length=1, max_length=500)

    _single = field_validator("subject", "routing_reason")(
        lambda v: None if v is None else single_line(v)
    )
    _multi = field_validator("description")(multi_line)
    _contact = field_validator("contact")(_contact)

    @model_validator(mode="after")
    def _routable(self) -> Any:
        return _department_or_words(self, "description")


class TicketMessageCreate(StrictRequest):
    text: StrictStr = Field(..., min_length=1, max_length=MAX_TEXT)

    _text = field_validator("text")(multi_line)


class CsatCreate(StrictRequest):
    score: Score
    conversation_id: StrictStr = Field(..., pattern=CONVERSATION_ID_PATTERN)


class HandoffCreate(StrictRequest):
    conversation_id: StrictStr = Field(..., pattern=CONVERSATION_ID_PATTERN)
    # Either the department (and why), or the customer's words for the helpdesk to route.
    department: DepartmentKey | None = None
    routing_reason: StrictStr | None = Field(None, min_length=1, max_length=500)
    request_text: StrictStr | None = Field(None, min_length=1, max_length=MAX_TEXT)
    intent: StrictStr | None = Field(None, pattern=INTENT_PATTERN)
    # True: refuse (409 topic_needed) rather than send a request that names no topic to the
    # default department, so the assistant can ask what it is about.
    require_topic: StrictBool = False
    contact: StrictStr | None = Field(None, min_length=3, max_length=MAX_EMAIL_LENGTH)
    # True: the customer proved `contact` to the assistant (an order verified with it, the
    # shop's signed-in account); false: they only wrote it.
    contact_verified: StrictBool = False
    language: Language
    channel: StrictStr = Field(..., pattern=CHANNEL_PATTERN)
    order_summary: OrderSummary | None = None
    transcript: list[TranscriptEntry] = Field(..., max_length=MAX_TRANSCRIPT)

    _reason = field_validator("routing_reason")(lambda v: None if v is None else single_line(v))
    _words = field_validator("request_text")(lambda v: None if v is None else multi_line(v))
    _contact = field_validator("contact")(_contact)

    @model_validator(mode="after")
    def _routable(self) -> Any:
        return _department_or_words(self, "request_text")


class HandoffMessageCreate(StrictRequest):
    message_id: StrictStr = Field(..., pattern=MESSAGE_ID_PATTERN)
    text: StrictStr = Field(..., min_length=1, max_length=MAX_TEXT)
    sent_at: datetime
    # A photo the customer sent with it (POST /api/v1/attachments), of this conversation.
    attachment_id: StrictStr | None = Field(None, pattern=ATTACHMENT_ID.pattern)

    _text = field_validator("text")(multi_line)
    _at_type = field_validator("sent_at", mode="before")(_timestamp)
    _at = field_validator("sent_at")(_aware)


class LoginRequest(StrictRequest):
    username: StrictStr = Field(..., min_length=1, max_length=32)
    password: StrictStr = Field(..., min_length=1, max_length=MAX_PASSWORD_LENGTH)

    model_config = ConfigDict(str_strip_whitespace=False)  # a password is what it is

    # the name is looked up and counted (login_counters): NUL would break PostgreSQL
    _username = field_validator("username")(single_line)


class PasswordChange(StrictRequest):
    """The rule for the new one (length, variety) is checked by the service, with its own codes."""

    current_password: StrictStr = Field(..., min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: StrictStr = Field(..., min_length=1, max_length=MAX_PASSWORD_LENGTH)

    model_config = ConfigDict(str_strip_whitespace=False)


class AgentText(StrictRequest):
    text: StrictStr = Field(..., min_length=1, max_length=MAX_AGENT_TEXT)

    _text = field_validator("text")(multi_line)


class TypingSignal(StrictRequest):
    """Someone is typing (true) or stopped (false); never what they type."""

    typing: StrictBool


class TypingOut(BaseModel):
    relayed: bool  # false: not passed on (throttled, or nobody to tell)


class TransferRequest(StrictRequest):
    department: DepartmentKey


class TicketStatusUpdate(StrictRequest):
    status: TicketStatus


class DeliveryReceipts(StrictRequest):
    """The customer's chat has these messages (the socket.io channel reports its widget's)."""

    conversation_id: StrictStr = Field(..., pattern=CONVERSATION_ID_PATTERN)
    delivery_ids: list[DeliveryId] = Field(..., min_length=1, max_length=MAX_RECEIPT_KEYS)


# -- output -----------------------------------------------------------------------------------


class DepartmentNames(BaseModel):
    en: str
    vi: str


class TicketSummaryOut(BaseModel):
    """What a customer who proved the contact may learn about a ticket."""

    id: str
    status: str
    department: str
    created_at: datetime
    updated_at: datetime
    messages_count: int


class TicketCreatedOut(TicketSummaryOut):
    priority: str
    subject: str
    language: str
    conversation_id: str | None
    order_id: str | None
    department_names: DepartmentNames
    routing_reason: str | None
    within_business_hours: bool
    expected_reply_en: str
    expected_reply_vi: str


class CsatOut(BaseModel):
    ticket_id: str
    csat_score: int


class RoutingOut(BaseModel):
    department: DepartmentKey | None
    department_names: DepartmentNames | None
    reason: str


class DepartmentOut(BaseModel):
    key: DepartmentKey
    names: DepartmentNames
    handles: DepartmentNames
    first_response_minutes: int
    open_now: bool


class HandoffOut(BaseModel):
    state: HandoffStateName
    ticket_id: str
    department: str
    department_names: DepartmentNames
    routing_reason: str
    within_business_hours: bool
    expected_reply_en: str
    expected_reply_vi: str
    # The promised moment itself (UTC; null when the department never opens), for a client
    # that shows it in the customer's own time zone and language (the widget's header).
    expected_reply_at: datetime | None


class HandoffStatusOut(BaseModel):
    state: HandoffStateName
    ticket_id: str | None
    department: str | None
    agent_name: str | None


class HandoffMessageOut(BaseModel):
    state: HandoffStateName
    ticket_id: str
    duplicate: bool


class AgentOut(BaseModel):
    username: str
    display_name: str
    departments: list[str]
    is_admin: bool
    role: AgentRole  # agent, cco (the analytics) or admin


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    agent: AgentOut


class QueueEntryOut(BaseModel):
    conversation_id: str
    ticket_id: str
    state: HandoffStateName
    department: str
    language: str
    channel: str
    subject: str
    routing_reason: str | None
    # What tells two waiting chats apart: who (email or phone, when given) and the first
    # words the customer wrote in the conversation.
    contact: str | None = None
    contact_verified: bool = False
    first_words: str | None = None
    requested_at: datetime
    waiting_since: datetime | None
    waiting_seconds: int
    agent_username: str | None
    agent_name: str | None
    claimed_at: datetime | None
    # Only for a conversation awaiting a reply (with the assistant, its ticket open): the reply
    # the customer was promised (the moment, UTC, null when the department never opens; the
    # words they were told), and whether that moment has passed.
    expected_reply_at: datetime | None = None
    expected_reply_en: str | None = None
    expected_reply_vi: str | None = None
    overdue: bool = False


class DepartmentQueueOut(BaseModel):
    department: str
    name_en: str
    name_vi: str
    open_now: bool
    waiting: list[QueueEntryOut]
    with_agent: list[QueueEntryOut]
    # With the assistant, the ticket open: nobody could take the hand-off when it was asked
    # for (closed, nobody online, not claimed in time); an agent may take it over. Earliest
    # promised reply first.
    awaiting_reply: list[QueueEntryOut] = []


class DepartmentAvailabilityOut(BaseModel):
    department: str
    name_en: str
    name_vi: str
    open_now: bool
    agents_online: int
    # Why a hand-off or a transfer to it now would reach nobody ("closed", "nobody_online"),
    # so the customer would get a ticket and a promised reply instead; null: a person can.
    nobody: Literal["closed", "nobody_online"] | None


class DepartmentsAvailabilityOut(BaseModel):
    departments: list[DepartmentAvailabilityOut]


class QueueOut(BaseModel):
    departments: list[DepartmentQueueOut]
    # The shop's time zone (departments file, `timezone`): the console shows every time in it,
    # whatever the agent's browser is set to.
    time_zone: str


class DemoAccountOut(BaseModel):
    username: str
    display_name: str
    departments: list[str]
    is_admin: bool
    role: AgentRole


class DemoAccountsOut(BaseModel):
    """The seeded accounts' names, shown on the sign-in page of a demo (never a password)."""

    accounts: list[DemoAccountOut]


class DeliveryReceiptsOut(BaseModel):
    confirmed: int  # how many were not confirmed before


class DeliveryOut(BaseModel):
    """How far a message for the customer got (services/outbox.py)."""

    delivery_id: str
    state: DeliveryState
    attempts: int
    error: str | None


class AttachmentOut(BaseModel):
    """A customer's photo: GET /api/v1/attachments/{id} serves it."""

    id: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class MessageOut(BaseModel):
    id: int
    role: str
    text: str
    author: str | None
    at: datetime
    delivery: DeliveryOut | None = None  # agent replies and notices sent to the customer
    # A system line's kind and values (services/transition_listeners.py), for the console's
    # words in the agent's language; None for other lines and lines from before.
    event: str | None = None
    event_data: dict[str, Any] | None = None
    attachment: AttachmentOut | None = None  # the photo this customer line carried


class NoteOut(BaseModel):
    id: int
    agent_username: str
    agent_name: str
    text: str
    at: datetime


class TicketOut(BaseModel):
    """The agent's view of a ticket."""

    id: str
    status: str
    priority: str
    department: str
    subject: str
    language: str
    channel: str | None
    contact_email: str | None
    contact_phone: str | None
    contact_verified: bool = False  # proven by the customer, else only written by them
    conversation_id: str | None
    order_id: str | None
    routing_reason: str | None
    created_at: datetime
    updated_at: datetime
    first_agent_reply_at: datetime | None
    solved_at: datetime | None
    csat_score: int | None


class HandoffDetailOut(BaseModel):
    conversation_id: str
    state: HandoffStateName
    department: str
    channel: str
    language: str
    agent_username: str | None
    agent_name: str | None
    requested_at: datetime
    waiting_since: datetime | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    # With the assistant while its ticket is open: an agent may take the conversation over.
    can_take_over: bool = False


class ConversationOut(BaseModel):
    handoff: HandoffDetailOut
    ticket: TicketOut
    routing_reason: str | None
    # The decision as data (services/assignment.py): how ("caller", "routed", "default") and,
    # when routed, the evidence per department; None for tickets from before.
    routing: dict[str, Any] | None = None
    order_summary: dict[str, Any] | None
    transcript: list[MessageOut]
    notes: list[NoteOut]
    attachments: list[AttachmentOut] = []  # the ticket's photos, oldest first


class TicketListOut(BaseModel):
    tickets: list[TicketOut]


# -- the console's agent tools: saved replies, knowledge base, history, presence --------------


class CannedReplyIn(StrictRequest):
    department: DepartmentKey
    language: Language
    title: StrictStr = Field(..., min_length=1, max_length=80)
    text: StrictStr = Field(..., min_length=1, max_length=MAX_AGENT_TEXT)

    _title = field_validator("title")(single_line)
    _text = field_validator("text")(multi_line)


class CannedReplyOut(BaseModel):
    id: int
    department: str
    language: str
    title: str
    text: str
    updated_at: datetime


class CannedReplyListOut(BaseModel):
    replies: list[CannedReplyOut]


class KnowledgeAnswerOut(BaseModel):
    """An FAQ answer of the assistant's knowledge base, worded as the assistant words it."""

    topic: str
    title: str
    language: str
    text: str


class KnowledgeAnswerListOut(BaseModel):
    answers: list[KnowledgeAnswerOut]


class HistoryTicketOut(BaseModel):
    ticket: TicketOut
    handoff_state: HandoffStateName | None  # None: a ticket without a live chat


class HistoryOrderOut(BaseModel):
    order_id: str
    status: str
    placed_at: datetime
    total_vnd: int
    items: int
    # The order's events (the order system's and carriers', the customer's cancel), oldest first.
    history: list[OrderHistoryOut] = Field(default_factory=list)


class CustomerHistoryOut(BaseModel):
    tickets: list[HistoryTicketOut]
    other_departments: int  # the customer's tickets in departments the agent does not see
    contact: str | None = None  # the ticket's email or phone
    verified: bool  # the customer proved the contact: their orders are listed at once
    # The agent looked up the orders of a contact the customer only wrote (look_up_orders).
    orders_looked_up: bool = False
    orders: list[HistoryOrderOut]


class PresenceUpdate(StrictRequest):
    away: StrictBool | None = None  # unset: only "the console is open"


class PresenceOut(BaseModel):
    presence: Literal["online", "away", "offline"]
    heartbeat_seconds: int  # how often the console says it is open
    timeout_seconds: int  # silence after which the agent counts as offline


class AgentPresenceOut(BaseModel):
    username: str
    display_name: str
    departments: list[str]
    is_admin: bool
    presence: Literal["online", "away", "offline"]


class TeamPresenceOut(BaseModel):
    agents: list[AgentPresenceOut]

"""Client for the helpdesk (the reference back office or a retailer's own ticket system).

Tickets opened from the chat, their status, customer additions, and the live handoff: asking
for a person, forwarding the customer's messages while an agent owns the conversation, and the
satisfaction score. Synchronous on purpose: actions call it from worker threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from actions.clients.http import Answer, JsonApiClient, SchemaError

DEFAULT_URL = "http://127.0.0.1:8000"


class HelpdeskError(Exception):
    """Base class of this client's failures."""


class HelpdeskUnavailable(HelpdeskError):
    """Down, too slow or answering nonsense: the customer is told and given the contacts."""


class TicketNotFound(HelpdeskError):
    """No such ticket for this contact (the API does not say which)."""


class InvalidTicketRequest(HelpdeskError):
    """The helpdesk refused the input."""


class TicketLocked(HelpdeskError):
    """Too many failed look-ups of this ticket (or from this conversation or contact)."""

    def __init__(self, until: datetime | None) -> None:
        self.until = until
        super().__init__(f"locked until {until}")


class TopicNeeded(HelpdeskError):
    """The request for a person names no topic: the assistant asks what it is about."""


# Department key -> {"en": ..., "vi": ...}, as the helpdesk names it.
DepartmentNames = Mapping[str, str]


@dataclass(frozen=True)
class Ticket:
    id: str
    status: str
    department: str
    updated_at: datetime | None = None
    expected_reply_en: str = ""
    expected_reply_vi: str = ""
    department_names: DepartmentNames = field(default_factory=dict)


@dataclass(frozen=True)
class Handoff:
    state: str
    ticket_id: str
    department: str
    within_business_hours: bool
    expected_reply_en: str
    expected_reply_vi: str
    department_names: DepartmentNames = field(default_factory=dict)
    routing_reason: str = ""
    expected_reply_at: str = ""  # ISO 8601 with its offset, "" when no time can be promised


def _names(data: Any, key: str = "department_names") -> DepartmentNames:
    names = data.get(key) if isinstance(data, Mapping) else None
    if names is None:
        return {}
    if not isinstance(names, Mapping) or not all(
        isinstance(names.get(lang), str) for lang in ("en", "vi")
    ):
        raise SchemaError(f"{key} must name the department in en and vi")
    return {"en": names["en"], "vi": names["vi"]}


def _departments(data: Any) -> dict[str, DepartmentNames]:
    if not isinstance(data, list):
        raise SchemaError("departments must be a list")
    return {_text(item, "key"): _names(item, "names") for item in data}


def _text(data: Any, key: str, default: str | None = None) -> str:
    value = data.get(key, default) if isinstance(data, Mapping) else None
    if not isinstance(value, str):
        raise SchemaError(f"{key} is missing or not text")
    return value


def _ticket(data: Any) -> Ticket:
    updated = data.get("updated_at") if isinstance(data, Mapping) else None
    try:
        updated_at = datetime.fromisoformat(updated.replace("Z", "+00:00")) if updated else None
    except (AttributeError, ValueError):
        raise SchemaError("updated_at is not a date-time") from None
    return Ticket(
        _text(data, "id"),
        _text(data, "status"),
        _text(data, "department"),
        updated_at,
        _text(data, "expected_reply_en", ""),
        _text(data, "expected_reply_vi", ""),
        _names(data),
    )


def _handoff(data: Any) -> Handoff:
    return Handoff(
        state=_text(data, "state"),
        ticket_id=_text(data, "ticket_id"),
        department=_text(data, "department"),
        within_business_hours=bool(data.get("within_business_hours", True)),
        expected_reply_en=_text(data, "expected_reply_en", ""),
        expected_reply_vi=_text(data, "expected_reply_vi", ""),
        department_names=_names(data),
        routing_reason=str(data.get("routing_reason") or ""),
        expected_reply_at=_moment(data, "expected_reply_at"),
    )


def _moment(data: Any, key: str) -> str:
    """An optional date-time with its offset, as ISO 8601 ("" when absent or null)."""
    value = data.get(key) if isinstance(data, Mapping) else None
    if value is None or value == "":
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SchemaError(f"{key} is not a date-time") from None
    if moment.tzinfo is None:
        raise SchemaError(f"{key} has no time zone")
    return moment.isoformat()


def _client(client: str) -> dict[str, str]:
    """The conversation as a header value (printable ASCII; sender ids are)."""
    value = "".join(c for c in client if c.isascii() and c.isprintable())[:200]
    return {"X-Conversation-Client": value or "unknown"}


def _locked_until(body: Any) -> datetime | None:
    error = body.get("error") if isinstance(body, Mapping) else None
    details = error.get("details") if isinstance(error, Mapping) else None
    raw = details.get("locked_until") if isinstance(details, Mapping) else None
    try:
        until = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return until if until is not None and until.tzinfo is not None else None


class HelpdeskClient(JsonApiClient):
    service = "helpdesk"
    user_agent = "caredesk-helpdesk-client/0.1"
    url_variable = "HELPDESK_API_URL"
    timeout_variable = "HELPDESK_API_TIMEOUT"
    retries_variable = "HELPDESK_API_RETRIES"
    default_url = DEFAULT_URL
    unavailable = HelpdeskUnavailable
    invalid = InvalidTicketRequest

    def open_ticket(
        self,
        *,
        subject: str,
        description: str,
        contact: str,
        language: str,
        conversation_id: str | None = None,
        order_id: str | None = None,
        transcript: Sequence[Mapping[str, Any]] = (),
        intent: str | None = None,
    ) -> Ticket:
        """The helpdesk routes the description (the intent is a hint) and says where it went."""
        body: dict[str, Any] = {
            "subject": subject[:200],
            "description": description[:4000],
            "contact": contact,
            "language": language,
            "transcript": list(transcript),
        }
        if conversation_id:
            body["conversation_id"] = conversation_id
        if order_id:
            body["order_id"] = order_id
        if intent:
            body["intent"] = intent
        return self._expect(self._call("POST", "/tickets", json=body), (200, 201), _ticket)

    def ticket_status(self, ticket_id: str, contact: str, client: str) -> Ticket:
        """`client` names the conversation (channel:sender id): failed look-ups are counted
        per ticket, contact and client, and too many lock (`TicketLocked`)."""
        path = f"/tickets/{quote(ticket_id, safe='')}"
        answer = self._call("GET", path, contact=contact, retry=True, headers=_client(client))
        return self._expect(answer, (200,), _ticket)

    def add_to_ticket(self, ticket_id: str, contact: str, text: str, client: str) -> None:
        path = f"/tickets/{quote(ticket_id, safe='')}/messages"
        answer = self._call(
            "POST", path, contact=contact, json={"text": text[:4000]}, headers=_client(client)
        )
        self._expect(answer, (200, 201), lambda _: None)

    def request_handoff(
        self,
        *,
        conversation_id: str,
        request_text: str,
        language: str,
        channel: str,
        transcript: Sequence[Mapping[str, Any]],
        intent: str | None = None,
        require_topic: bool = False,
        contact: str | None = None,
        contact_verified: bool = False,
        order_summary: Mapping[str, Any] | None = None,
    ) -> Handoff:
        """Idempotent on the helpdesk: asking twice returns the active handoff.

        The helpdesk routes `request_text` (the intent is a hint); with `require_topic` a
        request that names no topic raises TopicNeeded and nothing is created.
        `contact_verified`: the customer proved `contact` (else they only wrote it)."""
        body: dict[str, Any] = {
            "conversation_id": conversation_id,
            "request_text": request_text[:4000],
            "require_topic": require_topic,
            "language": language,
            "channel": channel,
            "transcript": list(transcript),
        }
        if intent:
            body["intent"] = intent
        if contact:
            body["contact"] = contact
            body["contact_verified"] = contact_verified
        if order_summary:
            body["order_summary"] = dict(order_summary)
        answer = self._call("POST", "/handoffs", json=body, retry=True)
        if answer.status == 409 and self._error_code(answer) == "topic_needed":
            raise TopicNeeded("topic_needed")
        return self._expect(answer, (200, 201), _handoff)

    def departments(self) -> dict[str, DepartmentNames]:
        """Every department's names in both languages."""
        answer = self._call("GET", "/departments", retry=True)
        return self._expect(answer, (200,), _departments)  # type: ignore[no-any-return]

    def forward_message(
        self,
        conversation_id: str,
        message_id: str,
        text: str,
        sent_at: str,
        attachment_id: str | None = None,
    ) -> None:
        """Idempotent by message id, so it is safe to retry. `attachment_id`: the customer's
        photo the message carries (stored in the back office by the channel or the widget)."""
        path = f"/handoffs/{quote(conversation_id, safe='')}/messages"
        body: dict[str, Any] = {"message_id": message_id, "text": text[:4000], "sent_at": sent_at}
        if attachment_id:
            body["attachment_id"] = attachment_id
        self._expect(
            self._call("POST", path, json=body, retry=True), (200, 201, 202), lambda _: None
        )

    def record_csat(self, ticket_id: str, conversation_id: str, score: int) -> None:
        path = f"/tickets/{quote(ticket_id, safe='')}/csat"
        body = {"score": score, "conversation_id": conversation_id}
        self._expect(self._call("POST", path, json=body, retry=True), (200, 201), lambda _: None)

    def _expect(self, answer: Answer, ok: tuple[int, ...], parse: Any) -> Any:
        if answer.status in ok:
            return self._parse(parse, answer.body)
        code = self._error_code(answer)
        if answer.status == 404 and code in ("ticket_not_found", "not_found"):
            raise TicketNotFound(code)
        if answer.status == 429 and code == "verification_locked":
            raise TicketLocked(_locked_until(answer.body))
        if answer.status in (400, 409, 413, 422) and code:
            raise InvalidTicketRequest(code)
        raise self._unavailable(answer)

"""Writes Rasa's events into the analytics store and reads the facts the KPIs need.

Ingesting is idempotent: each event has a unique key (events.event_key), a batch inserts only
the keys not stored yet (and ignores a conflict with another process inserting the same one),
and the conversations of the customers with new events are rebuilt from all their stored
events, so a replay (the same events again, in any order) changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.analytics.conversations import Conversation, conversations_of
from backoffice.analytics.events import EventRow, normalise
from backoffice.analytics.kpis import Case, Row, attach_cases
from backoffice.analytics.models import AnalyticsConversation, AnalyticsCursor, AnalyticsEvent
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import Handoff, Ticket, TicketMessage

_CHUNK = 500  # keys or ids per IN (...) list


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: another back-office process may store the same
    event between our look-up and our insert."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(AnalyticsEvent).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(AnalyticsEvent).on_conflict_do_nothing()
    else:
        statement = insert(AnalyticsEvent)
    session.execute(statement, rows)


def _row(event: EventRow) -> dict[str, Any]:
    return {
        "key": event.key,
        "sender_id": event.sender_id,
        "at": event.at,
        "kind": event.kind,
        "name": event.name,
        "value": event.value,
        "text": event.text,
        "confidence": event.confidence,
        "channel": event.channel,
        "language": event.language,
    }


def store_events(session: Session, events: Iterable[dict[str, Any]]) -> set[str]:
    """Stores the events not stored yet (inside the caller's transaction); returns the
    customers (sender ids) that have new ones."""
    fresh: dict[str, EventRow] = {}
    for raw in events:
        event = normalise(raw)
        if event is not None:
            fresh.setdefault(event.key, event)
    if not fresh:
        return set()
    keys = list(fresh)
    for chunk in _chunks(keys):
        for (known,) in session.execute(
            select(AnalyticsEvent.key).where(AnalyticsEvent.key.in_(chunk))
        ):
            fresh.pop(known, None)
    if fresh:
        _insert_ignoring_duplicates(session, [_row(event) for event in fresh.values()])
    return {event.sender_id for event in fresh.values()}


def _conversation_row(conversation: Conversation) -> dict[str, Any]:
    return {
        "sender_id": conversation.sender_id,
        "started_at": conversation.started_at,
        "last_message_at": conversation.last_message_at,
        "next_started_at": conversation.next_started_at,
        "day": conversation.day,
        "channel": conversation.channel,
        "language": conversation.language,
        "messages": conversation.messages,
        "fallbacks": conversation.fallbacks,
        "last_turn_fallback": conversation.last_turn_fallback,
        "department": conversation.department,
        "ticket_id": conversation.ticket_id,
        "intents": list(conversation.intents),
        "fallback_texts": list(conversation.fallback_texts),
    }


def _event(row: AnalyticsEvent) -> EventRow:
    return EventRow(
        key=row.key,
        sender_id=row.sender_id,
        at=row.at,
        kind=row.kind,
        name=row.name,
        value=row.value,
        text=row.text,
        confidence=row.confidence,
        channel=row.channel,
        language=row.language,
    )


def rebuild_conversations(session: Session, senders: Iterable[str]) -> int:
    """These customers' conversations again from their stored events (inside the caller's
    transaction); returns how many there are now."""
    senders = sorted(set(senders))
    events: dict[str, list[EventRow]] = defaultdict(list)
    for chunk in _chunks(senders):
        for row in session.execute(
            select(AnalyticsEvent).where(AnalyticsEvent.sender_id.in_(chunk))
        ).scalars():
            events[row.sender_id].append(_event(row))
        session.execute(
            delete(AnalyticsConversation).where(AnalyticsConversation.sender_id.in_(chunk))
        )
    rows = [
        _conversation_row(conversation)
        for sender in senders
        for conversation in conversations_of(events[sender])
    ]
    if rows:
        session.execute(insert(AnalyticsConversation), rows)
    return len(rows)


def ingest(
    session: Session, events: Sequence[dict[str, Any]], *, cursor: tuple[str, int] | None = None
) -> int:
    """One batch in one transaction: the new events, their customers' conversations and (for
    a source read by position) the cursor, so a crash between two steps loses nothing and
    counts nothing twice. Returns the number of customers whose conversations changed."""
    with writing(session):
        senders = store_events(session, events)
        if senders:
            rebuild_conversations(session, senders)
        if cursor is not None:
            set_position(session, *cursor)
    return len(senders)


def position(session: Session, source: str) -> int:
    found = session.get(AnalyticsCursor, source)
    return int(found.position) if found is not None else 0


def set_position(session: Session, source: str, value: int) -> None:
    found = session.get(AnalyticsCursor, source)
    if found is None:
        session.add(AnalyticsCursor(source=source, position=value, updated_at=utcnow()))
    else:
        found.position = value
        found.updated_at = utcnow()


def _conversation(row: AnalyticsConversation) -> Conversation:
    return Conversation(
        sender_id=row.sender_id,
        started_at=row.started_at,
        last_message_at=row.last_message_at,
        day=row.day,
        channel=row.channel,
        language=row.language,
        messages=row.messages,
        fallbacks=row.fallbacks,
        last_turn_fallback=bool(row.last_turn_fallback),
        department=row.department,
        ticket_id=row.ticket_id,
        intents=tuple(row.intents or ()),
        fallback_texts=tuple(row.fallback_texts or ()),
        next_started_at=row.next_started_at,
        id=row.id,
    )


# A hand-off ended by nobody taking it at least this long after the request had waited: one
# refused at once (the team closed, nobody online) was never a wait the customer gave up on.
_WAITED = timedelta(seconds=1)


def load_cases(session: Session, senders: Sequence[str]) -> list[Case]:
    """The helpdesk's tickets of these conversations, each with its hand-off's times."""
    cases: list[Case] = []
    for chunk in _chunks(list(senders)):
        tickets = session.execute(select(Ticket).where(Ticket.conversation_id.in_(chunk))).scalars()
        by_id = {ticket.id: ticket for ticket in tickets}
        if not by_id:
            continue
        handoffs: dict[int, Handoff] = {}
        for handoff in session.execute(
            select(Handoff).where(Handoff.ticket_id.in_(list(by_id))).order_by(Handoff.id)
        ).scalars():
            handoffs.setdefault(handoff.ticket_id, handoff)
        no_agent: dict[int, datetime] = {}
        for ticket_id, at in session.execute(
            select(TicketMessage.ticket_id, func.max(TicketMessage.at))
            .where(TicketMessage.ticket_id.in_(list(by_id)), TicketMessage.event == "no_agent")
            .group_by(TicketMessage.ticket_id)
        ):
            no_agent[ticket_id] = at if at.tzinfo else at.replace(tzinfo=utcnow().tzinfo)
        for ticket_id, ticket in by_id.items():
            handoff = handoffs.get(ticket_id)
            requested = handoff.requested_at if handoff is not None else ticket.created_at
            given_up = no_agent.get(ticket_id)
            expired = (
                given_up
                if handoff is not None
                and handoff.claimed_at is None
                and given_up is not None
                and given_up - requested >= _WAITED
                else None
            )
            cases.append(
                Case(
                    conversation_id=ticket.conversation_id,
                    ticket_id=ticket.id,
                    department=handoff.department if handoff is not None else ticket.department,
                    requested_at=requested,
                    handed_off=handoff is not None,
                    first_agent_reply_at=ticket.first_agent_reply_at,
                    resolved_at=handoff.resolved_at if handoff is not None else None,
                    expired_at=expired,
                    solved_at=ticket.solved_at,
                    csat_score=ticket.csat_score,
                )
            )
    return cases


def load_rows(session: Session, first_day: date, last_day: date) -> list[Row]:
    """The conversations of these local days, each with its helpdesk cases."""
    conversations = [
        _conversation(row)
        for row in session.execute(
            select(AnalyticsConversation)
            .where(AnalyticsConversation.day >= first_day, AnalyticsConversation.day <= last_day)
            .order_by(AnalyticsConversation.started_at)
        ).scalars()
    ]
    senders = sorted({c.sender_id for c in conversations})
    return attach_cases(conversations, load_cases(session, senders))


def load_row(session: Session, conversation_id: int) -> Row | None:
    """One stored conversation with its helpdesk cases (as load_rows joins them), or None."""
    found = session.get(AnalyticsConversation, conversation_id)
    if found is None:
        return None
    conversation = _conversation(found)
    return attach_cases([conversation], load_cases(session, [conversation.sender_id]))[0]

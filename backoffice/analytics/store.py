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

from sqlalchemy import delete, func, insert, select, text
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


# pg_advisory_xact_lock's key for "storing a batch of events" (any constant of our own).
INGEST_LOCK = 0x6361726564657331


def _one_batch_at_a_time(session: Session) -> None:
    """Every back-office process (workers, replicas) runs an ingester. Two batches with events
    of one customer rebuilding that customer's conversations at once would both delete, then
    both insert; on PostgreSQL batches take turns instead (a lock held until the commit; a
    batch takes milliseconds). SQLite's write lock, taken on BEGIN, does the same already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INGEST_LOCK})


def ingest(
    session: Session,
    events: Sequence[dict[str, Any]],
    *,
    cursor: tuple[str, int] | None = None,
    read_from: int | None = None,
) -> int:
    """One batch in one transaction: the new events, their customers' conversations and (for
    a source read by position) the cursor, so a crash between two steps loses nothing and
    counts nothing twice. `read_from`: the cursor the batch was read after; when another
    process moved the cursor meanwhile, the batch is left to it (nothing stored, 0), so the
    cursor never goes back. Returns the number of customers whose conversations changed."""
    with writing(session):
        _one_batch_at_a_time(session)
        if cursor and read_from is not None and position(session, cursor[0]) != read_from:
            return 0
        senders = store_events(session, events)
        if senders:
            rebuild_conversations(session, senders)
        if cursor is not None:
            set_position(session, *cursor)
    return len(senders)


# The marker of a demo database (analytics/demo.py): a cursor row no event source can be named
# (theirs are `sql:…` and `queue:…`), written by the demo command, read by the summary.
DEMO_MARKER = "demo"


def is_demo(session: Session) -> bool:
    """The database holds the demo command's generated traffic, not a shop's real figures."""
    return session.get(AnalyticsCursor, DEMO_MARKER) is not None


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


# The stored conversation's columns, in Conversation's field order (read as plain rows: building
# ORM objects was most of a big summary's time).
_CONVERSATION_COLUMNS = (
    AnalyticsConversation.sender_id,
    AnalyticsConversation.started_at,
    AnalyticsConversation.last_message_at,
    AnalyticsConversation.day,
    AnalyticsConversation.channel,
    AnalyticsConversation.language,
    AnalyticsConversation.messages,
    AnalyticsConversation.fallbacks,
    AnalyticsConversation.last_turn_fallback,
    AnalyticsConversation.department,
    AnalyticsConversation.ticket_id,
    AnalyticsConversation.intents,
    AnalyticsConversation.fallback_texts,
    AnalyticsConversation.next_started_at,
    AnalyticsConversation.id,
)


def _conversation(row: Sequence[Any]) -> Conversation:
    (
        sender_id,
        started_at,
        last_message_at,
        day,
        channel,
        language,
        messages,
        fallbacks,
        last_turn_fallback,
        department,
        ticket_id,
        intents,
        fallback_texts,
        next_started_at,
        conversation_id,
    ) = row
    return Conversation(
        sender_id=sender_id,
        started_at=started_at,
        last_message_at=last_message_at,
        day=day,
        channel=channel,
        language=language,
        messages=messages,
        fallbacks=fallbacks,
        last_turn_fallback=bool(last_turn_fallback),
        department=department,
        ticket_id=ticket_id,
        intents=tuple(intents or ()),
        fallback_texts=tuple(fallback_texts or ()),
        next_started_at=next_started_at,
        id=conversation_id,
    )


# A hand-off ended by nobody taking it at least this long after the request had waited: one
# refused at once (the team closed, nobody online) was never a wait the customer gave up on.
_WAITED = timedelta(seconds=1)


def load_cases(session: Session, senders: Sequence[str]) -> list[Case]:
    """The helpdesk's tickets of these conversations, each with its hand-off's times (read as
    plain rows of the columns needed)."""
    cases: list[Case] = []
    read = session.connection().execute  # Core rows: no ORM loading for plain columns
    for chunk in _chunks(list(senders)):
        tickets = read(
            select(
                Ticket.id,
                Ticket.conversation_id,
                Ticket.department,
                Ticket.created_at,
                Ticket.first_agent_reply_at,
                Ticket.solved_at,
                Ticket.csat_score,
            ).where(Ticket.conversation_id.in_(chunk))
        ).all()
        if not tickets:
            continue
        ids = [ticket.id for ticket in tickets]
        handoffs: dict[int, Any] = {}
        for handoff in read(
            select(
                Handoff.ticket_id,
                Handoff.department,
                Handoff.requested_at,
                Handoff.claimed_at,
                Handoff.resolved_at,
            )
            .where(Handoff.ticket_id.in_(ids))
            .order_by(Handoff.id)
        ):
            handoffs.setdefault(handoff.ticket_id, handoff)
        no_agent: dict[int, datetime] = {}
        for ticket_id, at in read(
            select(TicketMessage.ticket_id, func.max(TicketMessage.at))
            .where(TicketMessage.ticket_id.in_(ids), TicketMessage.event == "no_agent")
            .group_by(TicketMessage.ticket_id)
        ):
            no_agent[ticket_id] = at if at.tzinfo else at.replace(tzinfo=utcnow().tzinfo)
        for ticket in tickets:
            handoff = handoffs.get(ticket.id)
            requested = handoff.requested_at if handoff is not None else ticket.created_at
            given_up = no_agent.get(ticket.id)
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
        for row in session.connection().execute(
            select(*_CONVERSATION_COLUMNS)
            .where(AnalyticsConversation.day >= first_day, AnalyticsConversation.day <= last_day)
            .order_by(AnalyticsConversation.started_at)
        )
    ]
    senders = sorted({c.sender_id for c in conversations})
    return attach_cases(conversations, load_cases(session, senders))


def load_row(session: Session, conversation_id: int) -> Row | None:
    """One stored conversation with its helpdesk cases (as load_rows joins them), or None."""
    found = (
        session.connection()
        .execute(select(*_CONVERSATION_COLUMNS).where(AnalyticsConversation.id == conversation_id))
        .first()
    )
    if found is None:
        return None
    conversation = _conversation(found)
    return attach_cases([conversation], load_cases(session, [conversation.sender_id]))[0]

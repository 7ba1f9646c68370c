"""What the drill-down shows of one conversation besides its record: the customer's and the
assistant's lines from the stored Rasa events, and its tickets with their helpdesk transcript
(read from the helpdesk's own tables, like the KPIs' cases)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.analytics.conversations import Conversation
from backoffice.analytics.events import BOT, USER
from backoffice.analytics.kpis import Row, iso_utc
from backoffice.analytics.models import AnalyticsEvent
from backoffice.helpdesk.models import Ticket

ROLES = {USER: "customer", BOT: "assistant"}


def _utc(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment is not None else None


def transcript(session: Session, conversation: Conversation) -> list[dict[str, Any]]:
    """The stored lines from the conversation's first message until the customer's next
    conversation starts, in order (a reply stamped the same instant comes after the message)."""
    query = select(AnalyticsEvent).where(
        AnalyticsEvent.sender_id == conversation.sender_id,
        AnalyticsEvent.kind.in_(list(ROLES)),
        AnalyticsEvent.at >= conversation.started_at,
    )
    if conversation.next_started_at is not None:
        query = query.where(AnalyticsEvent.at < conversation.next_started_at)
    events = session.execute(query.order_by(AnalyticsEvent.at, AnalyticsEvent.id)).scalars()
    ordered = sorted(events, key=lambda e: (e.at, e.kind != USER, e.id))
    return [
        {
            "at": _utc(event.at),
            "role": ROLES[event.kind],
            "text": event.text or "",
            "intent": event.name if event.kind == USER else None,
            "confidence": event.confidence if event.kind == USER else None,
        }
        for event in ordered
    ]


def tickets(session: Session, row: Row) -> list[dict[str, Any]]:
    """The conversation's tickets (its cases), oldest first, each with its helpdesk transcript."""
    ids = [case.ticket_id for case in row.cases]
    if not ids:
        return []
    found = session.execute(
        select(Ticket)
        .where(Ticket.id.in_(ids))
        .options(selectinload(Ticket.messages))
        .order_by(Ticket.created_at, Ticket.id)
    ).scalars()
    return [
        {
            "id": ticket.public_id,
            "department": ticket.department,
            "status": ticket.status,
            "created_at": _utc(ticket.created_at),
            "first_agent_reply_at": _utc(ticket.first_agent_reply_at),
            "solved_at": _utc(ticket.solved_at),
            "csat_score": ticket.csat_score,
            "messages": [
                {
                    "at": _utc(message.at),
                    "role": message.role,
                    "author": message.author,
                    "text": message.text,
                }
                for message in sorted(ticket.messages, key=lambda m: (m.at, m.id))
            ],
        }
        for ticket in found
    ]

"""One conversation's transcript and tickets (analytics/transcripts.py) from a real store, on
SQLite and PostgreSQL: both sides in order, cut where the customer's next conversation starts,
and only the tickets of that conversation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from backoffice.analytics import store, transcripts
from backoffice.analytics.models import AnalyticsConversation
from backoffice.core.db import make_session_factory
from backoffice.core.schema import upgrade
from backoffice.helpdesk.models import Ticket, TicketMessage
from caredesk_rules.ids import ticket_id_for
from tests.backoffice.core.test_schema import engine  # noqa: F401 - the fixture (SQLite, PostgreSQL)

START = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)  # 09:00 in Ho Chi Minh City
SENDER = "transcript-customer"


def user(at: datetime, text: str, intent: str) -> dict:
    return {
        "sender_id": SENDER,
        "event": "user",
        "timestamp": at.timestamp(),
        "text": text,
        "input_channel": "rest",
        "parse_data": {"intent": {"name": intent, "confidence": 0.87}, "language": "en"},
    }


def bot(at: datetime, text: str) -> dict:
    return {"sender_id": SENDER, "event": "bot", "timestamp": at.timestamp(), "text": text}


@pytest.fixture
def migrated(engine: Engine) -> Iterator[Engine]:  # noqa: F811
    upgrade(engine)
    yield engine


def add_ticket(engine: Engine, created: datetime, text: str) -> int:  # noqa: F811
    with make_session_factory(engine)() as session, session.begin():
        ticket = Ticket(
            department="billing",
            status="open",
            conversation_id=SENDER,
            language="en",
            channel="rest",
            subject=text,
            created_at=created,
            updated_at=created,
        )
        ticket.messages = [
            TicketMessage(role="customer", text=text, at=created),
            TicketMessage(
                role="agent", text="On it.", author="Billing", at=created + timedelta(minutes=2)
            ),
        ]
        session.add(ticket)
        session.flush()
        return int(ticket.id)


def test_both_sides_in_order_until_the_next_conversation(migrated: Engine) -> None:
    later = START + timedelta(hours=3)  # a new conversation: over 60 minutes of silence
    events = [
        bot(START, "Hi! How can I help?"),  # stamped with the message: after it
        user(START, "I was charged twice", "payment_issue"),
        bot(START + timedelta(seconds=1), "Let me get billing."),
        user(START + timedelta(minutes=1), "thanks", "thank_you"),
        bot(START + timedelta(minutes=50), "Anything else?"),  # the assistant's, still this one
        user(later, "me again", "greet"),
        bot(later + timedelta(seconds=1), "Welcome back."),
    ]
    factory = make_session_factory(migrated)
    with factory() as session:
        store.ingest(session, list(reversed(events)))
    first_ticket = add_ticket(migrated, START + timedelta(seconds=2), "charged twice")
    add_ticket(migrated, later + timedelta(seconds=5), "the next one's")

    with factory() as session:
        ids = session.execute(
            select(AnalyticsConversation.id).order_by(AnalyticsConversation.started_at)
        ).scalars()
        first_id, second_id = list(ids)
        row = store.load_row(session, first_id)
        assert row is not None and row.conversation.messages == 2
        lines = transcripts.transcript(session, row.conversation)
        tickets = transcripts.tickets(session, row)
        assert store.load_row(session, second_id + 1000) is None
        next_row = store.load_row(session, second_id)
        assert next_row is not None
        next_lines = transcripts.transcript(session, next_row.conversation)

    assert [(line["role"], line["text"]) for line in lines] == [
        ("customer", "I was charged twice"),
        ("assistant", "Hi! How can I help?"),
        ("assistant", "Let me get billing."),
        ("customer", "thanks"),
        ("assistant", "Anything else?"),
    ]
    assert lines[0]["at"] == START.isoformat()
    assert (lines[0]["intent"], lines[0]["confidence"]) == ("payment_issue", 0.87)
    assert (lines[1]["intent"], lines[1]["confidence"]) == (None, None)
    assert [line["text"] for line in next_lines] == ["me again", "Welcome back."]

    (ticket,) = tickets
    assert ticket["id"] == ticket_id_for(first_ticket)
    assert (ticket["department"], ticket["status"], ticket["csat_score"]) == (
        "billing",
        "open",
        None,
    )
    assert [(m["role"], m["author"], m["text"]) for m in ticket["messages"]] == [
        ("customer", None, "charged twice"),
        ("agent", "Billing", "On it."),
    ]

"""The helpdesk's queries on a temporary SQLite database: which ticket an id names, which
hand-off is a conversation's, and which outbox events a delivery worker may take, the order of
each conversation kept (services/outbox.py builds on exactly these answers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from backoffice.core.db import make_engine, make_session_factory
from backoffice.helpdesk.models import Handoff, OutboxEvent, Ticket, TicketMessage
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.models import Base

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def ticket(session: Session, department: str = "billing", **extra: Any) -> Ticket:
    row = Ticket(
        department=department,
        language="en",
        subject="x",
        created_at=NOW,
        updated_at=NOW,
        **extra,
    )
    session.add(row)
    session.flush()
    return row


def handoff(session: Session, conversation_id: str, state: str, **extra: Any) -> Handoff:
    active = state in ("waiting", "with_agent")
    row = Handoff(
        conversation_id=conversation_id,
        active_key=conversation_id if active else None,
        ticket=extra.pop("ticket", None) or ticket(session),
        department=extra.pop("department", "billing"),
        state=state,
        channel="rest",
        language="en",
        requested_at=NOW,
        updated_at=NOW,
        **extra,
    )
    session.add(row)
    session.flush()
    return row


def event(session: Session, conversation_id: str, seq: int, **extra: Any) -> OutboxEvent:
    row = OutboxEvent(
        conversation_id=conversation_id,
        seq=seq,
        intent="EXTERNAL_agent_message",
        entities={},
        created_at=NOW,
        next_attempt_at=extra.pop("next_attempt_at", NOW),
        **extra,
    )
    session.add(row)
    session.flush()
    return row


@pytest.mark.parametrize("spelling", ["TCK-000007", "TCK-7", "TCK-0007"])
def test_a_ticket_id_names_its_ticket_however_padded(session: Session, spelling: str) -> None:
    rows = [ticket(session) for _ in range(7)]
    assert HelpdeskRepository(session).ticket(spelling) is rows[6]


@pytest.mark.parametrize("spelling", ["TCK-8", "TCK-0", "7", "ORD-7", "TCK-x", ""])
def test_anything_else_names_no_ticket(session: Session, spelling: str) -> None:
    for _ in range(7):
        ticket(session)
    assert HelpdeskRepository(session).ticket(spelling) is None


def test_a_tickets_messages_in_the_order_they_were_added(session: Session) -> None:
    row, other = ticket(session), ticket(session)
    for text, at, external_id in (("first", NOW, "m-1"), ("second", NOW - MINUTE, None)):
        session.add(TicketMessage(ticket_id=row.id, role="customer", text=text, at=at,
                                  external_id=external_id))  # fmt: skip
    session.add(TicketMessage(ticket_id=other.id, role="customer", text="elsewhere", at=NOW))
    session.flush()
    repo = HelpdeskRepository(session)
    assert [m.text for m in repo.messages(row.id)] == ["first", "second"]
    assert repo.message_count(row.id) == 2
    assert repo.last_message_at(row.id) == NOW  # the latest time, not the latest row
    assert repo.message_by_external_id(row.id, "m-1") is not None
    assert repo.message_by_external_id(other.id, "m-1") is None
    assert repo.last_message_at(ticket(session).id) is None


def test_a_conversations_active_and_latest_hand_off(session: Session) -> None:
    old = handoff(session, "c-1", "bot")
    repo = HelpdeskRepository(session)
    assert repo.active_handoff("c-1") is None
    assert repo.latest_handoff("c-1") is old
    live = handoff(session, "c-1", "waiting", ticket=old.ticket)
    assert repo.active_handoff("c-1") is live
    assert repo.latest_handoff("c-1") is live
    assert repo.latest_handoff_of_ticket(old.ticket_id) is live
    assert repo.active_handoff("c-2") is None and repo.latest_handoff("c-2") is None


def test_the_queue_is_the_active_hand_offs_longest_waiting_first(session: Session) -> None:
    late = handoff(session, "c-late", "waiting", waiting_since=NOW)
    early = handoff(session, "c-early", "waiting", waiting_since=NOW - MINUTE)
    claimed = handoff(session, "c-claimed", "with_agent", department="logistics",
                      waiting_since=NOW - 2 * MINUTE)  # fmt: skip
    handoff(session, "c-done", "resolved")
    repo = HelpdeskRepository(session)
    assert list(repo.active_handoffs(None)) == [claimed, early, late]
    assert list(repo.active_handoffs(["billing"])) == [early, late]
    assert sorted(repo.waiting_handoff_ids()) == sorted(
        [(late.id, "billing", NOW), (early.id, "billing", NOW - MINUTE)]
    )


def test_only_the_head_of_each_conversation_is_pending(session: Session) -> None:
    first = event(session, "c-1", 1, next_attempt_at=NOW - MINUTE)
    event(session, "c-1", 2, next_attempt_at=NOW - 2 * MINUTE)  # due, but behind seq 1
    other = event(session, "c-2", 1, next_attempt_at=NOW - 2 * MINUTE)
    later = event(session, "c-3", 1, next_attempt_at=NOW + MINUTE)
    repo = HelpdeskRepository(session)
    assert list(repo.pending_heads(NOW, 10)) == [other, first]  # the longest due first
    assert list(repo.pending_heads(NOW, 1)) == [other]
    assert later not in repo.pending_heads(NOW, 10)


@pytest.mark.parametrize("done", ["delivered_at", "accepted_at", "failed_at"])
def test_an_event_no_longer_pending_lets_the_next_one_through(session: Session, done: str) -> None:
    event(session, "c-1", 1, **{done: NOW})
    second = event(session, "c-1", 2)
    assert list(HelpdeskRepository(session).pending_heads(NOW, 10)) == [second]


def test_a_leased_head_holds_its_conversation_until_the_lease_ends(session: Session) -> None:
    head = event(session, "c-1", 1)
    event(session, "c-1", 2)
    repo = HelpdeskRepository(session)
    assert repo.lease(head.id, NOW, NOW + MINUTE, relayed=False) is True
    assert repo.lease(head.id, NOW, NOW + MINUTE, relayed=False) is False  # another holds it
    session.expire_all()
    assert list(repo.pending_heads(NOW, 10)) == []
    assert [e.id for e in repo.pending_heads(NOW + 2 * MINUTE, 10)] == [head.id]
    assert repo.lease(head.id, NOW + 2 * MINUTE, NOW + 3 * MINUTE, relayed=False) is True


@pytest.mark.parametrize("relayed", [False, True])
def test_delivered_or_failed_events_cannot_be_leased(session: Session, relayed: bool) -> None:
    delivered = event(session, "c-1", 1, delivered_at=NOW, accepted_at=NOW)
    failed = event(session, "c-2", 1, failed_at=NOW)
    repo = HelpdeskRepository(session)
    assert repo.lease(delivered.id, NOW, NOW + MINUTE, relayed=relayed) is False
    assert repo.lease(failed.id, NOW, NOW + MINUTE, relayed=relayed) is False


def test_a_lease_refuses_an_attempt_another_worker_already_made(session: Session) -> None:
    """A worker's list of due events may be read before another worker's attempt ended: the
    lease re-checks, so the event is not posted (or its receipt counted) twice."""
    relayed = event(session, "c-1", 1, accepted_at=NOW, next_attempt_at=NOW + MINUTE)
    backing_off = event(session, "c-2", 1, next_attempt_at=NOW + MINUTE)
    repo = HelpdeskRepository(session)
    assert repo.lease(relayed.id, NOW, NOW + MINUTE, relayed=False) is False  # posted already
    assert repo.lease(relayed.id, NOW, NOW + MINUTE, relayed=True) is False  # receipt not due
    assert repo.lease(backing_off.id, NOW, NOW + MINUTE, relayed=False) is False  # backoff
    later = NOW + 2 * MINUTE
    assert repo.lease(relayed.id, later, later + MINUTE, relayed=True) is True
    assert repo.lease(backing_off.id, later, later + MINUTE, relayed=False) is True


def test_receipts_due_are_relayed_events_not_yet_confirmed(session: Session) -> None:
    due = event(session, "c-1", 1, accepted_at=NOW - MINUTE)
    event(session, "c-2", 1, accepted_at=NOW - MINUTE, delivered_at=NOW)  # confirmed
    event(session, "c-3", 1)  # not relayed yet: pending, not a receipt
    event(session, "c-4", 1, accepted_at=NOW, next_attempt_at=NOW + MINUTE)  # not due yet
    assert list(HelpdeskRepository(session).receipts_due(NOW, 10)) == [due]


def test_next_seq_counts_per_conversation(session: Session) -> None:
    repo = HelpdeskRepository(session)
    assert repo.next_seq("c-1") == 1
    event(session, "c-1", 1)
    event(session, "c-1", 2)
    event(session, "c-2", 1)
    assert (repo.next_seq("c-1"), repo.next_seq("c-2")) == (3, 2)

"""The outbox delivery worker in-process, against a local recorder standing in for Rasa."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from backoffice.core.db import make_engine, make_session_factory
from backoffice.core.rasa import RasaClient
from backoffice.helpdesk.models import OutboxEvent
from backoffice.helpdesk.repositories import HelpdeskRepository
from backoffice.helpdesk.services.outbox import (
    DeliveryNotFailedError,
    DeliveryWorker,
    backoff,
    confirm_receipts,
    delivery_state,
    enqueue,
    retry_failed,
)
from backoffice.models import Base
from tests.support.helpdesk import RasaRecorder, rasa_recorder

T0 = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
POLL = 0.5
MAX_ATTEMPTS = 4


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaRecorder]:
    with rasa_recorder() as recorder:
        yield recorder


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker]:
    engine: Engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def add(factory: sessionmaker, conversation: str, *texts: str) -> None:
    with factory() as session:
        for text in texts:
            enqueue(
                session,
                conversation,
                "EXTERNAL_agent_message",
                {"agent_text": text, "agent_name": "An"},
                T0,
            )
        session.commit()


def worker(factory: sessionmaker, rasa: RasaRecorder, clock: list[datetime]) -> DeliveryWorker:
    client = RasaClient(rasa.base_url, "tok", timeout=(2, 2))
    return DeliveryWorker(
        factory, client, poll_seconds=POLL, max_attempts=MAX_ATTEMPTS, clock=lambda: clock[0]
    )


def texts(rasa: RasaRecorder, conversation: str) -> list[str]:
    return [entities["agent_text"] for _, entities in rasa.delivered(conversation)]


def test_enqueue_checks_the_event_shape(factory: sessionmaker) -> None:
    with factory() as session, pytest.raises(ValueError):
        enqueue(session, "c", "EXTERNAL_agent_message", {"agent_text": "x"}, T0)
    with factory() as session, pytest.raises(ValueError):
        enqueue(session, "c", "EXTERNAL_whatever", {}, T0)


def test_in_order_and_a_failure_blocks_only_its_conversation(
    factory: sessionmaker, rasa: RasaRecorder
) -> None:
    clock = [T0]
    add(factory, "ob-a", "a1", "a2", "a3")
    add(factory, "ob-b", "b1", "b2")
    rasa.fail("ob-a", 500)
    delivery = worker(factory, rasa, clock)
    assert delivery.deliver_due() == 2  # all of b; a's head failed and waits for its backoff
    assert texts(rasa, "ob-a") == []
    assert texts(rasa, "ob-b") == ["b1", "b2"]
    with factory() as session:
        head = session.execute(
            select(OutboxEvent).where(OutboxEvent.conversation_id == "ob-a", OutboxEvent.seq == 1)
        ).scalar_one()
        assert (head.attempts, head.last_error) == (1, "HTTP 500")
        assert head.next_attempt_at == T0 + timedelta(seconds=backoff(1, POLL))
    assert delivery.deliver_due() == 0  # not due yet: nothing is tried, nothing overtakes
    assert len(rasa.calls_for("ob-a")) == 1
    clock[0] = T0 + timedelta(seconds=backoff(1, POLL))
    assert delivery.deliver_due() == 3
    assert texts(rasa, "ob-a") == ["a1", "a2", "a3"]
    assert [c.status for c in rasa.calls_for("ob-a")] == [500, 200, 200, 200]
    assert {(c.token, c.output_channel) for c in rasa.calls_for("ob-a")} == {("tok", "latest")}


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n, 0.5) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert backoff(30, 0.5) == 60.0


def test_an_unreachable_rasa_is_retried(factory: sessionmaker, rasa: RasaRecorder) -> None:
    clock = [T0]
    add(factory, "ob-c", "c1")
    closed = RasaClient("http://127.0.0.1:9", "tok", timeout=(1, 1))  # nothing listens there
    assert (
        DeliveryWorker(
            factory, closed, poll_seconds=POLL, max_attempts=MAX_ATTEMPTS, clock=lambda: clock[0]
        ).deliver_due()
        == 0
    )
    with factory() as session:
        event = session.execute(select(OutboxEvent)).scalar_one()
        assert event.delivered_at is None and event.attempts == 1
        assert event.last_error == "ConnectionError"
    clock[0] += timedelta(seconds=1)
    assert worker(factory, rasa, clock).deliver_due() == 1
    assert texts(rasa, "ob-c") == ["c1"]


def test_a_leased_event_is_left_to_its_worker(factory: sessionmaker, rasa: RasaRecorder) -> None:
    clock = [T0]
    add(factory, "ob-d", "d1", "d2")
    with factory() as session:
        repo = HelpdeskRepository(session)
        head = repo.pending_heads(T0, 10)[0]
        assert repo.lease(head.id, T0, T0 + timedelta(seconds=30), relayed=False)
        # one holder at a time
        assert not repo.lease(head.id, T0, T0 + timedelta(seconds=30), relayed=False)
        session.commit()
    assert worker(factory, rasa, clock).deliver_due() == 0  # d2 never overtakes d1
    assert texts(rasa, "ob-d") == []
    clock[0] = T0 + timedelta(seconds=31)  # the holder died: its lease runs out
    assert worker(factory, rasa, clock).deliver_due() == 2
    assert texts(rasa, "ob-d") == ["d1", "d2"]


def test_the_thread_delivers_when_woken_and_stops(
    factory: sessionmaker, rasa: RasaRecorder
) -> None:
    client = RasaClient(rasa.base_url, "tok")
    # Polls only every 30 s: only a wake-up can deliver within the test.
    delivery = DeliveryWorker(factory, client, poll_seconds=30, max_attempts=MAX_ATTEMPTS)
    delivery.start()
    try:
        time.sleep(0.1)
        add(factory, "ob-e", "e1", "e2")
        delivery.wake()
        rasa.wait_delivered("ob-e", 2, timeout=5)
        assert texts(rasa, "ob-e") == ["e1", "e2"]
    finally:
        started = time.monotonic()
        delivery.stop()
        assert time.monotonic() - started < 5
    assert not delivery.running


def events_of(factory: sessionmaker, conversation: str) -> list[OutboxEvent]:
    with factory() as session:
        return list(
            session.execute(
                select(OutboxEvent)
                .where(OutboxEvent.conversation_id == conversation)
                .order_by(OutboxEvent.seq)
            ).scalars()
        )


def run_until_settled(delivery: DeliveryWorker, clock: list[datetime], rounds: int) -> None:
    """`rounds` worker rounds, each after the longest backoff: every attempt comes due."""
    for _ in range(rounds):
        clock[0] += timedelta(seconds=61)
        delivery.deliver_due()
        delivery.check_receipts()


def test_a_200_that_relayed_nothing_is_not_delivered(
    factory: sessionmaker, rasa: RasaRecorder
) -> None:
    """Rasa answers 200 while its action server is down: the answer's tracker has no bot
    message with the event's key, so the event is posted again, with the same key."""
    clock = [T0]
    add(factory, "ob-f", "f1", "f2")
    rasa.unrelayed.add("ob-f")
    delivery = worker(factory, rasa, clock)
    assert delivery.deliver_due() == 0
    [first, second] = events_of(factory, "ob-f")
    assert delivery_state(first) == "pending" and first.attempts == 1
    assert "did not relay" in (first.last_error or "")
    assert delivery_state(second) == "pending" and second.attempts == 0  # waits its turn
    rasa.unrelayed.discard("ob-f")
    clock[0] += timedelta(seconds=backoff(1, POLL))
    assert delivery.deliver_due() == 2
    assert [delivery_state(e) for e in events_of(factory, "ob-f")] == ["delivered"] * 2
    keys = [c.delivery_id for c in rasa.calls_for("ob-f")]
    assert keys[0] == keys[1] == first.delivery_key  # the idempotency key of both posts
    assert keys[2] == second.delivery_key != keys[0]
    assert texts(rasa, "ob-f") == ["f1", "f1", "f2"]


def test_a_client_that_confirms_receipt_is_waited_for(
    factory: sessionmaker, rasa: RasaRecorder
) -> None:
    """The widget confirms what it shows: relayed is not delivered until its receipt comes;
    later events are still posted meanwhile (in order)."""
    clock = [T0]
    add(factory, "ob-g", "g1", "g2")
    rasa.confirming.add("ob-g")
    delivery = worker(factory, rasa, clock)
    assert delivery.deliver_due() == 2
    first, second = events_of(factory, "ob-g")
    assert [delivery_state(first), delivery_state(second)] == ["accepted", "accepted"]
    with factory() as session:
        confirmed = confirm_receipts(session, "ob-g", [first.delivery_key], T0)
        assert [e.id for e in confirmed] == [first.id]
        assert confirm_receipts(session, "other", [second.delivery_key], T0) == []  # not theirs
        session.commit()
    with factory() as session:
        assert confirm_receipts(session, "ob-g", [first.delivery_key], T0) == []  # once
    run_until_settled(delivery, clock, MAX_ATTEMPTS)
    first, second = events_of(factory, "ob-g")
    assert delivery_state(first) == "delivered" and first.attempts == 0
    assert delivery_state(second) == "failed" and second.attempts == MAX_ATTEMPTS
    assert second.last_error == "the customer's chat has not confirmed receipt"
    assert texts(rasa, "ob-g") == ["g1", "g2"]  # waiting for a receipt never posts again
    with factory() as session:  # the customer came back: a late receipt still counts
        assert len(confirm_receipts(session, "ob-g", [second.delivery_key], clock[0])) == 1
        session.commit()
    assert delivery_state(events_of(factory, "ob-g")[1]) == "delivered"


def test_a_permanent_failure_is_dead_lettered_and_can_be_retried(
    factory: sessionmaker, rasa: RasaRecorder
) -> None:
    clock = [T0]
    add(factory, "ob-h", "h1", "h2")
    rasa.fail("ob-h", *[503] * MAX_ATTEMPTS)
    delivery = worker(factory, rasa, clock)
    delivery.deliver_due()
    run_until_settled(delivery, clock, MAX_ATTEMPTS)
    first, second = events_of(factory, "ob-h")
    assert delivery_state(first) == "failed" and first.attempts == MAX_ATTEMPTS
    assert first.last_error == "HTTP 503"
    # Dead-lettered, it no longer holds the conversation's later events back.
    assert delivery_state(second) == "delivered"
    assert [c.status for c in rasa.calls_for("ob-h")] == [503] * MAX_ATTEMPTS + [200]
    with factory() as session:
        event = session.get(OutboxEvent, second.id)
        with pytest.raises(DeliveryNotFailedError):
            retry_failed(event, clock[0])
        event = session.get(OutboxEvent, first.id)
        retry_failed(event, clock[0])
        session.commit()
    assert delivery.deliver_due() == 1
    assert texts(rasa, "ob-h") == ["h2", "h1"]
    assert delivery_state(events_of(factory, "ob-h")[0]) == "delivered"

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
from backoffice.models import Base
from backoffice.models.helpdesk import OutboxEvent
from backoffice.repositories.helpdesk import HelpdeskRepository
from backoffice.services.outbox import DeliveryWorker, RasaClient, backoff, enqueue
from tests.support.helpdesk import RasaRecorder, rasa_recorder

T0 = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)
POLL = 0.5


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
    return DeliveryWorker(factory, client, poll_seconds=POLL, clock=lambda: clock[0])


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
        DeliveryWorker(factory, closed, poll_seconds=POLL, clock=lambda: clock[0]).deliver_due()
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
        assert repo.lease(head.id, T0, T0 + timedelta(seconds=30))
        assert not repo.lease(head.id, T0, T0 + timedelta(seconds=30))  # one holder at a time
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
    delivery = DeliveryWorker(factory, client, poll_seconds=30)  # only a wake-up can help
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

"""Ingesting Rasa's events is idempotent and incremental: from the table Rasa's SQL event broker
writes (its real code, in the Rasa venv) and from a queue on the machine's real RabbitMQ."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from backoffice.analytics import store
from backoffice.analytics.ingest import AnalyticsIngester, catch_up
from backoffice.analytics.models import AnalyticsConversation, AnalyticsEvent
from backoffice.analytics.sources import SqlBrokerSource
from backoffice.core.db import make_session_factory
from backoffice.core.schema import upgrade
from tests.backoffice.analytics.rasa_events import Chat, Turn, publish
from tests.backoffice.core.test_schema import engine  # noqa: F401 - the fixture (SQLite, PostgreSQL)
from tests.support.services import require_service

NOW = time.time()


def chats(prefix: str) -> list[Chat]:
    contained = Chat(
        f"{prefix}-contained",
        "rest",
        [
            Turn(NOW - 600, "how much is shipping to Da Nang", "delivery_options"),
            Turn(NOW - 590, "thanks", "thank_you"),
        ],
    )
    escalated = Chat(
        f"{prefix}-escalated",
        "socketio",
        [
            Turn(NOW - 500, "blorp zorp", "nlu_fallback", "vi", fallback=True),
            Turn(
                NOW - 480,
                "tôi bị trừ tiền hai lần, cho gặp nhân viên",
                "payment_issue",
                "vi",
                slots={"department": "billing", "language": "vi"},
            ),
        ],
    )
    return [contained, escalated]


def snapshot(engine: Engine) -> tuple[list[tuple], list[tuple]]:  # noqa: F811
    with engine.connect() as connection:
        events = connection.execute(
            select(AnalyticsEvent.key, AnalyticsEvent.kind).order_by(AnalyticsEvent.key)
        ).all()
        conversations = connection.execute(
            select(
                AnalyticsConversation.sender_id,
                AnalyticsConversation.started_at,
                AnalyticsConversation.messages,
                AnalyticsConversation.fallbacks,
                AnalyticsConversation.department,
                AnalyticsConversation.language,
                AnalyticsConversation.channel,
            ).order_by(AnalyticsConversation.sender_id)
        ).all()
    return [tuple(e) for e in events], [tuple(c) for c in conversations]


@pytest.fixture
def migrated(engine: Engine) -> Iterator[Engine]:  # noqa: F811
    upgrade(engine)
    yield engine


def test_the_sql_broker_s_table_is_read_once_and_a_replay_changes_nothing(
    migrated: Engine, tmp_path: Path
) -> None:
    events_db = tmp_path / "rasa_events.db"
    source = SqlBrokerSource(f"sqlite:///{events_db}")
    factory = make_session_factory(migrated)
    assert catch_up(source, factory) == 0  # Rasa has written nothing yet: no file, no error
    assert not events_db.exists()

    publish(events_db, chats("sql"))
    read = catch_up(source, factory, batch=7)  # several batches
    events, conversations = snapshot(migrated)
    assert read == 2 * 3 + 4 + 5  # every event Rasa published, bot and listen included
    # The ones the KPIs read (messages, fallback, slots) and the assistant's words (transcripts).
    assert len(events) == 4 + 1 + 2 + 4
    assert [kind for _, kind in events].count("bot") == 4
    assert conversations == [  # the assistant's replies are not customer messages
        ("sql-contained", conversations[0][1], 2, 0, None, "en", "rest"),
        ("sql-escalated", conversations[1][1], 2, 1, "billing", "vi", "socketio"),
    ]
    assert catch_up(source, factory) == 0  # the cursor: nothing new

    with factory() as session:  # a replay from the start: same rows, nothing counted twice
        store.ingest(session, [], cursor=(source.name, 0))
    assert catch_up(source, factory) == read
    assert snapshot(migrated) == (events, conversations)

    # A later turn: only that customer's conversation changes.
    later = chats("sql")[0]
    later.turns = [Turn(NOW - 60, "and to Hue?", "delivery_options")]
    publish(events_db, [later])
    assert catch_up(source, factory) == 3
    after = snapshot(migrated)[1]
    assert after[0][2] == 3 and after[1] == conversations[1]
    source.close()


def test_the_same_events_twice_in_one_batch_or_two_are_stored_once(migrated: Engine) -> None:
    factory = make_session_factory(migrated)
    raw = [
        {
            "sender_id": "twice",
            "event": "user",
            "timestamp": NOW - 100,
            "text": "hello",
            "input_channel": "rest",
            "parse_data": {"intent": {"name": "greet", "confidence": 0.99}, "language": "en"},
        },
        {"sender_id": "twice", "event": "bot", "timestamp": NOW - 99, "text": "hi"},
        {"sender_id": "twice", "event": "action", "timestamp": NOW - 99, "name": "utter_greet"},
        {"not": "a rasa event"},
    ]
    with factory() as session:
        assert store.ingest(session, raw + raw) == 1
    first = snapshot(migrated)
    with factory() as session:
        assert store.ingest(session, list(reversed(raw))) == 0
    assert snapshot(migrated) == first
    assert sorted(kind for _, kind in first[0]) == ["action", "bot", "user"]
    assert len(first[1]) == 1 and first[1][0][2] == 1  # one message: the bot's is not one


@pytest.mark.rabbitmq
def test_events_from_rabbitmq_are_stored_and_a_redelivery_changes_nothing(
    migrated: Engine,
) -> None:
    """As Rasa's pika broker publishes them: JSON bodies on a durable queue."""
    host, port = require_service("rabbitmq")
    import pika

    queue = f"caredesk_analytics_{uuid.uuid4().hex[:8]}"
    url = f"amqp://guest:guest@{host}:{port}/%2F"
    events = [
        {
            "sender_id": f"mq-{n}",
            "event": "user",
            "timestamp": NOW - 50 + n,
            "text": "where is my order",
            "input_channel": "telegram",
            "parse_data": {"intent": {"name": "track_order", "confidence": 0.9}, "language": "en"},
        }
        for n in range(3)
    ]
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True)

    def send(batch: list[dict]) -> None:
        for event in batch:
            channel.basic_publish("", queue, json.dumps(event).encode())

    ingester = AnalyticsIngester(make_session_factory(migrated), url, queue, poll_seconds=0.2)
    try:
        send(events)
        ingester.start()
        deadline = time.monotonic() + 20
        while len(snapshot(migrated)[1]) < 3:
            assert time.monotonic() < deadline, "the queue's events never arrived"
            time.sleep(0.2)
        first = snapshot(migrated)
        send(events)  # a redelivery
        deadline = time.monotonic() + 20
        while channel.queue_declare(queue=queue, durable=True, passive=True).method.message_count:
            assert time.monotonic() < deadline, "the redelivered events were not consumed"
            time.sleep(0.2)
        time.sleep(0.5)  # the batch stored and acknowledged
        assert snapshot(migrated) == first
        assert {row[6] for row in first[1]} == {"telegram"}
    finally:
        ingester.stop()
        channel.queue_delete(queue=queue)
        connection.close()
    assert not threading.active_count() > 50  # no runaway threads left behind


def test_ingesters_of_several_processes_at_once_store_everything_once(migrated: Engine) -> None:
    """Every back-office process reads events (workers, replicas): batches holding events of
    the same customers, stored at the same moment, still give one conversation each."""
    factory = make_session_factory(migrated)
    customers = [f"parallel-{n}" for n in range(15)]
    raw = [
        {
            "sender_id": sender,
            "event": "user",
            "timestamp": NOW - 300 + turn,
            "text": f"question {turn}",
            "input_channel": "rest",
            "parse_data": {"intent": {"name": "greet", "confidence": 0.99}, "language": "en"},
        }
        for sender in customers
        for turn in range(4)
    ]
    batches = [raw[start::4] for start in range(4)]  # each has a turn of every customer
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def ingest(batch: list[dict]) -> None:
        try:
            start.wait(10)
            with factory() as session:
                store.ingest(session, batch)
        except BaseException as error:  # the assertion below shows it
            errors.append(error)

    threads = [threading.Thread(target=ingest, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    events, conversations = snapshot(migrated)
    assert len(events) == len(raw)
    assert [(c[0], c[2]) for c in conversations] == [(s, 4) for s in sorted(customers)]


def test_a_batch_read_before_another_process_moved_the_cursor_is_left(migrated: Engine) -> None:
    """Two processes read the SQL broker's table from one cursor: the slower one's batch is
    not stored again, and the cursor never goes back."""
    factory = make_session_factory(migrated)
    event = {"sender_id": "late", "event": "bot", "timestamp": NOW, "text": "hi"}
    with factory() as session:
        store.ingest(session, [], cursor=("sql:test", 40), read_from=0)
    with factory() as session:
        assert store.ingest(session, [event], cursor=("sql:test", 20), read_from=0) == 0
        assert store.position(session, "sql:test") == 40
    assert snapshot(migrated)[0] == []
    with factory() as session:
        assert store.ingest(session, [event], cursor=("sql:test", 41), read_from=40) == 1
        assert store.position(session, "sql:test") == 41

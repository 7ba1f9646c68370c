"""Where Rasa's events come from: the table of Rasa's SQL event broker (`make run`:
endpoints.yml, a SQLite file under var/) or a RabbitMQ queue of its pika broker (production:
endpoints.production.yml). The back office reads them as JSON, with no Rasa installed.

ANALYTICS_EVENTS_URL names the source: `sqlite:///…` or `postgresql://…` is the SQL broker's
database (its `events` table: id, sender_id, data), `amqp://user:password@host:5672/%2F` the
RabbitMQ server, whose queue is ANALYTICS_EVENTS_QUEUE (RABBITMQ_QUEUE of the Rasa side).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from backoffice.analytics.events import parse_json

logger = logging.getLogger(__name__)

# The SQL broker's table (rasa/core/brokers/sql.py: SQLEventBroker.SQLBrokerEvent).
_READ_AFTER = text("SELECT id, data FROM events WHERE id > :after ORDER BY id LIMIT :limit")
_LAST_ID = text("SELECT MAX(id) FROM events")


def is_queue_url(url: str) -> bool:
    return url.startswith(("amqp://", "amqps://"))


@dataclass
class SqlBrokerSource:
    """Rasa's SQL broker table, read by id after a cursor (kept in the analytics store)."""

    url: str

    def __post_init__(self) -> None:
        parsed = make_url(self.url)
        self.sqlite_file = (
            Path(parsed.database)
            if parsed.get_backend_name() == "sqlite" and parsed.database
            else None
        )
        # The cursor's name: the database, never its password.
        where = parsed.render_as_string(hide_password=True)
        self.name = "sql:" + hashlib.sha256(where.encode()).hexdigest()[:16]
        self._engine: Engine | None = None

    def _connect(self) -> Engine | None:
        if self.sqlite_file is not None and not self.sqlite_file.exists():
            return None  # Rasa has not written an event yet; never create its file
        if self._engine is None:
            self._engine = create_engine(self.url, future=True, hide_parameters=True)
        return self._engine

    def read(self, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Up to `limit` events after id `after`, and the id to continue from. An id below the
        cursor means the table was emptied or recreated: read it again from the start (the
        events' keys keep that from counting anything twice)."""
        engine = self._connect()
        if engine is None:
            return [], after
        try:
            with engine.connect() as connection:
                last = connection.execute(_LAST_ID).scalar()
                if last is None:
                    return [], after
                if int(last) < after:
                    logger.warning("analytics: the event table restarted its ids; reading it again")
                    after = 0
                rows = connection.execute(_READ_AFTER, {"after": after, "limit": limit}).all()
        except (OperationalError, ProgrammingError) as exc:
            if "events" in str(exc.orig):  # no table yet: Rasa creates it when it starts
                return [], after
            raise
        events = [event for _, data in rows if (event := parse_json(data or "")) is not None]
        return events, int(rows[-1][0]) if rows else after

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class QueueSource:
    """A RabbitMQ queue Rasa's pika broker publishes to (declared durable, as Rasa does).
    Messages are acknowledged only after their batch is stored: a crash redelivers them, and
    their keys make the redelivery a no-op."""

    def __init__(self, url: str, queue: str) -> None:
        self.url = url
        self.queue = queue
        self.name = f"queue:{queue}"

    def consume(
        self,
        handle: Callable[[list[dict[str, Any]]], None],
        stop: threading.Event,
        *,
        batch: int,
        wait_seconds: float,
    ) -> None:
        """Until `stop` is set: batches of up to `batch` events (or what came within
        `wait_seconds`) handed to `handle`, then acknowledged."""
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            channel.queue_declare(queue=self.queue, durable=True)
            channel.basic_qos(prefetch_count=batch)
            pending: list[dict[str, Any]] = []
            last_tag: int | None = None
            for method, _properties, body in channel.consume(
                self.queue, inactivity_timeout=wait_seconds
            ):
                if method is not None:
                    event = parse_json(body)
                    if event is not None:
                        pending.append(event)
                    last_tag = method.delivery_tag
                if last_tag is not None and (method is None or len(pending) >= batch):
                    handle(pending)
                    channel.basic_ack(delivery_tag=last_tag, multiple=True)
                    pending, last_tag = [], None
                if stop.is_set():
                    break
            channel.cancel()
        finally:
            if connection.is_open:
                connection.close()

"""The back office's background reader of Rasa's events: a thread of its own (never the event
loop's), which stores each batch in one transaction (store.ingest) and keeps up within a
couple of seconds, so a conversation is in the summary well within 30 seconds.

`python -m backoffice.analytics.ingest` runs one pass over the SQL broker's table and exits
(a replay, or a catch-up from the command line).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.orm import sessionmaker

from backoffice.analytics import store
from backoffice.analytics.sources import QueueSource, SqlBrokerSource, is_queue_url

logger = logging.getLogger(__name__)

BATCH = 1000
POLL_SECONDS = 1.0
RETRY_SECONDS = 5.0


def catch_up(source: SqlBrokerSource, session_factory: sessionmaker, batch: int = BATCH) -> int:
    """Reads the SQL broker's table from the stored cursor to its end; returns the events read."""
    read = 0
    while True:
        with session_factory() as session:
            after = store.position(session, source.name)
            session.rollback()
            events, last = source.read(after, batch)
            if last == after and not events:
                return read
            store.ingest(session, events, cursor=(source.name, last), read_from=after)
        read += len(events)
        if len(events) < batch:
            return read


def ingester_from_settings(
    session_factory: sessionmaker, url: str, queue: str
) -> AnalyticsIngester | None:
    """The reader the settings ask for; None without ANALYTICS_EVENTS_URL."""
    return AnalyticsIngester(session_factory, url, queue) if url else None


class AnalyticsIngester:
    def __init__(
        self,
        session_factory: sessionmaker,
        url: str,
        queue: str,
        *,
        poll_seconds: float = POLL_SECONDS,
        batch: int = BATCH,
    ) -> None:
        self.session_factory = session_factory
        self.source: SqlBrokerSource | QueueSource = (
            QueueSource(url, queue) if is_queue_url(url) else SqlBrokerSource(url)
        )
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="analytics-ingest", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if isinstance(self.source, SqlBrokerSource):
            self.source.close()

    def _store(self, events: list[dict[str, Any]]) -> None:
        with self.session_factory() as session:
            store.ingest(session, events)

    def _run(self) -> None:
        logger.info("analytics: reading Rasa's events from %s", self.source.name)
        while not self._stop.is_set():
            try:
                if isinstance(self.source, QueueSource):
                    self.source.consume(
                        self._store, self._stop, batch=self.batch, wait_seconds=self.poll_seconds
                    )
                else:
                    catch_up(self.source, self.session_factory, self.batch)
                    self._stop.wait(self.poll_seconds)
            except Exception:  # a broker or database hiccup must not end the reading for good
                logger.exception("analytics: reading events failed; trying again shortly")
                self._stop.wait(RETRY_SECONDS)


def main() -> int:
    from backoffice.core.config import load_settings
    from backoffice.core.db import make_engine, make_session_factory

    settings = load_settings()
    url = settings.analytics_events_url.get_secret_value()
    if not url or is_queue_url(url):
        print("ANALYTICS_EVENTS_URL names no SQL event broker database", flush=True)
        return 2
    engine = make_engine(settings.database_url)
    try:
        read = catch_up(SqlBrokerSource(url), make_session_factory(engine))
    finally:
        engine.dispose()
    print(f"read {read} events", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

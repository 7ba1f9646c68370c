"""The analytics store under a big shop's load: one million generated Rasa events ingested and
summarised on SQLite and on PostgreSQL (issue 13).

    PYTHONPATH=. .venv-backoffice/bin/python -m bench.analytics                 # 1,000,000
    PYTHONPATH=. .venv-backoffice/bin/python -m bench.analytics --events 50000 --engines sqlite

The events come from the demo's generator (backoffice/analytics/demo_traffic.py), day after
day up to today, with the helpdesk's tickets of the escalated conversations; they are stored
by store.ingest in batches of ingest.BATCH (the ingester's own path, one transaction each) and
summarised by the function the API calls (analytics/api.py summary_of: load_rows, then
with_previous over summarise), over the last 30 days and over the whole range. "replay" is one
batch already stored, ingested again (a redelivered batch: every key known, nothing written).
SQLite is a temporary file; PostgreSQL a scratch database on 127.0.0.1:5432 (trust auth),
dropped afterwards. Only ingest and the queries are timed, not generating the events.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.analytics import store
from backoffice.analytics.api import summary_of
from backoffice.analytics.conversations import LOCAL_ZONE
from backoffice.analytics.demo import write_cases
from backoffice.analytics.demo_traffic import DemoCase, TrafficGenerator
from backoffice.analytics.ingest import BATCH
from backoffice.analytics.kpis import Filters
from backoffice.analytics.models import AnalyticsConversation
from backoffice.core import schema
from backoffice.core.db import make_engine
from backoffice.helpdesk.services.business_hours import DepartmentDirectory, load_directory

SEED = 2026
# About this many events per conversation (session start, turns, actions, slots, bot replies).
EVENTS_PER_CONVERSATION = 14
# A busy shop: at most this many conversations a day, so a million events span about ten weeks.
MAX_PER_DAY = 1000
SUMMARY_DAYS = 30
ENGINES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Measurement:
    engine: str
    events: int
    conversations: int
    days: int
    ingest_seconds: float
    summary_30_seconds: float
    summary_all_seconds: float
    replay_seconds: float
    replay_customers_changed: int  # by the replay: 0 (else it counted something twice)

    @property
    def events_per_second(self) -> float:
        return self.events / self.ingest_seconds if self.ingest_seconds else 0.0


def shape(events: int) -> tuple[int, int]:
    """(conversations a day, days) for about `events` events ending today."""
    per_day = max(20, min(MAX_PER_DAY, events // (EVENTS_PER_CONVERSATION * SUMMARY_DAYS)))
    days = math.ceil(events / (per_day * EVENTS_PER_CONVERSATION)) + 1
    return per_day, days


def measure(url: str, engine_name: str, events: int, seed: int = SEED) -> Measurement:
    """Ingest `events` generated events into the (empty) database at `url`, then time the
    summaries and a replayed batch."""
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        now = datetime.now(timezone.utc)
        per_day, days = shape(events)
        last_day = now.astimezone(LOCAL_ZONE).date()
        first_day = last_day - timedelta(days=days - 1)
        generator = TrafficGenerator(seed, per_day=per_day, now=now)
        stored = 0
        ingest_seconds = 0.0
        first_batch: list[dict[str, Any]] = []
        cases: list[DemoCase] = []
        with Session(engine) as session:
            for traffic in generator.days(first_day, last_day):
                day_events = traffic.events[: events - stored]
                for start in range(0, len(day_events), BATCH):
                    batch = day_events[start : start + BATCH]
                    first_batch = first_batch or batch
                    began = time.perf_counter()
                    store.ingest(session, batch)
                    ingest_seconds += time.perf_counter() - began
                stored += len(day_events)
                cases.extend(traffic.cases)
                if stored >= events:
                    break
            write_cases(session, cases)
            conversations = session.execute(
                select(func.count()).select_from(AnalyticsConversation)
            ).scalar_one()
            session.rollback()
            directory = load_directory()
            summary_30 = _timed_summary(
                session, last_day - timedelta(days=SUMMARY_DAYS - 1), last_day, directory
            )
            summary_all = _timed_summary(session, first_day, last_day, directory)
            began = time.perf_counter()
            replay_customers_changed = store.ingest(session, first_batch)
            replay_seconds = time.perf_counter() - began
        return Measurement(
            engine_name,
            stored,
            conversations,
            days,
            ingest_seconds,
            summary_30,
            summary_all,
            replay_seconds,
            replay_customers_changed,
        )
    finally:
        engine.dispose()


def _timed_summary(
    session: Session, first: date, last: date, directory: DepartmentDirectory
) -> float:
    began = time.perf_counter()
    summary_of(session, first, last, Filters(), directory)
    return time.perf_counter() - began


@contextmanager
def database(engine_name: str) -> Iterator[str]:
    """A scratch database of this engine, gone afterwards."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="caredesk-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'analytics.db'}"
        return
    from devstack.backoffice import temporary_postgres_database

    with temporary_postgres_database(f"caredesk_bench_{os.getpid()}") as url:
        yield url


def table(rows: list[Measurement]) -> str:
    head = (
        "| engine | events | conversations | days | ingest s | events/s | summary 30 d s "
        "| summary all s | replay 1 batch s |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in rows:
        lines.append(
            f"| {m.engine} | {m.events:,} | {m.conversations:,} | {m.days} "
            f"| {m.ingest_seconds:.1f} | {m.events_per_second:,.0f} | {m.summary_30_seconds:.2f} "
            f"| {m.summary_all_seconds:.2f} | {m.replay_seconds:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    rows = []
    for name in args.engines:
        with database(name) as url:
            rows.append(measure(url, name, args.events, args.seed))
            print(f"{name}: done", flush=True)
    print(
        f"\n{datetime.now(timezone.utc):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, batches of {BATCH}\n"
    )
    print(table(rows), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

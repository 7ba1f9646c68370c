"""`python -m backoffice.analytics.demo --database-url URL [--days 30] [--seed N]`: a demo
database for the dashboard, filled with days of generated traffic (analytics/demo_traffic.py)
ending today (Asia/Ho_Chi_Minh), so a fresh clone has figures to show.

Never mixed with real data: the command refuses a database that holds tickets, hand-offs,
analytics events, a cursor of a real event source or orders other than the seeded demo shop's,
and the configured back office's
own database (BACKOFFICE_DATABASE_URL), unless the database is already a demo one (the
store.DEMO_MARKER row, which the command writes first and the summary reports as
`"demo": true`). On a demo database a run replaces the previous demo data.

The events go through store.ingest in batches of ingest.BATCH, the path of Rasa's real events;
the helpdesk's rows (tickets, hand-offs, transcripts, CSAT) are written as the helpdesk keeps
them. The schema is brought to the head revision first; `make demo` also seeds the accounts.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from sqlalchemy import delete, func, insert, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from backoffice.analytics import store
from backoffice.analytics.conversations import LOCAL_ZONE
from backoffice.analytics.demo_traffic import DemoCase, TrafficGenerator
from backoffice.analytics.ingest import BATCH
from backoffice.analytics.models import AnalyticsConversation, AnalyticsCursor, AnalyticsEvent
from backoffice.core import schema
from backoffice.core.config import DEFAULT_DATABASE_URL, REPO_ROOT, ConfigError, load_settings
from backoffice.core.db import make_engine
from backoffice.core.unit_of_work import writing
from backoffice.helpdesk.models import (
    Agent,
    Attachment,
    Handoff,
    OutboxEvent,
    Ticket,
    TicketMessage,
    TicketNote,
)
from backoffice.orders.models import Order
from backoffice.orders.seed import ORDERS as SEEDED_ORDERS
from caredesk_rules.handoff_states import BOT, WITH_AGENT

DEFAULT_DAYS = 30
DEFAULT_SEED = 13
# Conversations on an average day: a mid-sized shop (about a fifth of them escalated).
DEFAULT_PER_DAY = 260
MAX_DAYS = 366
# The helpdesk's rows a demo run replaces (children first); the orders stay (the demo shop's).
DEMO_TABLES = (
    OutboxEvent,
    Attachment,
    TicketNote,
    TicketMessage,
    Handoff,
    Ticket,
    AnalyticsConversation,
    AnalyticsEvent,
)
SEEDED_ORDER_IDS = frozenset(order.id for order in SEEDED_ORDERS)


class DemoRefusedError(RuntimeError):
    """The database is not one the demo may write to (real data, or the main database)."""


@dataclass(frozen=True)
class Filled:
    first_day: date
    last_day: date
    conversations: int
    events: int
    tickets: int


def configured_database_url() -> str:
    """The back office's own database, as `python -m backoffice` would open it."""
    try:
        return load_settings().database_url
    except ConfigError:  # settings incomplete (no API key): still the same variable
        found = os.environ.get("BACKOFFICE_DATABASE_URL") or dotenv_values(REPO_ROOT / ".env").get(
            "BACKOFFICE_DATABASE_URL"
        )
        return found.strip() if found and found.strip() else DEFAULT_DATABASE_URL


def same_database(first: str, second: str) -> bool:
    a, b = make_url(first), make_url(second)
    if a.get_backend_name() == "sqlite" and b.get_backend_name() == "sqlite":
        return bool(a.database and b.database) and (
            Path(a.database or "").expanduser().resolve()
            == Path(b.database or "").expanduser().resolve()
        )
    keep = ("host", "port", "database", "username")
    return a.get_backend_name() == b.get_backend_name() and all(
        getattr(a, part) == getattr(b, part) for part in keep
    )


def real_data(engine: Engine) -> list[str]:
    """What in this database is not the demo's (empty: nothing), counted table by table."""
    present = set(inspect(engine).get_table_names())
    found: list[str] = []
    with Session(engine) as session:
        for label, model in (
            ("tickets", Ticket),
            ("hand-offs", Handoff),
            ("analytics events", AnalyticsEvent),
            ("analytics conversations", AnalyticsConversation),
        ):
            if model.__tablename__ in present:
                count = session.execute(select(func.count()).select_from(model)).scalar_one()
                if count:
                    found.append(f"{count} {label}")
        if AnalyticsCursor.__tablename__ in present:
            sources = session.execute(
                select(func.count())
                .select_from(AnalyticsCursor)
                .where(AnalyticsCursor.source != store.DEMO_MARKER)
            ).scalar_one()
            if sources:  # an ingester has read Rasa's real events here
                found.append(f"{sources} event sources read")
        if Order.__tablename__ in present:
            others = session.execute(
                select(func.count())
                .select_from(Order)
                .where(Order.id.not_in(sorted(SEEDED_ORDER_IDS)))
            ).scalar_one()
            if others:
                found.append(f"{others} orders that are not the demo shop's")
    return found


def is_demo_database(engine: Engine) -> bool:
    if AnalyticsCursor.__tablename__ not in inspect(engine).get_table_names():
        return False
    with Session(engine) as session:
        return store.is_demo(session)


def check_target(engine: Engine, url: str, main_url: str) -> None:
    """DemoRefusedError unless the demo may write here: a demo database, or one without real
    data that is not the back office's configured database."""
    if is_demo_database(engine):
        return
    if same_database(url, main_url):
        raise DemoRefusedError(
            "this is the back office's own database (BACKOFFICE_DATABASE_URL); "
            "give the demo a database of its own"
        )
    found = real_data(engine)
    if found:
        raise DemoRefusedError("the database holds real data: " + ", ".join(found))


def _mark(session: Session, seed: int, now: datetime) -> None:
    marker = session.get(AnalyticsCursor, store.DEMO_MARKER)
    if marker is None:
        session.add(AnalyticsCursor(source=store.DEMO_MARKER, position=seed, updated_at=now))
    else:
        marker.position = seed
        marker.updated_at = now


def clear_and_mark(session: Session, seed: int, now: datetime) -> None:
    """The previous demo data deleted and the marker written, in one transaction: a run that
    fails half-way leaves a database that is still marked demo, so the next run may replace
    it."""
    with writing(session):
        for model in DEMO_TABLES:
            session.execute(delete(model))
        _mark(session, seed, now)


def _status(case: DemoCase) -> str:
    if case.solved_at is not None:
        return "solved"
    return "pending" if case.first_reply_at is not None else "open"


def _updated(case: DemoCase) -> datetime:
    return max(line.at for line in case.lines)


def write_cases(session: Session, cases: Sequence[DemoCase]) -> None:
    """The escalations' tickets, hand-offs and transcripts, with the ticket numbers the
    conversations' `ticket_id` slots name (so the console opens the right ticket)."""
    agents = {username: id_ for username, id_ in session.execute(select(Agent.username, Agent.id))}
    active: set[str] = set()
    tickets: list[dict[str, Any]] = []
    handoffs: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for case in cases:
        tickets.append(
            {
                "id": case.ticket_number,
                "department": case.department,
                "priority": "normal",
                "status": _status(case),
                "contact_email": f"customer{case.ticket_number}@example.com",
                "contact_verified": False,
                "conversation_id": case.sender_id,
                "language": case.language,
                "channel": case.channel,
                "subject": case.subject,
                "created_at": case.requested_at,
                "updated_at": _updated(case),
                "first_agent_reply_at": case.first_reply_at,
                "solved_at": case.solved_at,
                "csat_score": case.csat_score,
                "csat_at": case.csat_at,
            }
        )
        # With an agent until resolved; every other hand-off is over (back with the bot).
        chatting = case.claimed_at is not None and case.resolved_at is None
        if chatting and case.sender_id in active:
            chatting = False  # at most one active hand-off per conversation
        if chatting:
            active.add(case.sender_id)
        handoffs.append(
            {
                "conversation_id": case.sender_id,
                "active_key": case.sender_id if chatting else None,
                "ticket_id": case.ticket_number,
                "department": case.department,
                "state": WITH_AGENT if chatting else BOT,
                "agent_id": (agents.get(case.agent_username or "") if case.claimed_at else None),
                "channel": case.channel,
                "language": case.language,
                "requested_at": case.requested_at,
                "waiting_since": case.requested_at,
                "claimed_at": case.claimed_at,
                "resolved_at": case.resolved_at,
                "updated_at": _updated(case),
            }
        )
        lines.extend(
            {
                "ticket_id": case.ticket_number,
                "role": line.role,
                "text": line.text,
                "author": line.author,
                "at": line.at,
                "event": line.event,
                "event_data": line.event_data,
            }
            for line in case.lines
        )
    with writing(session):
        for table, rows in ((Ticket, tickets), (Handoff, handoffs), (TicketMessage, lines)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])
        if session.get_bind().dialect.name == "postgresql":
            # The ticket numbers were given: the next real one continues after them.
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                    "(SELECT COALESCE(MAX(id), 0) + 1 FROM tickets), false)"
                )
            )


def ingest_in_batches(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """The events as the ingester stores Rasa's: store.ingest, ingest.BATCH at a time."""
    for start in range(0, len(events), BATCH):
        store.ingest(session, events[start : start + BATCH])


def fill(
    engine: Engine,
    *,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    per_day: int = DEFAULT_PER_DAY,
    now: datetime | None = None,
) -> Filled:
    """`days` of traffic ending today into this (checked) database, replacing earlier demo
    data."""
    now = now or datetime.now(timezone.utc)
    schema.upgrade(engine)
    last_day = now.astimezone(LOCAL_ZONE).date()
    first_day = last_day - timedelta(days=days - 1)
    generator = TrafficGenerator(seed, per_day=per_day, now=now)
    conversations = events = 0
    cases: list[DemoCase] = []
    with Session(engine) as session:
        clear_and_mark(session, seed, now)
        for traffic in generator.days(first_day, last_day):
            ingest_in_batches(session, traffic.events)
            events += len(traffic.events)
            conversations += traffic.conversations
            cases.extend(traffic.cases)
        write_cases(session, cases)
        with writing(session):
            _mark(session, seed, datetime.now(timezone.utc))
    return Filled(first_day, last_day, conversations, events, len(cases))


def _positive_days(value: str) -> int:
    days = int(value)
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_DAYS}")
    return days


def _per_day(value: str) -> int:
    count = int(value)
    if not 1 <= count <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return count


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backoffice.analytics.demo",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--database-url", required=True, help="the demo database (SQLAlchemy)")
    parser.add_argument("--days", type=_positive_days, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--per-day",
        type=_per_day,
        default=DEFAULT_PER_DAY,
        help="conversations on an average day",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    url = args.database_url.strip()
    try:
        where = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        print("demo: --database-url is not a database URL (sqlite:///… or postgresql://…)",
              file=sys.stderr)  # fmt: skip
        return 2
    engine = make_engine(url)
    try:
        check_target(engine, url, configured_database_url())
        filled = fill(engine, days=args.days, seed=args.seed, per_day=args.per_day)
    except DemoRefusedError as exc:
        print(f"demo: refused {where}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"demo: {where}: {filled.conversations} conversations ({filled.events} Rasa events, "
        f"{filled.tickets} tickets) from {filled.first_day} to {filled.last_day}, seed {args.seed}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The helpdesk's services in-process: a temporary SQLite database with the seeded agents, a
clock the test controls, and every team open Monday to Friday except marketing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.core.db import make_engine, make_session_factory
from backoffice.helpdesk.models import Agent, OutboxEvent
from backoffice.helpdesk.seed import seed_agents
from backoffice.helpdesk.services.business_hours import (
    Department,
    DepartmentDirectory,
    WeeklySchedule,
)
from backoffice.helpdesk.services.handoffs import HandoffRequest, HandoffService
from backoffice.helpdesk.services.notifications import Notifier
from backoffice.helpdesk.services.presence import PresenceService
from backoffice.helpdesk.services.tickets import TicketService, TranscriptLine
from backoffice.models import Base
from caredesk_rules.accounts import PASSWORD_VARIABLES
from caredesk_rules.departments import DEPARTMENT_KEYS

NOW = datetime(2026, 3, 6, 3, 0, tzinfo=timezone.utc)  # Friday 10:00 in Hà Nội
WAIT = 180  # seconds a hand-off waits for an agent
PASSWORDS = {username: "not used: the hasher is a stand-in" for username in PASSWORD_VARIABLES}


def directory() -> DepartmentDirectory:
    """Every team open Monday to Friday 8:00-17:00 in Hà Nội, except marketing, never open."""
    weekdays = WeeklySchedule.from_hours({day: (8 * 60, 17 * 60) for day in range(5)})
    departments = {
        key: Department(
            key, key.title(), key, WeeklySchedule.never() if key == "marketing" else weekdays, 30
        )
        for key in DEPARTMENT_KEYS
    }
    return DepartmentDirectory(departments, ZoneInfo("Asia/Ho_Chi_Minh"), "test")


def request(conversation_id: str, department: str = "billing", **extra: Any) -> HandoffRequest:
    """A request for a person as the action server sends it, with one line of transcript."""
    return HandoffRequest(
        conversation_id=conversation_id,
        department=department,
        routing_reason="test",
        language=extra.pop("language", "en"),
        channel="socketio",
        transcript=extra.pop(
            "transcript",
            [TranscriptLine("customer", "I need a person about my bill", NOW - timedelta(1))],
        ),
        **extra,
    )


@dataclass
class World:
    engine: Engine
    clock: list[datetime]

    def session(self) -> Session:
        session: Session = make_session_factory(self.engine)()
        return session

    def handoffs(self, wait: int = WAIT, *, needs_agent_online: bool = False) -> HandoffService:
        return HandoffService(
            self.session(), directory(), wait_seconds=wait, clock=lambda: self.clock[0],
            notifier=Notifier(), needs_agent_online=needs_agent_online,
        )  # fmt: skip

    def presence(self) -> PresenceService:
        return PresenceService(self.session(), clock=lambda: self.clock[0])

    def tickets(self) -> TicketService:
        return TicketService(self.session(), directory(), clock=lambda: self.clock[0])

    def agent(self, username: str) -> Agent:
        with self.session() as session:
            agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one()
            session.expunge(agent)
            return agent

    def events(self, conversation_id: str) -> list[tuple[int, str, dict[str, Any]]]:
        with self.session() as session:
            rows = session.execute(
                select(OutboxEvent)
                .where(OutboxEvent.conversation_id == conversation_id)
                .order_by(OutboxEvent.seq)
            ).scalars()
            return [(e.seq, e.intent, e.entities) for e in rows]

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        tables = ("tickets", "ticket_messages", "ticket_notes", "handoffs", "outbox_events")
        snapshot = {}
        with self.engine.connect() as connection:
            for table in tables:
                query = text(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
                snapshot[table] = [tuple(r) for r in connection.execute(query)]
        return snapshot

    def state(self, conversation_id: str) -> str:
        return self.handoffs().status(conversation_id)[0]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty helpdesk database with today's schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def world(engine: Engine) -> World:
    with make_session_factory(engine)() as session:
        seed_agents(session, PASSWORDS, hasher=lambda _: "not-a-real-hash", now=NOW)
    return World(engine, [NOW])

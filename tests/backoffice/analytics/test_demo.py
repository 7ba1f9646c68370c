"""The demo command (`python -m backoffice.analytics.demo`): it fills a fresh database that the
summary then shows in every department and channel, marked demo; it refuses a database with
real data or the back office's own; a second run replaces the first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.analytics import demo
from backoffice.analytics.api import summary_of
from backoffice.analytics.conversations import LOCAL_ZONE
from backoffice.analytics.demo_traffic import CHANNELS
from backoffice.analytics.kpis import Filters
from backoffice.analytics.models import AnalyticsConversation, AnalyticsCursor, AnalyticsEvent
from backoffice.analytics.store import DEMO_MARKER
from backoffice.core.config import DEFAULT_KNOWLEDGE_FILE
from backoffice.core.db import make_engine
from backoffice.core.schema import upgrade
from backoffice.helpdesk.models import Handoff, Ticket, TicketMessage
from backoffice.helpdesk.services.business_hours import load_directory
from backoffice.orders.models import Order
from backoffice.orders.policies import load_knowledge
from backoffice.orders.seed import seed_demo_data
from caredesk_rules.departments import DEPARTMENT_KEYS

DAYS = 7
PER_DAY = 150  # enough escalations for every department in a week
SMALL = ("--days", "2", "--per-day", "20")  # where the figures do not matter


def elsewhere(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The back office's own database is another file (and .env is not read for it)."""
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", f"sqlite:///{folder / 'main.db'}")
    monkeypatch.setenv("BACKOFFICE_API_KEY", "test-key")


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    elsewhere(tmp_path, monkeypatch)
    return f"sqlite:///{tmp_path / 'demo.db'}"


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    created = make_engine(url)
    yield created
    created.dispose()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A week of demo traffic in a fresh database, by the command."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        elsewhere(folder, monkeypatch)
        assert run(url, "--days", str(DAYS), "--per-day", str(PER_DAY)) == 0
    created = make_engine(url)
    yield created
    created.dispose()


def run(url: str, *options: str) -> int:
    return demo.main(["--database-url", url, *(options or SMALL)])


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__tablename__: session.execute(
                select(func.count()).select_from(model)
            ).scalar_one()
            for model in (AnalyticsEvent, AnalyticsConversation, Ticket, Handoff, TicketMessage)
        }


def test_a_fresh_database_is_filled_and_the_summary_shows_every_department_and_channel(
    filled: Engine,
) -> None:
    today = datetime.now(LOCAL_ZONE).date()
    with Session(filled) as session:
        summary = summary_of(
            session, today - timedelta(days=DAYS - 1), today, Filters(), load_directory()
        )
        conversations = session.execute(
            select(func.min(AnalyticsConversation.day), func.max(AnalyticsConversation.day))
        ).one()
    assert summary["demo"] is True
    assert summary["conversations"] > DAYS * PER_DAY * 0.7
    assert conversations[0] == today - timedelta(days=DAYS - 1) and conversations[1] <= today
    assert all(summary["escalations_by_department"][key] > 0 for key in DEPARTMENT_KEYS)
    assert set(summary["by_channel"]) == set(CHANNELS)
    assert set(summary["by_language"]) == {"en", "vi"}
    assert summary["handoffs"] == summary["escalations"]  # every ticket found its conversation
    assert summary["sla_breaches"] >= 1 and summary["csat"]["responses"] >= 1
    assert summary["first_response_seconds"]["p50"] is not None
    assert summary["top_misunderstood"][0]["count"] >= 10
    assert summary["previous"]["conversations"] == 0  # nothing before the demo's days


def test_a_second_run_replaces_the_demo_data(url: str, engine: Engine) -> None:
    assert run(url) == 0
    first = counts(engine)
    assert run(url) == 0
    assert counts(engine) == first
    with Session(engine) as session:
        numbers = session.execute(select(func.min(Ticket.id), func.max(Ticket.id))).one()
        marker = session.get(AnalyticsCursor, DEMO_MARKER)
    assert tuple(numbers) == (1, first["tickets"])  # the slots' ticket ids are the tickets'
    assert marker is not None and marker.position == demo.DEFAULT_SEED
    # Two days, so yesterday's whole day is in it: today holds only the traffic before now,
    # none in the small hours of Vietnam's day.
    assert run(url, "--seed", "99", "--days", "2", "--per-day", "5") == 0
    assert 0 < counts(engine)["analytics_events"] < first["analytics_events"]


@pytest.mark.parametrize("real", ["ticket", "cursor"])
def test_a_database_with_real_data_is_refused_and_left_alone(
    url: str, engine: Engine, capsys: pytest.CaptureFixture[str], real: str
) -> None:
    upgrade(engine)
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        if real == "ticket":
            session.add(
                Ticket(
                    department="billing",
                    language="vi",
                    subject="real customer",
                    created_at=now,
                    updated_at=now,
                )
            )
        else:  # the ingester read Rasa's real events here (none kept yet)
            session.add(AnalyticsCursor(source="sql:0123456789abcdef", position=7, updated_at=now))
        session.commit()
    before = counts(engine)
    assert run(url) == 2
    expected = "1 tickets" if real == "ticket" else "1 event sources read"
    assert f"holds real data: {expected}" in capsys.readouterr().err
    assert counts(engine) == before
    with Session(engine) as session:
        assert session.get(AnalyticsCursor, DEMO_MARKER) is None


def test_the_demo_shop_s_orders_are_fine_but_another_order_is_real_data(
    url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(engine)
    with Session(engine) as session:
        seed_demo_data(session, load_knowledge(DEFAULT_KNOWLEDGE_FILE))
        assert demo.real_data(engine) == []
        customer = session.execute(select(Order.customer_id)).scalars().first()
        now = datetime.now(timezone.utc)
        session.add(
            Order(
                id="ORD-77777",
                customer_id=customer,
                status="pending",
                placed_at=now,
                updated_at=now,
                payment_method="cod",
                subtotal_vnd=100_000,
                shipping_fee_vnd=0,
                total_vnd=100_000,
            )
        )
        session.commit()
    assert run(url) == 2
    assert "1 orders that are not the demo shop's" in capsys.readouterr().err


def test_the_back_office_s_own_database_is_refused_unless_it_is_a_demo_one(
    url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", url)
    assert run(url) == 2  # even empty: the shop's database is never the demo's
    assert "back office's own database" in capsys.readouterr().err
    assert inspect(engine).get_table_names() == []  # nothing written, not even the schema
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", url.replace("sqlite:///", "sqlite:////../"))
    assert demo.same_database(url, demo.configured_database_url())
    # A database made a demo one (`make demo` serves the back office on it) may be refilled.
    monkeypatch.delenv("BACKOFFICE_DATABASE_URL")
    assert run(url) == 0
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", url)
    assert run(url) == 0


def test_a_bad_url_or_range_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--database-url", "not a url"]) == 2
    assert "not a database URL" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        demo.main(["--database-url", "sqlite:///x.db", "--days", "0"])
    assert refused.value.code == 2

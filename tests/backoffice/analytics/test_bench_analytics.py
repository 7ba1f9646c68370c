"""bench/analytics.py's measurement on a small size: the generated events are all ingested
(by store.ingest), the summaries run, and the replayed batch changes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.analytics.models import AnalyticsConversation, AnalyticsEvent
from backoffice.core.db import make_engine
from backoffice.helpdesk.models import Ticket
from bench.analytics import measure, shape, table


def test_two_thousand_events_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = measure(url, "sqlite", 2000)
    assert result.events == 2000
    engine = make_engine(url)
    with Session(engine) as session:
        stored = session.execute(select(func.count()).select_from(AnalyticsEvent)).scalar_one()
        conversations = session.execute(
            select(func.count()).select_from(AnalyticsConversation)
        ).scalar_one()
        tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
    engine.dispose()
    # The events the KPIs keep (a part of the 2,000), each once, the replay included.
    assert 0 < stored < 2000
    assert result.conversations == conversations > 50 and tickets > 0
    assert result.ingest_seconds > 0 and result.events_per_second > 0
    assert result.summary_30_seconds > 0 and result.summary_all_seconds > 0
    assert result.replay_seconds > 0 and result.replay_customers_changed == 0
    printed = table([result])
    assert "| sqlite | 2,000 |" in printed and f"| {conversations:,} |" in printed


def test_a_million_events_span_about_ten_weeks_of_a_busy_shop() -> None:
    per_day, days = shape(1_000_000)
    assert per_day == 1000 and 60 <= days <= 80
    assert shape(2000)[0] == 20  # small runs: fewer conversations a day, a few days

"""The order updates bench (bench/order_updates.py) on a few conversations of the real stack:
every conversation subscribed over the API gets its update, said in its conversation, and the
table reports it. The 1,000-conversation run is by hand (README "Speed")."""

from __future__ import annotations

import pytest

from backoffice.orders.models import OrderUpdate
from bench.order_updates import NO_RATE_LIMITS, measure, percentile
from devstack.stack import running_stack

pytestmark = pytest.mark.stack


def test_percentiles_are_nearest_rank() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0.5) == 2.0
    assert percentile(values, 0.95) == 4.0
    assert percentile([7.0], 0.95) == 7.0


def test_every_subscribed_conversation_gets_its_update() -> None:
    with running_stack(env=NO_RATE_LIMITS) as stack:
        result = measure(stack, conversations=4, workers=2, timeout=120)
        with stack.backoffice.engine.connect() as connection:
            outbox = connection.execute(OrderUpdate.__table__.select()).all()
    assert result.states == {"sent": 4}
    assert result.in_tracker == 4
    assert len(outbox) == 4 and {row.channel for row in outbox} == {"rest"}
    assert 0 < result.p50 <= result.p95 <= result.last_sent_seconds < 60
    table = result.table()
    assert "| conversations" in table and "| said in the conversation (tracker) | 4 |" in table

"""The order updates' figures for the CCO (issue 14): what became of the updates, and who opted
in and out, over a range of Asia/Ho_Chi_Minh days.

Read at query time from the order system's own tables (the outbox and the subscriptions), like
the helpdesk's facts, so they are never stale:

- an update (one outbox row: one event for one subscribed conversation) is counted on the day
  of its event, in the state it is in now: `sent`, `deferred`, `not_allowed`, `failed` or
  `pending` (not tried yet, or waiting for a retry). One withdrawn because its conversation
  unsubscribed first is in none of them (the opt-out is counted);
- `opt_ins`: subscriptions started on a day of the range; `opt_outs`: subscriptions ended on
  one. Subscribing again after ending restarts the row (orders/services/subscriptions.py), so
  a conversation that opted out and in again counts only its latest opt-in.

The channel and language filters apply (the row's own, copied from the subscription); the
department filter does not: an update belongs to no department.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice.analytics.conversations import LOCAL_ZONE
from backoffice.analytics.kpis import Filters
from backoffice.orders.models import OrderSubscription, OrderUpdate

# The outbox states counted, each under its own name ("unsubscribed" is not one: see above).
COUNTED_STATES = ("sent", "deferred", "not_allowed", "failed", "pending")


def _bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The range's days in the shop's time zone, as UTC instants [start, end)."""
    start = datetime.combine(first_day, time(), LOCAL_ZONE)
    end = datetime.combine(last_day + timedelta(days=1), time(), LOCAL_ZONE)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _filtered(columns: Any, filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.channel:
        conditions.append(columns.channel == filters.channel)
    if filters.language:
        conditions.append(columns.language == filters.language)
    return conditions


def order_update_counts(
    session: Session, first_day: date, last_day: date, filters: Filters
) -> dict[str, int]:
    """{sent, deferred, not_allowed, failed, pending, opt_ins, opt_outs} over the days."""
    start, end = _bounds(first_day, last_day)
    by_state = dict(
        session.execute(
            select(OrderUpdate.state, func.count())
            .where(
                OrderUpdate.created_at >= start,
                OrderUpdate.created_at < end,
                OrderUpdate.state.in_(COUNTED_STATES),
                *_filtered(OrderUpdate, filters),
            )
            .group_by(OrderUpdate.state)
        ).all()
    )
    counts = {state: int(by_state.get(state, 0)) for state in COUNTED_STATES}
    subscriptions = _filtered(OrderSubscription, filters)
    for name, column in (
        ("opt_ins", OrderSubscription.created_at),
        ("opt_outs", OrderSubscription.ended_at),
    ):
        counts[name] = int(
            session.execute(
                select(func.count())
                .select_from(OrderSubscription)
                .where(column >= start, column < end, *subscriptions)
            ).scalar_one()
        )
    return counts

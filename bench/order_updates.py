"""How long 1,000 subscribed conversations wait for one order event's update (issue 14).

Starts the whole system as the tests do (devstack `running_stack`: back office, action server,
Rasa on models/caredesk.tar.gz). N REST conversations each greet the assistant (so each is a
real conversation on the `rest` channel), then subscribe to the demo order ORD-10002's updates
through the order-subscriptions API with the order's contact as proof, as the assistant does
after a "yes". The order system reports one event (`packed`): one update per conversation in
the outbox, which the back office's delivery worker posts into each conversation through Rasa's
trigger_intent. Measured from the event's report: until the last update is `sent`, and p50/p95
of event → sent per update (the outbox rows' times); then every conversation's tracker is read
to check the assistant said its update (the message marked with the row's delivery key).

    PYTHONPATH=. .venv-backoffice/bin/python -m bench.order_updates                  # 1,000
    PYTHONPATH=. .venv-backoffice/bin/python -m bench.order_updates --conversations 200

Not part of `make bench` (minutes on a shared machine). The channels' rate limits are off, as
in bench/load.py: one address speaks for every customer here.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.core.rasa import relayed_mark  # noqa: E402
from backoffice.orders.models import OrderHistory, OrderUpdate  # noqa: E402
from devstack.stack import Stack, running_stack  # noqa: E402

ORDER = "ORD-10002"  # processing: `packed` is news about it, repeatable with new event ids
CONTACT = "binh.tran@example.com"  # its customer's email (docs/contract.md's demo data)
GREETING = "xin chào shop"
NO_RATE_LIMITS = {"CAREDESK_SENDER_RATE": "off", "CAREDESK_CLIENT_RATE": "off"}
OPEN = ("pending", "deferred")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Result:
    conversations: int
    greet_seconds: float
    subscribe_seconds: float
    last_sent_seconds: float  # the event's report → the last update sent
    p50: float
    p95: float
    states: dict[str, int]
    in_tracker: int

    def table(self) -> str:
        rows = [
            ("conversations", f"{self.conversations:,}"),
            ("greeting over REST, all (s)", f"{self.greet_seconds:.1f}"),
            ("subscribing, all (s)", f"{self.subscribe_seconds:.1f}"),
            ("event → last update sent (s)", f"{self.last_sent_seconds:.1f}"),
            ("event → sent, p50 (s)", f"{self.p50:.1f}"),
            ("event → sent, p95 (s)", f"{self.p95:.1f}"),
            ("updates per second", f"{self.conversations / self.last_sent_seconds:.1f}"),
            ("outbox states", ", ".join(f"{k} {v:,}" for k, v in sorted(self.states.items()))),
            ("said in the conversation (tracker)", f"{self.in_tracker:,}"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"| {'measure'.ljust(width)} | value |", f"|{'-' * (width + 2)}|---:|"]
        lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
        return "\n".join(lines)


def in_parallel(work: Callable[[str], Any], items: Sequence[str], workers: int) -> float:
    """Runs `work` on every item with `workers` threads; the seconds it took."""
    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, items))
    return time.monotonic() - started


def subscriber(stack: Stack) -> Callable[[str], None]:
    url = f"{stack.backoffice.base_url}/api/v1/order-subscriptions"

    def subscribe(conversation: str) -> None:
        answer = requests.post(
            url,
            json={"order_id": ORDER, "conversation_id": conversation, "channel": "rest",
                  "language": "vi", "contact": CONTACT},
            headers={"X-API-Key": stack.backoffice.api_key,
                     "X-Conversation-Client": f"rest:{conversation}"},
            timeout=60,
        )  # fmt: skip
        if answer.status_code != 201:
            raise RuntimeError(f"subscribing failed: {answer.status_code} {answer.text[:200]}")

    return subscribe


def report_event(stack: Stack, event_id: str) -> int:
    """The order system reports `packed`; the history row's id."""
    answer = stack.backoffice.session().post(
        f"{stack.backoffice.base_url}/api/v1/orders/{ORDER}/events",
        json={"type": "packed", "event_id": event_id},
        timeout=60,
    )
    if answer.status_code != 200:
        raise RuntimeError(f"the event was refused: {answer.status_code} {answer.text[:200]}")
    with Session(stack.backoffice.engine) as session:
        return int(
            session.execute(
                select(OrderHistory.id).where(OrderHistory.event_id == event_id)
            ).scalar_one()
        )


def states_of(stack: Stack, history_id: int) -> dict[str, int]:
    with Session(stack.backoffice.engine) as session:
        rows = session.execute(
            select(OrderUpdate.state, func.count())
            .where(OrderUpdate.history_id == history_id)
            .group_by(OrderUpdate.state)
        ).all()
    return {str(state): int(count) for state, count in rows}


def wait_until_delivered(stack: Stack, history_id: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        states = states_of(stack, history_id)
        if not any(states.get(state) for state in OPEN):
            return states
        if time.monotonic() > deadline:
            raise RuntimeError(f"updates still open after {timeout:.0f} s: {states}")
        time.sleep(0.5)


def in_trackers(stack: Stack, keys: dict[str, str], workers: int) -> int:
    """How many conversations hold the assistant's message marked with their update's key."""

    def said(conversation: str) -> bool:
        return relayed_mark(stack.tracker(conversation), keys[conversation]) is not None

    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(said, list(keys)))


def measure(stack: Stack, conversations: int, workers: int, timeout: float) -> Result:
    run = uuid.uuid4().hex[:8]
    senders = [f"bench-updates-{run}-{n:05d}" for n in range(conversations)]
    greet_seconds = in_parallel(lambda s: stack.say(s, GREETING), senders, workers)
    subscribe_seconds = in_parallel(subscriber(stack), senders, workers)

    history_id = report_event(stack, f"bench-{run}")
    states = wait_until_delivered(stack, history_id, timeout)
    with Session(stack.backoffice.engine) as session:
        rows = session.execute(
            select(
                OrderUpdate.conversation_id,
                OrderUpdate.delivery_key,
                OrderUpdate.created_at,
                OrderUpdate.updated_at,
            ).where(OrderUpdate.history_id == history_id, OrderUpdate.state == "sent")
        ).all()
    event_at: datetime = min(row.created_at for row in rows)
    seconds = [(row.updated_at - row.created_at).total_seconds() for row in rows]
    last = max(row.updated_at for row in rows)
    keys = {row.conversation_id: row.delivery_key for row in rows}
    return Result(
        conversations=conversations,
        greet_seconds=greet_seconds,
        subscribe_seconds=subscribe_seconds,
        last_sent_seconds=(last - event_at).total_seconds(),  # the outbox's own times
        p50=percentile(seconds, 0.5),
        p95=percentile(seconds, 0.95),
        states=states,
        in_tracker=in_trackers(stack, keys, workers),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8, help="parallel REST/API clients")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for delivery")
    args = parser.parse_args(argv)
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    with running_stack(env=NO_RATE_LIMITS) as stack:
        result = measure(stack, args.conversations, args.workers, args.timeout)
    print(result.table())
    return 0 if result.in_tracker == result.conversations == result.states.get("sent") else 1


if __name__ == "__main__":
    raise SystemExit(main())

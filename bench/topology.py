"""The production topology with one Rasa replica and with two, in one run: throughput and p95.

Starts `make run-production`'s topology (devstack/topology.py: nginx, the Rasa replicas, two
action servers, the back office, on the machine's PostgreSQL, Redis and RabbitMQ with scratch
databases, key prefix and queue), first with RASA_REPLICAS=1, then with 2, and drives each
through nginx with bench/load.py's closed-loop customers and FAQ turns (hi, payment methods,
thanks, bye, in English and Vietnamese), over REST and socket.io. Printed: p50, p95,
throughput and errors for each, and two/one. Every process and the load generator share this
machine's cores, so the ratio says how the topology behaves here, not what more cores give.

    python -m bench.topology [--duration 30 | --turns N] [--concurrency 20] [--skip-socketio]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from bench.load import (
    CAREDESK_FAQ,
    NO_RATE_LIMITS,
    TURN_TIMEOUT,
    Budget,
    Factory,
    Figures,
    RestCustomer,
    SocketIOCustomer,
    measure,
    warm_up,
)
from devstack.topology import RunningTopology, running_topology


async def measure_topology(
    topology: RunningTopology,
    channels: Sequence[str],
    customers: int,
    duration: float | None,
    turns: int | None,
) -> dict[str, Figures]:
    figures: dict[str, Figures] = {}
    headers = topology.rest_headers
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as http:
        for channel in channels:
            new_customer: Factory
            if channel == "REST":
                new_customer = lambda: RestCustomer(topology.public_url, http)  # noqa: E731
            else:
                # What the widget sends: a key of its own, which pins its socket.
                new_customer = lambda: SocketIOCustomer(  # noqa: E731
                    f"{topology.public_url}?caredesk_client={uuid.uuid4().hex}"
                )
            await warm_up(f"caredesk over {channel}", new_customer, CAREDESK_FAQ)
            figures[channel] = await measure(
                new_customer, CAREDESK_FAQ, customers, Budget(duration=duration, turns=turns)
            )
    return figures


def table(rows: dict[int, dict[str, Figures]], customers: int) -> str:
    lines = [
        "| channel | customers | replicas | p50 ms | p95 ms | msg/s | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for channel in rows[1]:
        for replicas in sorted(rows):
            f = rows[replicas][channel]
            lines.append(
                f"| {channel} | {customers} | {replicas} | {f.p50_ms:,.0f} | {f.p95_ms:,.0f} "
                f"| {f.throughput:.1f} | {f.errors} |"
            )
        one, two = rows[1][channel], rows[2][channel]
        lines.append(
            f"| {channel} | {customers} | two/one | {_ratio(two.p50_ms, one.p50_ms)} "
            f"| {_ratio(two.p95_ms, one.p95_ms)} | {_ratio(two.throughput, one.throughput)} | |"
        )
    return "\n".join(lines)


def _ratio(two: float, one: float) -> str:
    return "–" if not one or math.isnan(one) or math.isnan(two) else f"{two / one:.2f}×"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--duration", type=float, default=30.0, help="seconds per measurement")
    length.add_argument("--turns", type=int, help="turns per measurement instead of a duration")
    parser.add_argument("--concurrency", type=int, default=20, help="customers (default 20)")
    parser.add_argument("--skip-socketio", action="store_true", help="REST only")
    args = parser.parse_args(argv)
    channels = ["REST"] if args.skip_socketio else ["REST", "socket.io"]
    duration = None if args.turns else args.duration

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    rows: dict[int, dict[str, Figures]] = {}
    for replicas in (1, 2):
        progress(f"starting the topology with {replicas} Rasa replica(s)")
        with (
            tempfile.TemporaryDirectory() as run_dir,
            running_topology(Path(run_dir), env=NO_RATE_LIMITS, replicas=replicas) as topology,
        ):
            progress(f"{replicas} replica(s): {args.concurrency} customers, {', '.join(channels)}")
            rows[replicas] = asyncio.run(
                measure_topology(topology, channels, args.concurrency, duration, args.turns)
            )
    length_said = f"{args.turns} turns" if args.turns else f"{args.duration:g} s"
    print(
        f"caredesk's production topology through nginx, one and two Rasa replicas (two action "
        f"servers), FAQ turns, one run, {length_said} per measurement:\n"
    )
    print(table(rows, args.concurrency))


if __name__ == "__main__":
    main()

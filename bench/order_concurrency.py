"""How long N simultaneous order lookups take when the order system answers in 500 ms.

Starts the real action server against a local fake order system that waits before every
answer, then sends N `action_handle_order_request` calls at once (orders already verified in
the conversation, so each call is one order lookup). With blocking calls on the event loop the
total would be N x 0.5 s; with the worker threads it stays close to 0.5 s.

    python -m bench.order_concurrency [--requests 20] [--delay 0.5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.action_calls import order_request_call  # noqa: E402
from devstack.processes import running_service  # noqa: E402
from devstack.stack import ACTION_TOKEN  # noqa: E402
from scripts.stack import ACTIONS_PYTHON  # noqa: E402

AUTH = {"Authorization": f"Bearer {ACTION_TOKEN}"}  # the action server answers only Rasa

ORDER = {
    "id": "ORD-10001",
    "status": "processing",
    "placed_at": "2026-11-20T08:00:00+07:00",
    "items": [{"sku": "X", "name": "Headphones", "quantity": 1, "unit_price_vnd": 990000}],
    "total_vnd": 990000,
    "payment_method": "cod",
    "shipping_address": {
        "recipient": "A",
        "phone": "+84912345678",
        "line1": "1 Le Loi",
        "ward": "Ben Nghe",
        "district": "Quan 1",
        "province": "TP HCM",
    },
    "shipment": None,
    "cancellable": True,
    "readdressable": True,
    "returnable": False,
    "return_deadline": None,
    "warranty_until": None,
}


def slow_order_system(delay: float) -> ThreadingHTTPServer:
    body = json.dumps(ORDER).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def action_call(sender: str) -> dict:
    # proven a moment ago: no verification call
    return order_request_call(sender, verified_at=time.time())


def timed_call(url: str, i: int) -> float:
    started = time.perf_counter()
    response = requests.post(url, json=action_call(f"bench-{i}"), headers=AUTH, timeout=60)
    response.raise_for_status()
    assert response.json()["responses"][0]["response"] == "utter_order_status"
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.5)
    args = parser.parse_args()

    server = slow_order_system(args.delay)
    backend = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        "SANIC_HOST": "127.0.0.1",
        "ORDERS_API_URL": backend,
        "BACKOFFICE_API_KEY": "bench",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
    }
    command = [
        str(ACTIONS_PYTHON), "-m", "scripts.action_server",
        "--actions", "actions", "--port", "{port}",
    ]  # fmt: skip
    with running_service(
        "actions",
        command,
        env=env,
        health_url="http://127.0.0.1:{port}/health",
        startup_timeout=120,
    ) as actions:
        url = actions.url("/webhook")
        requests.post(url, json=action_call("warm-up"), headers=AUTH, timeout=30).raise_for_status()
        rows = []
        for n in (1, args.requests):
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as pool:
                latencies = list(pool.map(lambda i: timed_call(url, i), range(n)))
            total = time.perf_counter() - started
            rows.append((n, total, statistics.median(latencies), max(latencies)))
    server.shutdown()

    print(f"\nOrder lookups through the action server, order system answering in {args.delay} s\n")
    print("| simultaneous lookups | total wall time (s) | median per call (s) | slowest call (s) |")
    print("|---:|---:|---:|---:|")
    for n, total, median, slowest in rows:
        print(f"| {n} | {total:.2f} | {median:.2f} | {slowest:.2f} |")
    print(f"\nblocking calls on the event loop would take about {args.requests * args.delay:.1f} s")


if __name__ == "__main__":
    main()

"""The load bench's own parts (bench/load.py) without Rasa: percentiles, the table, and the
closed loop driving tiny local servers in this test's event loop, a REST webhook and a
socket.io server of each kind (Rasa's, which marks no turn's end, and caredesk's, which does).
The bench itself (both bots under load) is run by hand or `make bench`, never by `make test`."""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp import web

from bench.load import (
    TURN_DONE_EVENT,
    Budget,
    Figures,
    Row,
    Run,
    Sample,
    SocketIOCustomer,
    Turn,
    as_json,
    closed_loop,
    judge,
    percentile,
    table,
)
from bench.load import RestCustomer as BenchRestCustomer

DELAY = 0.05  # seconds each fake server takes per message


# -- figures -------------------------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks_like_numpy():
    hundred = [float(n) for n in range(100, 0, -1)]  # unsorted on purpose
    assert percentile(hundred, 50) == pytest.approx(50.5)
    assert percentile(hundred, 95) == pytest.approx(95.05)
    assert percentile(hundred, 0) == 1 and percentile(hundred, 100) == 100
    assert percentile([7.0], 95) == 7
    assert math.isnan(percentile([], 50))


def test_errors_count_apart_from_the_latencies_and_the_throughput():
    samples = [Sample(0.1), Sample(0.3), Sample(0.2), Sample(9.0, "timeout")]
    figures = Figures.of(Run(samples, elapsed=2.0))
    assert (figures.turns, figures.errors) == (3, 1)
    assert figures.p50_ms == pytest.approx(200)
    assert figures.throughput == pytest.approx(1.5)


def test_an_answer_is_judged_by_its_messages_and_expected_words():
    assert judge(Turn("hi"), ["Hello!"]) is None
    assert judge(Turn("hi"), []) == "no reply"
    assert judge(Turn("sad", replies=3), ["a", "b"]) == "2 bot messages, expected 3"
    assert judge(Turn("pay", ("COD", "MoMo")), ["COD or", "MoMo"]) is None
    assert judge(Turn("pay", ("COD", "MoMo")), ["COD"]) == "no 'MoMo' in the answer"


def figures(p50: float, p95: float, rate: float, errors: int = 0) -> Figures:
    return Figures(turns=100, errors=errors, p50_ms=p50, p95_ms=p95, throughput=rate, elapsed_s=5)


def test_the_table_sets_caredesk_beside_the_stock_bot_with_ratios():
    stock = figures(36, 704, 36.8)
    rows = [
        Row("REST", 20, "FAQ", stock, figures(42, 1994, 23.3, errors=2)),
        Row("REST", 20, "order", stock, figures(106, math.nan, 11.4)),
    ]
    lines = table(rows).splitlines()
    assert lines[0].startswith("| channel | customers | caredesk turns | p50 ms stock / caredesk |")
    assert len({line.count("|") for line in lines}) == 1  # every line has every column
    assert lines[2] == (
        "| REST | 20 | FAQ | 36 / 42 | 1.17× | 704 / 1,994 | 2.83× | 36.8 / 23.3 | 0.63× | 0 / 2 |"
    )
    assert lines[3] == (
        "| REST | 20 | order (vs stock FAQ) | 36 / 106 | 2.94× | 704 / – | – "
        "| 36.8 / 11.4 | 0.31× | 0 / 0 |"
    )
    assert '"p95": null' in as_json(rows, {})  # NaN is not JSON


# -- the closed loop against a fake REST webhook --------------------------------------------------


class Webhook:
    """Rasa's REST webhook in miniature: answers each message after DELAY and records what
    arrived, how many were in flight and whether a sender ever had two."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.busy: set[str] = set()
        self.overlapped: list[str] = []
        self.said: dict[str, list[str]] = defaultdict(list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        if sender in self.busy:
            self.overlapped.append(sender)
        self.busy.add(sender)
        self.said[sender].append(text)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(DELAY)
            if text == "boom":
                return web.json_response({"error": "boom"}, status=500)
            return web.json_response([{"recipient_id": sender, "text": f"you said {text}"}])
        finally:
            self.in_flight -= 1
            self.busy.discard(sender)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def against_webhook(
    drive: Callable[[Callable[[], BenchRestCustomer]], Awaitable[Run]],
) -> tuple[Run, Webhook]:
    webhook = Webhook()

    async def go() -> Run:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook.handle)
        async with serving(app) as url, aiohttp.ClientSession() as http:
            return await drive(lambda: BenchRestCustomer(url, http))

    return asyncio.run(go()), webhook


def test_each_customer_waits_for_its_answer_and_every_conversation_is_new():
    scripts = [(Turn("a", ("said a",)), Turn("b", ("said b",)))]
    run, webhook = against_webhook(
        lambda customer: closed_loop(customer, scripts, 4, Budget(turns=40))
    )
    assert len(run.samples) == 40 and not [s for s in run.samples if s.error]
    assert webhook.most_in_flight == 4  # four customers, never more than one message each
    assert webhook.overlapped == []
    assert len(webhook.said) == 20  # a fresh sender for each two-turn conversation
    assert all(said == ["a", "b"] for said in webhook.said.values())
    assert all(sample.latency >= DELAY for sample in run.samples)


def test_a_duration_is_kept_and_a_closed_loop_cannot_outrun_its_answers():
    scripts = [(Turn("a"),), (Turn("b"),)]
    started = time.perf_counter()
    run, webhook = against_webhook(
        lambda customer: closed_loop(customer, scripts, 2, Budget(duration=0.5))
    )
    assert 0.5 <= run.elapsed <= time.perf_counter() - started
    figures = Figures.of(run)
    assert figures.turns >= 2 and figures.errors == 0
    assert figures.throughput <= 2 / DELAY  # two customers, each answered after DELAY at best
    assert {said[0] for said in webhook.said.values()} == {"a", "b"}  # the scripts alternate


def test_a_failed_turn_counts_as_an_error_and_ends_its_conversation():
    scripts = [(Turn("boom"), Turn("never sent")), (Turn("fine"),)]
    run, webhook = against_webhook(
        lambda customer: closed_loop(customer, scripts, 1, Budget(turns=3))
    )
    assert [s.error for s in run.samples] == ["HTTP 500", None, "HTTP 500"]
    assert "never sent" not in [text for said in webhook.said.values() for text in said]
    assert Figures.of(run).errors == 2


# -- socket.io: the stock bot's end of a turn (its number of messages) and caredesk's (an event) --


def socketio_app(marks_turns: bool) -> tuple[web.Application, dict[str, list[str]]]:
    """Rasa's socket.io protocol: session_request → session_confirm (the bare id, or caredesk's
    object with its end-of-turn event), user_uttered → bot_uttered to the session's room
    ("boom" gets no answer). `said` has each session's messages, and "connections" the
    sockets' ids."""
    server = socketio.AsyncServer(async_mode="aiohttp")
    app = web.Application()
    server.attach(app, socketio_path="/socket.io")
    said: dict[str, list[str]] = defaultdict(list)
    issued = iter(range(1, 10_000))

    @server.on("connect")
    async def connect(sid: str, environ: Any) -> None:
        said["connections"].append(sid)

    @server.on("session_request")
    async def session_request(sid: str, data: Any) -> None:
        session_id = f"session-{next(issued)}"
        server.enter_room(sid, session_id)
        confirmation: Any = session_id
        if marks_turns:
            confirmation = {"session_id": session_id, "turn_done_event": TURN_DONE_EVENT}
        await server.emit("session_confirm", confirmation, room=sid)

    @server.on("user_uttered")
    async def user_uttered(sid: str, data: dict[str, Any]) -> None:
        said[data["session_id"]].append(data["message"])
        for n in range(0 if data["message"] == "boom" else 2):  # two messages, DELAY apart
            await asyncio.sleep(DELAY)
            reply = {"text": f"{n}: {data['message']}"}
            await server.emit("bot_uttered", reply, room=data["session_id"])
        if marks_turns:
            await server.emit(TURN_DONE_EVENT, {}, room=sid)

    return app, said


@pytest.mark.parametrize("marks_turns", [False, True], ids=["stock", "caredesk"])
def test_socketio_turns_end_at_their_last_message_and_sessions_are_fresh(marks_turns):
    app, said = socketio_app(marks_turns)
    replies = None if marks_turns else 2
    scripts = [(Turn("hi", ("0: hi", "1: hi"), replies=replies), Turn("bye", replies=replies))]

    async def go() -> Run:
        async with serving(app) as url:
            return await closed_loop(lambda: SocketIOCustomer(url), scripts, 2, Budget(turns=6))

    run = asyncio.run(go())
    assert [s.error for s in run.samples] == [None] * 6
    assert all(2 * DELAY <= s.latency < 2 * DELAY + 1 for s in run.samples)
    assert len(said.pop("connections")) == 2  # one socket per customer
    # A fresh session for each conversation (the shared budget may end one after "hi").
    assert sum(map(len, said.values())) == 6
    assert all(messages in (["hi"], ["hi", "bye"]) for messages in said.values())


def test_after_a_failed_socketio_turn_the_customer_goes_on_on_a_new_socket():
    app, said = socketio_app(marks_turns=True)
    scripts = [(Turn("boom"), Turn("never sent")), (Turn("hi"),)]

    async def go() -> Run:
        async with serving(app) as url:
            return await closed_loop(lambda: SocketIOCustomer(url), scripts, 1, Budget(turns=3))

    run = asyncio.run(go())
    assert [s.error for s in run.samples] == ["no reply", None, "no reply"]
    assert len(said.pop("connections")) == 2  # again after the first failure, not the last
    assert sorted(map(tuple, said.values())) == [("boom",), ("boom",), ("hi",)]


def test_a_server_that_marks_no_turn_needs_the_number_of_messages():
    app, _ = socketio_app(marks_turns=False)

    async def go() -> Run:
        async with serving(app) as url:
            return await closed_loop(
                lambda: SocketIOCustomer(url), [(Turn("hi"),)], 1, Budget(turns=1)
            )

    [sample] = asyncio.run(go()).samples
    assert sample.error is not None and "give `replies`" in sample.error

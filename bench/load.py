"""caredesk under load, side by side with Rasa's own `rasa init` bot, in one run.

Starts the stock bot (devstack/stock_bot.py: `rasa init`'s project, trained once and cached under
var/cache/, served by `rasa run --enable-api`) next to the whole caredesk system as tests start
it (devstack/stack.py: back office, action server, Rasa on models/caredesk.tar.gz), then drives
both with closed-loop virtual customers: each sends its next message when the answer to the
previous one has arrived, and every conversation has a fresh sender id. Printed: p50, p95,
throughput (answered messages a second) and errors per bot, and caredesk/stock for each, over
REST and socket.io, for each number of customers and each kind of turn:

- FAQ turns. Stock bot: its own conversation (hi, I am sad, yes, bye). caredesk: hi, a
  payment-methods question, thanks, bye, in English and in Vietnamese.
- order turns (caredesk only, compared with the stock bot's FAQ turns): "where is my order
  ORD-10001, my email is …" and the Vietnamese with the phone number, the opening message of a
  fresh conversation: verification and the order look-up in the back office. Only the demo
  order's right details are sent: failed checks lock an order (docs/contract.md).

The load generator runs on the same cores as the servers (one asyncio loop, no per-message work
beyond a substring check), so compare only figures of one run. The channels' rate limits per
conversation and per client address (channels/limits.py) would throttle one address sending
for twenty customers: the bench turns them off.

    python -m bench.load [--duration 30 | --turns N] [--concurrency 1 20] [--skip-socketio] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import aiohttp
import socketio

# caredesk's socket.io channel marks the end of each turn with it; Rasa's marks none.
from channels.socketio import TURN_DONE_EVENT

TURN_TIMEOUT = 60.0  # seconds: a turn not answered by then is an error
BOT_MESSAGE_EVENT = "bot_uttered"
# The channels' rate limits, off: one client address speaks for every virtual customer.
NO_RATE_LIMITS = {"CAREDESK_SENDER_RATE": "off", "CAREDESK_CLIENT_RATE": "off"}


# -- what the customers say ----------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    text: str
    expect: tuple[str, ...] = ()  # the answer must contain each, else the turn is an error
    # How many bot messages answer it, for a server that does not mark a turn's end on
    # socket.io (the stock bot): the turn is over when that many arrived.
    replies: int | None = None


Script = tuple[Turn, ...]  # one conversation


@dataclass(frozen=True)
class Workload:
    name: str
    scripts: tuple[Script, ...]  # the customers take them in turn


ORDER_ID, EMAIL, PHONE = "ORD-10001", "an.nguyen@example.com", "0912 345 678"  # demo data
TRACKING = "GHN123456789VN"  # ORD-10001's shipment: the look-up happened

STOCK_FAQ = Workload(
    "FAQ",
    (
        (
            Turn("hi", ("How are you",), replies=1),
            Turn("I am sad", ("Did that help",), replies=3),  # text, picture, question
            Turn("yes", ("carry on",), replies=1),
            Turn("bye", ("Bye",), replies=1),
        ),
    ),
)
CAREDESK_FAQ = Workload(
    "FAQ",
    (
        (
            Turn("hi", ("I can help",)),
            Turn("which payment methods do you accept?", ("cash on delivery",)),
            Turn("thanks", ("You're welcome",)),
            Turn("bye", ("Goodbye",)),
        ),
        (
            Turn("chào shop", ("Xin chào",)),
            Turn("shop có những hình thức thanh toán nào?", ("thanh toán khi nhận hàng",)),
            Turn("cảm ơn shop", ("Không có gì",)),
            Turn("tạm biệt", ("Tạm biệt",)),
        ),
    ),
)
CAREDESK_ORDER = Workload(
    "order",
    (
        (Turn(f"where is my order {ORDER_ID}, my email is {EMAIL}", (TRACKING, "on its way")),),
        (
            Turn(
                f"đơn hàng {ORDER_ID} của tôi đang ở đâu, số điện thoại của tôi là {PHONE}",
                (TRACKING, "đang được giao"),
            ),
        ),
    ),
)


def judge(turn: Turn, texts: Sequence[str]) -> str | None:
    """Why an answer is wrong, or None: no reply, the wrong number of messages, or no sign of
    the expected answer (in the customer's language)."""
    if not texts:
        return "no reply"
    if turn.replies is not None and len(texts) != turn.replies:
        return f"{len(texts)} bot messages, expected {turn.replies}"
    answer = "\n".join(texts)
    missing = [words for words in turn.expect if words not in answer]
    return f"no {missing[0]!r} in the answer" if missing else None


# -- virtual customers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    latency: float  # seconds from sending to the turn's last bot message
    error: str | None = None


class Customer(Protocol):
    async def open(self) -> None: ...
    async def begin(self) -> None:
        """Start a fresh conversation."""

    async def say(self, turn: Turn) -> Sample: ...
    async def close(self) -> None: ...


class RestCustomer:
    """A customer of Rasa's REST channel: the answer is the response body."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.http = http
        self.sender = ""

    async def open(self) -> None:
        return None

    async def begin(self) -> None:
        self.sender = f"load-{uuid.uuid4().hex}"

    async def say(self, turn: Turn) -> Sample:
        body = {"sender": self.sender, "message": turn.text}
        start = time.perf_counter()
        async with self.http.post(self.url, json=body) as response:
            if response.status != 200:
                await response.read()
                return Sample(time.perf_counter() - start, f"HTTP {response.status}")
            replies = await response.json()
        latency = time.perf_counter() - start
        return Sample(latency, judge(turn, [str(r.get("text") or "") for r in replies]))

    async def close(self) -> None:
        return None


class SocketIOCustomer:
    """A widget on Rasa's socket.io channel (python-socketio's client, websocket transport):
    session_request → session_confirm, then user_uttered → bot_uttered. One socket for all of
    the customer's conversations, a new session for each. A turn is over at caredesk's
    end-of-turn event, or when the stock bot sent the turn's number of messages; its latency
    is the arrival of its last bot message."""

    def __init__(self, base_url: str) -> None:
        _websockets_on_pinned_aiohttp()
        self.base_url = base_url
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on(BOT_MESSAGE_EVENT, self._on_bot_message)
        self.client.on(TURN_DONE_EVENT, self._on_turn_done)
        self.client.on("session_confirm", self._on_session_confirm)
        self.session_id = ""
        self.marks_turns = False  # the server says when it is done with a message
        self._confirmed: asyncio.Future[Any] | None = None
        self._messages: list[tuple[float, str]] = []
        self._expected: int | None = None
        self._done = asyncio.Event()

    def _on_bot_message(self, data: Any) -> None:
        text = str(data.get("text") or "") if isinstance(data, dict) else ""
        self._messages.append((time.perf_counter(), text))
        if self._expected is not None and len(self._messages) >= self._expected:
            self._done.set()

    def _on_turn_done(self, _: Any = None) -> None:
        self._done.set()

    def _on_session_confirm(self, data: Any) -> None:
        if self._confirmed is not None and not self._confirmed.done():
            self._confirmed.set_result(data)

    async def open(self) -> None:
        await self.client.connect(
            self.base_url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30
        )

    async def begin(self) -> None:
        self._confirmed = asyncio.get_running_loop().create_future()
        await self.client.emit("session_request", {})  # the server issues a fresh session
        confirmed = await asyncio.wait_for(self._confirmed, TURN_TIMEOUT)
        if isinstance(confirmed, dict):  # caredesk: {session_id, session_token, ...}
            self.session_id = str(confirmed["session_id"])
            self.marks_turns = confirmed.get("turn_done_event") == TURN_DONE_EVENT
        else:  # Rasa's channel confirms with the bare id
            self.session_id = str(confirmed)

    async def say(self, turn: Turn) -> Sample:
        if not self.marks_turns and turn.replies is None:
            raise ValueError(f"{turn.text!r}: this server marks no turn's end: give `replies`")
        self._messages = []
        self._expected = None if self.marks_turns else turn.replies
        self._done.clear()
        start = time.perf_counter()
        await self.client.emit(
            "user_uttered", {"message": turn.text, "session_id": self.session_id}
        )
        try:
            await asyncio.wait_for(self._done.wait(), TURN_TIMEOUT)
        except asyncio.TimeoutError:
            return Sample(time.perf_counter() - start, "timeout")
        messages = list(self._messages)
        end = messages[-1][0] if messages else time.perf_counter()
        return Sample(end - start, judge(turn, [text for _, text in messages]))

    async def close(self) -> None:
        await self.client.disconnect()


def _websockets_on_pinned_aiohttp() -> None:
    """python-engineio 4.15.1 (requirements/rasa.txt) opens its asyncio client's websocket with
    aiohttp 3.10's `ClientWSTimeout(ws_close=...)`; the pinned aiohttp 3.9.5 has no such class
    and takes the same close timeout as a number. Only this load generator's process is bridged
    (the servers do not use engine.io's client)."""
    if not hasattr(aiohttp, "ClientWSTimeout"):
        setattr(aiohttp, "ClientWSTimeout", lambda ws_close=10.0, **_: ws_close)  # noqa: B010


# -- the closed loop -----------------------------------------------------------------------------


@dataclass
class Budget:
    """When the customers stop: after `turns` turns in all, or once `duration` seconds passed
    (a turn in flight then still finishes and counts)."""

    duration: float | None = None
    turns: int | None = None
    _deadline: float = field(default=math.inf, init=False)

    def start(self) -> None:
        if self.duration is not None:
            self._deadline = time.monotonic() + self.duration

    def left(self) -> bool:
        """Whether turns may still start."""
        return (self.turns is None or self.turns > 0) and time.monotonic() < self._deadline

    def take(self) -> bool:
        """Whether one more turn may start; it is counted."""
        if not self.left():
            return False
        if self.turns is not None:
            self.turns -= 1
        return True


@dataclass
class Run:
    samples: list[Sample]
    elapsed: float  # seconds from the first message to the last answer


async def closed_loop(
    new_customer: Callable[[], Customer],
    scripts: Sequence[Script],
    customers: int,
    budget: Budget,
) -> Run:
    """`customers` virtual customers, each walking the scripts in turn (customer i starts at
    script i, so the languages mix) and sending each message once the previous one is
    answered. A failed turn ends its conversation and its connection (what it still sends
    must not land in the next conversation); the customer goes on with a new one."""
    samples: list[Sample] = []

    async def opened(customer: Customer) -> bool:
        try:
            await asyncio.wait_for(customer.open(), TURN_TIMEOUT)
        except Exception as error:  # counted, not raised: the others go on
            samples.append(Sample(0.0, f"connect: {type(error).__name__}: {error}"))
            return False
        return True

    async def conversation(customer: Customer, script: Script) -> bool:
        """Whether it went without an error (False also when the budget ran out)."""
        try:
            await asyncio.wait_for(customer.begin(), TURN_TIMEOUT)
        except Exception as error:
            samples.append(Sample(0.0, f"session: {type(error).__name__}: {error}"))
            return False
        for number, turn in enumerate(script):
            if number and not budget.take():
                return False
            sample = await _safely(customer.say(turn))
            samples.append(sample)
            if sample.error:
                return False
        return True

    async def one_customer(index: int) -> None:
        customer = new_customer()
        if not await opened(customer):
            return
        try:
            for script in _cycle(scripts, index):
                if not budget.take():
                    return
                if not await conversation(customer, script):
                    await _safely(customer.close())
                    if not budget.left() or not await opened(customer):
                        return
        finally:
            await _safely(customer.close())

    budget.start()
    start = time.perf_counter()
    await asyncio.gather(*(one_customer(index) for index in range(customers)))
    return Run(samples, time.perf_counter() - start)


def _cycle(scripts: Sequence[Script], first: int) -> Iterator[Script]:
    index = first
    while True:
        yield scripts[index % len(scripts)]
        index += 1


async def _safely(step: Awaitable[Any]) -> Any:
    start = time.perf_counter()
    try:
        return await asyncio.wait_for(step, TURN_TIMEOUT)
    except Exception as error:  # a failed turn is a figure, not a crash
        reason = "timeout" if isinstance(error, asyncio.TimeoutError) else repr(error)
        return Sample(time.perf_counter() - start, reason)


# -- figures -------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks (numpy's default);
    NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Figures:
    turns: int  # answered correctly
    errors: int
    p50_ms: float
    p95_ms: float
    throughput: float  # answered messages a second
    elapsed_s: float

    @classmethod
    def of(cls, run: Run) -> Figures:
        good = [s.latency for s in run.samples if s.error is None]
        errors = len(run.samples) - len(good)
        rate = len(good) / run.elapsed if run.elapsed > 0 else math.nan
        return cls(
            len(good),
            errors,
            percentile(good, 50) * 1000,
            percentile(good, 95) * 1000,
            rate,
            run.elapsed,
        )


@dataclass(frozen=True)
class Row:
    """caredesk's figures for one channel, number of customers and kind of turn, beside the
    stock bot's FAQ turns on the same channel with as many customers."""

    channel: str
    customers: int
    workload: str
    stock: Figures
    caredesk: Figures

    def ratios(self) -> dict[str, float]:
        return {
            "p50": _ratio(self.caredesk.p50_ms, self.stock.p50_ms),
            "p95": _ratio(self.caredesk.p95_ms, self.stock.p95_ms),
            "throughput": _ratio(self.caredesk.throughput, self.stock.throughput),
        }


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs and not math.isnan(theirs) else math.nan


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.0f}"


def _rate(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def _times(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}×"


def table(rows: Sequence[Row]) -> str:
    """The Markdown table: per row the stock bot, caredesk and caredesk/stock for p50, p95 and
    throughput; order turns are set against the stock bot's FAQ turns."""
    lines = [
        "| channel | customers | caredesk turns | p50 ms stock / caredesk | × | "
        "p95 ms stock / caredesk | × | msg/s stock / caredesk | × | errors stock / caredesk |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        s, c, r = row.stock, row.caredesk, row.ratios()
        turns = row.workload if row.workload == "FAQ" else f"{row.workload} (vs stock FAQ)"
        lines.append(
            f"| {row.channel} | {row.customers} | {turns} "
            f"| {_ms(s.p50_ms)} / {_ms(c.p50_ms)} | {_times(r['p50'])} "
            f"| {_ms(s.p95_ms)} / {_ms(c.p95_ms)} | {_times(r['p95'])} "
            f"| {_rate(s.throughput)} / {_rate(c.throughput)} | {_times(r['throughput'])} "
            f"| {s.errors} / {c.errors} |"
        )
    return "\n".join(lines)


def as_json(rows: Sequence[Row], settings: dict[str, Any]) -> str:
    def clean(value: Any) -> Any:  # NaN is not JSON
        if isinstance(value, float):
            return None if math.isnan(value) else round(value, 3)
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    return json.dumps(
        {
            "settings": settings,
            "rows": [
                {
                    "channel": row.channel,
                    "customers": row.customers,
                    "workload": row.workload,
                    "stock": clean(asdict(row.stock)),
                    "caredesk": clean(asdict(row.caredesk)),
                    "ratio": clean(row.ratios()),
                }
                for row in rows
            ],
        },
        indent=2,
        ensure_ascii=False,
    )


# -- the run -------------------------------------------------------------------------------------


Factory = Callable[[], Customer]


async def measure(
    new_customer: Factory, workload: Workload, customers: int, budget: Budget
) -> Figures:
    return Figures.of(await closed_loop(new_customer, workload.scripts, customers, budget))


async def warm_up(name: str, new_customer: Factory, workload: Workload) -> None:
    """Each script once, one customer, not measured: the first turns load what the servers
    load lazily, and a script the bot does not answer as expected stops the bench here."""
    run = await closed_loop(new_customer, workload.scripts, 1, Budget(turns=_turns(workload)))
    wrong = [s.error for s in run.samples if s.error]
    if wrong:
        raise SystemExit(f"{name}, {workload.name} turns: {wrong[0]} (warm-up; nothing measured)")


def _turns(workload: Workload) -> int:
    return sum(len(script) for script in workload.scripts)


async def bench(
    stock_url: str,
    caredesk_url: str,
    channels: Sequence[str],
    concurrencies: Sequence[int],
    budget: Callable[[], Budget],
    progress: Callable[[str], None],
) -> list[Row]:
    rows: list[Row] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT)) as http:

        def customer_of(channel: str, url: str) -> Factory:
            if channel == "REST":
                return lambda: RestCustomer(url, http)
            return lambda: SocketIOCustomer(url)

        for channel in channels:
            stock, caredesk = customer_of(channel, stock_url), customer_of(channel, caredesk_url)
            await warm_up(f"stock bot over {channel}", stock, STOCK_FAQ)
            await warm_up(f"caredesk over {channel}", caredesk, CAREDESK_FAQ)
            await warm_up(f"caredesk over {channel}", caredesk, CAREDESK_ORDER)
            for customers in concurrencies:
                progress(f"{channel}, customers: {customers}, stock FAQ")
                stock_faq = await measure(stock, STOCK_FAQ, customers, budget())
                progress(f"{channel}, customers: {customers}, caredesk FAQ")
                ours_faq = await measure(caredesk, CAREDESK_FAQ, customers, budget())
                progress(f"{channel}, customers: {customers}, caredesk order")
                ours_order = await measure(caredesk, CAREDESK_ORDER, customers, budget())
                rows.append(Row(channel, customers, "FAQ", stock_faq, ours_faq))
                rows.append(Row(channel, customers, "order", stock_faq, ours_order))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument(
        "--duration", type=float, default=30.0, help="seconds per measurement (default 30)"
    )
    length.add_argument("--turns", type=int, help="turns per measurement instead of a duration")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 20], help="customers (default 1 20)"
    )
    parser.add_argument("--skip-socketio", action="store_true", help="REST only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)

    from devstack.stack import running_stack
    from devstack.stock_bot import rasa_version, running_stock_bot

    def budget() -> Budget:
        return Budget(turns=args.turns) if args.turns else Budget(duration=args.duration)

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    channels = ["REST"] if args.skip_socketio else ["REST", "socket.io"]
    progress("starting the stock bot (trains `rasa init` on first use) and caredesk")
    with ExitStack() as running:
        stock = running.enter_context(running_stock_bot())
        caredesk = running.enter_context(running_stack(env=NO_RATE_LIMITS))
        rows = asyncio.run(
            bench(
                stock.base_url,
                caredesk.rasa.base_url,
                channels,
                args.concurrency,
                budget,
                progress,
            )
        )
    length_said = f"{args.turns} turns" if args.turns else f"{args.duration:g} s"
    settings = {
        "rasa": rasa_version(),
        "per_measurement": length_said,
        "concurrency": args.concurrency,
        "channels": channels,
    }
    if args.json:
        print(as_json(rows, settings))
        return
    print(
        f"Stock `rasa init` bot (Rasa {settings['rasa']}) and caredesk, one run, "
        f"{length_said} per measurement; × is caredesk / stock:\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()

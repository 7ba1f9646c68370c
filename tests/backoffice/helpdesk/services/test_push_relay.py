"""The consoles' pushes between back-office processes (services/push_relay.py), through the
machine's real Redis: two hubs with a relay each stand for two processes on one channel."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from backoffice.core.shared_redis import SharedRedis
from backoffice.helpdesk.services.notifications import OVERFLOW_EVENT, AgentHub
from backoffice.helpdesk.services.push_relay import RedisRelay, decode, encode
from devstack.processes import free_port
from tests.support.services import require_service

pytestmark = pytest.mark.redis

Queue = asyncio.Queue[dict[str, Any]]


@pytest.fixture
def redis_port() -> int:
    return require_service("redis")[1]


def factory(port: int, name: str) -> Callable[[bool], Any]:
    """The app's clients (core/shared_redis.py), named `name` so a test can cut exactly its
    own connections."""
    redis = SharedRedis("127.0.0.1", port, 0, "unused")

    def make(subscriber: bool) -> Any:
        return redis.async_client(subscriber=subscriber, name=name)

    return make


@asynccontextmanager
async def relays(
    port: int, count: int = 2, *, reachable: bool = True
) -> AsyncIterator[list[RedisRelay]]:
    """`count` hubs with started relays on a fresh channel, each subscribed when `reachable`."""
    channel = f"test:{uuid.uuid4().hex}:agent-events"
    started = [
        RedisRelay(AgentHub(), factory(port, f"relay-test-{uuid.uuid4().hex[:12]}"), channel)
        for _ in range(count)
    ]
    for relay in started:
        await relay.start()
    try:
        if reachable:
            await subscribers(channel, count, port)
        yield started
    finally:
        for relay in started:
            await relay.stop()


async def subscribers(channel: str, count: int, port: int, timeout: float = 5.0) -> None:
    """Until Redis itself counts `count` subscriptions to the channel."""
    client = Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            [(_, subscribed)] = await client.pubsub_numsub(channel)
            if subscribed == count:
                return
            assert time.monotonic() < deadline, f"{subscribed} of {count} subscribed"
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()


async def next_event(queue: Queue, timeout: float = 5.0) -> dict[str, Any]:
    return await asyncio.wait_for(queue.get(), timeout)


async def nothing_more(*queues: Queue, quiet: float = 0.5) -> None:
    await asyncio.sleep(quiet)
    for queue in queues:
        assert queue.empty(), queue.get_nowait()


def console(relay: RedisRelay, departments: list[str] | None) -> Queue:
    return relay.hub.register(departments, asyncio.get_running_loop())[1]


def test_a_push_reaches_every_process_s_consoles_once(redis_port: int) -> None:
    async def scenario() -> None:
        async with relays(redis_port) as (one, two):
            billing_one, billing_two = console(one, ["billing"]), console(two, ["billing"])
            admin_two, logistics_two = console(two, None), console(two, ["logistics"])
            event = {"type": "queue_changed", "conversation_id": "c-1", "note": "Chào bạn"}
            # Services publish from worker threads (FastAPI's pool, the delivery worker).
            await asyncio.to_thread(one.hub.publish, event, ["billing"])
            assert await next_event(billing_one) == event  # here at once, not from Redis
            assert await next_event(billing_two) == event
            assert await next_event(admin_two) == event  # an admin sees every department
            await nothing_more(billing_one, billing_two, admin_two, logistics_two)
            # And the other way round, in order.
            for n in range(5):
                two.hub.publish({"type": "customer_message", "n": n}, ["billing"])
            assert [(await next_event(billing_one))["n"] for _ in range(5)] == list(range(5))
            assert [(await next_event(billing_two))["n"] for _ in range(5)] == list(range(5))
            await nothing_more(billing_one, billing_two)

    asyncio.run(scenario())


def test_without_redis_a_push_still_reaches_this_process_s_consoles(redis_port: int) -> None:
    """Redis away: nothing raises, nothing waits; the consoles here hear it, the others poll."""

    async def scenario() -> None:
        nobody = free_port()  # nothing listens there
        async with relays(nobody, count=1, reachable=False) as (relay,):
            billing = console(relay, ["billing"])
            started = time.monotonic()
            await asyncio.to_thread(relay.hub.publish, {"type": "queue_changed"}, ["billing"])
            assert time.monotonic() - started < 0.5
            assert await next_event(billing) == {"type": "queue_changed"}
            deadline = time.monotonic() + 5
            while relay.dropped < 1:
                assert time.monotonic() < deadline, "the push was never given up"
                await asyncio.sleep(0.05)
            assert not relay.subscribed.is_set()
            await nothing_more(billing)

    asyncio.run(scenario())


def test_a_lost_subscription_comes_back_and_its_consoles_reload(redis_port: int) -> None:
    async def scenario() -> None:
        async with relays(redis_port) as (one, two):
            billing_two = console(two, ["billing"])
            # Cut the second process's connections, as a Redis restart would.
            admin = SyncRedis(host="127.0.0.1", port=redis_port)
            name = two.client_factory(True).connection_pool.connection_kwargs["client_name"]
            try:
                killed = [
                    admin.client_kill_filter(_id=client["id"])
                    for client in admin.client_list()
                    if client.get("name") == name
                ]
            finally:
                admin.close()
            assert killed
            # Subscribed again: told to reload (pushes may have been missed meanwhile).
            assert await next_event(billing_two) == OVERFLOW_EVENT
            await subscribers(one.channel, 2, redis_port)
            one.hub.publish({"type": "queue_changed", "after": "reconnect"}, ["billing"])
            assert (await next_event(billing_two))["after"] == "reconnect"
            await nothing_more(billing_two)

    asyncio.run(scenario())


def test_a_process_skips_its_own_messages_and_anything_not_a_push() -> None:
    hub = AgentHub()
    relay = RedisRelay(hub, lambda subscriber: None, "unused")
    event = {"type": "queue_changed"}
    assert decode(encode("abc", event, frozenset({"billing"}))) == (
        "abc",
        event,
        frozenset({"billing"}),
    )
    assert relay.receive(encode(relay.origin, event, frozenset({"billing"}))) is False
    assert relay.receive(encode("another", event, frozenset({"billing"}))) is True
    for junk in (b"", b"not json", b"[]", b'{"origin": 1, "event": {}, "departments": []}',
                 b'{"origin": "x", "event": {}, "departments": [3]}'):  # fmt: skip
        assert decode(junk) is None
        assert relay.receive(junk) is False


def test_forward_before_start_is_a_no_op() -> None:
    """A hub without a running relay (tools, the app before its lifespan) stays in-process."""
    hub = AgentHub()
    relay = RedisRelay(hub, lambda subscriber: None, "unused")
    relay.forward({"type": "x"}, frozenset())  # no loop yet: nothing to hand it to
    assert relay.dropped == 0 and hub.relay is None


class Cuttable:
    """A TCP proxy in front of the real Redis that can be cut (every connection dropped, new
    ones refused) and restored on the same port: a Redis outage without stopping the server
    other tests use."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()  # no new connections
        for pipe in list(self._pipes):
            pipe.cancel()  # each closes its writer: the open connections drop
        await asyncio.wait_for(self._server.wait_closed(), 5)
        self._server = None

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            finally:
                sink.close()

        tasks = [
            asyncio.create_task(pipe(reader, upstream_writer)),
            asyncio.create_task(pipe(upstream_reader, writer)),
        ]
        self._pipes.update(tasks)
        for task in tasks:
            task.add_done_callback(self._pipes.discard)


def test_a_redis_outage_degrades_and_the_relay_recovers(redis_port: int) -> None:
    async def scenario() -> None:
        proxy = Cuttable(redis_port)
        await proxy.open()
        channel = f"test:{uuid.uuid4().hex}:agent-events"
        # The first process reaches Redis only through the proxy; the second directly.
        one = RedisRelay(AgentHub(), factory(proxy.port, "relay-test-cut"), channel)
        two = RedisRelay(AgentHub(), factory(redis_port, "relay-test-direct"), channel)
        await one.start()
        await two.start()
        try:
            await subscribers(channel, 2, redis_port)
            billing_one, billing_two = console(one, ["billing"]), console(two, ["billing"])
            await proxy.cut()
            deadline = time.monotonic() + 10
            while one.subscribed.is_set():
                assert time.monotonic() < deadline, "the lost subscription went unnoticed"
                await asyncio.sleep(0.05)
            # Meanwhile: each process's own consoles still hear its pushes; nothing raises.
            one.hub.publish({"type": "queue_changed", "n": 1}, ["billing"])
            two.hub.publish({"type": "queue_changed", "n": 2}, ["billing"])
            assert (await next_event(billing_one))["n"] == 1
            assert (await next_event(billing_two))["n"] == 2
            await nothing_more(billing_one, billing_two)  # the other's is lost: they poll
            await proxy.open()
            # Back: the consoles of the process that was cut off are told to reload.
            assert await next_event(billing_one, timeout=15) == OVERFLOW_EVENT
            await subscribers(channel, 2, redis_port)
            two.hub.publish({"type": "queue_changed", "n": 3}, ["billing"])
            assert (await next_event(billing_one))["n"] == 3
            assert (await next_event(billing_two))["n"] == 3
            await nothing_more(billing_one, billing_two)
        finally:
            await one.stop()
            await two.stop()
            if proxy._server is not None:
                await proxy.cut()

    asyncio.run(scenario())

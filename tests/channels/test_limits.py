"""Rate limits, redelivery memory and their stores (channels/limits.py, channels/redelivery.py,
channels/shared_store.py): in memory, and in the machine's real Redis as production settings
use it, where two stores (two processes) see the same counts and claims."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from channels.deployment import SettingsError, is_production
from channels.limits import (
    CLIENT_RATE,
    SENDER_RATE,
    SLOW_DOWN,
    Rate,
    RateLimits,
    client_address,
    slow_down_text,
)
from channels.redelivery import Redeliveries
from channels.shared_store import MemoryStore, RedisStore, store_from_environment
from devstack.processes import free_port
from tests.support.services import require_service


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rates_are_read_as_messages_per_seconds_or_off() -> None:
    assert Rate.parse("20/60", "X") == Rate(20, 60)
    assert Rate.parse("off", "X") is None
    for bad in ("20", "a/b", "0/60", "5/0", "-1/60", "20/60/1"):
        with pytest.raises(SettingsError, match="X"):
            Rate.parse(bad, "X")
    defaults = RateLimits.from_environment(MemoryStore(), {})
    assert (defaults.sender, defaults.client) == (SENDER_RATE, CLIENT_RATE)
    configured = RateLimits.from_environment(
        MemoryStore(), {"CAREDESK_SENDER_RATE": "3/10", "CAREDESK_CLIENT_RATE": "off"}
    )
    assert (configured.sender, configured.client) == (Rate(3, 10), None)


def test_a_sender_over_its_rate_is_refused_and_told_once_per_window() -> None:
    clock = Clock()
    limits = RateLimits(MemoryStore(clock=clock), Rate(3, 60), None)

    async def burst(count: int) -> list[tuple[bool, bool]]:
        verdicts = [await limits.check("rest", "an") for _ in range(count)]
        return [(v.allowed, v.notify) for v in verdicts]

    assert asyncio.run(burst(6)) == [(True, False)] * 3 + [(False, True)] + [(False, False)] * 2
    assert asyncio.run(limits.check("rest", "binh")).allowed  # another conversation
    assert asyncio.run(limits.check("socketio", "an")).allowed  # the same id on another channel
    clock.now += 60  # the next window
    assert asyncio.run(burst(4))[2:] == [(True, False), (False, True)]


def test_a_fresh_sender_per_message_does_not_escape_the_client_limit() -> None:
    limits = RateLimits(MemoryStore(), Rate(100, 60), Rate(4, 60))

    async def run() -> list[bool]:
        return [
            (await limits.check("rest", f"sender-{n}", "203.0.113.7")).allowed for n in range(6)
        ]

    assert asyncio.run(run()) == [True] * 4 + [False] * 2
    verdict = asyncio.run(limits.check("rest", "sender-x", "203.0.113.7"))
    assert (verdict.limit, verdict.retry_after) == ("client", 60)
    assert asyncio.run(limits.check("rest", "sender-y", "198.51.100.2")).allowed


def test_the_notice_is_in_the_customers_language_or_both() -> None:
    assert slow_down_text("vi") == SLOW_DOWN["vi"] and "vui lòng" in SLOW_DOWN["vi"]
    assert slow_down_text("en") == SLOW_DOWN["en"]
    assert slow_down_text(None) == f"{SLOW_DOWN['vi']}\n\n{SLOW_DOWN['en']}"
    assert slow_down_text(["vi"]) == slow_down_text(None)  # metadata is the client's to send


def test_the_client_address_is_the_proxys_when_sanic_trusts_it_else_the_peer() -> None:
    class Request:
        def __init__(self, remote_addr: str, ip: str) -> None:
            self.remote_addr, self.ip = remote_addr, ip

    assert client_address(Request("203.0.113.7", "10.0.0.2")) == "203.0.113.7"
    assert client_address(Request("", "10.0.0.2")) == "10.0.0.2"


def test_memory_claims_expire_and_stay_bounded() -> None:
    clock = Clock()
    store = MemoryStore(size=2, clock=clock)

    async def run() -> list[bool]:
        first = [await store.claim("a", 10), await store.claim("a", 10)]
        clock.now += 11
        expired = [await store.claim("a", 10)]
        await store.claim("b", 10)
        await store.claim("c", 10)  # "a" is the oldest: forgotten
        return [*first, *expired, await store.claim("a", 10)]

    assert asyncio.run(run()) == [True, False, True, True]


def test_production_settings_need_redis_and_development_keeps_memory() -> None:
    assert not is_production({}) and is_production({"CAREDESK_ENV": "production"})
    with pytest.raises(SettingsError, match="CAREDESK_ENV"):
        is_production({"CAREDESK_ENV": "prod"})
    assert isinstance(store_from_environment({}), MemoryStore)
    with pytest.raises(SettingsError, match="REDIS_HOST"):
        store_from_environment({"CAREDESK_ENV": "production"})
    redis_store = store_from_environment(
        {"CAREDESK_ENV": "production", "REDIS_HOST": "10.0.0.5", "REDIS_KEY_PREFIX": "shop1"}
    )
    assert isinstance(redis_store, RedisStore)
    assert (redis_store.host, redis_store.port, redis_store.prefix) == (
        "10.0.0.5",
        6379,
        "shop1:channels:",
    )


# -- the machine's Redis, as production settings use it ---------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, int, str]]:
    host, port = require_service("redis")
    import redis

    prefix = f"caredesktest{uuid.uuid4().hex[:8]}"
    yield host, port, prefix
    client = redis.Redis(host=host, port=port)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.mark.redis
def test_two_processes_share_redeliveries_and_counts_in_redis(redis_prefix) -> None:
    host, port, prefix = redis_prefix

    async def run() -> tuple[list[bool], list[bool]]:
        replica_a, replica_b = RedisStore(host, port, 0, prefix), RedisStore(host, port, 0, prefix)
        try:
            seen_a, seen_b = Redeliveries(replica_a), Redeliveries(replica_b)
            delivered = [
                await seen_a.first_time("telegram", "500001"),
                await seen_b.first_time("telegram", "500001"),  # Telegram's retry, elsewhere
                await seen_b.first_time("facebook", "500001"),  # another channel's id
            ]
            limits_a = RateLimits(replica_a, Rate(3, 3600), None)
            limits_b = RateLimits(replica_b, Rate(3, 3600), None)
            allowed = [
                (await limits.check("telegram", "42")).allowed
                for limits in (limits_a, limits_b, limits_a, limits_b)
            ]
            return delivered, allowed
        finally:
            await replica_a.close()
            await replica_b.close()

    assert asyncio.run(run()) == ([True, False, True], [True, True, True, False])


@pytest.mark.redis
def test_redeliveries_expire_in_redis(redis_prefix) -> None:
    host, port, prefix = redis_prefix
    import redis

    async def claim() -> bool:
        store = RedisStore(host, port, 0, prefix)
        try:
            return await Redeliveries(store, seconds=60).first_time("zalo", "msg:abc")
        finally:
            await store.close()

    assert asyncio.run(claim())
    client = redis.Redis(host=host, port=port)
    try:
        assert 0 < client.pttl(f"{prefix}:channels:seen:zalo:msg:abc") <= 60_000
    finally:
        client.close()


def test_an_unreachable_redis_lets_messages_through_and_says_so(caplog) -> None:
    store = RedisStore("127.0.0.1", free_port(), 0, "nothing-listens")

    async def run() -> tuple[bool, bool, bool]:
        try:
            limits = RateLimits(store, Rate(1, 60), None)
            return (
                await store.claim("seen:telegram:1", 60),
                (await limits.check("telegram", "42")).allowed,
                (await limits.check("telegram", "42")).allowed,
            )
        finally:
            await store.close()

    assert asyncio.run(run()) == (True, True, True)
    assert "did not answer" in caplog.text

"""The webhook guard every messaging channel shares (channels/webhook_guard.py): size, origin,
redeliveries and rates in that order, counted in an in-memory shared store (no server)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.limits import Rate, RateLimits
from channels.redelivery import Redeliveries
from channels.shared_store import MemoryStore
from channels.webhook_guard import (
    ACCEPTED,
    DUPLICATE,
    RATE_LIMITED,
    Refusal,
    WebhookGuard,
    same_secret,
    secret_header,
)

HEADER = "X-Secret"
RATE = Rate(2, 60)


def guard(origin: Any = None, *, rate: Rate | None = RATE) -> WebhookGuard:
    store = MemoryStore()
    return WebhookGuard(
        "test",
        max_body_bytes=100,
        origin=origin or secret_header(HEADER, "s3cret"),
        redelivery=Redeliveries(store),
        limits=RateLimits(store, rate, None),
    )


def test_a_body_over_the_limit_is_413_before_its_origin_is_checked():
    asked: list[bytes] = []

    def origin(body: bytes, _headers: Any) -> Refusal | None:
        asked.append(body)
        return None

    checked = guard(origin)
    refusal = checked.check(b"x" * 101, {})
    assert refusal is not None and (refusal.status, refusal.reason) == (413, "body too large")
    assert asked == []
    assert checked.check(b"x" * 100, {}) is None and asked == [b"x" * 100]


def test_the_origin_decides_for_a_body_within_the_limit():
    checked = guard()
    assert checked.check(b"{}", {HEADER: "s3cret"}) is None
    for headers in ({}, {HEADER: ""}, {HEADER: "s3cre"}, {HEADER: "s3cret "}, {HEADER: "sécret"}):
        refusal = checked.check(b"{}", headers)
        assert refusal is not None and (refusal.status, refusal.reason) == (403, "forbidden")


def test_without_a_secret_every_request_passes_the_secret_header_check():
    assert secret_header(HEADER, None)(b"{}", {}) is None  # development settings only


def test_secrets_compare_equal_only_when_equal_and_any_text_is_safe():
    assert same_secret("abc", "abc")
    assert not same_secret("abd", "abc")
    assert not same_secret("", "abc")
    assert not same_secret("ábc\ud800", "abc")  # non-ASCII, even a lone surrogate: no error


def test_a_refusal_answers_its_status_and_reason_and_logs_the_detail(caplog):
    with caplog.at_level(logging.WARNING, logger="channels.webhook_guard"):
        answer = guard().refuse(Refusal(403, "forbidden", "missing or wrong secret token"))
    assert answer.status == 403 and json.loads(answer.body) == {"error": "forbidden"}
    assert "test: webhook request refused (403): missing or wrong secret token" in caplog.text


def test_a_redelivery_is_admitted_once_and_does_not_count_against_the_rate():
    checked = guard()

    async def run() -> list[str]:
        return [(await checked.admit(d, "an")).status for d in ("u1", "u1", "u1", "u2", None)]

    assert asyncio.run(run()) == [ACCEPTED, DUPLICATE, DUPLICATE, ACCEPTED, RATE_LIMITED]


def test_a_sender_over_the_rate_is_told_once_per_window():
    checked = guard()

    async def run() -> list[tuple[str, bool]]:
        admitted = [await checked.admit(f"m{n}", "an") for n in range(5)]
        return [(a.status, a.notify) for a in admitted]

    assert asyncio.run(run()) == [
        (ACCEPTED, False),
        (ACCEPTED, False),
        (RATE_LIMITED, True),
        (RATE_LIMITED, False),
        (RATE_LIMITED, False),
    ]
    assert asyncio.run(checked.admit("m9", "binh")).accepted  # another sender


def test_events_nobody_typed_are_deduplicated_but_not_counted():
    checked = guard(rate=Rate(1, 60))

    async def run() -> list[str]:
        events = [await checked.admit(f"follow{n}", "an", count_rate=False) for n in range(3)]
        again = await checked.admit("follow0", "an", count_rate=False)
        typed = await checked.admit("text1", "an")
        return [a.status for a in [*events, again, typed]]

    assert asyncio.run(run()) == [ACCEPTED, ACCEPTED, ACCEPTED, DUPLICATE, ACCEPTED]

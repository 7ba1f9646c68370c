"""The typing throttle kept in the machine's real Redis (services/typing_gate.py): two gates
stand for two back-office processes, and between them the rule holds as within one."""

from __future__ import annotations

import time
import uuid

import pytest

from backoffice.core.shared_redis import SharedRedis
from backoffice.helpdesk.services.typing_gate import SharedTypingGate, gate_key
from caredesk_rules.typing import TypingGate
from devstack.processes import free_port
from tests.support.services import require_service

INTERVAL = 0.3  # seconds; the real one is 2 s (caredesk_rules/typing.py)


def gate(port: int, prefix: str) -> SharedTypingGate:
    """A gate on the client the app makes (timeouts, retries: core/shared_redis.py)."""
    client = SharedRedis("127.0.0.1", port, 0, "unused").sync_client()
    return SharedTypingGate(client, prefix, interval=INTERVAL)


@pytest.mark.redis
def test_two_processes_keep_one_rule() -> None:
    port = require_service("redis")[1]
    prefix = f"test:{uuid.uuid4().hex}:typing:"
    one, two = gate(port, prefix), gate(port, prefix)
    key = ("customer", "c-1")
    try:
        assert one.allow(key, True) is True
        assert two.allow(key, True) is False  # within the interval, whichever process
        assert one.allow(("customer", "c-2"), True) is True  # another conversation
        assert two.allow(key, False) is True  # "stopped" after the "typing" that passed
        assert one.allow(key, False) is False  # once
        assert two.allow(key, True) is True  # a "typing" after a "stopped" passes at once
        assert one.allow(key, True) is False
        time.sleep(INTERVAL + 0.05)
        assert one.allow(key, True) is True
        # What the gate keeps: one key per side of a conversation, forgotten when quiet.
        ttl = one.client.pttl(prefix + gate_key(key))
        assert 0 < ttl <= 60_000
    finally:
        one.client.delete(prefix + gate_key(key), prefix + gate_key(("customer", "c-2")))
        one.close()
        two.close()


def test_without_redis_the_process_throttles_alone() -> None:
    """Redis away: no error and no long wait; the rule still holds within the process."""
    away = gate(free_port(), "test:typing:")
    try:
        started = time.monotonic()
        assert away.allow(("agent", "c-1"), True) is True
        assert away.allow(("agent", "c-1"), True) is False
        assert away.allow(("agent", "c-1"), False) is True
        assert time.monotonic() - started < 1.0  # refused at once, then not asked for a while
        assert isinstance(away.fallback, TypingGate)
    finally:
        away.close()


def test_gate_keys_name_the_side_and_the_conversation() -> None:
    assert gate_key(("customer", "t-1")) == "customer:t-1"
    assert gate_key("plain") == "plain"

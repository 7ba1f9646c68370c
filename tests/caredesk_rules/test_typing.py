"""The one rule for how often a typing signal passes (caredesk_rules/typing.py)."""

from __future__ import annotations

from caredesk_rules.typing import GATE_MAX_KEYS, TypingGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_typing_passes_once_per_interval_and_stopped_once_after_it() -> None:
    clock = Clock()
    gate = TypingGate(2.0, clock)
    assert gate.allow("a", False) is False  # nothing to stop
    assert gate.allow("a", True) is True
    assert [gate.allow("a", True) for _ in range(50)] == [False] * 50
    clock.now += 1.9
    assert gate.allow("a", True) is False
    clock.now += 0.1
    assert gate.allow("a", True) is True  # still typing: told again
    assert gate.allow("a", False) is True
    assert gate.allow("a", False) is False
    assert gate.allow("a", True) is True  # typing again right after stopping
    assert gate.allow("b", True) is True  # another conversation is its own


def test_a_flood_of_keys_is_forgotten_oldest_first() -> None:
    clock = Clock()
    gate = TypingGate(2.0, clock)
    for n in range(GATE_MAX_KEYS + 50):
        assert gate.allow(n, True)
    assert len(gate._last) <= GATE_MAX_KEYS
    assert gate.allow(GATE_MAX_KEYS + 49, True) is False  # the newest are remembered

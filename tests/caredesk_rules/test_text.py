"""Cutting long answers into messages a platform accepts (caredesk_rules.text)."""

from __future__ import annotations

import pytest

from caredesk_rules.text import split_text

ZALO_LIMIT = 2000  # characters (channels/zalo_api.py)


def test_short_text_is_one_piece():
    assert split_text("  Xin chào  ", ZALO_LIMIT) == ["Xin chào"]


def test_long_text_is_cut_at_word_ends_within_the_limit():
    text = " ".join(f"word{i}" for i in range(1000))  # about 6,900 characters
    pieces = split_text(text, ZALO_LIMIT)
    assert len(pieces) == 4 and all(len(p) <= 2000 for p in pieces)
    assert " ".join(pieces) == text


def test_paragraphs_are_preferred_as_cut_points():
    text = "a" * 1500 + "\n\n" + "b " * 400
    pieces = split_text(text, ZALO_LIMIT)
    assert pieces[0] == "a" * 1500 and pieces[1].startswith("b")


def test_text_without_spaces_is_cut_hard():
    pieces = split_text("x" * 4500, ZALO_LIMIT)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_a_separator_in_the_first_half_is_not_used():
    assert split_text("ab cdefghij", 8) == ["ab cdefg", "hij"]


def test_a_custom_measure_counts_the_limit():
    double = lambda s: 2 * len(s)  # noqa: E731
    assert split_text("abcdef", 4, double) == ["ab", "cd", "ef"]


def test_nothing_to_say_is_no_message():
    assert split_text("   ", 10) == []


def test_the_limit_must_allow_a_character():
    with pytest.raises(ValueError):
        split_text("x", 0)

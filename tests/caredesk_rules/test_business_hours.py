"""The departments file's hours, read the same way by the back office and the action server,
and its time zone, read the same way by the back office and the chat channel."""

from __future__ import annotations

import pytest

from caredesk_rules.business_hours import DEFAULT_TIME_ZONE, parse_week, time_zone_name


def test_day_ranges_and_single_days() -> None:
    week = parse_week({"mon-sat": "08:00-21:00", "sun": "09:00-18:00"})
    assert week == {d: (480, 1260) for d in range(6)} | {6: (540, 1080)}


def test_a_day_not_listed_is_closed() -> None:
    assert set(parse_week({"mon-fri": "09:00-18:00"})) == {0, 1, 2, 3, 4}


def test_the_whole_day() -> None:
    assert parse_week({"mon-sun": "00:00-24:00"})[6] == (0, 1440)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({}, "must map days"),
        ({"mon": "8-21"}, "is not 'HH:MM-HH:MM'"),
        ({"mon": "21:00-08:00"}, "closing time is not after opening time"),
        ({"sat-mon": "08:00-09:00"}, "runs backwards"),
        ({"mon-fri": "08:00-09:00", "fri": "10:00-11:00"}, "fri is given twice"),
        ({"weekdays": "08:00-09:00"}, "is not a day or day range"),
        ({"mon": "08:60-09:00"}, "is not a time of day"),
    ],
)
def test_mistakes_are_named(raw: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_week(raw, "where")


def test_the_shops_time_zone_is_the_files_or_vietnams() -> None:
    assert time_zone_name({"timezone": "Asia/Bangkok"}) == "Asia/Bangkok"
    assert time_zone_name({}) == DEFAULT_TIME_ZONE == "Asia/Ho_Chi_Minh"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        time_zone_name({"timezone": "Mars/Olympus"})

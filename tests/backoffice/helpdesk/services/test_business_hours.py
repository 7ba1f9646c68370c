"""Opening hours and reply promises, from the departments file the retailer edits."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from backoffice.core.config import ConfigError
from backoffice.helpdesk.services.business_hours import (
    Department,
    DepartmentDirectory,
    WeeklySchedule,
    from_routing,
    load_directory,
)
from backoffice.helpdesk.services.routing.departments import DEFAULT_CONFIG, parse_config
from caredesk_rules.departments import DEPARTMENT_KEYS

SHIPPED: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
ALWAYS = (((0, 1440),),) * 7
WEEKDAYS_8_TO_17 = (((480, 1020),),) * 5 + ((), ())
WEEKDAYS_AND_SATURDAY_MORNING = (*WEEKDAYS_8_TO_17[:5], ((480, 720),), ())


def directory(
    hours: dict[str, str], minutes: int = 30, zone: str = "Asia/Ho_Chi_Minh"
) -> DepartmentDirectory:
    """The shipped file with every department given `hours`, read the way the service reads it."""
    raw = copy.deepcopy(SHIPPED)
    raw["timezone"] = zone
    for department in raw["departments"].values():
        department["business_hours"] = hours
        department["first_response_minutes"] = minutes
    return from_routing(parse_config(raw).departments, "test")


@pytest.mark.parametrize(
    ("hours", "days"),
    [
        ({"mon-fri": "08:00-17:00"}, WEEKDAYS_8_TO_17),
        ({"mon-sun": "00:00-24:00"}, ALWAYS),
        ({"mon-fri": "08:00-17:00", "sat": "08:00-12:00"}, WEEKDAYS_AND_SATURDAY_MORNING),
        ({"sun": "22:00-23:30"}, ((),) * 6 + (((1320, 1410),),)),
    ],
)  # fmt: skip
def test_the_files_hours_become_the_weekly_schedule(
    hours: dict[str, str], days: tuple[Any, ...]
) -> None:
    schedule = directory(hours).get("billing").schedule
    assert schedule.days == days


def test_open_is_judged_in_the_files_time_zone() -> None:
    london = directory({"mon-fri": "08:00-17:00"}, zone="Europe/London")
    saigon = directory({"mon-fri": "08:00-17:00"})
    wednesday_3_utc = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)  # 3:00 London, 10:00 Saigon
    assert not london.is_open("billing", wednesday_3_utc)
    assert saigon.is_open("billing", wednesday_3_utc)
    assert not saigon.is_open("billing", datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc))  # 17:00
    assert london.tz == ZoneInfo("Europe/London")
    # The name browsers take: the console shows every time on the shop's clock.
    assert (london.time_zone, saigon.time_zone) == ("Europe/London", "Asia/Ho_Chi_Minh")


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("now", "en", "vi"),
    [
        (_utc(2026, 3, 4, 3, 0), "by 10:30 today", "trước 10:30 hôm nay"),  # Wednesday 10:00
        (
            _utc(2026, 3, 4, 9, 50),
            "by 8:20 tomorrow",
            "trước 8:20 ngày mai",
        ),  # 16:50: 10 min left today
        (
            _utc(2026, 3, 6, 12, 0),
            "by 8:30 on Monday 9 March",
            "trước 8:30 thứ Hai, ngày 09/03",
        ),  # Friday 19:00
        (
            _utc(2026, 3, 4, 3, 1, 30),
            "by 10:35 today",
            "trước 10:35 hôm nay",
        ),  # rounded up to 5 minutes
    ],
)
def test_expected_reply_counts_opening_time(now: datetime, en: str, vi: str) -> None:
    promise = directory({"mon-fri": "08:00-17:00"}).expected_reply("billing", now)
    assert (promise.en, promise.vi) == (en, vi)


def test_never_open_promises_no_time() -> None:
    closed = Department("sales", "Sales", "Kinh doanh", WeeklySchedule.never(), 30)
    never = DepartmentDirectory({"sales": closed}, ZoneInfo("Asia/Ho_Chi_Minh"), "test")
    promise = never.expected_reply("sales", datetime(2026, 3, 4, tzinfo=timezone.utc))
    assert promise.at is None
    assert promise.en == "as soon as the team is back"
    assert promise.vi == "ngay khi bộ phận làm việc trở lại"


def test_the_shipped_departments_file_loads() -> None:
    loaded = load_directory()
    assert set(loaded.keys()) == set(DEPARTMENT_KEYS)
    assert loaded.source == str(DEFAULT_CONFIG)
    for key in DEPARTMENT_KEYS:
        department = loaded.get(key)
        assert (department.name_en, department.name_vi) == (
            SHIPPED["departments"][key]["names"]["en"],
            SHIPPED["departments"][key]["names"]["vi"],
        )
        assert any(department.schedule.days)
        minutes = SHIPPED["departments"][key]["first_response_minutes"]
        assert department.first_response_minutes == minutes


def test_an_edited_departments_file_is_read_from_its_path(tmp_path: Path) -> None:
    raw = copy.deepcopy(SHIPPED)
    raw["departments"]["billing"]["business_hours"] = {"sat": "09:00-10:00"}
    edited = tmp_path / "departments.yml"
    edited.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    loaded = load_directory(edited)
    assert loaded.source == str(edited)
    assert loaded.get("billing").schedule.days == ((),) * 5 + (((540, 600),), ())


def test_a_broken_departments_file_stops_the_service(tmp_path: Path) -> None:
    broken = tmp_path / "departments.yml"
    broken.write_text("departments:\n  billing: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid departments config"):
        load_directory(broken)

"""Opening hours and reply promises, from the departments file the retailer edits."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from backoffice.core.config import ConfigError
from backoffice.services.business_hours import (
    DEPARTMENT_KEYS,
    WeeklySchedule,
    build_directory,
    load_directory,
    parse_business_hours,
)

ALWAYS = (((0, 1440),),) * 7
NEVER = ((),) * 7
WEEKDAYS_8_TO_17 = (((480, 1020),),) * 5 + ((), ())


@pytest.mark.parametrize(
    ("raw", "days"),
    [
        ("24/7", ALWAYS),
        (None, ALWAYS),
        ("closed", NEVER),
        ("08:00-17:00", (((480, 1020),),) * 7),
        ({"days": "mon-fri", "open": "08:00", "close": "17:00"}, WEEKDAYS_8_TO_17),
        ({"mon-fri": "8:00-17:00", "sat": "closed", "sun": None}, WEEKDAYS_8_TO_17),
        ({"weekdays": {"open": "8h00", "close": "17h00"}}, WEEKDAYS_8_TO_17),
        (["mon-fri 08:00-12:00", "mon-fri 12:00-17:00"], WEEKDAYS_8_TO_17),
        ({0: (480, 1020), 1: (480, 1020), 2: (480, 1020), 3: (480, 1020), 4: (480, 1020)},
         WEEKDAYS_8_TO_17),
        ({"sun": "22:00-02:00"}, (((0, 120),),) + ((),) * 5 + (((1320, 1440),),)),
    ],
)  # fmt: skip
def test_opening_hours_formats(raw: Any, days: tuple[Any, ...]) -> None:
    from backoffice.services.business_hours import _weekly_hours

    assert _weekly_hours(raw).days == days


@pytest.mark.parametrize("raw", ["8-", "25:00-26:00", {"funday": "08:00-17:00"}, {"days": "mon"}])
def test_unreadable_hours_are_refused(raw: Any) -> None:
    with pytest.raises(ValueError):
        parse_business_hours(raw)


def directory(hours: Any, minutes: int = 30) -> Any:
    config = {
        key: {"names": {"en": key, "vi": key}, "business_hours": hours,
              "first_response_minutes": minutes}
        for key in DEPARTMENT_KEYS
    }  # fmt: skip
    return build_directory({"departments": config}, "test")


@pytest.mark.parametrize(
    ("utc", "en", "vi"),
    [
        ((2026, 3, 4, 3, 0), "10:30 today", "10:30 hôm nay"),  # Wednesday 10:00
        ((2026, 3, 4, 9, 50), "8:20 tomorrow", "8:20 ngày mai"),  # 16:50: 10 min left today
        ((2026, 3, 6, 12, 0), "8:30 on Monday 09/03", "8:30 thứ Hai 09/03"),  # Friday 19:00
        ((2026, 3, 4, 3, 1, 30), "10:35 today", "10:35 hôm nay"),  # rounded up to 5 minutes
    ],
)
def test_expected_reply_counts_opening_time(utc: tuple[int, ...], en: str, vi: str) -> None:
    now = datetime(*utc, tzinfo=timezone.utc)  # type: ignore[misc]
    promise = directory("mon-fri 08:00-17:00").expected_reply("billing", now)
    assert (promise.en, promise.vi) == (en, vi)


def test_never_open_promises_no_time() -> None:
    promise = directory("closed").expected_reply("sales", datetime(2026, 3, 4, tzinfo=timezone.utc))
    assert promise.at is None
    assert promise.vi == "ngay khi bộ phận làm việc trở lại"
    assert not WeeklySchedule.never().ever_open


def test_the_shipped_departments_file_loads() -> None:
    loaded = load_directory()
    assert set(loaded.keys()) == set(DEPARTMENT_KEYS)
    for key in DEPARTMENT_KEYS:
        department = loaded.get(key)
        assert department.name_en and department.name_vi
        assert department.schedule.ever_open
        assert department.first_response_minutes > 0


def test_a_broken_departments_file_stops_the_service(tmp_path: Path) -> None:
    broken = tmp_path / "departments.yml"
    broken.write_text("departments:\n  billing: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_directory(broken)

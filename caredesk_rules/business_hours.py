"""Opening hours as departments.yml writes them: day or day range (mon..sun) -> "HH:MM-HH:MM",
in the file's `timezone`, the shop's clock.

One parser for the back office (routing, business hours, promised reply times) and the action
server (the opening hours the assistant tells customers), so both read the same week; one
reading of the time zone for the back office (its business hours, the console's times) and the
chat channel (the widget's times), so customers and agents read every time on the shop's clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

Week = dict[int, tuple[int, int]]  # weekday (0 = Monday) -> minutes after midnight, from, to
DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"


def time_zone_name(config: Mapping[str, object]) -> str:
    """The shop's time zone, an IANA name ("Asia/Ho_Chi_Minh"), from the loaded departments
    file (`timezone`, this default when absent); ValueError for a zone nobody knows. Browsers
    show times in it by name (Intl.DateTimeFormat's `timeZone`)."""
    name = str(config.get("timezone", DEFAULT_TIME_ZONE)).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone: unknown time zone '{name}'") from None
    return name


def _minutes(hh: str, mm: str, where: str) -> int:
    hour, minute = int(hh), int(mm)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(f"{where}: {hh}:{mm} is not a time of day")
    return hour * 60 + minute


def _days(spec: str, where: str) -> list[int]:
    parts = spec.strip().lower().split("-")
    if len(parts) not in (1, 2) or any(p not in WEEKDAYS for p in parts):
        raise ValueError(f"{where}: '{spec}' is not a day or day range like mon-sat")
    first, last = WEEKDAYS.index(parts[0]), WEEKDAYS.index(parts[-1])
    if last < first:
        raise ValueError(f"{where}: day range '{spec}' runs backwards")
    return list(range(first, last + 1))


def parse_week(raw: object, where: str = "business_hours") -> Week:
    """{"mon-sat": "08:00-21:00", "sun": "09:00-18:00"} -> {0: (480, 1260), ...}; a day not
    listed is closed. ValueError says what is wrong and where."""
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"{where} must map days (mon-sat, sun...) to 'HH:MM-HH:MM'")
    hours: Week = {}
    for spec, value in raw.items():
        match = _HOURS.match(str(value).strip())
        if not match:
            raise ValueError(f"{where}.{spec}: '{value}' is not 'HH:MM-HH:MM'")
        start = _minutes(match[1], match[2], f"{where}.{spec}")
        end = _minutes(match[3], match[4], f"{where}.{spec}")
        if end <= start:
            raise ValueError(f"{where}.{spec}: closing time is not after opening time")
        for day in _days(str(spec), where):
            if day in hours:
                raise ValueError(f"{where}: {WEEKDAYS[day]} is given twice")
            hours[day] = (start, end)
    return hours

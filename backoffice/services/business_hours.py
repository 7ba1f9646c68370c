"""Departments as the helpdesk needs them: names, opening hours, first-response target.

The retailer edits one file (`backoffice/config/departments.yml`, owned by the routing module,
`backoffice.services.routing.departments()`). This module is a small adapter over it: it takes
the routing module's view when that module exists, else reads the YAML itself, and turns the
opening hours into a weekly schedule that answers two questions: "is the department open
now?" and "by when can the customer expect a first reply?" (in both languages).

Opening hours are read tolerantly, because a retailer writes them by hand:

    business_hours: "24/7"                      # or "always"; "closed" = never open
    business_hours: "08:00-21:00"               # every day
    business_hours: {days: mon-fri, open: "08:00", close: "17:30"}
    business_hours: {mon-fri: "08:00-17:30", sat: "08:00-12:00", sun: closed}
    business_hours: ["mon-fri 08:00-12:00", "mon-fri 13:00-17:30"]

Times are in the file's `timezone` (default Asia/Ho_Chi_Minh). An interval that ends before
it starts runs past midnight.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from backoffice.core.config import REPO_ROOT, ConfigError
from backoffice.services.routing import DEPARTMENT_KEYS

logger = logging.getLogger(__name__)

DEFAULT_DEPARTMENTS_FILE = REPO_ROOT / "backoffice" / "config" / "departments.yml"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    **{day: (i,) for i, day in enumerate(DAYS)},
    **{
        name: (i,)
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "weekdays": (0, 1, 2, 3, 4),
    "weekday": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
    "weekends": (5, 6),
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "every day": tuple(range(7)),
    "all": tuple(range(7)),
    "*": tuple(range(7)),
}
_ALWAYS = {"24/7", "always", "24h", "24x7", "open"}
_NEVER = {"closed", "never", "none", "off", "-"}
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?$")
_RANGE_RE = re.compile(
    r"^\s*(?:(?P<days>.+?)\s+)?(?P<start>[\d:h.]+)\s*[-–]\s*(?P<end>[\d:h.]+)\s*$"
)
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_SEARCH_DAYS = 62  # how far ahead a promise is looked for

Interval = tuple[int, int]  # minutes after local midnight, end exclusive, 0 <= start < end <= 1440


@dataclass(frozen=True)
class WeeklySchedule:
    """Open intervals per weekday (Monday = 0), sorted and non-overlapping."""

    days: tuple[tuple[Interval, ...], ...]

    @classmethod
    def always(cls) -> WeeklySchedule:
        return cls(tuple(((0, 1440),) for _ in range(7)))

    @classmethod
    def never(cls) -> WeeklySchedule:
        return cls(tuple(() for _ in range(7)))

    @property
    def ever_open(self) -> bool:
        return any(self.days)

    def is_open(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.days[local.weekday()])

    def open_periods(self, local: datetime) -> Iterable[tuple[datetime, datetime]]:
        """Open periods (local datetimes) that end after `local`, in order, for two months."""
        tz = local.tzinfo
        for offset in range(_SEARCH_DAYS):
            day: date = local.date() + timedelta(days=offset)
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            for start, end in self.days[day.weekday()]:
                begin = midnight + timedelta(minutes=start)
                finish = midnight + timedelta(minutes=end)
                if finish > local:
                    yield max(begin, local), finish


@dataclass(frozen=True)
class Department:
    key: str
    name_en: str
    name_vi: str
    schedule: WeeklySchedule
    first_response_minutes: int

    def name(self, language: str) -> str:
        return self.name_vi if language == "vi" else self.name_en


@dataclass(frozen=True)
class ExpectedReply:
    at: datetime | None  # None: the department never opens (nobody can promise a time)
    en: str
    vi: str


@dataclass(frozen=True)
class DepartmentDirectory:
    departments: Mapping[str, Department]
    tz: tzinfo
    source: str

    def __contains__(self, key: object) -> bool:
        return key in self.departments

    def keys(self) -> tuple[str, ...]:
        return tuple(self.departments)

    def get(self, key: str) -> Department:
        return self.departments[key]

    def is_open(self, key: str, now: datetime) -> bool:
        return self.get(key).schedule.is_open(now.astimezone(self.tz))

    def expected_reply(
        self, key: str, since: datetime, now: datetime | None = None
    ) -> ExpectedReply:
        """When a first reply can be expected for a request made at `since`.

        `first_response_minutes` of opening time counted from `since` (outside the hours the
        clock starts at the next opening); worded relative to `now` in the shop's time zone.
        """
        department = self.get(key)
        at = _add_open_minutes(
            department.schedule, since.astimezone(self.tz), department.first_response_minutes
        )
        return describe_moment(at, (now or since).astimezone(self.tz))


def _add_open_minutes(schedule: WeeklySchedule, local: datetime, minutes: int) -> datetime | None:
    remaining = timedelta(minutes=minutes)
    for begin, finish in schedule.open_periods(local):
        available = finish - begin
        if available >= remaining:
            return begin + remaining
        remaining -= available
    return None


def describe_moment(at: datetime | None, now: datetime) -> ExpectedReply:
    if at is None:
        return ExpectedReply(
            None,
            "as soon as the team is back",
            "ngay khi bộ phận làm việc trở lại",
        )
    local = at.astimezone(now.tzinfo)
    # Round up to the next 5 minutes: a promise should not look more precise than it is.
    extra = (-local.minute) % 5
    if extra or local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=extra or 5)
    clock = f"{local.hour}:{local.minute:02d}"
    days = (local.date() - now.date()).days
    if days <= 0:
        en, vi = f"{clock} today", f"{clock} hôm nay"
    elif days == 1:
        en, vi = f"{clock} tomorrow", f"{clock} ngày mai"
    else:
        weekday = local.weekday()
        stamp = local.strftime("%d/%m")
        en = f"{clock} on {_WEEKDAY_EN[weekday]} {stamp}"
        vi = f"{clock} {_WEEKDAY_VI[weekday]} {stamp}"
    return ExpectedReply(local.astimezone(timezone.utc), en, vi)


# -- parsing ----------------------------------------------------------------------------------


def _minutes(text: str, *, end: bool = False) -> int:
    match = _TIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a time of day: {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    total = hours * 60 + minutes
    if minutes > 59 or total > 1440 or (total == 1440 and not end):
        raise ValueError(f"not a time of day: {text!r}")
    return total


def _days(spec: Any) -> tuple[int, ...]:
    if spec is None:
        return tuple(range(7))
    if isinstance(spec, int) and not isinstance(spec, bool) and 0 <= spec <= 6:
        return (spec,)
    if isinstance(spec, (list, tuple)):
        return tuple(sorted({d for part in spec for d in _days(part)}))
    text = str(spec).strip().lower()
    if text in _DAY_ALIASES:
        return _DAY_ALIASES[text]
    if "," in text:
        return _days([part for part in text.split(",") if part.strip()])
    for separator in ("..", "-", "–", " to "):
        if separator in text:
            first, _, last = text.partition(separator)
            a, b = _DAY_ALIASES.get(first.strip()), _DAY_ALIASES.get(last.strip())
            if a is None or b is None or len(a) != 1 or len(b) != 1:
                break
            start, stop = a[0], b[0]
            return tuple((start + i) % 7 for i in range((stop - start) % 7 + 1))
    raise ValueError(f"not a day or range of days: {spec!r}")


def _range(text: str) -> tuple[tuple[int, ...] | None, Interval]:
    match = _RANGE_RE.match(text)
    if not match:
        raise ValueError(f"not a range of hours like 08:00-17:30: {text!r}")
    days = _days(match.group("days")) if match.group("days") else None
    return days, (_minutes(match.group("start")), _minutes(match.group("end"), end=True))


class _Builder:
    def __init__(self) -> None:
        self.days: list[list[Interval]] = [[] for _ in range(7)]

    def add(self, days: Iterable[int], interval: Interval) -> None:
        start, end = interval
        for day in days:
            if end > start:
                self.days[day].append((start, end))
            elif end < start:  # past midnight
                self.days[day].append((start, 1440))
                if end:
                    self.days[(day + 1) % 7].append((0, end))
            # start == end: an empty interval, ignored

    def value(self, days: tuple[int, ...], value: Any) -> None:
        """One day group's hours: a range, a list of ranges, {open, close}, or closed."""
        if value is None or value is False:
            return
        if value is True:
            self.add(days, (0, 1440))
            return
        if isinstance(value, Mapping):
            self.add(days, _open_close(value))
            return
        if isinstance(value, (list, tuple)):
            for part in value:
                self.value(days, part)
            return
        text = str(value).strip().lower()
        if text in _NEVER:
            return
        if text in _ALWAYS:
            self.add(days, (0, 1440))
            return
        own_days, interval = _range(text)
        self.add(own_days or days, interval)

    def schedule(self) -> WeeklySchedule:
        merged: list[tuple[Interval, ...]] = []
        for intervals in self.days:
            out: list[Interval] = []
            for start, end in sorted(intervals):
                if out and start <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], end))
                else:
                    out.append((start, end))
            merged.append(tuple(out))
        return WeeklySchedule(tuple(merged))


def _open_close(value: Mapping[str, Any]) -> Interval:
    start = next((value[k] for k in ("open", "start", "from", "opens") if k in value), None)
    end = next((value[k] for k in ("close", "end", "to", "closes") if k in value), None)
    if start is None or end is None:
        hours = value.get("hours")
        if isinstance(hours, str):
            return _range(hours)[1]
        raise ValueError(f"needs open and close times: {dict(value)!r}")
    return _minutes(str(start)), _minutes(str(end), end=True)


_META_KEYS = {"timezone", "tz", "time_zone", "note", "notes", "description", "holidays"}
_OPEN_KEYS = {"open", "start", "from", "opens", "hours"}


def parse_business_hours(raw: Any) -> WeeklySchedule:
    if raw is None or raw is True:
        return WeeklySchedule.always()
    builder = _Builder()
    if isinstance(raw, Mapping):
        entries = {k: v for k, v in raw.items() if str(k).lower() not in _META_KEYS}
        for key in ("schedule", "weekly", "intervals", "ranges"):
            if key in entries:
                return parse_business_hours(entries[key])
        if "days" in entries or _OPEN_KEYS & set(entries):  # one group: {days?, open, close}
            builder.add(_days(entries.get("days")), _open_close(entries))
            return builder.schedule()
        for key, value in entries.items():  # {mon-fri: "08:00-17:30", sun: closed}
            builder.value(_days(key), value)
        return builder.schedule()
    if isinstance(raw, (list, tuple)):
        for item in raw:
            if isinstance(item, Mapping):
                part = parse_business_hours(item)
                for day, intervals in enumerate(part.days):
                    for interval in intervals:
                        builder.add((day,), interval)
            else:
                builder.value(tuple(range(7)), item)
        return builder.schedule()
    builder.value(tuple(range(7)), raw)
    return builder.schedule()


def _as_mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "dict") and callable(value.dict):  # pydantic models
        result: dict[str, Any] = value.dict()
        return result
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise ValueError(f"expected a mapping, got {type(value).__name__}")


def _names(config: Mapping[str, Any], key: str) -> tuple[str, str]:
    names = config.get("names") or config.get("name")
    if names is not None and not isinstance(names, str):
        names = _as_mapping(names)
        en, vi = names.get("en"), names.get("vi")
    else:
        en = config.get("name_en") or names
        vi = config.get("name_vi") or en
    fallback = key.replace("_", " ").capitalize()
    return str(en or fallback), str(vi or en or fallback)


def _timezone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name or DEFAULT_TIMEZONE))
    except (ZoneInfoNotFoundError, ValueError):
        if str(name or DEFAULT_TIMEZONE) == DEFAULT_TIMEZONE:
            return timezone(timedelta(hours=7), "ICT")  # no tz database; Vietnam has no DST
        raise ValueError(f"unknown time zone {name!r}") from None


def build_directory(raw: Any, source: str) -> DepartmentDirectory:
    """Validate a departments config (the YAML's content or the routing module's view)."""
    try:
        data = _as_mapping(raw)
        tz_name = data.get("timezone") or data.get("tz")
        if "departments" in data:
            data = _as_mapping(data["departments"])
        departments: dict[str, Department] = {}
        problems: list[str] = []
        for key, value in data.items():
            if key in ("timezone", "tz", "version", "defaults"):
                continue
            try:
                config = _as_mapping(value)
                hours = config.get("business_hours", config.get("hours"))
                if isinstance(hours, Mapping):
                    tz_name = tz_name or hours.get("timezone") or hours.get("tz")
                minutes = int(config.get("first_response_minutes", 60))
                if not 0 < minutes <= 60 * 24 * 14:
                    raise ValueError("first_response_minutes must be 1 to 20160")
                en, vi = _names(config, key)
                departments[str(key)] = Department(
                    str(key), en, vi, parse_business_hours(hours), minutes
                )
            except (ValueError, TypeError) as exc:
                problems.append(f"{key}: {exc}")
        missing = [key for key in DEPARTMENT_KEYS if key not in departments]
        if missing:
            problems.append(f"missing departments {missing}")
        if problems:
            raise ValueError("; ".join(problems))
        return DepartmentDirectory(departments, _timezone(tz_name), source)
    except ValueError as exc:
        raise ConfigError(f"invalid departments config ({source}): {exc}") from None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the departments file {path}: {exc}") from None


def _routing_departments() -> Callable[..., Any] | None:
    try:
        from backoffice.services import routing
    except ImportError:
        return None
    function = getattr(routing, "departments", None)
    return function if callable(function) else None


def _weekly_hours(raw: Any) -> WeeklySchedule:
    """The routing module's `{weekday: (from_minute, to_minute)}`, else the tolerant parser."""
    if isinstance(raw, Mapping) and raw and all(isinstance(k, int) for k in raw):
        builder = _Builder()
        for day, (start, end) in raw.items():
            if not 0 <= day <= 6 or not 0 <= start <= 1440 or not 0 <= end <= 1440:
                raise ValueError(f"bad opening hours {day}: {start}-{end}")
            builder.add((day,), (int(start), int(end)))
        return builder.schedule()
    return parse_business_hours(raw)


def from_routing(departments: Mapping[str, Any], source: str) -> DepartmentDirectory:
    """Adapt `backoffice.services.routing.departments()` (key -> Department objects)."""
    try:
        built: dict[str, Department] = {}
        zone: tzinfo | None = None
        for key, item in departments.items():
            names = getattr(item, "names", None) or {}
            en = str(names.get("en") or key)
            vi = str(names.get("vi") or en)
            built[key] = Department(
                key,
                en,
                vi,
                _weekly_hours(getattr(item, "business_hours", None)),
                int(item.first_response_minutes),
            )
            zone = zone or getattr(item, "timezone", None)
        missing = [key for key in DEPARTMENT_KEYS if key not in built]
        if missing:
            raise ValueError(f"missing departments {missing}")
        return DepartmentDirectory(built, zone or _timezone(None), source)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"invalid departments config ({source}): {exc}") from None


def load_directory(path: Path | None = None) -> DepartmentDirectory:
    """The routing module's view of `path` (HELPDESK_DEPARTMENTS_FILE) or of its default file;
    without that module, the YAML read here; without the file, built-in defaults."""
    routing_departments = _routing_departments()
    if routing_departments is not None:
        try:
            loaded = routing_departments(path) if path is not None else routing_departments()
        except ValueError as exc:  # routing.RoutingConfigError
            raise ConfigError(f"invalid departments config: {exc}") from None
        return from_routing(loaded, str(path or DEFAULT_DEPARTMENTS_FILE))
    target = path or DEFAULT_DEPARTMENTS_FILE
    if target.exists() or path is not None:
        return build_directory(_read_yaml(target), str(target))
    logger.warning(
        "no departments config (%s): using built-in defaults, 8:00-21:00 every day", target
    )
    return build_directory(BUILTIN_DEPARTMENTS, "built-in defaults")


BUILTIN_DEPARTMENTS: dict[str, Any] = {
    "timezone": DEFAULT_TIMEZONE,
    "departments": {
        key: {"names": {"en": en, "vi": vi}, "business_hours": "08:00-21:00",
              "first_response_minutes": minutes}
        for key, en, vi, minutes in (
            ("customer_support", "Customer support", "Chăm sóc khách hàng", 15),
            ("after_sales", "After-sales and warranty", "Bảo hành và hậu mãi", 60),
            ("billing", "Billing and payments", "Thanh toán và hoàn tiền", 30),
            ("logistics", "Delivery and logistics", "Giao vận", 30),
            ("sales", "Sales and corporate orders", "Kinh doanh và đơn hàng doanh nghiệp", 60),
            ("marketing", "Marketing and partnerships", "Marketing và hợp tác", 240),
            ("technical", "Technical support", "Hỗ trợ kỹ thuật", 30),
        )
    },
}  # fmt: skip

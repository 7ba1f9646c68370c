"""Departments as the helpdesk needs them: names, opening hours, first-response target.

The retailer edits one file (`backoffice/config/departments.yml`), parsed and validated once by
routing (helpdesk/services/routing/departments.py). This module only adapts routing's view
into a weekly schedule that answers two questions: "is the department open now?" and "by
when can the customer expect a first reply?" (in both languages, in the file's time zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path

from backoffice.core.config import ConfigError
from backoffice.helpdesk.services.routing import departments as routing_config
from caredesk_rules.formatting import reply_by

_SEARCH_DAYS = 62  # how far ahead a promise is looked for

Interval = tuple[int, int]  # minutes after local midnight, end exclusive, 0 <= start < end <= 1440


@dataclass(frozen=True)
class WeeklySchedule:
    """Open intervals per weekday (Monday = 0), sorted and non-overlapping."""

    days: tuple[tuple[Interval, ...], ...]

    @classmethod
    def never(cls) -> WeeklySchedule:
        return cls(tuple(() for _ in range(7)))

    @classmethod
    def from_hours(cls, hours: Mapping[int, Interval]) -> WeeklySchedule:
        """Routing's `{weekday: (from_minute, to_minute)}`; a day not listed is closed."""
        return cls(tuple(((hours[day],) if day in hours else ()) for day in range(7)))

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

    @property
    def time_zone(self) -> str:
        """The shop's time zone by its IANA name, as browsers take it: the console shows every
        time in it (QueueOut.time_zone)."""
        return str(getattr(self.tz, "key", None) or self.tz)

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

    def open_seconds(self, key: str, start: datetime, end: datetime) -> float:
        """Seconds the department was open between `start` and `end` (business hours)."""
        return open_seconds(
            self.get(key).schedule, start.astimezone(self.tz), end.astimezone(self.tz)
        )


def open_seconds(schedule: WeeklySchedule, start: datetime, end: datetime) -> float:
    """Seconds of opening time between two moments (local datetimes of the schedule's zone):
    a wait that spans a night counts only the hours the team was open. Looks two months
    ahead at most, like the promises."""
    if end <= start:
        return 0.0
    total = 0.0
    for begin, finish in schedule.open_periods(start):
        if begin >= end:
            break
        total += (min(finish, end) - begin).total_seconds()
    return total


def _add_open_minutes(schedule: WeeklySchedule, local: datetime, minutes: int) -> datetime | None:
    remaining = timedelta(minutes=minutes)
    for begin, finish in schedule.open_periods(local):
        available = finish - begin
        if available >= remaining:
            return begin + remaining
        remaining -= available
    return None


def describe_moment(at: datetime | None, now: datetime) -> ExpectedReply:
    """The promise in both languages, worded by caredesk_rules.formatting ("by 9:00 tomorrow",
    "trước 9:00 ngày mai"), rounded up to the next 5 minutes: a promise should not look more
    precise than it is."""
    if at is None:
        return ExpectedReply(None, reply_by(None, now, "en"), reply_by(None, now, "vi"))
    local = at.astimezone(now.tzinfo)
    extra = (-local.minute) % 5
    if extra or local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=extra or 5)
    return ExpectedReply(
        local.astimezone(timezone.utc), reply_by(local, now, "en"), reply_by(local, now, "vi")
    )


def from_routing(
    departments: Mapping[str, routing_config.Department], source: str
) -> DepartmentDirectory:
    """Adapt routing's validated departments (one time zone for the whole file)."""
    if not departments:
        raise ConfigError(f"invalid departments config ({source}): no departments")
    built = {
        key: Department(
            key,
            item.name("en"),
            item.name("vi"),
            WeeklySchedule.from_hours(item.business_hours),
            item.first_response_minutes,
        )
        for key, item in departments.items()
    }
    zone = next(iter(departments.values())).timezone
    return DepartmentDirectory(built, zone, source)


def load_directory(path: Path | None = None) -> DepartmentDirectory:
    """Routing's view of `path` (HELPDESK_DEPARTMENTS_FILE) or of its default file."""
    try:
        loaded = routing_config.departments(path)
    except routing_config.RoutingConfigError as exc:
        raise ConfigError(f"invalid departments config: {exc}") from None
    return from_routing(loaded, str(path or routing_config.DEFAULT_CONFIG))

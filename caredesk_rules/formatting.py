"""Money, phone numbers, dates, times, opening hours and addresses as a customer reads them, in
English or Vietnamese: the one definition the assistant's answers and the helpdesk's promises share
(docs/style-vi.md, rules 2-5 and 10).

- Money: "20.000đ" in Vietnamese, "20,000 VND" in English; nothing is worth "0đ" ("miễn phí").
- Phones: "0912 345 678", as people write them; "+84…" is only how they are stored.
- Clock times: 24-hour, minutes with two digits ("9:00", "21:30"); dates day first.
- Addresses in the two-level form, the same in both languages (place names are not translated).
- Whatever names a moment brings its own preposition ("trước 9:00 ngày mai", "by 9:00
  tomorrow", "qua số 0912 345 678"), so no template has to guess one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from caredesk_rules.contacts import canonical_email, canonical_phone

VI = "vi"
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_MONTH_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DAY_MINUTES = 24 * 60
_WHEN_BACK_EN = "as soon as the team is back"


# Vietnam time, UTC+7 all year (no daylight saving since 1975): a fixed offset needs no time
# zone database, which this package cannot count on (standard library only).
SHOP_TIMEZONE = timezone(timedelta(hours=7), "ICT")


def number(value: int, language: str) -> str:
    """1240 -> '1.240' (vi) or '1,240' (en)."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if language == VI else grouped


def money(amount_vnd: int, language: str) -> str:
    """1250000 -> '1.250.000đ' (vi) or '1,250,000 VND' (en); 0 -> 'miễn phí' / 'free'."""
    if amount_vnd == 0:
        return "miễn phí" if language == VI else "free"
    grouped = number(amount_vnd, language)
    return grouped + "đ" if language == VI else f"{grouped} VND"


def phone(value: str) -> str:
    """'+84912345678' -> '0912 345 678'; a number that is not a mobile one is left as written."""
    canonical = canonical_phone(value)
    if canonical is None:
        return value.strip()
    national = "0" + canonical[3:]
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def address(street: str, ward: str, province: str) -> str:
    """'12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh': house number and street, ward or
    commune, province or city (caredesk_rules.addresses reads what customers type)."""
    return ", ".join(part for part in (street, ward, province) if part)


def reply_channel(contact: str, language: str) -> str:
    """How a reply reaches the customer: 'qua số 0912 345 678' / 'on 0912 345 678',
    'qua email an@example.com' / 'at an@example.com'."""
    email = canonical_email(contact) if "@" in contact else None
    if email:
        return f"qua email {email}" if language == VI else f"at {email}"
    number = phone(contact)
    return f"qua số {number}" if language == VI else f"on {number}"


def local(value: datetime) -> datetime:
    """A moment in the shop's time zone (a naive one is taken as shop time already)."""
    return value.astimezone(SHOP_TIMEZONE) if value.tzinfo else value


def clock(value: datetime | int) -> str:
    """'9:00', '21:30': a datetime, or minutes after midnight (1440 is the day's end, '24:00')."""
    minutes = value if isinstance(value, int) else value.hour * 60 + value.minute
    return f"{minutes // 60}:{minutes % 60:02d}"


def day(value: date | datetime, language: str) -> str:
    """'07/12/2026' (vi) or '7 December 2026' (en), the shop's calendar day."""
    if isinstance(value, datetime):
        value = local(value).date()
    if language == VI:
        return value.strftime("%d/%m/%Y")
    return f"{value.day} {_MONTH_EN[value.month - 1]} {value.year}"


def short_day(value: date | datetime, language: str) -> str:
    """'07/12' (vi) or '7 Dec' (en): a recent day, where the year goes without saying."""
    if isinstance(value, datetime):
        value = local(value).date()
    if language == VI:
        return value.strftime("%d/%m")
    return f"{value.day} {_MONTH_EN[value.month - 1][:3]}"


def on_day(value: date | datetime, language: str) -> str:
    """A day something happens: 'ngày 07/12/2026' / 'on 7 December 2026'."""
    return ("ngày " if language == VI else "on ") + day(value, language)


def by_day(value: date | datetime, language: str) -> str:
    """A day something is due: 'trước ngày 19/11/2026' / 'by 19 November 2026'."""
    return ("trước ngày " if language == VI else "by ") + day(value, language)


def _relative(at: datetime, now: datetime, language: str) -> str:
    """'9:00 hôm nay', '9:00 ngày mai', '9:00 thứ Hai, ngày 09/03' (en: 'today', 'tomorrow',
    'on Monday 9 March'); further than a week: the full date. Worded in `now`'s time zone
    (the shop's when `now` has none)."""
    now = now if now.tzinfo else now.replace(tzinfo=SHOP_TIMEZONE)
    at = (at if at.tzinfo else at.replace(tzinfo=SHOP_TIMEZONE)).astimezone(now.tzinfo)
    days = (at.date() - now.date()).days
    time_of_day = clock(at)
    if language == VI:
        if days == 0:
            return f"{time_of_day} hôm nay"
        if days == 1:
            return f"{time_of_day} ngày mai"
        if 1 < days < 7:
            return f"{time_of_day} {_WEEKDAY_VI[at.weekday()]}, ngày {at:%d/%m}"
        return f"{time_of_day} ngày {day(at, language)}"
    if days == 0:
        return f"{time_of_day} today"
    if days == 1:
        return f"{time_of_day} tomorrow"
    if 1 < days < 7:
        return f"{time_of_day} on {_WEEKDAY_EN[at.weekday()]} {at.day} {_MONTH_EN[at.month - 1]}"
    return f"{time_of_day} on {day(at, language)}"


def now_in_shop() -> datetime:
    return datetime.now(SHOP_TIMEZONE)


def by(at: datetime, now: datetime, language: str) -> str:
    """A deadline: 'trước 9:00 ngày mai' / 'by 9:00 tomorrow'."""
    return ("trước " if language == VI else "by ") + _relative(at, now, language)


def at_moment(at: datetime, now: datetime, language: str) -> str:
    """A moment that happened or will: 'lúc 8:05 hôm nay' / 'at 8:05 today'."""
    return ("lúc " if language == VI else "at ") + _relative(at, now, language)


def from_moment(at: datetime, now: datetime, language: str) -> str:
    """When something becomes possible again: 'từ 9:30 hôm nay' / 'from 9:30 today'."""
    return ("từ " if language == VI else "from ") + _relative(at, now, language)


def reply_by(at: datetime | None, now: datetime, language: str) -> str:
    """When a first reply can be expected; None when the team has no opening to promise."""
    if at is None:
        return "ngay khi bộ phận làm việc trở lại" if language == VI else _WHEN_BACK_EN
    return by(at, now, language)


def _day_range(first: int, last: int, language: str) -> str:
    names = _WEEKDAY_VI if language == VI else _WEEKDAY_EN
    if first == last:
        return names[first]
    joiner = " đến " if language == VI else " to "
    return names[first] + joiner + names[last]


def _span(interval: tuple[int, int], language: str) -> str:
    if interval == (0, _DAY_MINUTES):
        return "cả ngày" if language == VI else "all day"
    start, end = clock(interval[0]), clock(interval[1])
    return f"từ {start} đến {end}" if language == VI else f"from {start} to {end}"


def opening_hours(week: Mapping[int, tuple[int, int]], language: str) -> str:
    """A week of hours (weekday 0 = Monday -> minutes from, to) in one sentence part:
    'thứ Hai đến thứ Bảy từ 8:00 đến 21:00, Chủ nhật từ 9:00 đến 18:00, theo giờ Việt Nam'."""
    if len(week) == 7 and len(set(week.values())) == 1:
        span = _span(week[0], language)
        every_day = "tất cả các ngày" if language == VI else "every day"
        sentence = f"{span} {every_day}" if language == VI else f"{every_day} {span}"
    else:
        groups: list[tuple[int, int, tuple[int, int]]] = []
        for weekday in sorted(week):
            hours = week[weekday]
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], weekday, hours)
            else:
                groups.append((weekday, weekday, hours))
        parts = [f"{_day_range(a, b, language)} {_span(h, language)}" for a, b, h in groups]
        closed = [_WEEKDAY_VI[d] if language == VI else _WEEKDAY_EN[d] for d in range(7)
                  if d not in week]  # fmt: skip
        if closed:
            parts.append(("nghỉ " if language == VI else "closed on ") + ", ".join(closed))
        sentence = ", ".join(parts)
    return sentence + (", theo giờ Việt Nam" if language == VI else ", Vietnam time")

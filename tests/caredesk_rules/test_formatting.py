"""How money, phones, dates, times and addresses read (docs/style-vi.md, rules 2-5 and 11): each
value brings its own preposition, so the sentences around them stay whole in both languages."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from caredesk_rules.addresses import parse_address
from caredesk_rules.formatting import (
    SHOP_TIMEZONE,
    address,
    at_moment,
    by,
    by_day,
    clock,
    day,
    from_moment,
    money,
    number,
    on_day,
    opening_hours,
    phone,
    reply_by,
    reply_channel,
    short_day,
)

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 7, 8, 5, tzinfo=SAIGON)  # a Monday


@pytest.mark.parametrize(
    ("amount", "vi", "en"),
    [
        (20000, "20.000đ", "20,000 VND"),
        (1540000, "1.540.000đ", "1,540,000 VND"),
        (500, "500đ", "500 VND"),
        (0, "miễn phí", "free"),  # never "0đ"
    ],
)
def test_money_is_written_one_way_per_language(amount: int, vi: str, en: str) -> None:
    assert (money(amount, "vi"), money(amount, "en")) == (vi, en)


@pytest.mark.parametrize(
    "stored", ["+84912345678", "0912345678", "+84 912 345 678", "84912345678", "0912.345.678"]
)
def test_phones_are_shown_as_customers_write_them(stored: str) -> None:
    assert phone(stored) == "0912 345 678"


def test_a_number_that_is_not_a_mobile_one_is_left_as_written() -> None:
    assert phone(" 1900 6868 ") == "1900 6868"


@pytest.mark.parametrize(
    ("contact", "vi", "en"),
    [
        ("+84912345678", "qua số 0912 345 678", "on 0912 345 678"),
        ("an.nguyen@example.com", "qua email an.nguyen@example.com", "at an.nguyen@example.com"),
    ],
)
def test_the_reply_channel_names_its_own_preposition(contact: str, vi: str, en: str) -> None:
    assert (reply_channel(contact, "vi"), reply_channel(contact, "en")) == (vi, en)
    assert "+84" not in reply_channel(contact, "vi") + reply_channel(contact, "en")


def test_clock_has_minutes_in_two_digits_and_no_am_pm() -> None:
    assert clock(datetime(2026, 1, 1, 9, 0)) == "9:00"
    assert clock(datetime(2026, 1, 1, 21, 5)) == "21:05"
    assert clock(1440) == "24:00"


def test_days_are_day_first_in_vietnamese_and_spelled_in_english() -> None:
    assert day(date(2026, 12, 7), "vi") == "07/12/2026"
    assert day(date(2026, 12, 7), "en") == "7 December 2026"
    # A moment is read on the shop's calendar: 20:00 UTC is already the next day in Vietnam.
    assert day(datetime(2026, 12, 6, 20, 0, tzinfo=timezone.utc), "vi") == "07/12/2026"
    assert on_day(date(2026, 12, 7), "vi") == "ngày 07/12/2026"
    assert on_day(date(2026, 12, 7), "en") == "on 7 December 2026"
    assert by_day(date(2026, 11, 19), "vi") == "trước ngày 19/11/2026"
    assert by_day(date(2026, 11, 19), "en") == "by 19 November 2026"


@pytest.mark.parametrize(
    ("later", "vi", "en"),
    [
        (timedelta(hours=4, minutes=10), "trước 12:15 hôm nay", "by 12:15 today"),
        (timedelta(hours=24, minutes=55), "trước 9:00 ngày mai", "by 9:00 tomorrow"),
        (
            timedelta(days=2, minutes=55),
            "trước 9:00 thứ Tư, ngày 09/12",
            "by 9:00 on Wednesday 9 December",
        ),
        (
            timedelta(days=10, minutes=55),
            "trước 9:00 ngày 17/12/2026",
            "by 9:00 on 17 December 2026",
        ),
    ],
)
def test_deadlines_read_naturally(later: timedelta, vi: str, en: str) -> None:
    at = NOW + later
    assert (by(at, NOW, "vi"), by(at, NOW, "en")) == (vi, en)
    assert (reply_by(at, NOW, "vi"), reply_by(at, NOW, "en")) == (vi, en)


def test_moments_are_worded_in_the_time_zone_of_now() -> None:
    utc_at = datetime(2026, 12, 7, 5, 15, tzinfo=timezone.utc)  # 12:15 in Vietnam
    assert by(utc_at, NOW, "vi") == "trước 12:15 hôm nay"
    assert by(utc_at, NOW.astimezone(SHOP_TIMEZONE), "en") == "by 12:15 today"
    assert at_moment(NOW, NOW, "vi") == "lúc 8:05 hôm nay"
    assert at_moment(NOW, NOW, "en") == "at 8:05 today"
    assert from_moment(NOW + timedelta(minutes=25), NOW, "vi") == "từ 8:30 hôm nay"
    assert from_moment(NOW + timedelta(minutes=25), NOW, "en") == "from 8:30 today"


def test_no_promised_time_when_the_team_never_opens() -> None:
    assert reply_by(None, NOW, "vi") == "ngay khi bộ phận làm việc trở lại"
    assert reply_by(None, NOW, "en") == "as soon as the team is back"


def test_opening_hours_name_each_group_of_days_and_the_closed_ones() -> None:
    week = {d: (8 * 60, 21 * 60) for d in range(6)} | {6: (9 * 60, 18 * 60)}
    assert opening_hours(week, "vi") == (
        "thứ Hai đến thứ Bảy từ 8:00 đến 21:00, Chủ nhật từ 9:00 đến 18:00, theo giờ Việt Nam"
    )
    assert opening_hours(week, "en") == (
        "Monday to Saturday from 8:00 to 21:00, Sunday from 9:00 to 18:00, Vietnam time"
    )
    weekdays = {d: (9 * 60, 18 * 60) for d in range(5)}
    assert opening_hours(weekdays, "vi") == (
        "thứ Hai đến thứ Sáu từ 9:00 đến 18:00, nghỉ thứ Bảy, Chủ nhật, theo giờ Việt Nam"
    )
    assert opening_hours(weekdays, "en") == (
        "Monday to Friday from 9:00 to 18:00, closed on Saturday, Sunday, Vietnam time"
    )


def test_the_same_hours_every_day_are_said_once() -> None:
    assert opening_hours({d: (0, 1440) for d in range(7)}, "vi") == (
        "cả ngày tất cả các ngày, theo giờ Việt Nam"
    )
    assert opening_hours({d: (480, 1260) for d in range(7)}, "en") == (
        "every day from 8:00 to 21:00, Vietnam time"
    )


def test_an_address_reads_in_the_two_level_form_and_reads_back_the_same() -> None:
    written = address("12 Lê Lợi", "Phường Sài Gòn", "Thành phố Hồ Chí Minh")
    assert written == "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh"
    parsed = parse_address(written)
    assert address(parsed.street, parsed.ward, parsed.province) == written
    assert address("Thôn 3, 12 Lê Lợi", "Xã Bát Tràng", "Thành phố Hà Nội") == (
        "Thôn 3, 12 Lê Lợi, Xã Bát Tràng, Thành phố Hà Nội"
    )


def test_counts_group_thousands_like_money() -> None:
    assert (number(1240, "vi"), number(1240, "en")) == ("1.240", "1,240")
    assert (number(0, "vi"), number(999, "en")) == ("0", "999")


def test_a_recent_day_goes_without_its_year() -> None:
    assert short_day(date(2026, 12, 4), "vi") == "04/12"
    assert short_day(date(2026, 12, 4), "en") == "4 Dec"
    assert short_day(datetime(2026, 12, 6, 20, 0, tzinfo=timezone.utc), "vi") == "07/12"

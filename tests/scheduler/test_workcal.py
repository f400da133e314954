"""Tests for scheduler.workcal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.workcal import (
    HUNG_KINGS_DAY,
    LUNAR_NEW_YEAR,
    TET_DAYS,
    TET_DAYS_OFF,
    is_working_day,
    next_send_time,
    parse_holidays,
    public_holidays,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET_START = time(21, 0)
QUIET_END = time(7, 0)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def send(at: datetime, extra_holidays: Iterable[date] = (), working_days_only: bool = True) -> datetime:
    return next_send_time(at, QUIET_START, QUIET_END, VN, extra_holidays, working_days_only)


# --- is_working_day -----------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 10, 1),  # Wednesday
        date(2025, 12, 31),
        date(2026, 1, 2),
        date(2025, 4, 26),  # Saturday worked in exchange for 2/5/2025
        date(2025, 9, 3),
        date(2026, 2, 23),  # first day back after Tết Bính Ngọ
    ],
)
def test_working_days(day: date) -> None:
    assert is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 10, 4),  # Saturday
        date(2025, 10, 5),  # Sunday
        date(2025, 1, 1),
        date(2026, 1, 1),
        date(2025, 1, 27),
        date(2025, 1, 31),
        date(2025, 4, 7),  # Giỗ Tổ Hùng Vương
        date(2025, 4, 30),
        date(2025, 5, 1),
        date(2025, 5, 2),  # official swap
        date(2025, 9, 1),
        date(2025, 9, 2),
        date(2026, 2, 16),
        date(2026, 2, 20),
        date(2026, 4, 27),  # Giỗ Tổ on Sunday 26/4 -> Monday off
        date(2027, 5, 3),  # 1/5/2027 is a Saturday
        date(2028, 1, 3),  # 1/1/2028 is a Saturday
        date(2028, 5, 2),  # 30/4/2028 is a Sunday, 1/5 a Monday
        date(2028, 9, 4),  # 2/9/2028 is a Saturday
        date(2029, 9, 3),
        date(2029, 9, 4),  # 2/9/2029 is a Sunday
    ],
)
def test_days_off(day: date) -> None:
    assert not is_working_day(day)


def test_extra_holidays() -> None:
    assert not is_working_day(date(2025, 10, 1), [date(2025, 10, 1)])
    assert is_working_day(date(2025, 10, 2), [date(2025, 10, 1)])
    assert not is_working_day(date(2025, 4, 26), (date(2025, 4, 26),))


@pytest.mark.parametrize("year", sorted(TET_DAYS_OFF))
def test_tet_table(year: int) -> None:
    days = TET_DAYS_OFF[year]
    assert len(days) == TET_DAYS
    assert all(day.weekday() < 5 and not is_working_day(day) for day in days)
    new_year = LUNAR_NEW_YEAR[year]
    assert new_year.weekday() >= 5 or new_year in days
    eve = new_year - timedelta(days=1)
    assert eve.weekday() >= 5 or eve in days
    assert max(days) - min(days) < timedelta(days=10)


@pytest.mark.parametrize("year", range(2025, 2031))
def test_every_year_has_the_statutory_holidays(year: int) -> None:
    days = public_holidays(year)
    for fixed in (date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)):
        assert fixed in days
    assert HUNG_KINGS_DAY[year] in days
    assert date(year, 9, 1) in days or date(year, 9, 3) in days


def test_solar_holidays_outside_the_table() -> None:
    assert not is_working_day(date(2031, 9, 2))
    assert not is_working_day(date(2031, 4, 30))
    assert is_working_day(date(2031, 3, 4))


# --- next_send_time -------------------------------------------------------------


def test_inside_window_returns_same_instant_in_utc() -> None:
    at = local(2025, 10, 1, 10, 30)
    result = send(at)
    assert result == at
    assert result.tzinfo == UTC
    assert result.hour == 3


def test_accepts_utc_input() -> None:
    at = datetime(2025, 10, 1, 3, 30, tzinfo=UTC)  # 10:30 in Hà Nội
    assert send(at) == at


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2025, 10, 1, 22, 0), local(2025, 10, 2, 7, 0)),  # evening -> next morning
        (local(2025, 10, 2, 3, 0), local(2025, 10, 2, 7, 0)),  # before dawn -> same morning
        (local(2025, 10, 1, 21, 0), local(2025, 10, 2, 7, 0)),  # quiet start is inclusive
        (local(2025, 10, 3, 22, 0), local(2025, 10, 6, 7, 0)),  # Friday night -> Monday
        (local(2025, 10, 4, 10, 0), local(2025, 10, 6, 7, 0)),  # Saturday
        (local(2025, 8, 29, 21, 30), local(2025, 9, 3, 7, 0)),  # Quốc khánh 1-2/9/2025
        (local(2026, 2, 13, 23, 0), local(2026, 2, 23, 7, 0)),  # Tết Bính Ngọ
        (local(2025, 4, 25, 22, 0), local(2025, 4, 26, 7, 0)),  # make-up Saturday
    ],
)
def test_next_window(at: datetime, expected: datetime) -> None:
    result = send(at)
    assert result == expected
    assert result.tzinfo == UTC


def test_quiet_end_itself_is_allowed() -> None:
    at = local(2025, 10, 2, 7, 0)
    assert send(at) == at


def test_extra_holidays_are_skipped() -> None:
    at = local(2025, 10, 1, 22, 0)
    assert send(at, extra_holidays=[date(2025, 10, 2)]) == local(2025, 10, 3, 7, 0)


def test_any_day_when_not_limited_to_working_days() -> None:
    saturday = local(2025, 10, 4, 10, 0)
    assert send(saturday, working_days_only=False) == saturday
    assert send(local(2025, 10, 4, 23, 0), working_days_only=False) == local(2025, 10, 5, 7, 0)


def test_quiet_hours_within_one_day() -> None:
    lunch = local(2025, 10, 1, 12, 15)
    assert next_send_time(lunch, time(12), time(13, 30), VN) == local(2025, 10, 1, 13, 30)
    assert next_send_time(local(2025, 10, 1, 14), time(12), time(13, 30), VN) == local(2025, 10, 1, 14)
    # A weekend with no night quiet hours: the next window starts at midnight.
    assert next_send_time(local(2025, 10, 4, 9), time(12), time(13), VN) == local(2025, 10, 6, 0, 0)


def test_no_quiet_hours() -> None:
    at = local(2025, 10, 1, 23, 59)
    assert next_send_time(at, time(0), time(0), VN) == at


def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        next_send_time(datetime(2025, 10, 1, 10), QUIET_START, QUIET_END, VN)


# --- parse_holidays ---------------------------------------------------------------


def test_parse_holidays() -> None:
    assert parse_holidays("02/01/2026, 01/01/2026") == [date(2026, 1, 1), date(2026, 1, 2)]
    assert parse_holidays(" 5/9/2025 ,05/09/2025,") == [date(2025, 9, 5)]
    assert parse_holidays("") == []
    assert parse_holidays("  ") == []


@pytest.mark.parametrize("bad", ["32/01/2026", "29/02/2025", "2026-01-01", "01/01/26", "mai", "1/1/2026/1"])
def test_parse_holidays_rejects_bad_values(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_holidays(f"01/01/2026, {bad}")
    assert str(info.value).startswith(f"Ngày nghỉ không hợp lệ: {bad}.")

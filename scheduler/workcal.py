"""Vietnamese working calendar: public holidays, weekends and quiet hours.

Public holidays follow Article 112 of the 2019 Labour Code: Tết Dương lịch (1/1),
Tết Nguyên đán (5 days), Giỗ Tổ Hùng Vương (10/3 âm lịch), 30/4, 1/5 and Quốc
khánh (2/9 plus one adjacent day). A holiday on a Saturday or Sunday gives a
compensatory day off on the next working day.

Lunar dates are a data table for 2025-2030 (outside it only solar holidays are
known). Tết days off: the official break for 2025 (27-31/1); later years use
the usual pattern of 5 days starting the day before lunar new year, with
compensation for days on a weekend. The 2/9 companion day follows recent
practice (see ``_national_day_companion``). Official swaps announced later can
be added through ``extra_holidays`` (a bot setting).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

MSG_BAD_HOLIDAY = "Ngày nghỉ không hợp lệ: {value}. Hãy nhập theo dạng dd/mm/yyyy, cách nhau bằng dấu phẩy."
MSG_NAIVE_DATETIME = "Thời điểm phải có múi giờ."

TET_DAYS = 5
LUNAR_NEW_YEAR: dict[int, date] = {
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}

# Weekdays off for Tết Nguyên đán (compensation already included).
TET_DAYS_OFF: dict[int, tuple[date, ...]] = {
    # Official: break 25/1-2/2/2025 (26 tháng Chạp - mùng 5).
    2025: tuple(date(2025, 1, day) for day in range(27, 32)),
    # 29 Tết - mùng 4, Monday to Friday.
    2026: tuple(date(2026, 2, day) for day in range(16, 21)),
    # 5/2 (Fri) - 9/2 (Tue); 6/2 and 7/2 fall on the weekend -> 10/2, 11/2.
    2027: (date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11)),
    # 25/1 (Tue) - 29/1 (Sat) -> 31/1.
    2028: (date(2028, 1, 25), date(2028, 1, 26), date(2028, 1, 27), date(2028, 1, 28), date(2028, 1, 31)),
    # 12/2 (Mon) - 16/2 (Fri).
    2029: tuple(date(2029, 2, day) for day in range(12, 17)),
    # 2/2 (Sat) - 6/2 (Wed); 2/2 and 3/2 fall on the weekend -> 7/2, 8/2.
    2030: tuple(date(2030, 2, day) for day in range(4, 9)),
}

HUNG_KINGS_DAY: dict[int, date] = {
    2025: date(2025, 4, 7),
    2026: date(2026, 4, 26),
    2027: date(2027, 4, 16),
    2028: date(2028, 4, 4),
    2029: date(2029, 4, 23),
    2030: date(2030, 4, 12),
}

# Official swaps: extra days off and the Saturdays worked in exchange ("làm bù").
SWAPPED_DAYS_OFF: frozenset[date] = frozenset({date(2025, 5, 2)})
MAKEUP_WORKDAYS: frozenset[date] = frozenset({date(2025, 4, 26)})


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _national_day_companion(year: int) -> date:
    """Pick the day next to 2/9 as in recent years (2021-2025).

    Monday, Wednesday or Thursday -> 3/9 (Mon/Wed: a 2-day block, Thu: a long
    weekend); otherwise 1/9 (Tue -> long weekend, Fri/Sat -> Thursday/Friday,
    Sun -> Saturday, compensated below).
    """
    national_day = date(year, 9, 2)
    if national_day.weekday() in (0, 2, 3):
        return national_day + timedelta(days=1)
    return national_day - timedelta(days=1)


def _statutory_days(year: int) -> list[date]:
    """Holidays other than Tết, before weekend compensation."""
    days = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    days.append(_national_day_companion(year))
    if year in HUNG_KINGS_DAY:
        days.append(HUNG_KINGS_DAY[year])
    return sorted(days)


def _with_compensation(days: list[date], taken: set[date]) -> set[date]:
    """Add, for each holiday on a weekend, the next free weekday."""
    result = set(taken) | set(days)
    for day in days:
        if not _is_weekend(day):
            continue
        substitute = day + timedelta(days=1)
        while _is_weekend(substitute) or substitute in result:
            substitute += timedelta(days=1)
        result.add(substitute)
    return result


@cache
def public_holidays(year: int) -> frozenset[date]:
    """All days off for ``year`` (may include weekends; excludes make-up Saturdays)."""
    tet = set(TET_DAYS_OFF.get(year, ()))
    days = _with_compensation(_statutory_days(year), tet)
    days |= {day for day in SWAPPED_DAYS_OFF if day.year == year}
    return frozenset(days)


def is_working_day(d: date, extra_holidays: Iterable[date] = ()) -> bool:
    """True on a weekday that is not a public holiday (or a make-up Saturday)."""
    if d in set(extra_holidays):
        return False
    if d in MAKEUP_WORKDAYS:
        return True
    return not _is_weekend(d) and d not in public_holidays(d.year)


def _in_quiet_hours(moment: time, quiet_start: time, quiet_end: time) -> bool:
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end


def _window_starts(quiet_start: time, quiet_end: time) -> list[time]:
    """Times of day at which sending becomes allowed."""
    starts = {time(0), quiet_end}
    return sorted(start for start in starts if not _in_quiet_hours(start, quiet_start, quiet_end))


def next_send_time(
    at: datetime,
    quiet_start: time,
    quiet_end: time,
    tz: ZoneInfo,
    extra_holidays: Iterable[date] = (),
    working_days_only: bool = True,
) -> datetime:
    """Return ``at`` (in UTC) if sending is allowed then, else the next window start.

    Quiet hours may wrap midnight (21:00-07:00). With ``working_days_only`` the
    window must also be on a working day, so the result is ``quiet_end`` of the
    next working day.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(MSG_NAIVE_DATETIME)
    holidays = frozenset(extra_holidays)
    local = at.astimezone(tz)

    def allowed_day(day: date) -> bool:
        return not working_days_only or is_working_day(day, holidays)

    if allowed_day(local.date()) and not _in_quiet_hours(local.time(), quiet_start, quiet_end):
        return at.astimezone(UTC)
    for offset in range(0, 400):
        day = local.date() + timedelta(days=offset)
        if not allowed_day(day):
            continue
        for start in _window_starts(quiet_start, quiet_end):
            candidate = datetime.combine(day, start, tzinfo=tz)
            if candidate > local:
                return candidate.astimezone(UTC)
    raise RuntimeError("no working window within 400 days")  # pragma: no cover


def parse_holidays(s: str) -> list[date]:
    """Parse a comma-separated list of dd/mm/yyyy dates (sorted, without duplicates)."""
    days: set[date] = set()
    for raw in s.split(","):
        value = raw.strip()
        if value:
            days.add(_parse_day(value))
    return sorted(days)


def _parse_day(value: str) -> date:
    parts = value.split("/")
    if len(parts) != 3 or not all(part.strip().isdigit() for part in parts) or len(parts[2].strip()) != 4:
        raise ValueError(MSG_BAD_HOLIDAY.format(value=value))
    day, month, year = (int(part) for part in parts)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(MSG_BAD_HOLIDAY.format(value=value)) from None

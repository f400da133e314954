"""Parse Vietnamese plan deadline phrases into a :class:`Deadline`.

Dates are day-first. Matching runs on a lower-cased, diacritic-free copy of the
phrase, so "Trước ngày 20/12/2025" and "truoc ngay 20/12/2025" parse alike.

Rules:

* A fixed date, month, quarter, half-year, year or year range gives
  ``kind="date"`` with ``due`` = the last day of that period. When several are
  mentioned, the latest one wins.
* "Trước …" means strictly before: the day before the date/period starts
  ("Trước ngày 20/12/2025" -> 19/12/2025, "Trước tháng 9/2025" -> 31/8/2025).
* "Thường xuyên", "định kỳ", "hằng tháng", "liên tục"… give ``kind="recurring"``
  every month; "hằng quý" and longer cadences ("hằng năm", "định kỳ 6 tháng")
  every quarter. A period in the same phrase becomes ``until``
  ("Thường xuyên trong 6 tháng cuối năm 2025" -> until 31/12/2025).
  "… và các năm tiếp theo" is open-ended: recurring every month, no ``until``.
* "Ngay sau khi …", "khi có yêu cầu" and anything unreadable give
  ``kind="event"`` with no due date (never an error).
* Impossible values (31/02, tháng 13, Quý V, năm 3025) raise
  :class:`DeadlineError` with a Vietnamese message.
* A date without a year ("20/12", "tháng 8", "Quý III") uses ``ref``'s year.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Kind = Literal["date", "recurring", "event"]
Every = Literal["month", "quarter"]

MSG_INVALID_DATE = "Ngày không hợp lệ: {value}."
MSG_INVALID_MONTH = "Tháng không hợp lệ: {value}."
MSG_INVALID_QUARTER = "Quý không hợp lệ: {value}."
MSG_INVALID_YEAR = "Năm không hợp lệ: {value}."
MSG_INVALID_RANGE = "Khoảng thời gian không hợp lệ: {value}."

MIN_YEAR = 1900
MAX_YEAR = 2100

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


class DeadlineError(ValueError):
    """An impossible date in a deadline phrase; ``str()`` is a Vietnamese message."""


@dataclass(frozen=True)
class Deadline:
    """A parsed deadline: a due date, a recurring cadence, or an event trigger."""

    kind: Kind
    due: date | None = None
    every: Every | None = None
    until: date | None = None

    def to_json(self) -> dict[str, str | None]:
        """Return a JSON-friendly dict with ISO dates."""
        return {
            "kind": self.kind,
            "due": _iso(self.due),
            "every": self.every,
            "until": _iso(self.until),
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def fold_text(text: str) -> str:
    """Lower-case, drop Vietnamese diacritics (đ -> d), unify dashes and spaces.

    The result has exactly the same length as ``text`` so match offsets can be
    used to slice the original string.
    """
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    if char in _DASHES:
        return "-"
    if char.isspace():
        return " "
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


# --- Small date helpers -------------------------------------------------------

Period = tuple[date, date]


def _fail(template: str, value: str) -> DeadlineError:
    return DeadlineError(template.format(value=value.strip()))


def _year(raw: str, shown: str) -> int:
    year = int(raw)
    if len(raw) == 2:
        year += 2000
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _fail(MSG_INVALID_YEAR, shown)
    return year


def _month(raw: str, shown: str) -> int:
    month = int(raw)
    if not 1 <= month <= 12:
        raise _fail(MSG_INVALID_MONTH, shown)
    return month


def _day(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _fail(MSG_INVALID_DATE, shown) from None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_period(year: int, month: int) -> Period:
    return date(year, month, 1), _month_end(year, month)


def _year_period(year: int) -> Period:
    return date(year, 1, 1), date(year, 12, 31)


def _point(day: date) -> Period:
    return day, day


# --- Period patterns (tried in order; each match is blanked out) -------------

Handler = Callable[[re.Match[str], str, date], Period | None]

_SEP = r"\s*[/.-]\s*"
_NO_NUM_BEFORE = r"(?<![\d/.-])"
_NO_NUM_AFTER = r"(?!\d|\s*[/.-]\s*\d)"


def _iso_date(m: re.Match[str], shown: str, ref: date) -> Period:
    year = _year(m[1], shown)
    month = _month_of_day(m[2], shown)
    return _point(_day(year, month, int(m[3]), shown))


def _month_of_day(raw: str, shown: str) -> int:
    """Month of a full date: an out-of-range month makes the date invalid."""
    month = int(raw)
    if not 1 <= month <= 12:
        raise _fail(MSG_INVALID_DATE, shown)
    return month


def _dmy(m: re.Match[str], shown: str, ref: date) -> Period:
    day, month = int(m["d"]), _month_of_day(m["m"], shown)
    if not 1 <= day <= 31:
        raise _fail(MSG_INVALID_DATE, shown)
    year = _year(m["y"], shown) if m["y"] else ref.year
    return _point(_day(year, month, day, shown))


def _year_range(m: re.Match[str], shown: str, ref: date) -> Period:
    first, last = _year(m[1], shown), _year(m[2], shown)
    if last < first:
        raise _fail(MSG_INVALID_RANGE, shown)
    return date(first, 1, 1), date(last, 12, 31)


def _quarter(m: re.Match[str], shown: str, ref: date) -> Period | None:
    token = m["q"]
    if not token.isdigit() and not shown[m.start("q") - m.start() :][: len(token)].isascii():
        return None  # e.g. "quý vị": not a roman numeral
    number = int(token) if token.isdigit() else _ROMAN_QUARTERS.get(token, 0)
    if not 1 <= number <= 4:
        raise _fail(MSG_INVALID_QUARTER, shown)
    year = _year(m["y"], shown) if m["y"] else ref.year
    return date(year, 3 * number - 2, 1), _month_end(year, 3 * number)


def _part_of_year(m: re.Match[str], shown: str, ref: date) -> Period:
    months = _month(m["n"], shown) if m["n"] else 6
    year = _year(m["y"], shown) if m["y"] else ref.year
    if m["side"] == "dau":
        return date(year, 1, 1), _month_end(year, months)
    return date(year, 13 - months, 1), date(year, 12, 31)


def _month_year(m: re.Match[str], shown: str, ref: date) -> Period:
    return _month_period(_year(m["y"], shown), _month(m["m"], shown))


def _month_only(m: re.Match[str], shown: str, ref: date) -> Period:
    return _month_period(ref.year, _month(m["m"], shown))


def _season(m: re.Match[str], shown: str, ref: date) -> Period:
    year = _year(m["y"], shown)
    if m["side"] == "dau":
        return date(year, 1, 1), date(year, 3, 31)
    if m["side"] == "giua":
        return _point(date(year, 6, 30))
    return _point(date(year, 12, 31))


def _whole_year(m: re.Match[str], shown: str, ref: date) -> Period:
    return _year_period(_year(m["y"], shown))


_PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(_NO_NUM_BEFORE + r"(\d{4})-(\d{1,2})-(\d{1,2})" + _NO_NUM_AFTER), _iso_date),
    (
        re.compile(
            _NO_NUM_BEFORE
            + r"(?P<d>\d{1,2})\s*(?P<s>[/.-])\s*(?P<m>\d{1,2})\s*(?P=s)\s*(?P<y>\d{4}|\d{2})"
            + _NO_NUM_AFTER
        ),
        _dmy,
    ),
    (
        re.compile(r"\b(?:ngay\s+)?(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s*,?\s*nam\s+(?P<y>\d{4})\b"),
        _dmy,
    ),
    (re.compile(_NO_NUM_BEFORE + r"((?:19|20)\d{2})\s*-\s*((?:19|20)\d{2})" + _NO_NUM_AFTER), _year_range),
    (
        re.compile(r"\b(?:nam\s+)?((?:19|20)\d{2})\s+(?:den|toi)\s+(?:het\s+)?(?:nam\s+)?((?:19|20)\d{2})\b"),
        _year_range,
    ),
    (
        re.compile(r"\bquy\s*(?P<q>[ivx]+|\d{1,2})\b(?:\s*(?:[/.-]|,?\s*nam)\s*(?P<y>\d{4})\b)?"),
        _quarter,
    ),
    (
        re.compile(r"\b(?P<n>\d{1,2})\s+thang\s+(?P<side>dau|cuoi)\s+(?:cua\s+)?nam(?:\s+(?P<y>\d{4}))?\b"),
        _part_of_year,
    ),
    (re.compile(r"\bnua\s+(?P<n>)(?P<side>dau|cuoi)\s+nam(?:\s+(?P<y>\d{4}))?\b"), _part_of_year),
    (re.compile(r"\bthang\s+(?P<m>\d{1,2})\s*(?:[/.-]|,?\s*nam)\s*(?P<y>\d{4})\b"), _month_year),
    (re.compile(_NO_NUM_BEFORE + r"(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})" + _NO_NUM_AFTER), _month_year),
    (re.compile(r"\bngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\b(?P<y>)"), _dmy),
    (
        re.compile(_NO_NUM_BEFORE + r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?P<y>)" + _NO_NUM_AFTER),
        _dmy,
    ),
    (re.compile(r"\bthang\s+(?P<m>\d{1,2})\b(?!\s*[/.-]?\s*\d)"), _month_only),
    (re.compile(r"\b(?P<side>dau|giua|cuoi)\s+nam\s+(?P<y>\d{4})\b"), _season),
    (re.compile(r"\bnam\s+(?P<y>\d{4})\b"), _whole_year),
    (re.compile(_NO_NUM_BEFORE + r"(?P<y>(?:19|20)\d{2})" + _NO_NUM_AFTER), _whole_year),
]

_BEFORE = re.compile(r"\btruoc\s+(?:ngay\s+)?$")
_RECURRING = re.compile(
    r"\b(?:thuong xuyen|dinh ky|lien tuc|hang (?:ngay|tuan|thang|quy|nam)|moi (?:ngay|tuan|thang|quy|nam)"
    r"|(?:cac|nhung) nam (?:tiep theo|sau))\b"
)
_MONTHLY = re.compile(r"\b(?:hang|moi|tung) thang\b")
_QUARTERLY = re.compile(
    r"\b(?:(?:hang|moi|tung|theo) (?:quy|nam)|dinh ky (?:[2-9]|1[0-2]|ba|sau) thang|dinh ky quy)\b"
)
_OPEN_ENDED = re.compile(r"\b(?:cac|nhung) nam (?:tiep theo|sau)\b")
_EVENT = re.compile(
    r"\b(?:sau khi|ngay khi|truoc khi|khi co|khi duoc|khi nhan|theo yeu cau|theo chi dao|theo tien do)\b"
)


def _find_dues(phrase: str, folded: str, ref: date) -> list[date]:
    """Return the due date of every period mentioned in the phrase."""
    work = folded
    dues: list[date] = []
    for pattern, handler in _PATTERNS:
        for m in list(pattern.finditer(work)):
            period = handler(m, phrase[m.start() : m.end()], ref)
            if period is None:
                continue
            before = _BEFORE.search(work[: m.start()]) is not None
            dues.append(period[0] - timedelta(days=1) if before else period[1])
            work = work[: m.start()] + " " * (m.end() - m.start()) + work[m.end() :]
    return dues


def _recurring(phrase: str, folded: str, ref: date) -> Deadline:
    quarterly = _QUARTERLY.search(folded) and not _MONTHLY.search(folded)
    every: Every = "quarter" if quarterly else "month"
    if _OPEN_ENDED.search(folded):
        return Deadline("recurring", every=every)
    dues = _find_dues(phrase, folded, ref)
    return Deadline("recurring", every=every, until=max(dues) if dues else None)


def parse_deadline(phrase: str, ref: date | None = None) -> Deadline:
    """Parse a Vietnamese deadline phrase (see the module docstring for the rules).

    ``ref`` supplies the year for phrases without one; it defaults to today.
    Raises :class:`DeadlineError` for impossible dates.
    """
    ref = ref or date.today()
    folded = fold_text(phrase)
    if _RECURRING.search(folded):
        return _recurring(phrase, folded, ref)
    if _EVENT.search(folded):
        return Deadline("event")
    dues = _find_dues(phrase, folded, ref)
    if not dues:
        return Deadline("event")
    return Deadline("date", due=max(dues))

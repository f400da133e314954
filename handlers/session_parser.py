"""One-line parser for assistance sessions: `3 kích hoạt VNeID thôn Đông 45p` -> fields.

Pure functions, no database: the caller passes today's local date and the thôn/tổ dân phố units.
Patterns are written with diacritics and compiled "loose": every accented letter also matches
its bare letter, its letter without the tone and its tone without the shape, so `kich hoat`,
`kích hoat` and `kích hoạt` all match while `thử` (try) does not match `thứ` (weekday).
Whatever is not recognised becomes the note; personal data in the line is masked first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz

from storage.privacy import mask_pii

MAX_CITIZENS = 200
MAX_MINUTES = 600
PLACE_CUTOFF = 85.0
FUZZY_CATEGORY_CUTOFF = 88.0

# ---------------------------------------------------------------- vocabulary

# Category code -> (words that name the category and are dropped from the note,
#                   detail words that also point to it but stay in the note).
# The order is the order of the buttons; labels are in handlers.texts_sessions.CATEGORY_LABELS.
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "vneid": (
        ("kích hoạt vneid", "kích hoạt tài khoản định danh", "kích hoạt tài khoản", "kích hoạt",
         "tài khoản định danh điện tử", "tài khoản định danh", "định danh điện tử", "định danh",
         "đăng ký tài khoản vneid", "đăng ký vneid", "cài vneid", "cài đặt vneid", "tải vneid",
         "ứng dụng vneid", "app vneid", "mức 2", "mức hai", "mức độ 2", "kích hoạt mức 2"),
        ("quên mật khẩu", "đổi mật khẩu", "mật khẩu", "đổi số điện thoại", "đổi sđt", "otp", "mức 1"),
    ),
    "docs": (
        ("tích hợp giấy tờ", "tích hợp thông tin", "tích hợp", "ví giấy tờ", "giấy tờ điện tử"),
        ("bhyt", "thẻ bhyt", "bảo hiểm y tế", "gplx", "bằng lái xe", "bằng lái", "giấy phép lái xe",
         "đăng ký xe", "cà vẹt", "mã số thuế", "mst", "sổ sức khỏe điện tử", "sổ sức khỏe"),
    ),
    "dvc": (
        ("nộp hồ sơ trực tuyến", "nộp hồ sơ", "nộp hs", "cổng dịch vụ công", "dịch vụ công trực tuyến",
         "dịch vụ công", "dvcqg", "dvc", "thủ tục hành chính", "tthc", "thủ tục"),
        ("khai sinh", "khai tử", "đăng ký kết hôn", "kết hôn", "tạm trú", "thường trú", "tạm vắng",
         "lưu trú", "cư trú", "lý lịch tư pháp", "tình trạng hôn nhân", "hộ tịch", "trợ cấp",
         "cấp đổi", "cấp lại"),
    ),
    "payment": (
        ("thanh toán trực tuyến", "thanh toán online", "thanh toán", "chuyển khoản", "nộp lệ phí",
         "nộp phí", "lệ phí", "trả phí", "ví điện tử"),
        ("tiền điện", "tiền nước", "học phí", "mã qr", "qr", "ngân hàng", "momo", "viettel money"),
    ),
    "skills": (
        ("kỹ năng số", "kĩ năng số", "kỹ năng", "kĩ năng", "cài đặt ứng dụng", "cài ứng dụng", "cài app",
         "tải ứng dụng", "tải app", "sử dụng điện thoại", "dùng điện thoại", "điện thoại thông minh",
         "dùng smartphone", "sử dụng smartphone", "smartphone"),
        ("zalo", "facebook", "email", "gmail", "wifi", "internet", "chụp ảnh", "gọi video"),
    ),
    "safety": (
        ("an toàn thông tin", "an toàn trên mạng", "an toàn", "an ninh mạng", "bảo mật", "chống lừa đảo",
         "lừa đảo"),
        ("tin nhắn lạ", "cuộc gọi lạ", "đường link lạ", "link lạ", "giả mạo", "mạo danh", "lộ thông tin"),
    ),
    "other": (("việc khác", "khác"), ()),
}
# A bare app name says little when a more specific word is present ("tích hợp bhyt vào vneid").
WEAK_WORDS = {"vneid": ("vneid", "vne id", "vn eid", "vnied", "vneld")}

PRIORITY_WORDS: dict[str, tuple[str, ...]] = {
    "elderly": ("người cao tuổi", "ng cao tuổi", "cao tuổi", "người già", "ng già", "cụ già", "cụ ông",
                "cụ bà", "ông cụ", "bà cụ", "nct"),
    "disabled": ("người khuyết tật", "ng khuyết tật", "khuyết tật", "người tàn tật", "tàn tật", "nkt"),
    "poor": ("người thuộc hộ nghèo", "hộ cận nghèo", "cận nghèo", "hộ nghèo", "người nghèo", "nghèo",
             "đối tượng yếu thế", "người yếu thế", "yếu thế", "hoàn cảnh khó khăn"),
}
# Only with a number in front: "2 cụ".
PRIORITY_WITH_NUMBER = {"elderly": ("cụ",)}

RESULT_WORDS: dict[str, tuple[str, ...]] = {
    "not_done": ("chưa xong", "chưa được", "chưa đc", "chưa làm được", "chưa hoàn thành", "chưa thành công",
                 "không được", "ko được", "ko đc", "k đc", "không thành công", "thất bại"),
    "rescheduled": ("hẹn lại", "hẹn hôm khác", "hẹn bữa khác", "hẹn ngày khác", "hẹn hôm sau", "hẹn mai",
                    "hẹn tuần sau", "hẹn sau", "hẹn quay lại", "quay lại sau", "dời lại", "hẹn"),
    "done": ("đã xong", "xong rồi", "xong", "hoàn thành", "thành công", "được rồi", "đc rồi", "ok", "oke"),
}

COUNT_UNITS = ("người dân", "người", "ngừoi", "ng", "lượt người", "lượt", "công dân", "bà con", "hộ dân",
               "trường hợp", "ca")
NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8,
                "chín": 9, "mười": 10}
PLACE_PREFIXES = ("tổ dân phố", "tdp", "thôn", "xóm", "ấp", "bản", "khu phố", "làng", "buôn", "sóc")
# After these a name that matches no unit is still read as a place ("thôn Nam" -> suggestions).
STRONG_PLACE_PREFIXES = ("tổ dân phố", "tdp", "thôn")
FILLERS = {"ghi", "hỗ trợ", "hướng dẫn", "hd", "giúp", "cho", "ngày", "tại", "ở", "mất", "trong", "trong đó", "gồm",
           "có", "người", "ng", "kết quả", "kq", "và", "với", "đã", "được", "bà con", "lượt"}
# Connecting words left dangling at either end of the note once the fields are taken out.
EDGE_WORDS = ("cho", "và", "với", "tại", "ở", "mất", "trong đó", "trong", "gồm", "ngày", "lúc", "cùng", "có")
WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tư": 2, "năm": 3, "sáu": 4, "bảy": 5, "bẩy": 5}

# ---------------------------------------------------------------- loose matching

_SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn


def _variants(ch: str) -> str:
    """The letters a pattern letter accepts: itself, bare, without tone, tone without shape."""
    if ch in "đĐ":
        return "đd"
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) == 1 or not decomposed[0].isalpha():
        return ch
    base, marks = decomposed[0], decomposed[1:]
    shapes = "".join(m for m in marks if m in _SHAPES)
    tones = "".join(m for m in marks if m not in _SHAPES)
    forms = [ch, base, unicodedata.normalize("NFC", base + shapes), unicodedata.normalize("NFC", base + tones)]
    return "".join(dict.fromkeys(forms))


def loose(pattern: str) -> str:
    """Rewrite a regex written with diacritics so it also accepts text typed without them."""
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        variants = _variants(ch) if not ch.isascii() else ch
        if len(variants) > 1:
            out.append(variants if in_class else f"[{variants}]")
        else:
            out.append(ch)
    return "".join(out)


def phrase(words: str) -> str:
    """A phrase as a regex: escaped, spaces stand for any run of spaces."""
    return r"\s+".join(re.escape(w) for w in words.split())


def alternation(phrases: Sequence[str]) -> str:
    return "|".join(phrase(p) for p in sorted(set(phrases), key=len, reverse=True))


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(loose(pattern))


@functools.lru_cache(maxsize=16384)  # called for every unit name and word of every /ghi line
def fold(text: str) -> str:
    """Lower case without diacritics (đ -> d), for fuzzy comparisons."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _lower_same_length(text: str) -> str:
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


B = r"(?<!\w)"  # word start
E = r"(?!\w)"  # word end
_NUMW = alternation(list(NUMBER_WORDS))
_NUM = rf"(?P<num>-?\d+|{_NUMW})"

_DATE_NUMERIC = re.compile(
    loose(rf"{B}(?:ngày\s+)?(?P<d>\d{{1,2}})\s*[/\-]\s*(?P<m>\d{{1,2}})(?:\s*[/\-]\s*(?P<y>\d{{2,4}}))?(?![\w/\-])")
)
_DATE_DOTTED = re.compile(loose(rf"{B}(?:ngày\s+)?(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){E}"))
_DATE_WORDS = re.compile(
    loose(rf"{B}ngày\s+(?P<d>\d{{1,2}})\s+tháng\s+(?P<m>\d{{1,2}})(?:\s+năm\s+(?P<y>\d{{4}}))?{E}")
)
_PART_OF_DAY = r"(?:(?:buổi\s+)?(?:sáng|trưa|chiều|tối)\s+)?"
_RELATIVE = [
    (0, _compile(rf"{B}{_PART_OF_DAY}(?:hôm\s+nay|bữa\s+nay|hnay|h\.nay){E}|{B}(?:sáng|trưa|chiều|tối)\s+nay{E}")),
    (1, _compile(rf"{B}{_PART_OF_DAY}(?:hôm\s+qua|bữa\s+qua|hqua|h\.qua){E}|{B}(?:sáng|trưa|chiều|tối)\s+qua{E}")),
    (2, _compile(rf"{B}{_PART_OF_DAY}(?:hôm\s+kia|bữa\s+kia|hkia){E}")),
]
_WEEKDAY = _compile(
    rf"{B}(?:(?:hôm|ngày|bữa)\s+)?{_PART_OF_DAY}"
    rf"(?:thứ\s*(?P<n>[2-7])|thứ\s+(?P<w>{alternation(list(WEEKDAY_WORDS))})|t(?P<t>[2-7])"
    rf"|(?P<sun>chủ\s*nhật|cn)){E}"
)

_DUR_LEAD = r"(?:(?:mất|trong|khoảng|tầm|hết|thời\s+gian|tg)\s+)?"
_HOUR_UNIT = r"(?:giờ|tiếng|h|g)"
_MIN_UNIT = r"(?:phút|ph|p|')"
_DURATIONS = [
    ("hm", _compile(rf"{B}{_DUR_LEAD}(?P<h>\d{{1,2}})(?:h|g)(?P<m>\d{{1,2}})(?:{_MIN_UNIT})?(?!\w)")),
    ("hm", _compile(rf"{B}{_DUR_LEAD}(?P<h>\d{{1,2}})\s*{_HOUR_UNIT}\s*(?P<m>\d{{1,2}})\s*{_MIN_UNIT}(?!\w)")),
    ("h", _compile(rf"{B}{_DUR_LEAD}(?<!lúc\s)(?P<h>\d+(?:[.,]\d+)?)\s*{_HOUR_UNIT}(?P<half>\s+rưỡi)?{E}")),
    ("half", _compile(rf"{B}{_DUR_LEAD}(?:nửa\s+(?:tiếng|giờ)|tiếng\s+rưỡi){E}")),
    ("m", _compile(rf"{B}{_DUR_LEAD}(?P<m>-?\d+)\s*{_MIN_UNIT}(?!\w)")),
]

_RESULT = _compile(
    rf"{B}(?:(?:kết\s+quả|kq)\s*:?\s*)?(?P<w>{alternation([w for ws in RESULT_WORDS.values() for w in ws])}){E}"
)
_RESULT_OF = {fold(w): code for code, words in RESULT_WORDS.items() for w in words}

_CATEGORY_PHRASES: dict[str, tuple[str, int, bool]] = {}  # folded phrase -> (code, weight, keep in note)
for _code, (_names, _details) in CATEGORIES.items():
    for _w in _names:
        _CATEGORY_PHRASES[fold(_w)] = (_code, 2, False)
    for _w in _details:
        _CATEGORY_PHRASES[fold(_w)] = (_code, 2, True)
for _code, _weak in WEAK_WORDS.items():
    for _w in _weak:
        _CATEGORY_PHRASES[fold(_w)] = (_code, 1, False)
_CATEGORY_SOURCE = [w for names, details in CATEGORIES.values() for w in (*names, *details)]
_CATEGORY_SOURCE += [w for ws in WEAK_WORDS.values() for w in ws]
_CATEGORY = _compile(rf"{B}(?P<w>{alternation(_CATEGORY_SOURCE)}){E}")

_PRIORITY_OF = {fold(w): g for g, ws in PRIORITY_WORDS.items() for w in ws}
_PRIORITY = _compile(
    rf"{B}(?:(?:trong\s+đó|gồm|có)\s*:?\s+)?(?:{_NUM}\s*)?"
    rf"(?P<w>{alternation([w for ws in PRIORITY_WORDS.values() for w in ws])}){E}"
)
_PRIORITY_NUMBERED = _compile(
    rf"{B}(?:(?:trong\s+đó|gồm|có)\s*:?\s+)?{_NUM}\s*"
    rf"(?P<w>{alternation([w for ws in PRIORITY_WITH_NUMBER.values() for w in ws])}){E}"
)
_PRIORITY_NUMBERED_OF = {fold(w): g for g, ws in PRIORITY_WITH_NUMBER.items() for w in ws}

_COUNT = _compile(rf"{B}(?:(?:cho|giúp|hỗ\s+trợ|hướng\s+dẫn)\s+)?{_NUM}\s*(?:{alternation(COUNT_UNITS)}){E}")
NOT_COUNT_UNITS = ("lần", "tuổi", "tháng", "năm", "ngày", "tuần", "trang", "bản", "nghìn", "ngàn", "triệu", "tr",
                   "k", "đ", "đồng", "số")
_BARE_NUMBER = _compile(
    rf"(?<![\w\-.,/:#])(?<!năm\s)(?P<num>-?\d+)(?![\w.,/:%])(?!\s*(?:{alternation(NOT_COUNT_UNITS)}){E})"
)
_PLACE = _compile(
    rf"{B}(?:(?:ở|tại)\s+)?(?P<prefix>{alternation(PLACE_PREFIXES)})\s+(?P<name>\w+(?:[ \t]+\w+){{0,2}})"
)
_PLACE_NUMBERED = _compile(rf"{B}(?:(?:ở|tại)\s+)?(?P<prefix>tổ|khu)\s+(?P<name>\d{{1,3}}){E}")
_MASKS = re.compile(r"\[(?:số giấy tờ|số điện thoại|email|mã)\]")
_CLAIMED = "\u00a6"  # claimed characters are replaced by "¦", which no pattern matches


# ---------------------------------------------------------------- result

@dataclass(frozen=True)
class Problem:
    """Why a line cannot be stored: `kind` picks the message, `text` is the offending piece."""

    kind: str  # bad_date | future_date | old_date | bad_count | too_many | bad_duration | priority_exceeds
    text: str = ""
    value: int = 0


@dataclass
class Parsed:
    day: date | None = None
    citizens: int | None = None
    category: str | None = None
    elderly: int | None = None
    disabled: int | None = None
    poor: int | None = None
    result: str | None = None
    minutes: int | None = None
    place_id: int | None = None
    place_query: str | None = None  # a place was named but matched no unit
    place_suggestions: list[int] = field(default_factory=list)
    note: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def recognized(self) -> bool:
        """True when at least one field (not only the note) was read from the line."""
        values = (self.day, self.citizens, self.category, self.elderly, self.disabled, self.poor,
                  self.result, self.minutes, self.place_id, self.place_query)
        return any(v is not None for v in values) or bool(self.problems)

    def priority(self) -> dict[str, int]:
        return {g: v for g, v in (("elderly", self.elderly), ("disabled", self.disabled), ("poor", self.poor))
                if v is not None}


class _Scan:
    """The line being parsed: matched pieces are claimed so no other pattern reads them again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.work = list(_lower_same_length(text))
        self.dropped = [False] * len(text)

    @property
    def current(self) -> str:
        return "".join(self.work)

    def matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        yield from pattern.finditer(self.current)

    def claim(self, start: int, end: int, keep: bool = False) -> None:
        for i in range(start, end):
            self.work[i] = _CLAIMED
            if not keep:
                self.dropped[i] = True

    def original(self, start: int, end: int) -> str:
        return self.text[start:end]

    def rest(self) -> str:
        return "".join(ch if not self.dropped[i] else " " for i, ch in enumerate(self.text))


# ---------------------------------------------------------------- numbers and dates

def number_value(token: str) -> int | None:
    """An integer from digits or a Vietnamese number word (một..mười); None when it is neither."""
    token = token.strip()
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    key = fold(token)
    for word, value in NUMBER_WORDS.items():
        if fold(word) == key:
            return value
    return None


def make_date(day: int, month: int, year: int | None, today: date, max_age_days: int) -> date | None:
    """The date a member means by dd/mm[/yyyy]; None when no such date exists."""
    if year is not None:
        if year < 100:
            year += 2000
        if not 2000 <= year <= 2100:
            return None
    try:
        value = date(year or today.year, month, day)
    except ValueError:
        return None
    if year is None and value > today:
        # Early January, "28/12" means last December when that is recent enough to be logged.
        try:
            previous = date(today.year - 1, month, day)
        except ValueError:
            return value
        if (today - previous).days <= max_age_days:
            return previous
    return value


def check_date(value: date, today: date, max_age_days: int) -> Problem | None:
    """Future dates and dates older than the allowed age are refused."""
    if value > today:
        return Problem("future_date", value.strftime("%d/%m/%Y"))
    if (today - value).days > max_age_days:
        return Problem("old_date", value.strftime("%d/%m/%Y"), max_age_days)
    return None


def _read_dates(scan: _Scan, parsed: Parsed, today: date, max_age_days: int) -> None:
    found: list[tuple[int, int, date | None, str]] = []
    for pattern in (_DATE_WORDS, _DATE_DOTTED, _DATE_NUMERIC):
        for m in scan.matches(pattern):
            year = int(m["y"]) if m["y"] else None
            value = make_date(int(m["d"]), int(m["m"]), year, today, max_age_days)
            found.append((m.start(), m.end(), value, scan.original(m.start(), m.end())))
            scan.claim(m.start(), m.end())
    for days_ago, pattern in _RELATIVE:
        for m in scan.matches(pattern):
            found.append((m.start(), m.end(), today - timedelta(days=days_ago), m.group(0)))
            scan.claim(m.start(), m.end())
    for m in scan.matches(_WEEKDAY):
        if m["sun"]:
            target = 6
        elif m["n"] or m["t"]:
            target = int(m["n"] or m["t"]) - 2
        else:
            target = next(v for w, v in WEEKDAY_WORDS.items() if fold(w) == fold(m["w"]))
        found.append((m.start(), m.end(), today - timedelta(days=(today.weekday() - target) % 7), m.group(0)))
        scan.claim(m.start(), m.end())
    if not found:
        return
    _, _, value, raw = min(found, key=lambda f: f[0])  # the first date in the line counts
    if value is None:
        parsed.problems.append(Problem("bad_date", raw.strip()))
        return
    problem = check_date(value, today, max_age_days)
    if problem:
        parsed.problems.append(problem)
    else:
        parsed.day = value


def _read_durations(scan: _Scan, parsed: Parsed) -> None:
    for kind, pattern in _DURATIONS:
        for m in scan.matches(pattern):
            scan.claim(m.start(), m.end())
            if parsed.minutes is not None:
                continue
            if kind == "hm":
                minutes = int(m["h"]) * 60 + int(m["m"])
            elif kind == "h":
                minutes = round(float(m["h"].replace(",", ".")) * 60) + (30 if m["half"] else 0)
            elif kind == "half":
                minutes = 90 if "ruoi" in fold(m.group(0)) else 30
            else:
                minutes = int(m["m"])
            if not 1 <= minutes <= MAX_MINUTES:
                parsed.problems.append(Problem("bad_duration", m.group(0).strip(), MAX_MINUTES))
                parsed.minutes = -1
            else:
                parsed.minutes = minutes
    if parsed.minutes == -1:
        parsed.minutes = None


def _read_results(scan: _Scan, parsed: Parsed) -> None:
    for m in scan.matches(_RESULT):
        scan.claim(m.start(), m.end())
        if parsed.result is None:
            parsed.result = _RESULT_OF.get(fold(" ".join(m["w"].split())))


def category_of(text: str) -> str | None:
    """The category a piece of text names (exact words first, then typos); None if none does."""
    scan = _Scan(text)
    parsed = Parsed()
    _read_categories(scan, parsed)
    return parsed.category


def _read_categories(scan: _Scan, parsed: Parsed) -> None:
    best: tuple[int, int, str] | None = None  # (-weight, position, code)
    for m in scan.matches(_CATEGORY):
        code, weight, keep = _CATEGORY_PHRASES[fold(" ".join(m["w"].split()))]
        scan.claim(m.start(), m.end(), keep=keep)
        if best is None or (-weight, m.start()) < best[:2]:
            best = (-weight, m.start(), code)
    if best is not None:
        parsed.category = best[2]
        if best[0] < -1:
            return
    # Typos: compare the remaining words (and pairs of words) with every phrase.
    words = list(re.finditer(r"\w+", scan.current))
    candidates: list[tuple[float, int, int, str, bool]] = []
    for i, first in enumerate(words):
        for j in (i, i + 1):
            if j >= len(words):
                continue
            start, end = first.start(), words[j].end()
            piece = fold(scan.current[start:end])
            if len(piece.replace(" ", "")) < 4 or piece.isdigit():
                continue
            for known, (code, _weight, keep) in _CATEGORY_PHRASES.items():
                if len(known) < 4:
                    continue
                score = max(fuzz.ratio(piece, known), fuzz.ratio(piece.replace(" ", ""), known.replace(" ", "")))
                if score >= FUZZY_CATEGORY_CUTOFF:
                    candidates.append((score, start, end, code, keep))
    if candidates:
        score, start, end, code, keep = max(candidates, key=lambda c: (c[0], -c[1]))
        scan.claim(start, end, keep=keep)
        parsed.category = code


def _read_priority(scan: _Scan, parsed: Parsed) -> None:
    counts: dict[str, int] = {}
    for pattern, table in ((_PRIORITY, _PRIORITY_OF), (_PRIORITY_NUMBERED, _PRIORITY_NUMBERED_OF)):
        for m in scan.matches(pattern):
            scan.claim(m.start(), m.end())
            group = table[fold(" ".join(m["w"].split()))]
            value = number_value(m["num"]) if m["num"] else 1
            if value is None or value < 1:
                parsed.problems.append(Problem("bad_count", m.group(0).strip()))
                continue
            if value > MAX_CITIZENS:
                parsed.problems.append(Problem("too_many", m.group(0).strip(), MAX_CITIZENS))
                continue
            counts[group] = counts.get(group, 0) + value
    for group, value in counts.items():
        setattr(parsed, group, value)


def _set_count(parsed: Parsed, raw: str, value: int | None) -> None:
    if value is None or value < 1:
        parsed.problems.append(Problem("bad_count", raw.strip()))
    elif value > MAX_CITIZENS:
        parsed.problems.append(Problem("too_many", raw.strip(), MAX_CITIZENS))
    elif parsed.citizens is None:
        parsed.citizens = value


def _read_counts(scan: _Scan, parsed: Parsed) -> None:
    for m in scan.matches(_COUNT):
        scan.claim(m.start(), m.end())
        _set_count(parsed, m.group(0), number_value(m["num"]))


def _read_bare_number(scan: _Scan, parsed: Parsed) -> None:
    if parsed.citizens is not None:
        return
    for m in scan.matches(_BARE_NUMBER):
        digits = m["num"].lstrip("-")
        if len(digits) > 4 or (len(digits) > 1 and digits.startswith("0")):
            continue  # a phone number, a code or a year: leave it in the note
        scan.claim(m.start(), m.end())
        _set_count(parsed, m.group(0), int(m["num"]))
        return


# ---------------------------------------------------------------- places

@functools.lru_cache(maxsize=4096)  # unit names are few and are compared against every typed word
def place_core(name: str, accented: bool = False) -> str:
    """A unit's name without its kind word, folded: "Thôn Đông" -> "dong" (or "đông" when accented)."""
    words = name.lower().split()
    folded = [fold(w) for w in words]
    for prefix in sorted((fold(p).split() for p in PLACE_PREFIXES), key=len, reverse=True):
        if len(words) > len(prefix) and folded[: len(prefix)] == prefix:
            words, folded = words[len(prefix):], folded[len(prefix):]
            break
    return " ".join(words if accented else folded)


def match_place(text: str, places: Sequence[tuple[int, str]]) -> tuple[int | None, list[int]]:
    """The unit a typed name means (score >= PLACE_CUTOFF), else the three closest as suggestions."""
    query = place_core(text)
    if not query or not places:
        return None, []
    scored = sorted(((max(fuzz.ratio(query, place_core(name)), fuzz.ratio(fold(text), fold(name))), uid)
                     for uid, name in places), key=lambda s: -s[0])
    if scored[0][0] >= PLACE_CUTOFF and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1], []
    return None, [uid for _, uid in scored[:3]]


def _read_places(scan: _Scan, parsed: Parsed, places: Sequence[tuple[int, str]]) -> None:
    if not places:
        return
    for pattern in (_PLACE, _PLACE_NUMBERED):
        for m in scan.matches(pattern):
            if parsed.place_id is not None or parsed.place_query is not None:
                return
            words = list(re.finditer(r"\w+", m["name"]))
            best: tuple[float, int, int] | None = None  # (score, -n words, unit id)
            for n in range(1, len(words) + 1):
                candidate = m["name"][: words[n - 1].end()]
                query = fold(candidate)
                for uid, name in places:
                    score = fuzz.ratio(query, place_core(name))
                    if score >= PLACE_CUTOFF and (best is None or (score, n) > (best[0], -best[1])):
                        best = (score, -n, uid)
            prefix = fold(" ".join(m["prefix"].split()))
            if best is not None:
                end = m.start("name") + words[-best[1] - 1].end()
                scan.claim(m.start(), end)
                parsed.place_id = best[2]
                return
            if prefix in {fold(p) for p in STRONG_PLACE_PREFIXES} or pattern is _PLACE_NUMBERED:
                end = m.start("name") + words[0].end()
                scan.claim(m.start(), end)
                parsed.place_query = scan.original(m.start(), end).strip()
                parsed.place_suggestions = match_place(parsed.place_query, places)[1]
                return
    # A bare name counts only when written with a capital letter ("Đông", "Dong"): "đông người" is not a place.
    for uid, name in places:
        core = place_core(name, accented=True)
        if not core or core.isdigit():
            continue
        for m in scan.matches(_compile(rf"{B}{phrase(core)}{E}")):
            if scan.text[m.start()].isupper():
                scan.claim(m.start(), m.end())
                parsed.place_id = uid
                return


# ---------------------------------------------------------------- note

_EDGE_RE = _compile(rf"^(?:{alternation(EDGE_WORDS)}){E}|{B}(?:{alternation(EDGE_WORDS)})$")
_FILLER_RE = _compile(rf"{B}(?:{alternation(sorted(FILLERS))}){E}")


def _clean_note(text: str) -> str:
    """Tidy the leftover words; a note made only of filler words ("hỗ trợ cho") is dropped."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"([,.;:])(?:\s*[,.;:])+", r"\1", text)
    text = text.strip(" ,.;:-–+&/")
    while True:
        trimmed = _EDGE_RE.sub("", text).strip(" ,.;:-–+&/")
        if trimmed == text:
            break
        text = trimmed
    if not re.search(r"\w", _FILLER_RE.sub(" ", _lower_same_length(text))):
        return ""
    return text


# ---------------------------------------------------------------- entry point

def parse_line(text: str, today: date, places: Sequence[tuple[int, str]] = (),
               max_age_days: int = 30) -> Parsed:
    """Read the session fields from one line; `places` are (unit id, name) of thôn/tổ dân phố units."""
    text = mask_pii(unicodedata.normalize("NFC", text)).strip()
    scan = _Scan(text)
    parsed = Parsed()
    for m in _MASKS.finditer(text):
        scan.claim(m.start(), m.end(), keep=True)
    _read_dates(scan, parsed, today, max_age_days)
    _read_durations(scan, parsed)
    _read_results(scan, parsed)
    _read_categories(scan, parsed)
    _read_priority(scan, parsed)
    _read_counts(scan, parsed)
    _read_places(scan, parsed, places)
    _read_bare_number(scan, parsed)
    parsed.note = _clean_note(scan.rest())
    largest = max(parsed.priority().values(), default=0)
    if parsed.citizens is not None and largest > parsed.citizens:
        parsed.problems.append(Problem("priority_exceeds", str(largest), parsed.citizens))
    return parsed

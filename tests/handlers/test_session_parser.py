"""The one-line session parser on real-looking lines, with and without diacritics, typos and abbreviations."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handlers.session_parser import (
    category_of,
    check_date,
    loose,
    make_date,
    match_place,
    parse_line,
)

TODAY = date(2025, 11, 20)  # a Thursday
DONG, TAY, BAC, TDP5 = 2, 3, 4, 5
PLACES = [(DONG, "Thôn Đông"), (TAY, "Thôn Tây"), (BAC, "Thôn Bắc"), (TDP5, "Tổ dân phố 5")]
FIELDS = ("day", "citizens", "category", "elderly", "disabled", "poor", "result", "minutes", "place_id",
          "place_query")


def d(day: int, month: int = 11) -> date:
    return date(2025, month, day)


CASES: list[tuple[str, dict[str, Any]]] = [
    # the three examples of the brief, with and without diacritics
    ("3 kích hoạt VNeID thôn Đông 45p", dict(citizens=3, category="vneid", minutes=45, place_id=DONG, note="")),
    ("3 kich hoat vneid thon dong 45p", dict(citizens=3, category="vneid", minutes=45, place_id=DONG, note="")),
    ("hôm qua 2 người nộp hồ sơ khai sinh, 1 cụ già",
     dict(day=d(19), citizens=2, category="dvc", elderly=1, note="khai sinh")),
    ("hom qua 2 nguoi nop ho so khai sinh, 1 cu gia",
     dict(day=d(19), citizens=2, category="dvc", elderly=1, note="khai sinh")),
    ("20/11 tích hợp bhyt 5 ng 1 tiếng", dict(day=d(20), citizens=5, category="docs", minutes=60, note="bhyt")),
    ("20/11 tich hop bhyt 5 ng 1 tieng", dict(day=d(20), citizens=5, category="docs", minutes=60, note="bhyt")),
    # dates: relative words, weekdays (the most recent such day), numeric forms
    ("Hôm nay hỗ trợ 4 người kích hoạt tài khoản định danh mức 2 tại thôn Tây, mất 1h30",
     dict(day=d(20), citizens=4, category="vneid", minutes=90, place_id=TAY, note="")),
    ("hnay 2ng dinh danh muc 2 thon tay 30 phut",
     dict(day=d(20), citizens=2, category="vneid", minutes=30, place_id=TAY)),
    ("thứ 2 ba người kích hoạt VNeID Tây chưa xong",
     dict(day=d(17), citizens=3, category="vneid", result="not_done", place_id=TAY)),
    ("t3 tich hop gplx cho 2 ng thon bac 40p xong",
     dict(day=d(18), citizens=2, category="docs", result="done", minutes=40, place_id=BAC, note="gplx")),
    ("chủ nhật 6 người kỹ năng số, 3 cụ, 1 khuyết tật, 2 tiếng",
     dict(day=d(16), citizens=6, category="skills", elderly=3, disabled=1, minutes=120, note="")),
    ("cn 1 nguoi khuyet tat ky nang so 1 tieng ruoi", dict(day=d(16), category="skills", disabled=1, minutes=90)),
    ("thứ sáu thanh toán tiền điện qua app ngân hàng 1 người 15 phút",
     dict(day=d(14), citizens=1, category="payment", minutes=15, note="tiền điện qua app ngân hàng")),
    ("thu nam 2 nguoi kich hoat", dict(day=d(20), citizens=2, category="vneid")),
    ("18/11/2025 2 người nộp hồ sơ tạm trú, hẹn lại",
     dict(day=d(18), citizens=2, category="dvc", result="rescheduled", note="tạm trú")),
    ("18-11 an toàn thông tin, lừa đảo qua điện thoại, 10 người, 1,5 giờ",
     dict(day=d(18), citizens=10, category="safety", minutes=90)),
    ("hôm kia 5 ng chuyển khoản lệ phí khai sinh thôn Bắc",
     dict(day=d(18), citizens=5, category="payment", place_id=BAC, note="khai sinh")),
    ("ngày 15 tháng 11 kích hoạt cho 2 hộ nghèo", dict(day=d(15), category="vneid", poor=2)),
    ("sáng qua 4 người kĩ năng số dùng smartphone", dict(day=d(19), citizens=4, category="skills", note="")),
    ("chiều nay kích hoạt cho 2 người cao tuổi và 1 người khuyết tật",
     dict(day=d(20), category="vneid", elderly=2, disabled=1, note="")),
    # durations
    ("nửa tiếng 1 ng đổi mật khẩu vneid", dict(citizens=1, category="vneid", minutes=30, note="đổi mật khẩu")),
    ("nộp hs khai tử 1 người 1g30", dict(citizens=1, category="dvc", minutes=90, note="khai tử")),
    ("hướng dẫn bà Tư cài Zalo, 45'", dict(category="skills", minutes=45, note="hướng dẫn bà Tư cài Zalo")),
    ("kích hoạt 3 người 2 tiếng rưỡi", dict(citizens=3, category="vneid", minutes=150)),
    ("kich hoat 1 nguoi 1 tieng 15 phut", dict(citizens=1, category="vneid", minutes=75)),
    # typos and abbreviations
    ("kich hoatt vneid cho 2 nguoi", dict(citizens=2, category="vneid", note="")),
    ("tichhop bang lai 3ng hkia", dict(day=d(18), citizens=3, category="docs")),
    ("năm người kích hoạt VNeID", dict(citizens=5, category="vneid")),
    ("nop hs dvc cho 2 ngươi", dict(citizens=2, category="dvc")),
    # priority groups
    ("1 cụ già kích hoạt VNeID 20p thôn Đông", dict(category="vneid", elderly=1, minutes=20, place_id=DONG)),
    ("5 người yếu thế tích hợp thẻ bhyt", dict(category="docs", poor=5, note="thẻ bhyt")),
    ("kích hoạt cho bà cụ nhà bên, 1 người", dict(citizens=1, category="vneid", elderly=1)),
    ("3 người trong đó 1 NKT 1 hộ cận nghèo tích hợp", dict(citizens=3, category="docs", disabled=1, poor=1)),
    # result words
    ("thử 2 lần kích hoạt không được", dict(category="vneid", result="not_done", note="thử 2 lần")),
    ("hẹn hôm khác 2 người kích hoạt vì mất sóng",
     dict(citizens=2, category="vneid", result="rescheduled", note="vì mất sóng")),
    ("chưa xong 1 ng kích hoạt ko nhận được otp",
     dict(citizens=1, category="vneid", result="not_done", note="ko nhận được otp")),
    ("kich hoat 2 nguoi, ket qua: xong", dict(citizens=2, category="vneid", result="done", note="")),
    # places: prefixes, bare capitalised names, numbered tổ dân phố, unknown names
    ("Đông 2 người kích hoạt VNeID", dict(citizens=2, category="vneid", place_id=DONG)),
    ("đông người quá, 3 người kích hoạt", dict(citizens=3, category="vneid", note="đông người quá")),
    ("ghi cho tdp 5 2 người kích hoạt", dict(citizens=2, category="vneid", place_id=TDP5, note="")),
    ("2 người tổ 5 nộp hồ sơ cư trú", dict(citizens=2, category="dvc", place_id=TDP5, note="cư trú")),
    ("3 người kích hoạt thôn Nam", dict(citizens=3, category="vneid", place_query="thôn Nam")),
    ("kich hoat 2 nguoi thon doong", dict(citizens=2, category="vneid", place_id=DONG)),
    # other categories
    ("bảo mật tài khoản cho 3 người", dict(citizens=3, category="safety", note="tài khoản")),
    ("khác: hướng dẫn tra cứu điểm thi 1 người", dict(citizens=1, category="other")),
    ("tích hợp giấy tờ vào VNeID cho 2 người", dict(citizens=2, category="docs")),
    # personal data in the note is masked, long numbers are not counts
    ("kích hoạt vneid, sđt 0912345678, cccd 001085012345, 2 người",
     dict(citizens=2, category="vneid", note="sđt [số điện thoại], cccd [số giấy tờ]")),
    ("kich hoat cho cu sinh năm 1950 sdt 0912 345 678", dict(category="vneid")),
]

REFUSED: list[tuple[str, list[str]]] = [
    ("31/02 kích hoạt 2 người", ["bad_date"]),
    ("99/99/9999 kích hoạt", ["bad_date"]),
    ("25/11 kích hoạt", ["future_date"]),
    ("01/09/2025 kích hoạt", ["old_date"]),
    ("20/11/2026 kich hoat", ["future_date"]),
    ("5000 người kích hoạt", ["too_many"]),
    ("kích hoạt 9999", ["too_many"]),
    ("-3 người kích hoạt", ["bad_count"]),
    ("0 người kích hoạt", ["bad_count"]),
    ("2 người kích hoạt 900 phút", ["bad_duration"]),
    ("1 người, 2 cụ già kích hoạt", ["priority_exceeds"]),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_line_is_read(line: str, expected: dict[str, Any]) -> None:
    parsed = parse_line(line, TODAY, PLACES, 30)
    assert parsed.problems == []
    for name in FIELDS:
        assert getattr(parsed, name) == expected.get(name), (name, parsed)
    if "note" in expected:
        assert parsed.note == expected["note"]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) + len(REFUSED) >= 40


@pytest.mark.parametrize(("line", "kinds"), REFUSED, ids=[c[0] for c in REFUSED])
def test_bad_input_is_reported(line: str, kinds: list[str]) -> None:
    parsed = parse_line(line, TODAY, PLACES, 30)
    assert [p.kind for p in parsed.problems] == kinds


def test_masked_note_keeps_no_digits_of_the_id_or_phone() -> None:
    parsed = parse_line("kích hoạt 1 người sđt 0912345678 cccd 001085012345", TODAY, PLACES)
    assert "0912345678" not in parsed.note and "001085012345" not in parsed.note
    assert "[số điện thoại]" in parsed.note and "[số giấy tờ]" in parsed.note


def test_unknown_place_suggests_the_closest() -> None:
    parsed = parse_line("2 người kích hoạt thôn Đôngg Hòa", TODAY, PLACES)
    assert parsed.place_id == DONG or parsed.place_suggestions[0] == DONG
    unknown = parse_line("2 người kích hoạt thôn Nam", TODAY, PLACES)
    assert unknown.place_id is None and len(unknown.place_suggestions) == 3


def test_unknown_words_are_not_recognised() -> None:
    parsed = parse_line("asdkjh qwe zxc", TODAY, PLACES)
    assert not parsed.recognized and parsed.note == "asdkjh qwe zxc"


def test_dates_around_new_year_and_limits() -> None:
    jan = date(2026, 1, 5)
    assert make_date(28, 12, None, jan, 30) == date(2025, 12, 28)
    assert make_date(31, 2, None, jan, 30) is None
    assert make_date(1, 1, 1999, jan, 30) is None
    assert check_date(date(2026, 1, 6), jan, 30).kind == "future_date"  # type: ignore[union-attr]
    old = check_date(date(2025, 12, 5), jan, 30)
    assert old is not None and old.kind == "old_date" and old.value == 30
    assert check_date(date(2025, 12, 6), jan, 30) is None


def test_weekday_is_today_when_it_is_that_day() -> None:
    assert parse_line("thứ 5 kích hoạt", TODAY).day == TODAY
    assert parse_line("thứ 6 kích hoạt", TODAY).day == date(2025, 11, 14)


def test_loose_patterns_accept_missing_marks_but_not_other_words() -> None:
    import re

    weekday = re.compile(loose("thứ"))
    assert weekday.fullmatch("thu") and weekday.fullmatch("thứ") and weekday.fullmatch("thư")
    assert not weekday.fullmatch("thử")
    assert parse_line("thử 2 lần kích hoạt", TODAY).day is None


def test_category_and_place_helpers() -> None:
    assert category_of("Nộp hồ sơ DVC") == "dvc"
    assert category_of("thanh toan") == "payment"
    assert category_of("an toan thong tin") == "safety"
    assert category_of("xyz") is None
    assert match_place("thon dong", PLACES) == (DONG, [])
    assert match_place("Bắc", PLACES) == (BAC, [])
    uid, suggestions = match_place("Nam", PLACES)
    assert uid is None and len(suggestions) == 3

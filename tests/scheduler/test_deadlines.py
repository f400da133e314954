"""Tests for scheduler.deadlines."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from scheduler.deadlines import Deadline, DeadlineError, fold_text, parse_deadline

SHARED = Path(__file__).resolve().parents[3] / "shared"
REF = date(2025, 10, 1)


def on(day: str) -> Deadline:
    return Deadline("date", due=date.fromisoformat(day))


MONTHLY = Deadline("recurring", every="month")
QUARTERLY = Deadline("recurring", every="quarter")
EVENT = Deadline("event")

TABLE: list[tuple[str, Deadline]] = [
    ("Trước ngày 20/12/2025", on("2025-12-19")),
    ("31/12/2025", on("2025-12-31")),
    ("đến ngày 30/6/2025", on("2025-06-30")),
    ("Trong tháng 8/2025", on("2025-08-31")),
    ("Hoàn thành trong tháng 7 năm 2025", on("2025-07-31")),
    ("Hoàn thành trong Quý III năm 2025", on("2025-09-30")),
    ("Quý 4/2025", on("2025-12-31")),
    ("Hoàn thành trong năm 2025", on("2025-12-31")),
    ("6 tháng đầu năm 2026", on("2026-06-30")),
    ("Thường xuyên", MONTHLY),
    ("Nhiệm vụ thường xuyên", MONTHLY),
    ("Thực hiện thường xuyên", MONTHLY),
    (
        "Thường xuyên trong 6 tháng cuối năm 2025",
        Deadline("recurring", every="month", until=date(2025, 12, 31)),
    ),
    ("Định kỳ hằng tháng (trước ngày 20 hằng tháng)", MONTHLY),
    ("Ngay sau khi nhận được quyết định công bố danh mục TTHC và văn bản hướng dẫn của các sở.", EVENT),
    # Further forms.
    ("hằng quý", QUARTERLY),
    ("Định kỳ hàng quý", QUARTERLY),
    ("Báo cáo hằng năm", QUARTERLY),
    ("Năm 2025", on("2025-12-31")),
    ("tháng 10/2025", on("2025-10-31")),
    ("Tháng 2/2028", on("2028-02-29")),
    ("20/12", on("2025-12-20")),
    ("Trước ngày 20/12", on("2025-12-19")),
    ("15-08-2025", on("2025-08-15")),
    ("15.08.2025", on("2025-08-15")),
    ("2025-08-15", on("2025-08-15")),
    ("31/12/25", on("2025-12-31")),
    ("Trước 30/9/2025", on("2025-09-29")),
    ("Trước tháng 9/2025", on("2025-08-31")),
    ("Trước năm 2026", on("2025-12-31")),
    ("Quý I/2026", on("2026-03-31")),
    ("quý II", on("2025-06-30")),
    ("Trong tháng 8", on("2025-08-31")),
    ("ngày 20 tháng 12 năm 2025", on("2025-12-20")),
    ("Hoàn thành trước ngày 15 tháng 11 năm 2025", on("2025-11-14")),
    ("Từ ngày 01/7/2025 đến ngày 31/12/2025", on("2025-12-31")),
    ("Trong năm 2025 và các năm tiếp theo", MONTHLY),
    ("2025-2030", on("2030-12-31")),
    ("giai đoạn 2025 - 2030", on("2030-12-31")),
    ("Giai đoạn 2026 – 2030", on("2030-12-31")),
    ("Từ năm 2025 đến năm 2027", on("2027-12-31")),
    ("nửa đầu năm 2026", on("2026-06-30")),
    ("9 tháng đầu năm 2025", on("2025-09-30")),
    ("Đầu năm 2026", on("2026-03-31")),
    ("Cuối năm 2025", on("2025-12-31")),
    ("Thường xuyên đến hết năm 2026", Deadline("recurring", every="month", until=date(2026, 12, 31))),
    ("Khi có yêu cầu", EVENT),
    ("Theo chỉ đạo của cấp trên", EVENT),
    ("Sớm nhất có thể", EVENT),
    ("", EVENT),
    ("Quý vị liên hệ sau", EVENT),
]


@pytest.mark.parametrize(("phrase", "expected"), TABLE)
def test_table(phrase: str, expected: Deadline) -> None:
    assert parse_deadline(phrase, REF) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("truoc ngay 20/12/2025", on("2025-12-19")),
        ("TRƯỚC NGÀY 20/12/2025", on("2025-12-19")),
        ("hoan thanh trong quy iii nam 2025", on("2025-09-30")),
        ("THUONG XUYEN", MONTHLY),
        ("dinh ky hang thang", MONTHLY),
        ("trong thang 8/2025.", on("2025-08-31")),
        ("Thời gian hoàn thành: Trước ngày 31/12/2025.", on("2025-12-30")),
        ("Thời gian thực hiện: Nhiệm vụ thường xuyên. ", MONTHLY),
        ("- Thời gian: Hoàn thành trong Quý III năm 2025;", on("2025-09-30")),
        ("Thoi gian hoan thanh: 31/12/2025", on("2025-12-31")),
    ],
)
def test_case_diacritics_and_labels(phrase: str, expected: Deadline) -> None:
    assert parse_deadline(phrase, REF) == expected


def test_ref_defaults_to_today() -> None:
    assert parse_deadline("20/12") == on(f"{date.today().year}-12-20")


def test_to_json() -> None:
    assert parse_deadline("Trước ngày 20/12/2025", REF).to_json() == {
        "kind": "date",
        "due": "2025-12-19",
        "every": None,
        "until": None,
    }
    assert parse_deadline("Thường xuyên trong 6 tháng cuối năm 2025", REF).to_json() == {
        "kind": "recurring",
        "due": None,
        "every": "month",
        "until": "2025-12-31",
    }
    assert EVENT.to_json() == {"kind": "event", "due": None, "every": None, "until": None}


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("31/02/2025", "Ngày không hợp lệ: 31/02/2025."),
        ("Trước ngày 30/2/2026", "Ngày không hợp lệ: 30/2/2026."),
        ("99/99/9999", "Ngày không hợp lệ: 99/99/9999."),
        ("31/13/2025", "Ngày không hợp lệ: 31/13/2025."),
        ("32/1", "Ngày không hợp lệ: 32/1."),
        ("tháng 13/2025", "Tháng không hợp lệ: tháng 13/2025."),
        ("Trong tháng 0 năm 2025", "Tháng không hợp lệ: tháng 0 năm 2025."),
        ("Quý V/2025", "Quý không hợp lệ: Quý V/2025."),
        ("Hoàn thành trong Quý 5 năm 2025", "Quý không hợp lệ: Quý 5 năm 2025."),
        ("năm 3025", "Năm không hợp lệ: năm 3025."),
        ("giai đoạn 2030-2025", "Khoảng thời gian không hợp lệ: 2030-2025."),
    ],
)
def test_impossible_dates_raise(phrase: str, message: str) -> None:
    with pytest.raises(DeadlineError) as info:
        parse_deadline(phrase, REF)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_fold_text_keeps_length() -> None:
    text = "Thời gian hoàn thành: Quý III – Đợt 1"
    folded = fold_text(text)
    assert folded == "thoi gian hoan thanh: quy iii - dot 1"
    assert len(folded) == len(text)


# --- Real phrases -------------------------------------------------------------

REAL_PHRASES: dict[str, Deadline] = {
    "Trong tháng 8/2025": on("2025-08-31"),
    "Trong tháng 11/2025": on("2025-11-30"),
    "Thường xuyên": MONTHLY,
    "Trước ngày 20/12/2025": on("2025-12-19"),
    "Nhiệm vụ thường xuyên": MONTHLY,
    "Thực hiện thường xuyên": MONTHLY,
    "Thường xuyên trong 6 tháng cuối năm 2025": Deadline(
        "recurring", every="month", until=date(2025, 12, 31)
    ),
    "Trước ngày 31/12/2025": on("2025-12-30"),
    "31/12/2025": on("2025-12-31"),
    "Ngay sau khi nhận được quyết định công bố danh": EVENT,
    "Hoàn thành trong tháng 7 năm 2025": on("2025-07-31"),
    "Hoàn thành trong tháng 9 năm 2025": on("2025-09-30"),
    "Hoàn thành trong Quý III năm 2025": on("2025-09-30"),
    "Hoàn thành trong năm 2025": on("2025-12-31"),
    "Hoàn thành trong năm 2026": on("2026-12-31"),
}


def _csv_phrases() -> list[str]:
    phrases: list[str] = []
    for path in sorted((SHARED / "plans").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            phrases += [row["thoi_gian"] for row in csv.DictReader(handle)]
    return phrases


_SEED_LABEL = re.compile(r"Thời gian(?: hoàn thành| thực hiện)?:\s*(?P<phrase>.+)$")


def _seed_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if _SEED_LABEL.search(line):
                lines.append(line.strip())
    return lines


def test_real_phrases_found() -> None:
    assert len(_csv_phrases()) >= 15
    assert len(_seed_lines()) >= 40


@pytest.mark.parametrize("phrase", _csv_phrases())
def test_csv_phrase(phrase: str) -> None:
    assert parse_deadline(phrase, REF) == REAL_PHRASES[phrase]


@pytest.mark.parametrize("line", _seed_lines())
def test_seed_line(line: str) -> None:
    m = _SEED_LABEL.search(line)
    assert m is not None
    key = m["phrase"].strip().rstrip(".").strip()
    assert parse_deadline(line, REF) == REAL_PHRASES[key]

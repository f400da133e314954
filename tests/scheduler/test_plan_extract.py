"""Tests for scheduler.plan_extract, on real plan texts from /work/shared/seeds."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from scheduler.deadlines import parse_deadline
from scheduler.plan_extract import CSV_HEADER, ExtractedTask, extract_tasks, write_csv

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEEDS = SHARED / "seeds"
WARD_PLAN = "002_ada6249dc3691d29.txt"  # UBND phường, items a)-n)
PARTY_PLAN = "000_9dbcb6a445719812.txt"  # Đảng ủy phường, section IV.2


def tasks_of(name: str) -> list[ExtractedTask]:
    return extract_tasks((SEEDS / name).read_text(encoding="utf-8"), source=name)


# --- 002: the 13 tasks a)-n) --------------------------------------------------

WARD_TASKS: list[tuple[str, str, str, str]] = [
    # (letter, lead, coordinate, deadline)
    ("a", "Các phòng, ban đơn vị", "", "Thường xuyên"),
    (
        "b",
        "Các cơ quan, đơn vị có TTHC",
        "Trung tâm Phục vụ hành chính công phường",
        "Ngay sau khi nhận được quyết định công bố danh mục TTHC và văn bản hướng dẫn của các sở",
    ),
    ("c", "Các phòng, ban, đơn vị trên địa bàn phường", "", "Thường xuyên"),
    ("d", "Phòng Kinh tế phường", "Phòng Văn hóa – Xã hội, Văn phòng HĐND -UBND", ""),
    ("đ", "Trung tâm phục vụ hành chính công phường", "các đơn vị có liên quan", "Thường xuyên"),
    (
        "e",
        "Căn cứ theo ngành dọc cấp trên, các cơ quan đơn vị phối hợp tổ chức",
        "",
        "31/12/2025",
    ),
    (
        "g",
        "Văn phòng HĐND –UBND; Phòng Văn hóa – Xã hội; Trung tâm Văn hóa, Thể thao và Truyền thông phường",
        "Các đơn vị có liên quan",
        "Thường xuyên",
    ),
    ("h", "Văn phòng HĐND -UBND", "Các đơn vị có liên quan", "Nhiệm vụ thường xuyên"),
    ("i", "Công an phường", "Các cơ quan, đơn vị liên quan", "Nhiệm vụ thường xuyên"),
    ("k", "Tổ CNSCĐ phường, thôn", "Các đơn vị có liên quan", "Thường xuyên"),
    ("l", "Công an phường; Văn phòng HĐND -UBND", "các cơ quan, đơn vị liên quan", "Thường xuyên"),
    ("m", "Công an phường; Văn phòng HĐND -UBND", "Các cơ quan, đơn vị liên quan", "Thường xuyên"),
    (
        "n",
        "Công an phường; Văn phòng HĐND –UBND; Tổ Ứng cứu Công nghệ và Nghiệp vụ hỗ trợ giải quyết "
        "thủ tục hành chính phường",
        "Các đơn vị liên quan",
        "Thường xuyên",
    ),
]


def test_ward_plan_has_13_tasks() -> None:
    tasks = tasks_of(WARD_PLAN)
    assert [task.stt for task in tasks] == [f"III.1.{letter}" for letter, *_ in WARD_TASKS]


@pytest.mark.parametrize(("index", "expected"), list(enumerate(WARD_TASKS)))
def test_ward_plan_task(index: int, expected: tuple[str, str, str, str]) -> None:
    task = tasks_of(WARD_PLAN)[index]
    letter, lead, coordinate, deadline = expected
    assert task.stt.endswith(f".{letter}")
    assert (task.lead, task.coordinate, task.deadline) == (lead, coordinate, deadline)
    assert task.group == "Nhiệm vụ trọng tâm cần triển khai đến ngày 31/12/2025"
    assert task.source == WARD_PLAN
    assert task.title and "Chủ trì" not in task.title and "\n" not in task.title


def test_ward_plan_titles() -> None:
    tasks = tasks_of(WARD_PLAN)
    assert tasks[0].title == (
        "Đẩy mạnh kết nối, liên thông dữ liệu, ứng dụng phục vụ chỉ đạo, điều hành của lãnh đạo "
        "UBND phường và các phòng, ban, đơn vị bảo đảm hiệu quả, tránh lãng phí, đáp ứng mô hình "
        "chính quyền địa phương 02 cấp."
    )
    assert tasks[3].title.startswith("Bố trí nguồn lực, kinh phí thực hiện: phân loại hồ sơ")
    assert tasks[9].title.endswith("cho cán bộ và người dân tại cơ sở.")
    assert tasks[10].title.endswith("xảy ra sự cố an ninh thông tin.")


# --- 000: section IV.2 ------------------------------------------------------------

PARTY_TASKS: list[tuple[str, str, str]] = [
    # (stt, group, deadline)
    ("IV.2.1.1-1", "Về hạ tầng kỹ thuật, công nghệ", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.1-2", "Về hạ tầng kỹ thuật, công nghệ", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.2.a", "Về dữ liệu", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.2.b", "Về dữ liệu", "Trước ngày 20/12/2025"),
    ("IV.2.1.3.a", "NỀN TẢNG", ""),
    ("IV.2.1.3.b", "NỀN TẢNG", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.3.c", "NỀN TẢNG", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.4.a", "Về nhân lực cho chuyển đổi số", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.4.b", "Về nhân lực cho chuyển đổi số", "Nhiệm vụ thường xuyên"),
    ("IV.2.1.5-1", "Về nguồn lực tài chính", "Thường xuyên trong 6 tháng cuối năm 2025"),
    ("IV.2.1.5-2", "Về nguồn lực tài chính", "Thường xuyên trong 6 tháng cuối năm 2025"),
    ("IV.2.1.5-3", "Về nguồn lực tài chính", "Thường xuyên trong 6 tháng cuối năm 2025"),
    ("IV.2.1.5-4", "Về nguồn lực tài chính", "Thường xuyên trong 6 tháng cuối năm 2025"),
    ("IV.2.1.6.a", "Bảo đảm an toàn, an ninh thông tin và bảo mật", "Trước ngày 31/12/2025"),
    ("IV.2.1.6.b", "Bảo đảm an toàn, an ninh thông tin và bảo mật", "Trước ngày 31/12/2025"),
]
PLATFORMS_GROUP = "Về các nền tảng, ứng dụng phục vụ người dân, doanh nghiệp và hoạt động trong các cơ quan hệ thống chính trị"


def test_party_plan_section_iv_2() -> None:
    tasks = tasks_of(PARTY_PLAN)
    section = [task for task in tasks if task.stt.startswith("IV.2.")]
    assert section == tasks  # nothing outside IV.2 has task fields
    got = [(task.stt, task.group, task.deadline) for task in section]
    expected = [
        (stt, PLATFORMS_GROUP if group == "NỀN TẢNG" else group, dl) for stt, group, dl in PARTY_TASKS
    ]
    assert got == expected


def test_party_plan_titles() -> None:
    by_stt = {task.stt: task for task in tasks_of(PARTY_PLAN)}
    assert by_stt["IV.2.1.2.b"].title == (
        "Hoàn thành rà soát, cấu trúc lại các thủ tục hành chính chuyển từ thủ công trên giấy sang môi trường điện tử."
    )
    assert by_stt["IV.2.1.1-2"].title.startswith("Đẩy mạnh kết nối, liên thông dữ liệu với cấp tỉnh")
    assert by_stt["IV.2.1.5-4"].title.startswith("Cử cán bộ, công chức, viên chức tham gia đào tạo")
    assert by_stt["IV.2.1.6.a"].title == (
        "Bảo đảm an toàn thông tin, an ninh mạng cho các hạ tầng kỹ thuật, dữ liệu, "
        "ứng dụng triển khai tại các cơ quan, đơn vị."
    )


@pytest.mark.parametrize("name", [WARD_PLAN, PARTY_PLAN])
def test_extracted_deadlines_parse(name: str) -> None:
    for task in tasks_of(name):
        parse_deadline(task.deadline, date(2025, 10, 1))


# --- Other layouts -----------------------------------------------------------------


def test_numbered_items_with_fields_become_tasks() -> None:
    text = """
I. Nhóm nhiệm vụ về lãnh đạo, chỉ đạo

1. Thành lập Ban Chỉ đạo do đồng chí Bí thư Đảng ủy làm Trưởng ban

- Cơ quan chủ trì: Văn phòng Đảng ủy.

- Thời gian thực hiện: Hoàn thành trong tháng 7 năm 2025.

2. Xây dựng tài liệu tuyên truyền Nghị quyết số 57-
NQ/TW; trong đó nêu bật các quan điểm chỉ đạo.
- Cơ quan chủ trì: Ban Xây dựng Đảng, Ủy ban nhân dân xã
- Thời gian: Hoàn thành trong Quý III năm 2025.
PHỤ LỤC III
"""
    tasks = extract_tasks(text, "pl2")
    assert [(t.stt, t.group, t.lead, t.deadline) for t in tasks] == [
        (
            "I.1",
            "Nhóm nhiệm vụ về lãnh đạo, chỉ đạo",
            "Văn phòng Đảng ủy",
            "Hoàn thành trong tháng 7 năm 2025",
        ),
        (
            "I.2",
            "Nhóm nhiệm vụ về lãnh đạo, chỉ đạo",
            "Ban Xây dựng Đảng, Ủy ban nhân dân xã",
            "Hoàn thành trong Quý III năm 2025",
        ),
    ]
    assert tasks[1].title == (
        "Xây dựng tài liệu tuyên truyền Nghị quyết số 57- NQ/TW; trong đó nêu bật các quan điểm chỉ đạo."
    )


def test_inline_labels() -> None:
    text = """II. NHIỆM VỤ
1. Chuyển đổi số
a) Rà soát điểm lõm sóng. Chủ trì thực hiện: Phòng Văn hóa - Xã hội; Phối hợp thực hiện: Phòng Kinh tế;
Thời gian hoàn thành: Trong tháng 11/2025.
b) Tập huấn kỹ năng số (Chủ trì: Công an xã, thời hạn: Quý 4/2025)
"""
    tasks = extract_tasks(text)
    assert [(t.stt, t.title, t.lead, t.coordinate, t.deadline) for t in tasks] == [
        ("II.1.a", "Rà soát điểm lõm sóng", "Phòng Văn hóa - Xã hội", "Phòng Kinh tế", "Trong tháng 11/2025"),
        ("II.1.b", "Tập huấn kỹ năng số", "Công an xã", "", "Quý 4/2025"),
    ]
    assert tasks[0].group == "Chuyển đổi số"


def test_prose_mentioning_chu_tri_is_not_a_field() -> None:
    text = """IV. TỔ CHỨC THỰC HIỆN
1. Phòng Văn hóa – Xã hội phường: Chủ trì, phối hợp với Văn phòng
HĐND - UBND phường tổng hợp, theo dõi.
2. Công an phường: Căn cứ theo các văn bản hướng dẫn.
"""
    assert extract_tasks(text) == []


def test_unaccented_labels() -> None:
    text = "a) Lam viec A\n- Chu tri thuc hien: To CNSCD\n- Thoi gian hoan thanh: Thuong xuyen\n"
    (task,) = extract_tasks(text)
    assert (task.stt, task.title, task.lead, task.deadline) == ("a", "Lam viec A", "To CNSCD", "Thuong xuyen")


def test_empty_text() -> None:
    assert extract_tasks("") == []


# --- CSV -----------------------------------------------------------------------------


def test_csv_header_matches_shared_plan() -> None:
    with (SHARED / "plans" / "ke-hoach-10-KH-DU-phu-luc-III.csv").open(encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == CSV_HEADER


def test_write_csv_round_trip(tmp_path: Path) -> None:
    tasks = tasks_of(WARD_PLAN)
    path = tmp_path / "out.csv"
    write_csv(tasks, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 13
    assert rows[1] == {
        "stt": "III.1.b",
        "nhom": tasks[1].group,
        "noi_dung": tasks[1].title,
        "thoi_gian": tasks[1].deadline,
        "chu_tri": "Các cơ quan, đơn vị có TTHC",
        "phoi_hop": "Trung tâm Phục vụ hành chính công phường",
        "nguon": WARD_PLAN,
    }

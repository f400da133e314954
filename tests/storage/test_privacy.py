"""Tests for storage.privacy."""

from __future__ import annotations

import pytest

from storage.privacy import CODE_MASK, EMAIL_MASK, ID_MASK, PHONE_MASK, contains_id_number, mask_pii


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ID numbers (CCCD 12 digits, CMND 9 digits).
        ("CCCD của tôi là 001234567890", f"CCCD của tôi là {ID_MASK}"),
        ("số cccd 079 203 004 567 nhé", f"số cccd {ID_MASK} nhé"),
        ("CCCD: 079.203.004.567", f"CCCD: {ID_MASK}"),
        ("0792 0300 4567", ID_MASK),
        ("CMND 123456789 cấp năm 2010", f"CMND {ID_MASK} cấp năm 2010"),
        ("cmnd 123 456 789", f"cmnd {ID_MASK}"),
        ("cmnd 123.456.789.", f"cmnd {ID_MASK}."),
        ("(001234567890)", f"({ID_MASK})"),
        # Mobile and landline numbers.
        ("sđt 0912 345 678", f"sđt {PHONE_MASK}"),
        ("sđt 0912.345.678", f"sđt {PHONE_MASK}"),
        ("sđt 0912-345-678", f"sđt {PHONE_MASK}"),
        ("gọi 0912345678 giúp em", f"gọi {PHONE_MASK} giúp em"),
        ("+84 912345678", PHONE_MASK),
        ("+84912345678", PHONE_MASK),
        ("+84 912 345 678", PHONE_MASK),
        ("84912345678", PHONE_MASK),
        ("(+84) 912 345 678", PHONE_MASK),
        ("091 234 5678", PHONE_MASK),
        ("0389 12 34 56", PHONE_MASK),
        ("0708 123456", PHONE_MASK),
        ("sdt:0981234567.", f"sdt:{PHONE_MASK}."),
        ("sdt0981234567", f"sdt{PHONE_MASK}"),
        ("nhà 024 3823 4567", f"nhà {PHONE_MASK}"),
        ("0236 382 3456", PHONE_MASK),
        ("0912 345 678 20 tuổi", f"{PHONE_MASK} 20 tuổi"),
        # E-mail addresses.
        ("mail nguyen.van.a+vneid@gmail.com nhé", f"mail {EMAIL_MASK} nhé"),
        ("Email: To_CNSCD@xa-ha-long.gov.vn.", f"Email: {EMAIL_MASK}."),
        # One-time codes.
        ("mã OTP là 123456", f"mã OTP là {CODE_MASK}"),
        ("ma otp 123456", f"ma otp {CODE_MASK}"),
        ("OTP: 998877", f"OTP: {CODE_MASK}"),
        ("otp123456", f"otp{CODE_MASK}"),
        ("code 12345678", f"code {CODE_MASK}"),
        ("mã 4821", f"mã {CODE_MASK}"),
        ("Mã xác nhận: 4821.", f"Mã xác nhận: {CODE_MASK}."),
        ("ma xac nhan 482109", f"ma xac nhan {CODE_MASK}"),
        ("mã kích hoạt VNeID là 56789012", f"mã kích hoạt VNeID là {CODE_MASK}"),
        ("Mã đăng nhập một lần: 778899", f"Mã đăng nhập một lần: {CODE_MASK}"),
        ("mã kích hoạt 56789012", f"mã kích hoạt {CODE_MASK}"),
        ("Mã của tôi là 654321", f"Mã của tôi là {CODE_MASK}"),
        ("654321 là mã OTP", f"{CODE_MASK} là mã OTP"),
        # Several at once.
        (
            "Tôi tên A, CCCD 001234567890, sđt 0912345678, mail a@b.vn, mã OTP 1234",
            f"Tôi tên A, CCCD {ID_MASK}, sđt {PHONE_MASK}, mail {EMAIL_MASK}, mã OTP {CODE_MASK}",
        ),
    ],
)
def test_masks(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hạn nộp trước ngày 20/12/2025",
        "ngày 20.12.2025",
        "năm 2025",
        "nhà có 3 người",
        "chờ 45p rồi",
        "lệ phí 50.000đ",
        "phí 1.500.000 đồng",
        "hỗ trợ 150.000.000đ",
        "hỗ trợ 150.000.000 đồng",
        "hotline 1900 0368",
        "gọi 1800 1096 miễn phí",
        "tổng đài 19000368",
        "mã hồ sơ 000.00.12.H12-250101-0001",
        "mã bưu chính 700000",
        "mã hồ sơ 12345",
        "mã 12",
        "pin 5000mAh",
        "Nghị định 13/2023/NĐ-CP",
        "Quyết định số 757/QĐ-BKHCN",
        "lúc 21:00",
        "Kế hoạch 10-KH/ĐU ngày 19/9/2025",
        "tài khoản định danh mức 2",
        "25 dịch vụ công, 392 thủ tục",
        "số 0123456789 không phải di động",
        "",
    ],
)
def test_keeps_ordinary_text(text: str) -> None:
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD 001234567890", True),
        ("số 001 234 567 890", True),
        ("cmnd 123456789", True),
        ("cmnd 123.456.789", True),
        ("0912345678", False),
        ("+84 912345678", False),
        ("hotline 1900 0368", False),
        ("mã OTP 123456", False),
        ("ngày 20/12/2025", False),
        ("phí 150.000.000đ", False),
        ("a@b.vn", False),
    ],
)
def test_contains_id_number(text: str, expected: bool) -> None:
    assert contains_id_number(text) is expected


def test_masking_is_idempotent() -> None:
    text = "CCCD 001234567890, sđt 0912 345 678, mã OTP 123456, a@b.vn"
    once = mask_pii(text)
    assert mask_pii(once) == once
    assert not contains_id_number(once)

"""Normalisation of informal Vietnamese chat text."""

from __future__ import annotations

import pytest

import faq.normalize as normalize_module
from faq.normalize import NormalizedText, canonical_tone, fold, is_syllable, normalize, repair_token

# (raw message, expected accented form)
CASES: list[tuple[str, str]] = [
    # Unicode: NFC, Icelandic Eth, zero-width and control characters, case
    ("Ðăng ký", "đăng ký"),
    ("đăng\u200b ký", "đăng ký"),
    ("ho\u0300a", "hòa"),
    ("đa\u0306ng ky\u0301", "đăng ký"),
    ("QUÊN MẬT KHẨU", "quên mật khẩu"),
    ("tạm\u0007trú", "tạm trú"),
    ("\ufeffđăng nhập", "đăng nhập"),
    # old -> new tone placement
    ("hoà giải", "hòa giải"),
    ("thuỷ lợi", "thủy lợi"),
    ("uỷ ban", "ủy ban"),
    ("khoẻ", "khỏe"),
    ("Ðảm baỏ chất lựơng", "đảm bảo chất lượng"),
    # Telex leftovers
    ("dduowcj", "được"),
    ("ddwowcj", "được"),
    ("khoong", "không"),
    ("ddawng kys", "đăng ký"),
    ("mats khaaur", "mật khẩu"),
    ("tamj truss", "tạm trú"),
    ("cawn cuwowcs", "căn cước"),
    ("nguoiwf", "người"),
    ("quee", "quê"),
    # VNI leftovers
    ("d9u7o75c", "được"),
    ("kho6ng", "không"),
    ("ma65t kha63u", "mật khẩu"),
    # real words and English are left alone
    ("vneid otp passcode", "vneid otp passcode"),
    ("test bus", "test bus"),
    ("tai khoan", "tai khoan"),
    ("luu tru", "luu tru"),
    ("tra cuu", "tra cuu"),
    ("xoong", "xoong"),
    ("1900 0368", "1900 0368"),
    ("bằng a1 b2", "bằng a1 b2"),
    ("ct07", "ct07"),
    ("iphone android", "iphone android"),
    # repeated letters
    ("khônggggg", "không"),
    ("đcccc", "được"),
    ("alooo", "alo"),
    ("okkk", "ok"),
    ("cccd", "căn cước"),
    ("gia vang 9999", "gia vang 9999"),
    # emoji and punctuation
    ("quên mật khẩu 😭😭!!!", "quên mật khẩu"),
    ("vneid...???", "vneid"),
    ("đóng phí = app ngân hàng", "đóng phí bằng ứng dụng ngân hàng"),
    # politeness fillers
    ("Cho em hỏi quên mật khẩu", "quên mật khẩu"),
    ("cho tôi hỏi đăng ký tạm trú", "đăng ký tạm trú"),
    ("cho mình hỏi vneid", "vneid"),
    ("quên mật khẩu ạ", "quên mật khẩu"),
    ("ad ơi quên mật khẩu", "quên mật khẩu"),
    ("admin ơi quên mật khẩu", "quên mật khẩu"),
    ("bot ơi quên mật khẩu", "quên mật khẩu"),
    ("chỉ em với ạ", "chỉ em"),
    ("quên mật khẩu nhé", "quên mật khẩu"),
    ("làm giúp nha", "làm giúp"),
    ("dạ quên mật khẩu", "quên mật khẩu"),
    ("quên mật khẩu rồi em cảm ơn", "quên mật khẩu rồi"),
    ("em cảm ơn", "em cảm ơn"),
    ("lấy lại sao z mn", "lấy lại sao vậy"),
    ("tu dang ky tai nha", "tu dang ky tai nha"),
    # không
    ("ko", "không"),
    ("k", "không"),
    ("kg", "không"),
    ("khg", "không"),
    ("kh", "không"),
    ("hok", "không"),
    ("hông", "không"),
    ("khum", "không"),
    ("hem", "không"),
    ("k0", "không"),
    ("hổng dùng được", "không dùng được"),
    # được / đăng ký
    ("dc", "được"),
    ("đc", "được"),
    ("đk tạm trú", "đăng ký tạm trú"),
    ("dk mức 2", "đăng ký mức 2"),
    ("tự đk tk vneid", "tự đăng ký tài khoản vneid"),
    ("làm đk ko", "làm được không"),
    ("nhận đk otp", "nhận được otp"),
    ("dky", "đăng ký"),
    ("đăng kí", "đăng ký"),
    ("dang ki", "đăng ký"),
    # mật khẩu / mình
    ("quên mk vneid", "quên mật khẩu vneid"),
    ("đổi mk", "đổi mật khẩu"),
    ("mk mới", "mật khẩu mới"),
    ("bé nhà mk", "bé nhà mình"),
    ("mk bấm gửi", "mình bấm gửi"),
    ("quên pass 6 số", "quên passcode 6 số"),
    ("đổi pass vneid", "đổi mật khẩu vneid"),
    # other abbreviations
    ("sdt", "số điện thoại"),
    ("sđt", "số điện thoại"),
    ("dt", "điện thoại"),
    ("đt", "điện thoại"),
    ("cc", "căn cước"),
    ("ccd", "căn cước"),
    ("cmnd", "chứng minh nhân dân"),
    ("cmt", "chứng minh nhân dân"),
    ("tk", "tài khoản"),
    ("j", "gì"),
    ("gj", "gì"),
    ("ntn", "như thế nào"),
    ("bn", "bao nhiêu"),
    ("vs", "với"),
    ("z", "vậy"),
    ("dzậy", "vậy"),
    ("zậy", "vậy"),
    ("r", "rồi"),
    ("bik", "biết"),
    ("hs", "hồ sơ"),
    ("gplx", "giấy phép lái xe"),
    ("bhyt", "bảo hiểm y tế"),
    ("bhxh", "bảo hiểm xã hội"),
    ("dvc", "dịch vụ công"),
    ("dvcqg", "dịch vụ công"),
    ("dichvucong", "dịch vụ công"),
    ("tthc", "thủ tục hành chính"),
    ("ubnd", "ủy ban nhân dân"),
    ("ks", "khai sinh"),
    ("lltp", "lý lịch tư pháp"),
    ("mã xn", "mã otp"),
    ("mã xác nhận", "mã otp"),
    ("app", "ứng dụng"),
    ("ch play", "chplay"),
    ("app store", "appstore"),
    ("m2", "mức 2"),
    ("mức hai", "mức 2"),
    ("bé 10t", "bé 10 tuổi"),
    ("wá", "quá"),
    ("fải", "phải"),
    ("coi hồ sơ", "xem hồ sơ"),
    ("xài vneid", "dùng vneid"),
    ("giùm tui", "giúp tôi"),
    # regional words, whole words only
    ("làm răng", "làm sao"),
    ("rứa", "vậy"),
    ("ở mô", "ở đâu"),
    ("làm chi", "làm gì"),
    ("chi tiết", "chi tiết"),
    ("quy mô", "quy mô"),
    ("đau răng", "đau răng"),
    # VNeID spelled any way
    ("VNeID", "vneid"),
    ("vn eid", "vneid"),
    ("vn-eid", "vneid"),
    ("vneld", "vneid"),
    ("vnid", "vneid"),
    ("vnied", "vneid"),
    ("định danh điện tử", "vneid"),
    ("dinh danh dien tu", "vneid"),
    ("đddt", "vneid"),
    ("ddđt", "vneid"),
    ("tài khoản định danh điện tử mức 2", "tài khoản vneid mức 2"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_table(raw: str, expected: str) -> None:
    result = normalize(raw)
    assert result.accented == expected
    assert result.folded == fold(expected)


def test_result_type() -> None:
    result = normalize("Quên MẬT KHẨU")
    assert isinstance(result, NormalizedText)
    assert result.tokens == ["quen", "mat", "khau"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Đăng ký tạm trú", "Dang ky tam tru"), ("được", "duoc"), ("người", "nguoi"), ("ÂĂÊÔƠƯ", "AAEOOU")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_empty_and_noise() -> None:
    assert normalize("").accented == ""
    assert normalize("...!!!").accented == ""
    assert normalize("😀😀").folded == ""


@pytest.mark.parametrize("word", ["không", "được", "người", "khuya", "quốc", "giường", "nghiêng", "xoong"])
def test_valid_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["vneid", "otp", "khoong", "mats", "cccd", "ok", "kinh6"])
def test_invalid_syllables(word: str) -> None:
    assert not is_syllable(word)


@pytest.mark.parametrize(
    ("word", "expected"), [("hoà", "hòa"), ("thuỷ", "thủy"), ("quý", "quý"), ("hoàng", "hoàng")]
)
def test_canonical_tone(word: str, expected: str) -> None:
    assert canonical_tone(word) == expected


@pytest.mark.parametrize("token", ["ok", "app", "passcode", "vneid", "zalo", "wifi", "sms"])
def test_repair_leaves_english(token: str) -> None:
    assert repair_token(token) == token


def test_normalize_is_idempotent() -> None:
    for raw, _expected in CASES:
        once = normalize(raw).accented
        assert normalize(once).accented == once, raw


def test_only_the_contextual_tokens_have_a_contextual_expansion() -> None:
    """_expand asks _expand_contextual only about the tokens in _CONTEXTUAL (a shortcut)."""
    words = {w for raw, expected in CASES for w in (*raw.lower().split(), *expected.split())}
    words |= set(normalize_module._ABBREV) | set(normalize_module._PROTECTED)
    for word in words - normalize_module._CONTEXTUAL:
        for context in ([word], ["quên", word, "vneid"], ["đăng", word, "ạ"]):
            assert normalize_module._expand_contextual(context, context.index(word)) is None, word

"""Topic matching: decisions, typo tolerance, small talk, out-of-scope questions."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from faq.evaluate import evaluate
from faq.kb import Entry, KnowledgeBase, check_kb, load_kb
from faq.matcher import Matcher, MatchResult, Thresholds, decide, smalltalk_kind

DEV = Path(__file__).resolve().parents[3] / "shared" / "faq" / "dev.jsonl"

TOPICS: dict[str, list[str]] = {
    "vneid.forgot_password": [
        "Quên mật khẩu VNeID thì làm sao?",
        "Tôi không nhớ mật khẩu đăng nhập ứng dụng VNeID",
        "Lấy lại mật khẩu tài khoản định danh điện tử thế nào?",
        "Đặt lại mật khẩu VNeID ở đâu?",
        "quen mat khau vneid lay lai the nao",
        "khong nho mat khau dang nhap vneid",
        "quên mk vneid r phải lm sao",
        "mật khẩu mới của VNeID phải đặt thế nào mới hợp lệ?",
        "Bấm quên mật khẩu trên VNeID rồi làm gì tiếp?",
        "lâu không dùng nên quên mật khẩu VNeID",
        "Mật khẩu VNeID bị quên, khôi phục được không?",
    ],
    "vneid.forgot_passcode": [
        "Quên passcode 6 số của VNeID thì làm thế nào?",
        "Tôi không nhớ mã passcode trong VNeID",
        "Đặt lại passcode VNeID ở đâu?",
        "quen passcode vneid",
        "quen ma 6 so vneid lam sao",
        "passcode vneid ko nhớ, đổi ntn",
        "Mở ví giấy tờ thì nó đòi passcode mà tôi quên",
        "Passcode khác mật khẩu chỗ nào, quên passcode thì sao?",
        "lấy lại mã passcode 6 chữ số",
        "Quên mã 6 số trên VNeID phải làm gì?",
    ],
    "vneid.residence_registration": [
        "Đăng ký tạm trú trên VNeID được không?",
        "Làm thủ tục thường trú qua ứng dụng VNeID thế nào?",
        "Tôi thuê trọ, muốn khai tạm trú online",
        "dang ky tam tru tren vneid",
        "nhap ho khau qua vneid duoc khong",
        "đk tạm trú qua app vneid ntn",
        "Chuyển hộ khẩu về nhà mới làm trên VNeID được không?",
        "Đăng ký thường trú cần giấy tờ chứng minh chỗ ở gì?",
        "Sinh viên ở trọ có phải đăng ký tạm trú không, làm online ra sao?",
        "Tạm trú làm trên điện thoại bằng ứng dụng nào?",
    ],
    "dvc.track": [
        "Tra cứu hồ sơ đã nộp trên Cổng Dịch vụ công ở đâu?",
        "Hồ sơ tôi nộp online đang xử lý tới đâu rồi?",
        "Xem tình trạng hồ sơ bằng mã hồ sơ thế nào?",
        "tra cuu ho so dich vu cong",
        "kiem tra tien do ho so da nop",
        "hs nộp r mà chưa thấy kết quả, xem ở đâu",
        "Làm sao biết hồ sơ đã được tiếp nhận chưa?",
        "Mã hồ sơ dùng để tra cứu ở mục nào?",
        "Nộp hồ sơ tuần trước giờ muốn xem đang ở bước nào",
        "theo dõi hồ sơ trực tuyến ở đâu",
    ],
    "dvc.hotline": [
        "Số tổng đài hỗ trợ VNeID là bao nhiêu?",
        "Tổng đài Cổng Dịch vụ công số mấy?",
        "Cho xin số điện thoại hỗ trợ dịch vụ công",
        "so tong dai vneid",
        "hotline dich vu cong quoc gia",
        "sđt tổng đài hỗ trợ là số nào",
        "Gọi đâu để được hỗ trợ khi VNeID bị lỗi?",
        "Email hỗ trợ của Cổng Dịch vụ công là gì?",
        "Tổng đài 1900 0368 có phải của VNeID không?",
        "Đường dây nóng hỗ trợ người dân làm dịch vụ công",
    ],
    "team.request_help": [
        "Tôi muốn có người đến nhà hướng dẫn làm hồ sơ online",
        "Nhờ tổ công nghệ số đến nhà giúp cài VNeID được không?",
        "Ông bà tôi già yếu, có ai tới nhà chỉ làm thủ tục không?",
        "co ai den nha huong dan lam giay to tren mang khong",
        "dang ky nguoi ho tro tan nha",
        "cần người tới nhà chỉ cài app",
        "Để lại yêu cầu hỗ trợ tận nhà ở đâu?",
        "Tổ công nghệ số cộng đồng có hỗ trợ tại nhà không?",
        "Người khuyết tật cần hỗ trợ làm thủ tục tại nhà",
        "Xin người hướng dẫn cầm tay chỉ việc",
    ],
}


def build_kb(topics: dict[str, list[str]] = TOPICS) -> KnowledgeBase:
    entries = {
        tid: Entry(
            id=tid,
            group=tid.split(".")[0],
            title=paraphrases[0],
            answer=f"Trả lời cho {tid}.",
            paraphrases=tuple(paraphrases[1:]),
            keywords=(),
            links=(),
            related=(),
            source="thử",
            reviewed=date(2026, 11, 23),
        )
        for tid, paraphrases in topics.items()
    }
    return KnowledgeBase(entries)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(build_kb())


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Tôi quên mật khẩu VNeID, lấy lại sao?", "vneid.forgot_password"),
        ("quen mat khau vneid roi", "vneid.forgot_password"),
        ("quên mk vneid r", "vneid.forgot_password"),
        ("quên passcode vneid", "vneid.forgot_passcode"),
        ("Đăng ký tạm trú bằng VNeID được không?", "vneid.residence_registration"),
        ("đk tạm trú trên app vneid dc ko", "vneid.residence_registration"),
        ("tra cứu hồ sơ đã nộp ở đâu", "dvc.track"),
        ("số tổng đài hỗ trợ vneid là số mấy", "dvc.hotline"),
        ("có ai đến nhà hướng dẫn làm hồ sơ online không", "team.request_help"),
    ],
)
def test_answers_clear_questions(matcher: Matcher, text: str, topic: str) -> None:
    result = matcher.match(text)
    assert result.topic == topic
    assert result.decision == "answer"
    assert result.candidates[0][0] == topic


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("quen mat khua vneid", "vneid.forgot_password"),  # transposed letters
        ("dang ky tamm tru tren vneid", "vneid.residence_registration"),  # doubled letter
        ("tra cuuu ho soo", "dvc.track"),  # repeated letters
        ("quên passcod vneid", "vneid.forgot_passcode"),  # dropped letter
        ("so tong dai ho tro dich vu cong", "dvc.hotline"),
    ],
)
def test_typo_tolerance(matcher: Matcher, text: str, topic: str) -> None:
    assert matcher.match(text).candidates[0][0] == topic


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("alo", "greeting"),
        ("alooo", "greeting"),
        ("chào bot", "greeting"),
        ("xin chào", "greeting"),
        ("hi", "greeting"),
        ("Chào buổi sáng ạ", "greeting"),
        ("cảm ơn nhé", "thanks"),
        ("thank", "thanks"),
        ("em cảm ơn ạ", "thanks"),
        ("ok", "ack"),
        ("oke", "ack"),
        ("vâng", "ack"),
        ("dạ vâng", "ack"),
        ("bye", "bye"),
        ("tạm biệt bot", "bye"),
    ],
)
def test_smalltalk(matcher: Matcher, text: str, kind: str) -> None:
    result = matcher.match(text)
    assert result == MatchResult("fallback", None, 0.0, [], kind)


def test_smalltalk_kind_needs_only_smalltalk() -> None:
    assert smalltalk_kind(["chào", "bot"]) == "greeting"
    assert smalltalk_kind(["chào", "quên", "mật", "khẩu"]) is None
    assert smalltalk_kind([]) is None


def test_question_with_greeting_is_not_smalltalk(matcher: Matcher) -> None:
    result = matcher.match("Chào bot, cho em hỏi quên mật khẩu VNeID thì làm sao ạ?")
    assert result.smalltalk is None
    assert result.topic == "vneid.forgot_password"


@pytest.mark.parametrize(
    "text",
    [
        "Giá vàng hôm nay bao nhiêu một chỉ?",
        "thoi tiet ha noi ngay mai the nao",
        "xổ số miền bắc hôm nay về con gì",
        "cách nấu canh chua cá lóc",
        "asdfgh",
        "...",
        "",
    ],
)
def test_out_of_scope_falls_back(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert result.decision == "fallback"
    assert result.topic is None


def test_scores_and_candidates_are_well_formed(matcher: Matcher) -> None:
    result = matcher.match("quên mật khẩu hay passcode vneid gì đó")
    assert 0.0 <= result.score <= 100.0
    assert 1 <= len(result.candidates) <= 3
    scores = [s for _t, s in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)


def test_close_topics_ask_to_clarify(matcher: Matcher) -> None:
    result = matcher.match("quên mã vneid")
    assert result.decision in ("clarify", "answer")
    ids = [t for t, _s in result.candidates]
    assert {"vneid.forgot_password", "vneid.forgot_passcode"} <= set(ids[:2])


@pytest.mark.parametrize(
    "text",
    ["quên mật khẩu hay passcode vneid gì đó", "tra cuu ho so dich vu cong", "cần người tới nhà chỉ cài app"],
)
def test_batched_fuzzy_ratios_are_the_single_call_ratios(matcher: Matcher, text: str) -> None:
    """rank() scores the best paraphrases of all top topics in one rapidfuzz call."""
    ev = matcher.evidence(text)
    top = ev.ranked[:5]
    assert len(top) > 1
    single = [fuzz.token_set_ratio(ev.text, matcher._doc_text[ev.best_doc[t]]) for _raw, t in top]
    assert matcher._fuzzy_ratios(ev, [t for _raw, t in top]) == single
    for (raw, t), ratio in zip(top, single, strict=True):
        assert matcher.confidence(ev, raw, t, top[0][0], ratio) == matcher.confidence(ev, raw, t, top[0][0])


# --------------------------------------------------------------------------- decision rule

TH = Thresholds(answer=70, margin=5, clarify=50, candidate_gap=25, max_candidates=3)


def test_decide_answers_high_and_clear() -> None:
    result = decide([("a", 90.0), ("b", 40.0), ("c", 10.0), ("d", 5.0)], TH)
    assert (result.decision, result.topic, result.score) == ("answer", "a", 90.0)
    assert [t for t, _ in result.candidates] == ["a", "b", "c"]


def test_decide_clarifies_close_candidates() -> None:
    result = decide([("a", 85.0), ("b", 82.0), ("c", 30.0)], TH)
    assert result.decision == "clarify"
    assert [t for t, _ in result.candidates] == ["a", "b"]


def test_decide_clarifies_medium_score() -> None:
    result = decide([("a", 60.0), ("b", 10.0)], TH)
    assert (result.decision, result.topic) == ("clarify", "a")
    assert [t for t, _ in result.candidates] == ["a"]


def test_decide_falls_back_when_nothing_is_close() -> None:
    assert decide([("a", 30.0), ("b", 20.0)], TH).decision == "fallback"
    assert decide([("a", 30.0)], TH).topic is None
    assert decide([], TH) == MatchResult("fallback", None, 0.0, [])


def test_thresholds_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        Thresholds().answer = 1.0  # type: ignore[misc]


def test_custom_thresholds_change_decisions() -> None:
    strict = Matcher(build_kb(), thresholds=Thresholds(answer=100.0, clarify=99.0))
    assert strict.match("quên mật khẩu vneid").decision == "fallback"


# --------------------------------------------------------------------------- the real base


@pytest.fixture(scope="module")
def real_matcher() -> Matcher:
    assert check_kb() == []  # the packaged base is complete and valid
    return Matcher(load_kb())


def test_real_base_on_dev_set(real_matcher: Matcher) -> None:
    assert DEV.exists(), f"{DEV} not found (the shared folder sits next to the project)"
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = evaluate(real_matcher, rows)
    assert report.accuracy_at_1 >= 0.90
    assert report.wrong_answer_rate <= 0.03

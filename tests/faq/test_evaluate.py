"""Evaluation metrics and batch matching."""

from __future__ import annotations

import json

import pytest

from faq.evaluate import EvalReport, evaluate, format_report, match_jsonl
from faq.matcher import MatchResult


class FakeMatcher:
    """Returns a preset result per text."""

    def __init__(self, results: dict[str, MatchResult]) -> None:
        self.results = results

    def match(self, text: str) -> MatchResult:
        return self.results[text]


def answer(topic: str, score: float = 90.0, *others: str) -> MatchResult:
    return MatchResult("answer", topic, score, [(topic, score), *[(o, 10.0) for o in others]])


def clarify(*topics: str) -> MatchResult:
    return MatchResult("clarify", topics[0], 60.0, [(t, 60.0 - i) for i, t in enumerate(topics)])


def fallback(*topics: str) -> MatchResult:
    return MatchResult("fallback", None, 20.0, [(t, 20.0) for t in topics])


RESULTS = {
    "q1": answer("a"),  # right answer
    "q2": answer("b"),  # wrong answer (expected a)
    "q3": clarify("c", "a"),  # clarify, right top candidate
    "q4": fallback("d"),  # fallback, wrong top candidate
    "q5": fallback(),  # out of scope, fell back
    "q6": answer("a"),  # out of scope, answered: wrong
    "q7": clarify("b"),  # out of scope, clarify
    "q8": MatchResult("fallback", None, 0.0, [], "greeting"),  # out of scope small talk
}
ROWS = [
    {"text": "q1", "topic": "a", "style": "accented"},
    {"text": "q2", "topic": "a", "style": "accented"},
    {"text": "q3", "topic": "c", "style": "teencode"},
    {"text": "q4", "topic": "e", "style": "teencode"},
    {"text": "q5", "topic": None, "style": "out_of_scope"},
    {"text": "q6", "topic": None, "style": "out_of_scope"},
    {"text": "q7", "topic": None, "style": "out_of_scope"},
    {"text": "q8", "topic": None},
]


@pytest.fixture
def report() -> EvalReport:
    return evaluate(FakeMatcher(RESULTS), ROWS)


def test_counts(report: EvalReport) -> None:
    assert (report.n, report.n_in_scope, report.n_out_of_scope) == (8, 4, 4)


def test_rates(report: EvalReport) -> None:
    assert report.accuracy_at_1 == pytest.approx(2 / 4)  # q1, q3
    assert report.answered_correctly == pytest.approx(1 / 4)  # q1
    assert report.wrong_answer_rate == pytest.approx(2 / 8)  # q2, q6 over all rows
    assert report.oos_fallback_rate == pytest.approx(2 / 4)  # q5, q8
    assert report.clarify_rate == pytest.approx(2 / 8)  # q3, q7


def test_breakdown_by_style(report: EvalReport) -> None:
    assert set(report.by_style) == {"accented", "teencode", "out_of_scope"}
    accented = report.by_style["accented"]
    assert (accented.n, accented.accuracy_at_1, accented.wrong_answer_rate) == (2, 0.5, 0.5)
    teencode = report.by_style["teencode"]
    assert (teencode.accuracy_at_1, teencode.clarify_rate) == (0.5, 0.5)
    oos = report.by_style["out_of_scope"]
    assert oos.oos_fallback_rate == pytest.approx(1 / 3)


def test_errors_list_rows_not_handled_ideally(report: EvalReport) -> None:
    assert [e["text"] for e in report.errors] == ["q2", "q3", "q4", "q6", "q7"]
    assert report.errors[0]["got"] == "b"


def test_empty_rows() -> None:
    empty = evaluate(FakeMatcher({}), [])
    assert empty.n == 0 and empty.accuracy_at_1 == 0.0 and empty.wrong_answer_rate == 0.0


def test_format_report_headline_first(report: EvalReport) -> None:
    lines = format_report(report).splitlines()
    assert lines[0].startswith("accuracy@1") and "50.0%" in lines[0]
    assert lines[1].startswith("wrong answers") and "25.0%" in lines[1]
    assert lines[2].startswith("out-of-scope fallback") and "50.0%" in lines[2]
    assert any(line.strip().startswith("teencode") for line in lines)


def test_match_jsonl() -> None:
    matcher = FakeMatcher(
        {
            "quên mật khẩu": MatchResult(
                "answer", "a", 87.456, [("a", 87.456), ("b", 30.0), ("c", 2.0), ("d", 1.0)]
            ),
            "chào": MatchResult("fallback", None, 0.0, [], "greeting"),
            "lạ": MatchResult("fallback", None, 12.34, [("z", 12.34)]),
            "mơ hồ": MatchResult("clarify", "a", 55.0, [("a", 55.0), ("b", 54.0)]),
        }
    )
    lines = ['{"text": "quên mật khẩu", "topic": "a"}', "", "chào", '{"text": "lạ"}', "mơ hồ"]
    out = [json.loads(line) for line in match_jsonl(matcher, lines)]
    assert out[0] == {"topic": "a", "decision": "answer", "score": 87.5, "candidates": ["a", "b", "c"]}
    assert out[1] == {"topic": None, "decision": "fallback", "score": 0.0, "candidates": []}
    assert out[2] == {"topic": None, "decision": "fallback", "score": 12.3, "candidates": ["z"]}
    assert out[3] == {"topic": "a", "decision": "clarify", "score": 55.0, "candidates": ["a", "b"]}
    assert len(out) == 4


def test_match_jsonl_keeps_vietnamese_readable() -> None:
    matcher = FakeMatcher({"x": MatchResult("answer", "vneid.cài", 90.0, [("vneid.cài", 90.0)])})
    line = next(match_jsonl(matcher, ["x"]))
    assert "vneid.cài" in line

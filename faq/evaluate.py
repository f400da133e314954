"""Evaluate a matcher on labelled JSONL rows and match JSONL questions in batch.

Rows look like ``{"text": ..., "topic": <id or null>, "style": <optional>}``; a null topic is
an out-of-scope question that must fall back. Answering it counts as a wrong answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from faq.matcher import MatchResult


class SupportsMatch(Protocol):
    def match(self, text: str) -> MatchResult: ...


@dataclass
class _Tally:
    n: int = 0
    in_scope: int = 0
    out_scope: int = 0
    top1: int = 0
    answered_right: int = 0
    wrong: int = 0
    oos_fallback: int = 0
    clarify: int = 0

    def add(self, expected: str | None, result: MatchResult) -> None:
        self.n += 1
        top = result.candidates[0][0] if result.candidates else result.topic
        answered = result.decision == "answer"
        self.clarify += result.decision == "clarify"
        if expected is None:
            self.out_scope += 1
            self.oos_fallback += result.decision == "fallback"
            self.wrong += answered
            return
        self.in_scope += 1
        self.top1 += top == expected
        self.answered_right += answered and result.topic == expected
        self.wrong += answered and result.topic != expected


def _rate(num: int, den: int) -> float:
    return num / den if den else 0.0


@dataclass(frozen=True)
class EvalReport:
    """Headline metrics; every rate is in [0, 1]."""

    n: int
    n_in_scope: int
    n_out_of_scope: int
    accuracy_at_1: float  # top candidate == topic, over in-scope rows
    answered_correctly: float  # decision answer with the right topic, over in-scope rows
    wrong_answer_rate: float  # decision answer with a wrong topic, over all rows
    oos_fallback_rate: float  # decision fallback, over out-of-scope rows
    clarify_rate: float  # decision clarify, over all rows
    by_style: dict[str, EvalReport] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def _from(
        cls,
        t: _Tally,
        by_style: dict[str, EvalReport] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> EvalReport:
        return cls(
            n=t.n,
            n_in_scope=t.in_scope,
            n_out_of_scope=t.out_scope,
            accuracy_at_1=_rate(t.top1, t.in_scope),
            answered_correctly=_rate(t.answered_right, t.in_scope),
            wrong_answer_rate=_rate(t.wrong, t.n),
            oos_fallback_rate=_rate(t.oos_fallback, t.out_scope),
            clarify_rate=_rate(t.clarify, t.n),
            by_style=by_style or {},
            errors=errors or [],
        )


def evaluate(matcher: SupportsMatch, rows: Iterable[dict[str, Any]]) -> EvalReport:
    """Run ``matcher`` over labelled rows; ``errors`` lists rows not handled ideally."""
    total = _Tally()
    styles: dict[str, _Tally] = {}
    errors: list[dict[str, Any]] = []
    for row in rows:
        expected = row.get("topic")
        result = matcher.match(str(row["text"]))
        total.add(expected, result)
        style = row.get("style")
        if style:
            styles.setdefault(str(style), _Tally()).add(expected, result)
        ideal = "fallback" if expected is None else "answer"
        if result.decision != ideal or (expected is not None and result.topic != expected):
            errors.append({**row, "decision": result.decision, "got": result.topic, "score": result.score,
                           "candidates": result.candidates})  # fmt: skip
    by_style = {name: EvalReport._from(t) for name, t in sorted(styles.items())}
    return EvalReport._from(total, by_style, errors)


def format_report(report: EvalReport) -> str:
    """A few aligned lines, headline metrics first."""
    lines = [
        f"accuracy@1           {report.accuracy_at_1:6.1%}   (in-scope {report.n_in_scope})",
        f"wrong answers        {report.wrong_answer_rate:6.1%}   (of all {report.n})",
        f"out-of-scope fallback{report.oos_fallback_rate:7.1%}   (out-of-scope {report.n_out_of_scope})",
        f"answered correctly   {report.answered_correctly:6.1%}",
        f"clarify              {report.clarify_rate:6.1%}",
    ]
    for name, sub in report.by_style.items():
        lines.append(
            f"  {name:<18} n={sub.n:<4} acc@1 {sub.accuracy_at_1:6.1%}  wrong {sub.wrong_answer_rate:5.1%}"
            f"  clarify {sub.clarify_rate:5.1%}"
        )
    return "\n".join(lines)


def match_jsonl(matcher: SupportsMatch, lines: Iterable[str]) -> Iterator[str]:
    """One JSON line per input line (a JSON object with "text", or plain text)."""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        text = _text_of(line)
        result = matcher.match(text)
        yield json.dumps(
            {
                "topic": result.topic if result.decision != "fallback" else None,
                "decision": result.decision,
                "score": round(result.score, 1),
                "candidates": [topic for topic, _score in result.candidates[:3]],
            },
            ensure_ascii=False,
        )


def _text_of(line: str) -> str:
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return line
        if isinstance(data, dict):
            return str(data.get("text", ""))
    return line


def load_jsonl(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]

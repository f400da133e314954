"""Citizen questions: the masked log, feedback, and the unanswered groups admins review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IgnoredQuestion, QuestionLog
from storage.privacy import mask_pii


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    identity_id: int | None
    text: str
    normalized: str
    topic: str | None
    score: float
    decision: str
    candidates: list[str]
    feedback: str | None
    asked_at: datetime


def _dto(q: QuestionLog) -> LoggedQuestion:
    return LoggedQuestion(q.id, q.identity_id, q.text, q.normalized, q.topic, q.score, q.decision,
                          list(q.candidates or []), q.feedback, q.asked_at)


async def log_question(
    s: AsyncSession, *, identity_id: int | None, channel: str, text: str, normalized: str,
    topic: str | None, score: float, decision: str, candidates: list[str], now: datetime,
) -> int:
    """Store a question with personal numbers masked (both the raw and the normalised text)."""
    new_id = await s.scalar(_INSERT_QUESTION, {
        "identity_id": identity_id, "channel": channel, "asked_at": now, "text": mask_pii(text)[:2000],
        "normalized": mask_pii(normalized)[:2000], "topic": topic, "score": round(score, 1),
        "decision": decision, "candidates": candidates, "handed_off": False,
    })
    assert new_id is not None
    return int(new_id)


# One statement built once: every citizen question runs it (a Core insert costs a fraction of an ORM flush).
_INSERT_QUESTION = insert(QuestionLog.__table__).returning(QuestionLog.__table__.c.id)


async def get_question(s: AsyncSession, question_id: int) -> LoggedQuestion | None:
    row = await s.get(QuestionLog, question_id)
    return _dto(row) if row else None


async def set_feedback(s: AsyncSession, question_id: int, identity_id: int, value: str) -> bool:
    """Record 👍/👎 on one's own question; False when it is not theirs."""
    result = await s.execute(
        update(QuestionLog)
        .where(QuestionLog.id == question_id, QuestionLog.identity_id == identity_id)
        .values(feedback=value)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_chosen_topic(s: AsyncSession, question_id: int, identity_id: int, topic: str) -> None:
    """The citizen picked a topic from a clarification: that is the question's topic now."""
    await s.execute(
        update(QuestionLog)
        .where(QuestionLog.id == question_id, QuestionLog.identity_id == identity_id)
        .values(topic=topic)
    )


async def mark_handed_off(s: AsyncSession, question_id: int) -> None:
    await s.execute(update(QuestionLog).where(QuestionLog.id == question_id).values(handed_off=True))


# ---------------------------------------------------------------- unanswered review

LOW_CONFIDENCE = 60.0


@dataclass
class UnansweredGroup:
    """Similar unanswered questions, with the most common reason."""

    example: LoggedQuestion
    count: int
    reason: str  # "fallback" | "clarify" | "low" | "down"
    question_ids: list[int]


def _reason(q: QuestionLog) -> str | None:
    if q.feedback == "down":
        return "down"
    if q.decision == "fallback":
        return "fallback"
    if q.decision == "clarify" and q.topic is None:
        return "clarify"
    if q.decision == "answer" and q.score < LOW_CONFIDENCE:
        return "low"
    return None


async def unanswered_groups(s: AsyncSession, since: datetime, limit: int = 10,
                            similarity: float = 80.0) -> list[UnansweredGroup]:
    """Most frequent unanswered/low-confidence/👎 questions since a date, grouped by similarity."""
    ignored = set(await s.scalars(select(IgnoredQuestion.normalized)))
    rows = await s.scalars(
        select(QuestionLog)
        .where(QuestionLog.asked_at >= since)
        .where(or_(QuestionLog.decision != "answer", QuestionLog.feedback == "down",
                   QuestionLog.score < LOW_CONFIDENCE))
        .order_by(QuestionLog.asked_at.desc())
        .limit(5000)
    )
    groups: list[UnansweredGroup] = []
    for row in rows:
        reason = _reason(row)
        if reason is None or not row.normalized or _similar_to_any(row.normalized, ignored, similarity):
            continue
        for group in groups:
            if fuzz.token_set_ratio(row.normalized, group.example.normalized) >= similarity:
                group.count += 1
                group.question_ids.append(row.id)
                break
        else:
            groups.append(UnansweredGroup(_dto(row), 1, reason, [row.id]))
    groups.sort(key=lambda g: (-g.count, -g.example.asked_at.timestamp()))
    return groups[:limit]


def _similar_to_any(text: str, others: set[str], similarity: float) -> bool:
    return text in others or any(fuzz.token_set_ratio(text, o) >= similarity for o in others)


async def ignore_question(s: AsyncSession, normalized: str) -> None:
    exists = await s.scalar(select(IgnoredQuestion.id).where(IgnoredQuestion.normalized == normalized[:500]))
    if exists is None:
        s.add(IgnoredQuestion(normalized=normalized[:500]))
        await s.flush()


def since_days(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)

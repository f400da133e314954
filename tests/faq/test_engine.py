"""The FAQ engine: the answer cache and reloading, which must never stop the bot answering."""

from __future__ import annotations

import asyncio
import threading

import pytest

import faq.engine
from faq.engine import FaqEngine
from faq.kb import KBError, KnowledgeBase
from tests.faq.test_matcher import TOPICS, build_kb

QUESTION = "quên mật khẩu vneid thì làm sao"
NEW_TOPIC = "local.market_prices"
NEW_QUESTION = "giá lúa ở chợ xã hôm nay bao nhiêu"


def extended_kb() -> KnowledgeBase:
    """The test base with one more topic, about market prices."""
    return build_kb({
        **TOPICS,
        NEW_TOPIC: [
            "Giá lúa hôm nay ở chợ xã là bao nhiêu?",
            "gia lua hom nay bao nhieu",
            "Xem giá lúa gạo mới nhất ở đâu?",
            "giá lúa chợ xã hôm nay",
            "Hôm nay thương lái mua lúa giá bao nhiêu một ký?",
            "bảng giá nông sản ở chợ xã",
            "giá lúa tươi hôm nay thế nào",
            "gia lua gao cho xa",
            "Giá phân bón và giá lúa tuần này",
            "lúa bán được bao nhiêu tiền một ký",
            "giá thu mua lúa ở xã mình",
        ],
    })  # fmt: skip


class SlowLoader:
    """Stands in for load_kb: blocks in the worker thread until the test lets it finish."""

    def __init__(self, result: KnowledgeBase | KBError) -> None:
        self.result = result
        self.started = threading.Event()
        self.release = threading.Event()
        self.thread: threading.Thread | None = None

    def __call__(self, kb_dir: object = None, overlay: object = None) -> KnowledgeBase:
        self.thread = threading.current_thread()
        self.started.set()
        assert self.release.wait(10), "the test never released the loader"
        if isinstance(self.result, KBError):
            raise self.result
        return self.result


@pytest.fixture
def engine() -> FaqEngine:
    return FaqEngine(build_kb())


def test_match_is_cached(engine: FaqEngine) -> None:
    first = engine.match(QUESTION)
    assert first.decision == "answer" and first.topic == "vneid.forgot_password"
    assert engine.match(QUESTION) is first


async def test_engine_answers_while_a_reload_is_in_progress(
    engine: FaqEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_kb, new_kb = engine.kb, extended_kb()
    assert engine.match(NEW_QUESTION).topic != NEW_TOPIC
    loader = SlowLoader(new_kb)
    monkeypatch.setattr(faq.engine, "load_kb", loader)
    reload = asyncio.create_task(engine.reload())
    assert await asyncio.to_thread(loader.started.wait, 10)
    assert loader.thread is not threading.main_thread()  # the build runs in a worker thread

    async def ask(text: str) -> str | None:
        await asyncio.sleep(0)  # a separate coroutine, scheduled on the loop like a chat update
        return engine.match(text).topic

    # the reload is blocked mid-build, yet the loop runs other coroutines and the old base answers
    assert await asyncio.wait_for(ask(QUESTION + " ạ"), 5) == "vneid.forgot_password"
    assert await asyncio.wait_for(ask(NEW_QUESTION + " ạ"), 5) != NEW_TOPIC
    assert not reload.done() and engine.kb is old_kb

    loader.release.set()
    assert await asyncio.wait_for(reload, 30) == []
    assert engine.kb is new_kb
    assert engine.match(NEW_QUESTION).topic == NEW_TOPIC  # new base, fresh cache
    assert engine.match(QUESTION).topic == "vneid.forgot_password"


async def test_failed_reload_keeps_the_old_base(engine: FaqEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    old_kb = engine.kb
    cached = engine.match(QUESTION)
    loader = SlowLoader(KBError(["faq_local.yaml: invalid YAML"]))
    loader.release.set()
    monkeypatch.setattr(faq.engine, "load_kb", loader)
    assert await engine.reload() == ["faq_local.yaml: invalid YAML"]
    assert engine.kb is old_kb
    assert engine.match(QUESTION) is cached  # matcher and cache untouched


async def test_reload_from_a_broken_overlay_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    overlay = tmp_path / "faq_local.yaml"
    engine = FaqEngine(build_kb(), overlay=overlay)
    old_kb = engine.kb
    overlay.write_text("paraphrases: [unclosed\n", encoding="utf-8")
    problems = await engine.reload()
    assert problems and engine.kb is old_kb
    assert engine.match(QUESTION).topic == "vneid.forgot_password"


async def test_concurrent_reloads_both_finish(engine: FaqEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    new_kb = extended_kb()
    monkeypatch.setattr(faq.engine, "load_kb", lambda kb_dir=None, overlay=None: new_kb)
    assert await asyncio.gather(engine.reload(), engine.reload()) == [[], []]
    assert engine.kb is new_kb

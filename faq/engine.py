"""The FAQ engine the bot holds: the knowledge base, its matcher, and safe reloading."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from faq.kb import KBError, KnowledgeBase, load_kb
from faq.matcher import Matcher, MatchResult

log = logging.getLogger(__name__)
CACHE_SIZE = 5000


class _Live(NamedTuple):
    """What serves questions; replaced as a whole, so a reader never sees a mix."""

    kb: KnowledgeBase
    matcher: Matcher
    cache: OrderedDict[str, MatchResult]


class FaqEngine:
    """Swaps in a new base only when it validates; the previous one keeps serving otherwise."""

    def __init__(self, kb: KnowledgeBase, overlay: Path | None = None, kb_dir: Path | None = None) -> None:
        self.overlay = overlay
        self.kb_dir = kb_dir
        self._live = _Live(kb, Matcher(kb), OrderedDict())
        self._build_lock = threading.Lock()  # one build at a time (SIGHUP and /kb_reload together)

    @classmethod
    def load(cls, overlay: Path | None = None, kb_dir: Path | None = None) -> FaqEngine:
        return cls(load_kb(kb_dir, overlay=overlay), overlay, kb_dir)

    @property
    def kb(self) -> KnowledgeBase:
        return self._live.kb

    def match(self, text: str) -> MatchResult:
        """Match with a small LRU cache: citizens ask the same few questions again and again."""
        live = self._live
        cached = live.cache.get(text)
        if cached is not None:
            live.cache.move_to_end(text)
            return cached
        result = live.matcher.match(text)
        live.cache[text] = result
        if len(live.cache) > CACHE_SIZE:
            live.cache.popitem(last=False)
        return result

    async def reload(self) -> list[str]:
        """Reload from disk; returns the problems (empty when the new base is in service).

        Loading and indexing take seconds (minutes for a very large base), so they run in a
        worker thread while the current base keeps answering; the new base, its matcher and an
        empty cache then replace the old ones at once, on the event loop."""
        try:
            live = await asyncio.to_thread(self._build)
        except KBError as err:
            log.warning("knowledge base reload refused: %s", err)
            return err.problems
        self._live = live
        log.info("knowledge base reloaded: %d entries", len(live.kb))
        return []

    def _build(self) -> _Live:
        """Load, validate and index the base from disk (any thread); raises KBError."""
        with self._build_lock:
            kb = load_kb(self.kb_dir, overlay=self.overlay)
            return _Live(kb, Matcher(kb), OrderedDict())

"""The FAQ engine the bot holds: the knowledge base, its matcher, and safe reloading."""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from faq.kb import KBError, KnowledgeBase, load_kb
from faq.matcher import Matcher, MatchResult

log = logging.getLogger(__name__)
CACHE_SIZE = 5000


class FaqEngine:
    """Swaps in a new base only when it validates; the previous one keeps serving otherwise."""

    def __init__(self, kb: KnowledgeBase, overlay: Path | None = None, kb_dir: Path | None = None) -> None:
        self.overlay = overlay
        self.kb_dir = kb_dir
        self._kb = kb
        self._matcher = Matcher(kb)
        self._cache: OrderedDict[str, MatchResult] = OrderedDict()

    @classmethod
    def load(cls, overlay: Path | None = None, kb_dir: Path | None = None) -> FaqEngine:
        return cls(load_kb(kb_dir, overlay=overlay), overlay, kb_dir)

    @property
    def kb(self) -> KnowledgeBase:
        return self._kb

    def match(self, text: str) -> MatchResult:
        """Match with a small LRU cache: citizens ask the same few questions again and again."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        result = self._matcher.match(text)
        self._cache[text] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def reload(self) -> list[str]:
        """Reload from disk; returns the problems (empty when the new base is in service)."""
        try:
            kb = load_kb(self.kb_dir, overlay=self.overlay)
        except KBError as err:
            log.warning("knowledge base reload refused: %s", err)
            return err.problems
        matcher = Matcher(kb)
        self._kb, self._matcher, self._cache = kb, matcher, OrderedDict()  # swap all together
        log.info("knowledge base reloaded: %d entries", len(kb))
        return []

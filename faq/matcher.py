"""Match a citizen's message to a knowledge-base topic.

Every paraphrase and title is indexed on folded syllables and syllable pairs, weighted by how
rare they are across topics (BM25: IDF over topics, term saturation, length normalisation),
with a small bonus when the accented syllable matches too. Unknown query syllables are mapped
to the closest indexed one with rapidfuzz. Each topic's score blends its best paraphrase, its
second best, and a profile of all its paraphrases and keywords; the confidence (0–100) weighs
how much of the query and of the best paraphrase are explained. ``Thresholds`` holds the
decision rule.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from faq.kb import KnowledgeBase
from faq.normalize import fold, normalize

Decision = Literal["answer", "clarify", "fallback"]


@dataclass(frozen=True)
class Thresholds:
    """The decision rule, in one place (scores are 0–100)."""

    answer: float = 55.0  # the best topic must reach this to be answered ...
    margin: float = 10.0  # ... and lead the second by at least this much
    strong: float = 80.0  # a score this high is answered with half the margin
    clarify: float = 35.0  # below this nothing is offered: fallback
    candidate_gap: float = 20.0  # in a clarification, offer topics within this of the best
    max_candidates: int = 3


@dataclass(frozen=True)
class Weights:
    """Scoring constants (tuned on shared/faq/dev.jsonl, checked on the held-out set)."""

    k1: float = 1.2
    b: float = 0.6
    bigram: float = 0.8  # weight of a syllable pair relative to a syllable
    accent_bonus: float = 0.15  # extra share of a syllable's weight when its accents match
    accent_penalty: float = 0.5  # share removed when they differ (both texts accented)
    accent_docs: int = 60  # accents are compared on this many best paraphrases
    second_doc: float = 0.25  # share of the topic's second-best paraphrase
    profile: float = 0.5  # share of the topic-profile score
    unknown_idf: float = 0.6  # weight of an unknown syllable, as a share of the highest IDF
    conf_bias: float = -9.8  # confidence = logistic(bias + evidence·ln(score) + relative·score/ideal
    conf_evidence: float = 3.0  #   + known·(share of the query's weight on indexed terms))
    conf_relative: float = 2.0
    conf_known: float = 1.0
    fuzzy_cutoff: float = 85.0
    fuzzy_min_len: int = 4
    max_posting: int = 3000  # longer postings only rescore candidates found by rarer terms
    rerank_top: int = 10


@dataclass(frozen=True)
class MatchResult:
    decision: Decision
    topic: str | None
    score: float
    candidates: list[tuple[str, float]] = field(default_factory=list)
    smalltalk: str | None = None


# --------------------------------------------------------------------------- smalltalk

_SMALLTALK: dict[str, tuple[str, ...]] = {
    "greeting": (
        "alo", "chào", "xin chào", "chào bot", "chào admin", "chào bạn", "chào em", "chào anh",
        "chào chị", "hi", "hello", "helo", "hế lô", "hey", "chào buổi sáng", "chào buổi chiều",
        "chào buổi tối", "có ai không", "có ai ở đó không", "bot", "admin", "ơi",
    ),
    "thanks": ("cảm ơn", "em cảm ơn", "xin cảm ơn", "cảm ơn nhiều", "cảm ơn bot", "cảm ơn bạn", "cảm ơn admin"),
    "ack": ("ok", "vâng", "dạ", "ừ", "được", "được rồi", "ok rồi", "hiểu rồi", "rồi", "đã hiểu", "ok được"),
    "bye": ("bye", "bai", "tạm biệt", "bye bye", "chào nhé", "goodbye", "pp"),
}  # fmt: skip
_SMALLTALK_FILLERS = frozenset({"ạ", "nhé", "nha", "ơi", "bot", "admin", "em", "anh", "chị", "bạn", "nhiều", "lắm", "luôn", "dạ", "à"})
_SMALLTALK_INDEX = {
    tuple(phrase.split()): kind for kind, phrases in _SMALLTALK.items() for phrase in phrases
}


def smalltalk_kind(accented_tokens: Sequence[str]) -> str | None:
    """The kind of a pure small-talk message ("chào bot", "cảm ơn nhé", "ok"), else None."""
    tokens = list(accented_tokens)
    kinds: list[str] = []
    i = 0
    while i < len(tokens):
        for n in (3, 2, 1):
            kind = _SMALLTALK_INDEX.get(tuple(tokens[i : i + n]))
            if kind:
                kinds.append(kind)
                i += n
                break
        else:
            if tokens[i] not in _SMALLTALK_FILLERS:
                return None
            i += 1
    if not kinds:
        return None
    for kind in ("bye", "thanks", "greeting", "ack"):
        if kind in kinds:
            return kind
    return None


# --------------------------------------------------------------------------- index


def _terms(tokens: Sequence[str], bigram: float) -> dict[str, float]:
    """Syllables (weight 1) and adjacent pairs (weight ``bigram``) of a token list."""
    terms: dict[str, float] = {}
    for tok in tokens:
        terms[tok] = 1.0
    for a, b in zip(tokens, tokens[1:], strict=False):
        terms[f"{a} {b}"] = bigram
    return terms


@dataclass(frozen=True)
class Evidence:
    """Uncalibrated ranking of one message: (raw score, topic index) best first."""

    ranked: list[tuple[float, int]]
    q_ideal: float  # the score a paraphrase matching every query term would get
    known_share: float  # share of that weight carried by indexed terms
    smalltalk: str | None


def _has_accents(tokens: Sequence[str]) -> bool:
    """True when a text was typed with diacritics (most Vietnamese syllables carry a mark)."""
    return bool(tokens) and sum(not t.isascii() for t in tokens) >= 0.3 * len(tokens)


def _accent_pairs(accented: list[str], folded: list[str]) -> list[tuple[str, str]] | None:
    """(folded, accented) syllables of a query typed with diacritics, else None."""
    if not _has_accents(accented):
        return None
    return [(f, a) for a, f in zip(accented, folded, strict=False) if fold(a) == f]


@dataclass
class _Doc:
    topic: int
    length: int
    accented: frozenset[str]
    has_accents: bool


class Matcher:
    """Ranks topics for a message and decides whether to answer, clarify or fall back."""

    def __init__(
        self, kb: KnowledgeBase, thresholds: Thresholds | None = None, weights: Weights | None = None
    ) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        self.topics: list[str] = list(kb.entries)
        self._docs: list[_Doc] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._doc_terms: list[dict[str, float]] = []
        self._profile: list[dict[str, float]] = []
        self._build()

    # ---------------------------------------------------------------- building

    def _build(self) -> None:
        docs_tokens: list[tuple[int, list[str], list[str]]] = []
        keyword_tokens: list[list[list[str]]] = []
        for t_idx, entry in enumerate(self.kb.entries.values()):
            for text in (entry.title, *entry.paraphrases):
                norm = normalize(text)
                if norm.folded:
                    docs_tokens.append((t_idx, norm.folded.split(), norm.accented.split()))
            keyword_tokens.append([normalize(k).folded.split() for k in entry.keywords])
        self._build_idf(docs_tokens, keyword_tokens)
        self._build_docs(docs_tokens)
        self._build_profiles(docs_tokens, keyword_tokens)
        self._vocab = sorted({t for t in self._idf if " " not in t})
        self._vocab_set = frozenset(self._vocab)
        self._by_first: dict[str, list[str]] = defaultdict(list)
        self._by_second: dict[str, list[str]] = defaultdict(list)
        for term in self._idf:
            if " " in term:
                first, second = term.split(" ", 1)
                self._by_first[first].append(second)
                self._by_second[second].append(first)

    def _build_idf(self, docs_tokens: list[tuple[int, list[str], list[str]]], keywords: list[list[list[str]]]) -> None:
        topics_with: dict[str, set[int]] = defaultdict(set)
        for t_idx, folded, _acc in docs_tokens:
            for term in _terms(folded, 1.0):
                topics_with[term].add(t_idx)
        for t_idx, kws in enumerate(keywords):
            for toks in kws:
                for term in _terms(toks, 1.0):
                    topics_with[term].add(t_idx)
        n = max(len(self.topics), 1)
        self._idf = {t: math.log(1 + (n - len(s) + 0.5) / (len(s) + 0.5)) for t, s in topics_with.items()}
        self._max_idf = max(self._idf.values(), default=1.0)

    def _build_docs(self, docs_tokens: list[tuple[int, list[str], list[str]]]) -> None:
        w = self.weights
        avgdl = sum(len(f) for _t, f, _a in docs_tokens) / max(len(docs_tokens), 1)
        for d_idx, (t_idx, folded, accented) in enumerate(docs_tokens):
            counts: dict[str, int] = defaultdict(int)
            for term in _terms(folded, 1.0):
                counts[term] += 0
            for tok in folded:
                counts[tok] += 1
            for pair in zip(folded, folded[1:], strict=False):
                counts[" ".join(pair)] += 1
            norm = w.k1 * (1 - w.b + w.b * len(folded) / avgdl)
            weights = {t: c * (w.k1 + 1) / (c + norm) for t, c in counts.items() if c}
            doc = _Doc(t_idx, len(folded), frozenset(accented), _has_accents(accented))
            self._docs.append(doc)
            self._doc_terms.append(weights)
            for term, value in weights.items():
                self._postings[term].append((d_idx, value))

    def _build_profiles(self, docs_tokens: list[tuple[int, list[str], list[str]]], keywords: list[list[list[str]]]) -> None:
        per_topic: list[dict[str, int]] = [defaultdict(int) for _ in self.topics]
        sizes = [0] * len(self.topics)
        for t_idx, folded, _acc in docs_tokens:
            sizes[t_idx] += 1
            for term in _terms(folded, 1.0):
                per_topic[t_idx][term] += 1
        for t_idx, kws in enumerate(keywords):
            for toks in kws:
                for term in _terms(toks, 1.0):
                    per_topic[t_idx][term] += 2
        for t_idx, counts in enumerate(per_topic):
            size = max(sizes[t_idx], 1)
            self._profile.append({t: min(1.0, c / size) ** 0.5 for t, c in counts.items()})

    # ---------------------------------------------------------------- query side

    def _fuzzy_tokens(self, tokens: list[str]) -> list[str]:
        w = self.weights
        out = list(tokens)
        for i, tok in enumerate(tokens):
            if tok in self._vocab_set or tok.isdigit():
                continue
            fixed = self._fuzzy_pair(tokens, i)
            if fixed is None and len(tok) >= w.fuzzy_min_len:
                hit = process.extractOne(tok, self._vocab, scorer=fuzz.ratio, score_cutoff=w.fuzzy_cutoff)
                fixed = hit[0] if hit else None
            if fixed:
                out[i] = fixed
        return out

    def _fuzzy_pair(self, tokens: list[str], i: int) -> str | None:
        """Repair a syllable from a known neighbour: 'dien thaoi' → 'dien thoai'."""
        tok = tokens[i]
        if len(tok) < self.weights.fuzzy_min_len:
            return None
        best: tuple[float, str] | None = None
        if i > 0 and tokens[i - 1] in self._by_first:
            hit = process.extractOne(tok, self._by_first[tokens[i - 1]], scorer=fuzz.ratio, score_cutoff=80)
            if hit:
                best = (hit[1], hit[0])
        if i + 1 < len(tokens) and tokens[i + 1] in self._by_second:
            hit = process.extractOne(tok, self._by_second[tokens[i + 1]], scorer=fuzz.ratio, score_cutoff=80)
            if hit and (best is None or hit[1] > best[0]):
                best = (hit[1], hit[0])
        return best[1] if best else None

    def _query_terms(self, folded: list[str]) -> dict[str, float]:
        return _terms(folded, self.weights.bigram)

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self.weights.unknown_idf * self._max_idf)

    def _adjust_accents(self, scores: dict[int, float], q_pairs: list[tuple[str, str]]) -> None:
        """Bonus when an accented query syllable matches with its accents, penalty when it
        matches only without them (both texts typed with diacritics); best documents only."""
        w = self.weights
        best = sorted(scores, key=scores.__getitem__, reverse=True)[: w.accent_docs]
        for d_idx in best:
            doc = self._docs[d_idx]
            terms = self._doc_terms[d_idx]
            for folded, accented in q_pairs:
                value = terms.get(folded)
                if not value:
                    continue
                if accented in doc.accented:
                    scores[d_idx] += w.accent_bonus * self._idf[folded] * value
                elif doc.has_accents:
                    scores[d_idx] -= w.accent_penalty * self._idf[folded] * value

    def _score_docs(self, q_terms: dict[str, float], q_accented: list[tuple[str, str]] | None) -> dict[int, float]:
        w = self.weights
        scores: dict[int, float] = defaultdict(float)
        common: list[str] = []
        for term, qw in q_terms.items():
            posting = self._postings.get(term)
            if not posting:
                continue
            if len(posting) > w.max_posting:
                common.append(term)
                continue
            factor = qw * self._idf[term]
            for d_idx, value in posting:
                scores[d_idx] += factor * value
        for term in common:
            factor = q_terms[term] * self._idf[term]
            for d_idx in scores:
                value = self._doc_terms[d_idx].get(term)
                if value:
                    scores[d_idx] += factor * value
        if q_accented is not None:
            self._adjust_accents(scores, q_accented)
        return scores

    # ---------------------------------------------------------------- ranking

    def evidence(self, text: str) -> Evidence:
        """Raw topic scores (best first) and query statistics, before calibration."""
        norm = normalize(text)
        accented = norm.accented.split()
        kind = smalltalk_kind(accented)
        if kind or not accented:
            return Evidence([], 0.0, 0.0, kind)
        folded = self._fuzzy_tokens(norm.folded.split())
        q_terms = self._query_terms(folded)
        q_accented = _accent_pairs(accented, folded)
        doc_scores = self._score_docs(q_terms, q_accented)
        q_ideal = sum(qw * self._weight(t) for t, qw in q_terms.items())
        known = sum(qw * self._idf[t] for t, qw in q_terms.items() if t in self._idf)
        ranked = self._topic_scores(q_terms, doc_scores)
        return Evidence(ranked, q_ideal, known / q_ideal if q_ideal else 0.0, None)

    def rank(self, text: str) -> tuple[list[tuple[str, float]], str | None]:
        """Plausible topics with their 0–100 scores (best first), and the small-talk kind."""
        ev = self.evidence(text)
        scored = [
            (self.topics[t_idx], self._confidence(top, ev.q_ideal, ev.known_share))
            for top, t_idx in ev.ranked[: self.weights.rerank_top]
        ]
        return scored, ev.smalltalk

    def _topic_scores(self, q_terms: dict[str, float], doc_scores: dict[int, float]) -> list[tuple[float, int]]:
        w = self.weights
        per_topic: dict[int, list[float]] = defaultdict(list)
        for d_idx, s in doc_scores.items():
            per_topic[self._docs[d_idx].topic].append(s)
        raw: list[tuple[float, int]] = []
        for t_idx, scores in per_topic.items():
            scores.sort(reverse=True)
            top = scores[0] + (w.second_doc * scores[1] if len(scores) > 1 else 0.0)
            raw.append((top + w.profile * self._profile_score(q_terms, t_idx), t_idx))
        raw.sort(reverse=True)
        return raw

    def _profile_score(self, q_terms: dict[str, float], t_idx: int) -> float:
        profile = self._profile[t_idx]
        return sum(qw * self._idf[t] * profile[t] for t, qw in q_terms.items() if t in profile)

    def _confidence(self, top: float, q_ideal: float, known_share: float) -> float:
        """0–100: a logistic blend of the evidence, its share of the query and the known share."""
        if top <= 0 or q_ideal <= 0:
            return 0.0
        c = self.weights
        z = c.conf_bias + c.conf_evidence * math.log(top) + c.conf_relative * min(top / q_ideal, 1.5)
        z += c.conf_known * known_share
        return round(100.0 / (1.0 + math.exp(-z)), 2)

    # ---------------------------------------------------------------- decision

    def match(self, text: str) -> MatchResult:
        ranked, kind = self.rank(text)
        if kind:
            return MatchResult("fallback", None, 0.0, [], kind)
        return decide(ranked, self.thresholds)


def decide(ranked: Sequence[tuple[str, float]], th: Thresholds) -> MatchResult:
    """Apply the thresholds and margin rule to topics ranked best first."""
    if not ranked:
        return MatchResult("fallback", None, 0.0, [])
    best_id, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    close = [(t, s) for t, s in ranked[: th.max_candidates] if s >= best - th.candidate_gap and s >= th.clarify]
    candidates = [(t, s) for t, s in ranked[: th.max_candidates]]
    margin = th.margin / 2 if best >= th.strong else th.margin
    if best >= th.answer and best - second >= margin:
        return MatchResult("answer", best_id, best, candidates)
    if best >= th.clarify:
        return MatchResult("clarify", best_id, best, close or candidates[:1])
    return MatchResult("fallback", None, best, candidates)


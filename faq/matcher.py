"""Match a citizen's message to a knowledge-base topic.

Ranking: every title and paraphrase is indexed on folded syllables and syllable pairs weighted
by rarity across topics (BM25: IDF over topics, term saturation, length normalisation). When
both texts carry diacritics, a matching accented syllable earns its own (higher) IDF and a
mismatch ("mua"/"mưa") is penalised. Unknown syllables are mapped to indexed ones with
rapidfuzz. Topics are preselected by a profile of all their paraphrases and keywords; a topic's
raw score is its best paraphrase + a share of the second + the profile score.

Decision: a logistic ``Calibration`` turns the raw evidence (strength, lead over the rival
topic, unexplained or off-topic words, rapidfuzz similarity to the best paraphrase) into a
0–100 confidence; ``Thresholds`` holds the answer / clarify / fallback rule.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Literal

from rapidfuzz import fuzz, process

from faq.kb import KnowledgeBase
from faq.normalize import fold, is_syllable, normalize

Decision = Literal["answer", "clarify", "fallback"]
REFERENCE_IDF = math.log(1 + 62.5 / 1.5)  # IDF of a term unique to one topic among 63
MIN_IDF = 0.2  # terms found in nearly every topic (>~80 %) carry no evidence and are skipped


@dataclass(frozen=True)
class Thresholds:
    """The decision rule, in one place (scores are calibrated 0–100 confidences)."""

    answer: float = 70.0  # the best topic must reach this to be answered ...
    margin: float = 5.0  # ... and lead the second by at least this much
    clarify: float = 50.0  # below this nothing is offered: fallback
    candidate_gap: float = 25.0  # in a clarification, offer topics within this of the best
    max_candidates: int = 3


@dataclass(frozen=True)
class Weights:
    """Ranking constants (tuned on shared/faq/dev.jsonl, checked on the held-out set)."""

    k1: float = 1.2
    b: float = 0.6
    bigram: float = 0.8  # weight of a syllable pair relative to a syllable
    accent_bonus: float = 2.0  # × the extra IDF of the accented syllable when its accents match
    accent_penalty: float = 0.5  # share removed when they differ (both texts accented)
    accent_docs: int = 25  # accents are compared on this many best paraphrases
    top_docs: int = 150  # paraphrases considered when ranking topics
    max_query_terms: int = 40  # a long message is scored on its strongest terms only
    second_doc: float = 0.25  # share of the topic's second-best paraphrase
    profile: float = 1.0  # share of the topic-profile score
    unknown_idf: float = 0.6  # weight of an unknown term, as a share of the highest IDF
    fuzzy_cutoff: float = 85.0  # rapidfuzz ratio to map an unknown syllable to a known one
    fuzzy_pair_cutoff: float = 80.0  # ... when judged together with a known neighbour
    fuzzy_min_len: int = 4
    min_candidates: int = 12  # topics (best by profile score) whose paraphrases are scored ...
    candidate_share: float = 0.005  # ... or this share of all topics, if more
    max_topic_posting: int = 200  # terms found in more topics do not preselect topics
    rerank_top: int = 5  # topics that get a calibrated confidence


@dataclass(frozen=True)
class Calibration:
    """Logistic map from ranking evidence to a 0–100 confidence that the topic is right."""

    bias: float = -5.63
    evidence: float = 1.57  # × ln(raw topic score)
    relative: float = -0.1  # × raw score / score of a perfect match of the query
    known: float = 0.87  # × share of the query's weight on indexed terms
    rival: float = -2.76  # × best other topic's raw score / this topic's
    off_topic: float = -1.12  # × weight of the strongest query term this topic never uses
    length: float = 1.84  # × ln(number of query syllables)
    foreign: float = -1.88  # × number (≤ 2) of unknown non-Vietnamese words (other apps, brands)
    coverage: float = 0.82  # × share of the best paraphrase's weight matched by the query
    fuzzy: float = 0.72  # × rapidfuzz token_set_ratio of the query and that paraphrase (0–1)


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
_SMALLTALK_FILLERS = frozenset(
    {"ạ", "nhé", "nha", "ơi", "bot", "admin", "em", "anh", "chị", "bạn", "nhiều", "lắm", "luôn", "dạ", "à"}
)
_SMALLTALK_INDEX = {tuple(phrase.split()): kind for kind, phrases in _SMALLTALK.items() for phrase in phrases}


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
    best_doc: dict[int, int]  # topic index -> its best paraphrase
    q_terms: dict[str, float]
    q_ideal: float  # the score a paraphrase matching every query term would get
    known_share: float  # share of that weight carried by indexed terms
    strongest: list[tuple[float, str]]  # indexed query terms by weight, strongest first
    text: str  # the folded query
    n_tokens: int
    foreign: int  # unknown words that are not Vietnamese syllables ("gmail", "shopee")
    smalltalk: str | None


# Non-Vietnamese words that belong to this domain's chat (the channel, phones, everyday tech).
_CHANNEL_WORDS = frozenset(
    "admin bot chatbot ok zalo telegram lag web website file pdf scan video chat online offline wifi "
    "4g 5g sim apk ios android iphone ipad samsung oppo xiaomi vivo realme nokia huawei".split()
)


def _has_accents(tokens: Sequence[str]) -> bool:
    """True when a text was typed with diacritics (most Vietnamese syllables carry a mark)."""
    return bool(tokens) and sum(not t.isascii() for t in tokens) >= 0.3 * len(tokens)


def _accent_pairs(
    accented: list[str], folded: list[str], terms: dict[str, float]
) -> list[tuple[str, str]] | None:
    """(folded, accented) scoring syllables of a query typed with diacritics, else None."""
    if not _has_accents(accented):
        return None
    return [(f, a) for a, f in zip(accented, folded, strict=False) if fold(a) == f and f in terms]


@dataclass(frozen=True)
class _Doc:
    topic: int
    accented: frozenset[str]
    has_accents: bool
    mass: float  # total weight of its terms (as the query would weigh them)


class Matcher:
    """Ranks topics for a message and decides whether to answer, clarify or fall back."""

    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        weights: Weights | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        self.calibration = calibration or Calibration()
        self.topics: list[str] = list(kb.entries)
        self._docs: list[_Doc] = []
        # term -> topic -> [(paraphrase, BM25 impact)]
        self._postings: dict[str, dict[int, list[tuple[int, float]]]] = defaultdict(dict)
        self._doc_terms: list[dict[str, float]] = []
        self._doc_text: list[str] = []
        self._profile: list[dict[str, float]] = []
        self._topic_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
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
        self._vocab_set = frozenset(t for t in self._idf if " " not in t)
        self._vocab_index: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        for word in sorted(self._vocab_set):
            self._vocab_index[word[0]][len(word)].append(word)
        self._fuzzy_cache: dict[str, str | None] = {}
        answer_words = {
            t for e in self.kb.entries.values() for t in re.findall(r"\w+", fold(e.answer.lower()))
        }
        self._domain_words = self._vocab_set | answer_words | _CHANNEL_WORDS
        self._by_first: dict[str, list[str]] = defaultdict(list)
        self._by_second: dict[str, list[str]] = defaultdict(list)
        for term in self._idf:
            if " " in term:
                first, second = term.split(" ", 1)
                self._by_first[first].append(second)
                self._by_second[second].append(first)

    def _build_idf(
        self, docs_tokens: list[tuple[int, list[str], list[str]]], keywords: list[list[list[str]]]
    ) -> None:
        topics_with: dict[str, set[int]] = defaultdict(set)
        for t_idx, folded, _acc in docs_tokens:
            for term in _terms(folded, 1.0):
                topics_with[term].add(t_idx)
        for t_idx, kws in enumerate(keywords):
            for toks in kws:
                for term in _terms(toks, 1.0):
                    topics_with[term].add(t_idx)
        self._idf = {t: self._idf_of(len(s)) for t, s in topics_with.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        accented_in: dict[str, set[int]] = defaultdict(set)
        for t_idx, _folded, accented in docs_tokens:
            if _has_accents(accented):
                for tok in accented:
                    accented_in[tok].add(t_idx)
        self._idf_accented = {t: self._idf_of(len(s)) for t, s in accented_in.items()}

    def _idf_of(self, n_topics: int) -> float:
        """BM25 IDF over topics, rescaled so that a term unique to one topic always weighs
        as in the 63-topic base the calibration was fitted on."""
        n = max(len(self.topics), 2)
        unique = math.log(1 + (n - 0.5) / 1.5)
        return REFERENCE_IDF / unique * math.log(1 + (n - n_topics + 0.5) / (n_topics + 0.5))

    def _build_docs(self, docs_tokens: list[tuple[int, list[str], list[str]]]) -> None:
        w = self.weights
        avgdl = sum(len(f) for _t, f, _a in docs_tokens) / max(len(docs_tokens), 1)
        for d_idx, (t_idx, folded, accented) in enumerate(docs_tokens):
            counts: dict[str, int] = defaultdict(int)
            for term in (*folded, *(f"{a} {b}" for a, b in zip(folded, folded[1:], strict=False))):
                counts[term] += 1
            norm = w.k1 * (1 - w.b + w.b * len(folded) / avgdl)
            weights = {t: c * (w.k1 + 1) / (c + norm) for t, c in counts.items()}
            mass = sum(self._idf[t] * (1.0 if " " not in t else w.bigram) for t in weights)
            doc = _Doc(t_idx, frozenset(accented), _has_accents(accented), mass)
            self._docs.append(doc)
            self._doc_terms.append(weights)
            self._doc_text.append(" ".join(folded))
            for term, value in weights.items():
                self._postings[term].setdefault(t_idx, []).append((d_idx, self._idf[term] * value))

    def _build_profiles(
        self, docs_tokens: list[tuple[int, list[str], list[str]]], keywords: list[list[list[str]]]
    ) -> None:
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
            profile = {t: min(1.0, c / size) ** 0.5 for t, c in counts.items()}
            self._profile.append(profile)
            for term, share in profile.items():
                self._topic_postings[term].append((t_idx, self._idf[term] * share))

    # ---------------------------------------------------------------- query side

    def _fuzzy_tokens(self, tokens: list[str]) -> list[str]:
        w = self.weights
        out = list(tokens)
        for i, tok in enumerate(tokens):
            if tok in self._vocab_set or tok.isdigit():
                continue
            fixed = self._fuzzy_pair(tokens, i)
            if fixed is None and len(tok) >= w.fuzzy_min_len:
                fixed = self._fuzzy_word(tok)
            if fixed:
                out[i] = fixed
        return out

    def _fuzzy_word(self, tok: str) -> str | None:
        """Closest indexed syllable of similar length and the same first letter (typos)."""
        if tok not in self._fuzzy_cache:
            by_len = self._vocab_index.get(tok[0], {})
            choices = [v for n in range(len(tok) - 2, len(tok) + 3) for v in by_len.get(n, ())]
            hit = process.extractOne(tok, choices, scorer=fuzz.ratio, score_cutoff=self.weights.fuzzy_cutoff)
            if len(self._fuzzy_cache) > 50_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[tok] = hit[0] if hit else None
        return self._fuzzy_cache[tok]

    def _fuzzy_pair(self, tokens: list[str], i: int) -> str | None:
        """Repair a syllable from a known neighbour: 'dien thaoi' → 'dien thoai'."""
        tok = tokens[i]
        if len(tok) < 3:
            return None
        best: tuple[float, str] | None = None
        if i > 0 and tokens[i - 1] in self._by_first:
            hit = process.extractOne(
                tok,
                self._by_first[tokens[i - 1]],
                scorer=fuzz.ratio,
                score_cutoff=self.weights.fuzzy_pair_cutoff,
            )
            if hit:
                best = (hit[1], hit[0])
        if i + 1 < len(tokens) and tokens[i + 1] in self._by_second:
            hit = process.extractOne(
                tok,
                self._by_second[tokens[i + 1]],
                scorer=fuzz.ratio,
                score_cutoff=self.weights.fuzzy_pair_cutoff,
            )
            if hit and (best is None or hit[1] > best[0]):
                best = (hit[1], hit[0])
        return best[1] if best else None

    def _query_terms(self, folded: list[str]) -> dict[str, float]:
        return _terms(folded, self.weights.bigram)

    def _scoring_terms(self, q_terms: dict[str, float]) -> dict[str, float]:
        """The indexed, informative query terms; a long message keeps only its strongest ones."""
        useful = {t: qw for t, qw in q_terms.items() if self._idf.get(t, 0.0) >= MIN_IDF}
        limit = self.weights.max_query_terms
        if len(useful) <= limit:
            return useful
        strongest = heapq.nlargest(limit, useful, key=lambda t: useful[t] * self._idf[t])
        return {t: useful[t] for t in strongest}

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self.weights.unknown_idf * self._max_idf)

    def _adjust_accents(self, top: list[tuple[int, float]], q_pairs: list[tuple[str, str]]) -> None:
        """Bonus when an accented query syllable matches with its accents, penalty when it
        matches only without them (both texts typed with diacritics); best paraphrases only."""
        w = self.weights
        coefs = []
        for folded, accented in q_pairs:
            idf = self._idf.get(folded)
            if idf is not None:
                gain = w.accent_bonus * max(self._idf_accented.get(accented, idf) - idf, 0.0)
                coefs.append((folded, accented, gain, w.accent_penalty * idf))
        if not coefs:
            return
        for i, (d_idx, score) in enumerate(top[: w.accent_docs]):
            doc = self._docs[d_idx]
            terms = self._doc_terms[d_idx]
            for folded, accented, gain, loss in coefs:
                value = terms.get(folded)
                if value:
                    if accented in doc.accented:
                        score += gain * value
                    elif doc.has_accents:
                        score -= loss * value
            top[i] = (d_idx, score)

    def _candidates(self, q_terms: dict[str, float]) -> dict[int, float]:
        """Profile scores of the topics worth scoring paraphrase by paraphrase.

        Topics are preselected on the terms found in few topics; terms found in very many
        topics (a large base) are then added for the preselected topics only."""
        w = self.weights
        scores: dict[int, float] = defaultdict(float)
        common: list[str] = []
        for term, qw in q_terms.items():
            posting = self._topic_postings.get(term)
            if not posting:
                continue
            if len(posting) > w.max_topic_posting:
                common.append(term)
                continue
            for t_idx, impact in posting:
                scores[t_idx] += qw * impact
        limit = max(w.min_candidates, int(len(self.topics) * w.candidate_share))
        if len(scores) > limit:
            scores = {t: scores[t] for t in heapq.nlargest(limit, scores, key=scores.__getitem__)}
        for term in common:
            factor = q_terms[term] * self._idf[term]
            for t_idx in scores:
                share = self._profile[t_idx].get(term)
                if share:
                    scores[t_idx] += factor * share
        return scores

    def _score_docs(self, q_terms: dict[str, float], topics: list[int]) -> dict[int, float]:
        """BM25 of the candidate topics' paraphrases, through the inverted index."""
        scores: dict[int, float] = defaultdict(float)
        for term, qw in q_terms.items():
            by_topic = self._postings.get(term)
            if not by_topic:
                continue
            for t_idx in topics:
                for d_idx, impact in by_topic.get(t_idx, ()):
                    scores[d_idx] += qw * impact
        return scores

    def _best_docs(
        self, q_terms: dict[str, float], topics: list[int], q_pairs: list[tuple[str, str]] | None
    ) -> list[tuple[int, float]]:
        """The best-scoring paraphrases, accents taken into account."""
        scores = self._score_docs(q_terms, topics)
        top = heapq.nlargest(self.weights.top_docs, scores.items(), key=itemgetter(1))
        if q_pairs:
            self._adjust_accents(top, q_pairs)
        return top

    # ---------------------------------------------------------------- ranking

    def evidence(self, text: str) -> Evidence:
        """Raw topic scores (best first) and query statistics, before calibration."""
        norm = normalize(text)
        accented = norm.accented.split()
        kind = smalltalk_kind(accented)
        if kind or not accented:
            return Evidence([], {}, {}, 0.0, 0.0, [], "", 0, 0, kind)
        folded = self._fuzzy_tokens(norm.folded.split())
        q_terms = self._query_terms(folded)
        scoring = self._scoring_terms(q_terms)
        profile = self._candidates(scoring)
        top_docs = self._best_docs(scoring, list(profile), _accent_pairs(accented, folded, scoring))
        q_ideal = sum(qw * self._weight(t) for t, qw in q_terms.items())
        known = sum(qw * self._idf[t] for t, qw in q_terms.items() if t in self._idf)
        ranked, best_doc = self._topic_scores(profile, top_docs)
        foreign = sum(
            1 for t in set(folded) if t not in self._domain_words and not t.isdigit() and not is_syllable(t)
        )
        known_share = known / q_ideal if q_ideal else 0.0
        strongest = sorted(
            ((qw * self._idf[t], t) for t, qw in q_terms.items() if t in self._idf), reverse=True
        )
        return Evidence(
            ranked,
            best_doc,
            q_terms,
            q_ideal,
            known_share,
            strongest,
            " ".join(folded),
            len(folded),
            foreign,
            None,
        )

    def rank(self, text: str) -> tuple[list[tuple[str, float]], str | None]:
        """Plausible topics with their 0–100 confidences (best first), and the small-talk kind."""
        ev = self.evidence(text)
        top = ev.ranked[: self.weights.rerank_top]
        scored = []
        for i, (raw, t_idx) in enumerate(top):
            rival = top[1][0] if i == 0 and len(top) > 1 else (top[0][0] if i else 0.0)
            scored.append((self.topics[t_idx], self.confidence(ev, raw, t_idx, rival)))
        scored.sort(key=lambda item: -item[1])
        return scored, ev.smalltalk

    def _topic_scores(
        self, profile: dict[int, float], top_docs: list[tuple[int, float]]
    ) -> tuple[list[tuple[float, int]], dict[int, int]]:
        w = self.weights
        best: dict[int, tuple[float, int, float]] = {}  # topic -> (best, its doc, second best)
        for d_idx, score in top_docs:
            t_idx = self._docs[d_idx].topic
            cur = best.get(t_idx)
            if cur is None:
                best[t_idx] = (score, d_idx, 0.0)
            elif score > cur[0]:
                best[t_idx] = (score, d_idx, cur[0])
            elif score > cur[2]:
                best[t_idx] = (cur[0], cur[1], score)
        raw: list[tuple[float, int]] = []
        best_doc: dict[int, int] = {}
        for t_idx, (first, d_idx, second) in best.items():
            top = first + w.second_doc * second + w.profile * profile.get(t_idx, 0.0)
            if top > 0:
                raw.append((top, t_idx))
                best_doc[t_idx] = d_idx
        raw.sort(reverse=True)
        return raw, best_doc

    def features(self, ev: Evidence, raw: float, t_idx: int, rival: float) -> list[float]:
        """Calibration inputs for one topic (see ``Calibration``)."""
        profile = self._profile[t_idx]
        off_topic = next((weight for weight, t in ev.strongest if t not in profile), 0.0)
        return [
            math.log(raw),
            min(raw / ev.q_ideal, 1.5) if ev.q_ideal else 0.0,
            ev.known_share,
            min(rival / raw, 2.0),
            off_topic,
            math.log(max(ev.n_tokens, 1)),
            min(ev.foreign, 2),
            self._coverage(ev.q_terms, ev.best_doc[t_idx]),
            fuzz.token_set_ratio(ev.text, self._doc_text[ev.best_doc[t_idx]]) / 100.0,
        ]

    def _coverage(self, q_terms: dict[str, float], d_idx: int) -> float:
        """Share of a paraphrase's own weight that the query matches."""
        terms = self._doc_terms[d_idx]
        matched = sum(qw * self._idf[t] for t, qw in q_terms.items() if t in terms)
        mass = self._docs[d_idx].mass
        return min(matched / mass, 1.0) if mass else 0.0

    def confidence(self, ev: Evidence, raw: float, t_idx: int, rival: float) -> float:
        """0–100 confidence that topic ``t_idx`` (raw score ``raw``) answers the query."""
        if raw <= 0:
            return 0.0
        c = self.calibration
        coef = (
            c.evidence,
            c.relative,
            c.known,
            c.rival,
            c.off_topic,
            c.length,
            c.foreign,
            c.coverage,
            c.fuzzy,
        )
        z = c.bias + sum(k * x for k, x in zip(coef, self.features(ev, raw, t_idx, rival), strict=True))
        return round(100.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 2)

    # ---------------------------------------------------------------- decision

    def match(self, text: str) -> MatchResult:
        """Answer, clarify or fall back for one message."""
        ranked, kind = self.rank(text)
        if kind:
            return MatchResult("fallback", None, 0.0, [], kind)
        return decide(ranked, self.thresholds)


def decide(ranked: Sequence[tuple[str, float]], th: Thresholds) -> MatchResult:
    """Apply the thresholds and the margin rule to topics ranked best first."""
    if not ranked:
        return MatchResult("fallback", None, 0.0, [])
    best_id, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    candidates = list(ranked[: th.max_candidates])
    if best >= th.answer and best - second >= th.margin:
        return MatchResult("answer", best_id, best, candidates)
    if best >= th.clarify:
        close = [(t, s) for t, s in candidates if s >= best - th.candidate_gap and s >= th.clarify]
        return MatchResult("clarify", best_id, best, close)
    return MatchResult("fallback", None, best, candidates)

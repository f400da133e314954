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

import math
import re
from array import array
from collections import defaultdict
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter, mul
from typing import Literal, NamedTuple

from rapidfuzz import fuzz, process

from faq.kb import KnowledgeBase
from faq.normalize import fold, fold_word, is_syllable, normalize

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
    """Syllables (weight 1) and adjacent pairs (weight ``bigram``) of a token list (the index
    stores its impacts already multiplied by these query weights)."""
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
    # indexed query terms with their weight (query weight × IDF), in the message's order
    known_terms: dict[str, float] = field(default_factory=dict)


# Non-Vietnamese words that belong to this domain's chat (the channel, phones, everyday tech).
_CHANNEL_WORDS = frozenset(
    "admin bot chatbot ok zalo telegram lag web website file pdf scan video chat online offline wifi "
    "4g 5g sim apk ios android iphone ipad samsung oppo xiaomi vivo realme nokia huawei".split()
)


def _has_accents(tokens: Sequence[str]) -> bool:
    """True when a text was typed with diacritics (most Vietnamese syllables carry a mark)."""
    return bool(tokens) and len(tokens) - sum(map(str.isascii, tokens)) >= 0.3 * len(tokens)


def _accent_pairs(
    accented: list[str], folded: list[str], terms: Container[str]
) -> list[tuple[str, str]] | None:
    """(folded, accented) scoring syllables of a query typed with diacritics, else None."""
    if not _has_accents(accented):
        return None
    return [(f, a) for a, f in zip(accented, folded, strict=False) if fold_word(a) == f and f in terms]


class _Term(NamedTuple):
    """An indexed term: its IDF, its topic postings and its paraphrase postings (see Matcher)."""

    idf: float
    topics: array[int]
    topic_impacts: array[float]
    docs: dict[int, tuple[array[int], array[float]]] | None  # None: found in keywords only


_Scoring = tuple[str, float, _Term]  # a message's term, its query weight, its index entry


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
        self._coef: tuple[Calibration | None, tuple[float, ...]] = (None, ())  # its coefficients
        self.topics: list[str] = list(kb.entries)
        self._docs: list[_Doc] = []
        self._doc_topic: list[int] = []  # paraphrase -> its topic
        self._doc_terms: list[dict[str, float]] = []
        self._doc_text: list[str] = []
        self._profile: list[dict[str, float]] = []
        # term -> its IDF and postings, all that matching a message's term needs in one look-up
        self._index: dict[str, _Term] = {}
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
        postings = self._build_docs(docs_tokens)
        topic_postings = self._build_profiles(docs_tokens, keyword_tokens)
        self._index = {
            term: _Term(idf, *topic_postings[term], postings.get(term)) for term, idf in self._idf.items()
        }
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
        self._unknown_weight = self.weights.unknown_idf * self._max_idf
        self._candidate_limit = max(
            self.weights.min_candidates, int(len(self.topics) * self.weights.candidate_share)
        )

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

    def _build_docs(
        self, docs_tokens: list[tuple[int, list[str], list[str]]]
    ) -> dict[str, dict[int, tuple[array[int], array[float]]]]:
        """Paraphrase statistics, and the postings: term -> topic -> (its paraphrases with the
        term, query weight × BM25 impact in each). The query weight of a term is fixed by its
        kind (1 for a syllable, ``Weights.bigram`` for a pair), so the product is computed here
        once. Compact arrays, as matching is bound by memory access."""
        w = self.weights
        avgdl = sum(len(f) for _t, f, _a in docs_tokens) / max(len(docs_tokens), 1)
        idf = self._idf
        postings: dict[str, dict[int, tuple[array[int], array[float]]]] = {}
        for d_idx, (t_idx, folded, accented) in enumerate(docs_tokens):
            counts: dict[str, int] = defaultdict(int)
            for term in (*folded, *(f"{a} {b}" for a, b in zip(folded, folded[1:], strict=False))):
                counts[term] += 1
            norm = w.k1 * (1 - w.b + w.b * len(folded) / avgdl)
            weights = {t: c * (w.k1 + 1) / (c + norm) for t, c in counts.items()}
            mass = sum(self._idf[t] * (1.0 if " " not in t else w.bigram) for t in weights)
            doc = _Doc(t_idx, frozenset(accented), _has_accents(accented), mass)
            self._docs.append(doc)
            self._doc_topic.append(t_idx)
            self._doc_terms.append(weights)
            self._doc_text.append(" ".join(folded))
            for term, value in weights.items():
                by_topic = postings.get(term)
                if by_topic is None:
                    by_topic = postings[term] = {}
                posting = by_topic.get(t_idx)
                if posting is None:
                    posting = by_topic[t_idx] = (array("l"), array("d"))
                posting[0].append(d_idx)
                posting[1].append((1.0 if " " not in term else w.bigram) * (idf[term] * value))
        # per paraphrase, what the accent adjustment reads
        self._doc_accents = [
            (terms, doc.accented, doc.has_accents)
            for doc, terms in zip(self._docs, self._doc_terms, strict=True)
        ]
        return postings

    def _build_profiles(
        self, docs_tokens: list[tuple[int, list[str], list[str]]], keywords: list[list[list[str]]]
    ) -> dict[str, tuple[array[int], array[float]]]:
        """Topic profiles, and their postings: term -> (topics, query weight × profile impact)."""
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
        idf, bigram = self._idf, self.weights.bigram
        topic_postings: dict[str, tuple[array[int], array[float]]] = {}
        for t_idx, counts in enumerate(per_topic):
            size = max(sizes[t_idx], 1)
            profile = {t: min(1.0, c / size) ** 0.5 for t, c in counts.items()}
            self._profile.append(profile)
            for term, share in profile.items():
                posting = topic_postings.get(term)
                if posting is None:
                    posting = topic_postings[term] = (array("l"), array("d"))
                posting[0].append(t_idx)
                posting[1].append((1.0 if " " not in term else bigram) * (idf[term] * share))
        return topic_postings

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

    def _strongest(self, useful: list[_Scoring]) -> list[_Scoring]:
        """The terms a message is scored on: a long message keeps only its strongest ones."""
        limit = self.weights.max_query_terms
        if len(useful) <= limit:
            return useful
        # sorted() is stable, as heapq.nlargest: equal weights keep the message's order
        return sorted(useful, key=lambda s: s[1] * s[2].idf, reverse=True)[:limit]

    def _adjust_accents(self, top: list[tuple[int, float]], q_pairs: list[tuple[str, str]]) -> None:
        """Bonus when an accented query syllable matches with its accents, penalty when it
        matches only without them (both texts typed with diacritics); best paraphrases only."""
        w = self.weights
        idf_of, idf_accented = self._idf, self._idf_accented
        coefs = []
        for folded, accented in q_pairs:
            idf = idf_of.get(folded)
            if idf is not None:
                gain = w.accent_bonus * max(idf_accented.get(accented, idf) - idf, 0.0)
                coefs.append((folded, accented, gain, w.accent_penalty * idf))
        if not coefs:
            return
        doc_accents = self._doc_accents
        syllables = [coef[0] for coef in coefs]
        gains = [coef for coef in coefs if coef[2]]  # adding a zero gain changes nothing
        gain_forms = {coef[1] for coef in gains}
        for i in range(min(len(top), w.accent_docs)):
            d_idx, score = top[i]
            terms, doc_accented, has_accents = doc_accents[d_idx]
            if has_accents:
                # the syllables the paraphrase has (term weights are > 0), in the query's order
                for folded, accented, gain, loss in compress(coefs, map(terms.__contains__, syllables)):
                    if accented in doc_accented:
                        score += gain * terms[folded]
                    else:
                        score -= loss * terms[folded]
            elif not gain_forms.isdisjoint(doc_accented):  # no penalty without accents: gains only
                for folded, accented, gain, _loss in gains:
                    if accented in doc_accented and folded in terms:
                        score += gain * terms[folded]
            else:
                continue
            top[i] = (d_idx, score)

    def _candidates(self, scoring: list[_Scoring]) -> dict[int, float]:
        """Profile scores of the topics worth scoring paraphrase by paraphrase.

        Topics are preselected on the terms found in few topics; terms found in very many
        topics (a large base) are then added for the preselected topics only."""
        scores: dict[int, float] = {}
        get = scores.get
        common: list[tuple[str, float]] = []
        max_posting = self.weights.max_topic_posting
        for term, qw, (idf, topics, impacts, _docs) in scoring:
            if len(topics) > max_posting:
                common.append((term, qw * idf))
                continue
            for t_idx, impact in zip(topics, impacts, strict=True):  # query weight × profile impact
                scores[t_idx] = get(t_idx, 0.0) + impact
        limit = self._candidate_limit
        if len(scores) > limit:  # the best ones; ties keep their first-scored order
            scores = dict(sorted(scores.items(), key=itemgetter(1), reverse=True)[:limit])
        for term, factor in common:
            for t_idx in scores:
                share = self._profile[t_idx].get(term)
                if share:
                    scores[t_idx] += factor * share
        return scores

    def _score_docs(self, scoring: list[_Scoring], topics: list[int]) -> dict[int, float]:
        """BM25 of the candidate topics' paraphrases, through the inverted index.

        The order matters: paraphrases with equal scores keep the order they were first
        scored in (term by term, topic by topic), which decides ties later on."""
        scores: dict[int, float] = {}
        get = scores.get
        for _term, _qw, entry in scoring:
            by_topic = entry.docs
            if not by_topic:
                continue
            docs_of = by_topic.get
            for t_idx in topics:
                docs = docs_of(t_idx)
                if docs is not None:
                    for d_idx, impact in zip(*docs, strict=True):  # impact: query weight × BM25 impact
                        scores[d_idx] = get(d_idx, 0.0) + impact
        return scores

    def _best_docs(
        self, scoring: list[_Scoring], topics: list[int], q_pairs: list[tuple[str, str]] | None
    ) -> list[tuple[int, float]]:
        """The best-scoring paraphrases, accents taken into account."""
        scores = self._score_docs(scoring, topics)
        # sorted() is stable, as heapq.nlargest: equal scores keep their first-scored order
        top = sorted(scores.items(), key=itemgetter(1), reverse=True)[: self.weights.top_docs]
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
        index = self._index
        unknown = self._unknown_weight
        ideal: list[float] = []  # each term's share of a perfect match, in the message's order
        known_terms: dict[str, float] = {}  # the same for indexed terms
        useful: list[_Scoring] = []  # the informative ones
        for t, qw in q_terms.items():
            entry = index.get(t)
            if entry is None:
                ideal.append(qw * unknown)
            else:
                value = known_terms[t] = qw * entry.idf
                ideal.append(value)
                if entry.idf >= MIN_IDF:
                    useful.append((t, qw, entry))
        scoring = self._strongest(useful)
        profile = self._candidates(scoring)
        q_pairs = _accent_pairs(accented, folded, {t for t, _qw, _entry in scoring})
        top_docs = self._best_docs(scoring, list(profile), q_pairs)
        q_ideal = sum(ideal)
        known = sum(known_terms.values())
        ranked, best_doc = self._topic_scores(profile, top_docs)
        domain = self._domain_words
        foreign = sum(1 for t in set(folded) if t not in domain and not t.isdigit() and not is_syllable(t))
        known_share = known / q_ideal if q_ideal else 0.0
        strongest = sorted(zip(known_terms.values(), known_terms, strict=True), reverse=True)
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
            known_terms,
        )

    def rank(self, text: str) -> tuple[list[tuple[str, float]], str | None]:
        """Plausible topics with their 0–100 confidences (best first), and the small-talk kind."""
        ev = self.evidence(text)
        top = ev.ranked[: self.weights.rerank_top]
        fuzzy = self._fuzzy_ratios(ev, [t_idx for _raw, t_idx in top])
        scored = []
        for i, (raw, t_idx) in enumerate(top):
            rival = top[1][0] if i == 0 and len(top) > 1 else (top[0][0] if i else 0.0)
            scored.append((self.topics[t_idx], self.confidence(ev, raw, t_idx, rival, fuzzy[i])))
        scored.sort(key=lambda item: -item[1])
        return scored, ev.smalltalk

    def _topic_scores(
        self, profile: dict[int, float], top_docs: list[tuple[int, float]]
    ) -> tuple[list[tuple[float, int]], dict[int, int]]:
        w = self.weights
        doc_topic = self._doc_topic
        best: dict[int, tuple[float, int, float]] = {}  # topic -> (best, its doc, second best)
        for d_idx, score in top_docs:
            t_idx = doc_topic[d_idx]
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

    def _fuzzy_ratios(self, ev: Evidence, topics: list[int]) -> list[float]:
        """rapidfuzz token_set_ratio of the query and each topic's best paraphrase, in one call
        (the same scores as one ``fuzz.token_set_ratio`` call per topic)."""
        if not topics:
            return []
        texts = [self._doc_text[ev.best_doc[t_idx]] for t_idx in topics]
        ratios = [0.0] * len(texts)
        for _text, score, i in process.extract(ev.text, texts, scorer=fuzz.token_set_ratio, limit=None):
            ratios[i] = score
        return ratios

    def features(
        self, ev: Evidence, raw: float, t_idx: int, rival: float, fuzzy: float | None = None
    ) -> list[float]:
        """Calibration inputs for one topic (see ``Calibration``); ``fuzzy``: the topic's
        ``_fuzzy_ratios`` when already known."""
        profile = self._profile[t_idx]
        d_idx = ev.best_doc[t_idx]
        if fuzzy is None:
            fuzzy = fuzz.token_set_ratio(ev.text, self._doc_text[d_idx])
        off_topic = next((weight for weight, t in ev.strongest if t not in profile), 0.0)
        return [
            math.log(raw),
            min(raw / ev.q_ideal, 1.5) if ev.q_ideal else 0.0,
            ev.known_share,
            min(rival / raw, 2.0),
            off_topic,
            math.log(max(ev.n_tokens, 1)),
            min(ev.foreign, 2),
            self._coverage(ev.known_terms, d_idx),
            fuzzy / 100.0,
        ]

    def _coverage(self, known_terms: dict[str, float], d_idx: int) -> float:
        """Share of a paraphrase's own weight that the query matches (``known_terms``: the
        query's indexed terms with their weights, in the message's order)."""
        terms = self._doc_terms[d_idx]
        matched = sum(map(known_terms.__getitem__, filter(terms.__contains__, known_terms)))
        mass = self._docs[d_idx].mass
        return min(matched / mass, 1.0) if mass else 0.0

    def confidence(
        self, ev: Evidence, raw: float, t_idx: int, rival: float, fuzzy: float | None = None
    ) -> float:
        """0–100 confidence that topic ``t_idx`` (raw score ``raw``) answers the query."""
        if raw <= 0:
            return 0.0
        c = self.calibration
        if self._coef[0] is not c:
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
            self._coef = (c, coef)
        coef = self._coef[1]
        features = self.features(ev, raw, t_idx, rival, fuzzy)
        z = c.bias + sum(map(mul, coef, features))
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

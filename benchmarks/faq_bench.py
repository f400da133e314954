"""FAQ matching: our matcher vs two plain baselines, side by side, at two knowledge-base sizes.

    python -m benchmarks.faq_bench [--quick] [--synthetic 50000] [--repeat 3]

Methods (all on the same questions, in the same run):

* matcher: `faq.matcher.Matcher` (normalisation, BM25 over syllables and pairs, rapidfuzz typo
  repair, calibrated answer / clarify / fallback), exactly as the bot uses it;
* wratio: plain rapidfuzz `WRatio` of the raw question against every raw paraphrase (rapidfuzz's
  default processing: lower case, punctuation removed), the best paraphrase's topic;
* bm25: the `bm25s` package over the folded text (our `normalize(...).folded`, so the baseline
  gets the same diacritics/teencode handling), one document per paraphrase.

The baselines have no notion of "I don't know": they answer when their best score reaches a
threshold and fall back otherwise. That threshold is tuned on the very questions being scored
(maximising right answers + right fallbacks − wrong answers), which flatters the baselines.

Questions: ../shared/faq/dev.jsonl (labelled, with out-of-scope rows). Latency: wall-clock per
question (`time.perf_counter`) after a warm-up on tests/faq/data/heldout.jsonl, over `--repeat`
passes; CPU time per question is printed too (it is less disturbed by other processes).

Bases: the real knowledge base, and the real base plus synthetic local topics (opening hours,
fees, schedules of made-up places, written like citizens ask) up to `--synthetic` paraphrases.

Reload: `FaqEngine.reload` (/kb_reload, SIGHUP) on each base, while a coroutine on the same event
loop keeps asking questions every 5 ms: how long the reload took, how many questions were
answered meanwhile and the slowest answer (the worker thread that builds the new matcher competes
for the GIL).

Targets (matcher): accuracy@1 >= 0.95, wrong answers <= 0.02, out-of-scope fallback >= 0.90,
p99 <= 2 ms on the real base and <= 20 ms at 50,000 paraphrases. When the machine is overloaded
(1-minute load average above the number of cores) the latency targets are judged on CPU time per
question, and the output says so.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import faq.engine
from benchmarks.common import (
    DEV,
    HELDOUT,
    header,
    load_average,
    load_jsonl,
    ms,
    overloaded,
    pct,
    table,
    verdict,
)
from faq.engine import FaqEngine
from faq.evaluate import EvalReport, evaluate
from faq.kb import Entry, KnowledgeBase, load_kb
from faq.matcher import Matcher, MatchResult
from faq.normalize import normalize

TARGETS = {"accuracy": 0.95, "wrong": 0.02, "oos": 0.90, "p99_real": 0.002, "p99_big": 0.020}

# ---------------------------------------------------------------- the synthetic base

_SUBJECTS = [
    "giờ mở cửa", "giờ làm việc", "lịch thu gom rác", "lịch tiêm chủng", "số điện thoại", "địa chỉ",
    "lệ phí gửi xe", "lịch họp dân", "lịch cắt điện", "giá vé vào cửa", "lịch khám bệnh",
    "thủ tục đăng ký sinh hoạt", "lịch trực", "bảng giá dịch vụ", "lịch học bơi", "phí vệ sinh",
]
_PLACES = [
    "nhà văn hóa", "trạm y tế", "chợ", "sân bóng", "bể bơi", "thư viện", "bưu điện", "trường mầm non",
    "hợp tác xã", "bến xe", "điểm thu gom", "nghĩa trang", "khu thể thao", "điểm sinh hoạt",
]
_SYLLABLES = (
    "an bình cát đông giang hà hòa khê lạc lâm long minh nam ninh phú phúc quang sơn tân thạch "
    "thanh thịnh thuận trung tường vân vĩnh xuân yên hưng đức lộc mỹ hải"
).split()
_FRAMES = [
    "{s} của {p} {n}", "cho hỏi {s} {p} {n}", "{s} ở {p} {n} thế nào", "{p} {n} {s} là bao nhiêu",
    "em muốn biết {s} {p} {n}", "{s} {p} {n} ra sao ạ", "ai biết {s} của {p} {n} không",
    "{p} {n} có {s} không", "hỏi về {s} tại {p} {n}", "{s} bên {p} {n} như nào",
]


def _folded(text: str) -> str:
    return normalize(text).folded


def synthetic_entries(paraphrases: int, seed: int = 7) -> dict[str, Entry]:
    """Local topics about made-up places, about 19 phrasings each (half without diacritics)."""
    rng = random.Random(seed)
    per_topic = 19
    entries: dict[str, Entry] = {}
    i = 0
    while len(entries) * per_topic < paraphrases:
        subject, place = rng.choice(_SUBJECTS), rng.choice(_PLACES)
        name = " ".join(rng.sample(_SYLLABLES, 2)) + f" {i % 97 + 1}"
        texts = []
        for j in range(per_topic):
            text = rng.choice(_FRAMES).format(s=subject, p=place, n=name)
            texts.append(text if j % 2 else _folded(text))
        tid = f"local.s{i:05d}"
        entries[tid] = Entry(tid, "local", texts[0], f"Thông tin {subject} của {place} {name}.",
                             tuple(texts[1:]), (), (), (), "tổng hợp", date(2026, 1, 1))
        i += 1
    return entries


def paraphrase_count(kb: KnowledgeBase) -> int:
    return sum(1 + len(e.paraphrases) for e in kb)


# ---------------------------------------------------------------- baselines

@dataclass
class Ranked:
    candidates: list[tuple[str, float]]  # topics best first with the method's own score


class WRatioBaseline:
    """rapidfuzz WRatio of the raw question against every raw paraphrase."""

    name = "wratio"

    def __init__(self, kb: KnowledgeBase) -> None:
        from rapidfuzz import utils

        self._process = utils.default_process
        self.topics: list[str] = []
        self.choices: list[str] = []
        for entry in kb:
            for text in (entry.title, *entry.paraphrases):
                self.topics.append(entry.id)
                self.choices.append(self._process(text))

    def rank(self, text: str) -> Ranked:
        from rapidfuzz import fuzz, process

        hits = process.extract(self._process(text), self.choices, scorer=fuzz.WRatio, processor=None,
                               limit=20)
        return Ranked(_dedupe((self.topics[i], score) for _choice, score, i in hits))


class BM25Baseline:
    """bm25s over the folded paraphrases (one document each)."""

    name = "bm25"
    PATTERN = r"(?u)\b\w+\b"  # keep one-letter syllables ("y", "o")

    def __init__(self, kb: KnowledgeBase) -> None:
        import bm25s

        self.topics = []
        corpus = []
        for entry in kb:
            for text in (entry.title, *entry.paraphrases):
                self.topics.append(entry.id)
                corpus.append(_folded(text))
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(corpus, stopwords=None, token_pattern=self.PATTERN,
                                            show_progress=False), show_progress=False)

    def rank(self, text: str) -> Ranked:
        tokens = _folded(text).split()
        if not tokens:
            return Ranked([])
        docs, scores = self.retriever.retrieve([tokens], k=20, show_progress=False, n_threads=0)
        return Ranked(_dedupe((self.topics[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True)
                              if s > 0))


def _dedupe(pairs: Any) -> list[tuple[str, float]]:
    seen: dict[str, float] = {}
    for topic, score in pairs:
        if topic not in seen:
            seen[topic] = float(score)
    return list(seen.items())


class Thresholded:
    """A baseline's rankings turned into decisions: answer at or above `threshold`, else fall back."""

    def __init__(self, ranked: dict[str, Ranked], threshold: float) -> None:
        self.ranked, self.threshold = ranked, threshold

    def match(self, text: str) -> MatchResult:
        cands = self.ranked[text].candidates[:3]
        if cands and cands[0][1] >= self.threshold:
            return MatchResult("answer", cands[0][0], cands[0][1], cands)
        return MatchResult("fallback", None, cands[0][1] if cands else 0.0, cands)


def tune_threshold(rows: list[dict[str, Any]], ranked: dict[str, Ranked]) -> float:
    """The threshold with most right answers + right fallbacks − wrong answers on these rows."""
    scores = sorted({r.candidates[0][1] for r in ranked.values() if r.candidates})
    best, best_gain = float("inf"), -1e9
    for threshold in [*scores, float("inf")]:
        gain = 0
        for row in rows:
            cands = ranked[row["text"]].candidates
            answered = bool(cands) and cands[0][1] >= threshold
            if row.get("topic") is None:
                gain += -1 if answered else 1
            elif answered:
                gain += 1 if cands[0][0] == row["topic"] else -1
        if gain > best_gain:
            best, best_gain = threshold, gain
    return best


# ---------------------------------------------------------------- timing

@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]

    def summary(self) -> dict[str, float]:
        return {"p50": pct(self.wall, 50), "p99": pct(self.wall, 99), "cpu50": pct(self.cpu, 50),
                "cpu99": pct(self.cpu, 99)}


def timed(fn: Callable[[str], Any], texts: list[str], repeat: int) -> tuple[dict[str, Any], Timing]:
    out: dict[str, Any] = {}
    timing = Timing([], [])
    for _ in range(repeat):
        for text in texts:
            c0, w0 = time.process_time(), time.perf_counter()
            out[text] = fn(text)
            timing.wall.append(time.perf_counter() - w0)
            timing.cpu.append(time.process_time() - c0)
    return out, timing


@dataclass
class MethodResult:
    base: str
    method: str
    report: EvalReport
    timing: Timing
    build: float
    note: str = ""


def run_base(label: str, kb: KnowledgeBase, rows: list[dict[str, Any]], warm: list[str],
             repeat: int, wratio_rows: int | None = None) -> list[MethodResult]:
    """Every method on one base. WRatio scans every paraphrase for every question (seconds per
    question at 50,000), so it gets one pass, on the first `wratio_rows` rows when that is set
    (0: skipped)."""
    texts = list(dict.fromkeys(str(r["text"]) for r in rows))
    results = []
    t0 = time.perf_counter()
    matcher = Matcher(kb)
    build = time.perf_counter() - t0
    for text in warm:
        matcher.match(text)
    answers, timing = timed(matcher.match, texts, repeat)
    report = evaluate(_Fixed(answers), rows)
    results.append(MethodResult(label, "matcher", report, timing, build))
    del matcher
    for cls in (WRatioBaseline, BM25Baseline):
        subset, passes, note = rows, repeat, ""
        if cls is WRatioBaseline:
            if wratio_rows == 0:
                continue
            passes = 1
            if wratio_rows is not None and wratio_rows < len(rows):
                subset, note = rows[::max(1, len(rows) // wratio_rows)][:wratio_rows], f"on {wratio_rows} rows, "
        t0 = time.perf_counter()
        baseline = cls(kb)
        build = time.perf_counter() - t0
        for text in warm[:10]:
            baseline.rank(text)
        ranked, timing = timed(baseline.rank, list(dict.fromkeys(str(r["text"]) for r in subset)), passes)
        threshold = tune_threshold(subset, ranked)
        report = evaluate(Thresholded(ranked, threshold), subset)
        results.append(MethodResult(label, cls.name, report, timing, build, f"{note}threshold {threshold:.2f}"))
    return results


class _Fixed:
    def __init__(self, answers: dict[str, MatchResult]) -> None:
        self.answers = answers

    def match(self, text: str) -> MatchResult:
        return self.answers[text]


@dataclass
class ReloadResult:
    base: str
    seconds: float
    answered: int
    slowest: float


async def _reload_while_answering(engine: FaqEngine, texts: list[str]) -> tuple[float, int, float]:
    reload = asyncio.create_task(engine.reload())
    answered, slowest = 0, 0.0
    t0 = time.perf_counter()
    while not reload.done():
        text = f"{texts[answered % len(texts)]} {answered}"  # never from the engine's cache
        a = time.perf_counter()
        engine.match(text)
        slowest = max(slowest, time.perf_counter() - a)
        answered += 1
        await asyncio.sleep(0.005)
    problems = await reload
    assert not problems, problems
    return time.perf_counter() - t0, answered, slowest


def reload_check(label: str, serving: KnowledgeBase, kb: KnowledgeBase, texts: list[str]) -> ReloadResult:
    """FaqEngine.reload from `serving` to `kb` (served by `load_kb`, patched) while questions
    keep coming."""
    engine = FaqEngine(serving)
    real_load = faq.engine.load_kb
    faq.engine.load_kb = lambda kb_dir=None, overlay=None: kb
    try:
        seconds, answered, slowest = asyncio.run(_reload_while_answering(engine, texts))
    finally:
        faq.engine.load_kb = real_load
    return ReloadResult(label, seconds, answered, slowest)


def show_reloads(results: list[ReloadResult]) -> None:
    table([[r.base, f"{r.seconds:.1f} s", str(r.answered), ms(r.slowest)] for r in results],
          ["base", "reload (build in a worker thread)", "questions answered meanwhile", "slowest answer"])


def show(results: list[MethodResult]) -> None:
    rows = []
    for r in results:
        t = r.timing.summary()
        rep = r.report
        rows.append([r.base, r.method, f"{rep.accuracy_at_1:.3f}", f"{rep.wrong_answer_rate:.3f}",
                     f"{rep.oos_fallback_rate:.3f}", f"{rep.answered_correctly:.3f}", f"{rep.clarify_rate:.3f}",
                     ms(t["p50"]), ms(t["p99"]), ms(t["cpu50"]), ms(t["cpu99"]), f"{r.build:.1f} s", r.note])
    table(rows, ["base", "method", "acc@1", "wrong", "oos-fallback", "answered-right", "clarify",
                 "p50", "p99", "CPU p50", "CPU p99", "build", "note"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 5,000-paraphrase synthetic base, one pass, no WRatio on the large base")
    p.add_argument("--synthetic", type=int, default=50_000, help="paraphrases in the large base")
    p.add_argument("--repeat", type=int, default=3, help="timed passes over the questions")
    p.add_argument("--wratio-rows", type=int, default=60,
                   help="dev rows WRatio is scored on at the large base (it takes seconds per question)")
    args = p.parse_args(argv)
    if args.quick:
        args.synthetic, args.repeat, args.wratio_rows = min(args.synthetic, 5_000), 1, 0
    header("faq_bench: matcher vs rapidfuzz WRatio vs BM25 (bm25s)", args.quick)
    rows = load_jsonl(DEV)
    warm = [str(r["text"]) for r in load_jsonl(HELDOUT)]
    kb = load_kb()
    real_n = paraphrase_count(kb)
    print(f"   questions: {len(rows)} from {DEV.name} ({sum(r.get('topic') is None for r in rows)} out of scope); "
          f"{args.repeat} timed pass(es) after warm-up on {len(warm)} held-out questions")
    results = run_base(f"real ({real_n})", kb, rows, warm, args.repeat)
    extra = synthetic_entries(max(0, args.synthetic - real_n))
    big = KnowledgeBase({**kb.entries, **extra}, kb.local)
    big_n = paraphrase_count(big)
    print(f"   large base: {len(kb)} real + {len(extra)} synthetic topics = {big_n} paraphrases")
    results += run_base(f"synthetic ({big_n})", big, rows, warm, args.repeat, args.wratio_rows)
    show(results)
    texts = [str(r["text"]) for r in rows]
    show_reloads([reload_check(f"real ({real_n})", kb, kb, texts),
                  reload_check(f"synthetic ({big_n})", kb, big, texts)])
    ours = [r for r in results if r.method == "matcher"]
    real, large = ours[0], ours[1]
    on_cpu = overloaded()
    measure = "CPU time" if on_cpu else "wall clock"
    if on_cpu:
        print(f"   the machine is overloaded (load average {load_average():.1f} on its cores): latency targets "
              "are judged on CPU time per question, wall clock is shown for reference")
    ok = True
    for r, limit in ((real, TARGETS["p99_real"]), (large, TARGETS["p99_big"])):
        rep, t = r.report, r.timing.summary()
        quality = (rep.accuracy_at_1 >= TARGETS["accuracy"] and rep.wrong_answer_rate <= TARGETS["wrong"]
                   and rep.oos_fallback_rate >= TARGETS["oos"])
        fast = (t["cpu99"] if on_cpu else t["p99"]) <= limit
        print(f"   matcher on {r.base}: quality {'meets' if quality else 'MISSES'} targets "
              f"(acc@1 {rep.accuracy_at_1:.3f} >= {TARGETS['accuracy']}, wrong {rep.wrong_answer_rate:.3f} <= "
              f"{TARGETS['wrong']}, oos {rep.oos_fallback_rate:.3f} >= {TARGETS['oos']}); p99 {ms(t['p99'])} "
              f"{'<=' if fast else '>'} {ms(limit)} (CPU p99 {ms(t['cpu99'])})")
        ok &= fast and (quality or r is large)  # the synthetic base adds distractors: quality is shown, not judged
    best_base = {r.base: max((x for x in results if x.base == r.base and x.method != "matcher"),
                             key=lambda x: x.report.answered_correctly - x.report.wrong_answer_rate)
                 for r in ours}
    for r in ours:
        b = best_base[r.base]
        print(f"   {r.base}: matcher answered-right {r.report.answered_correctly:.3f} / wrong "
              f"{r.report.wrong_answer_rate:.3f} vs best baseline ({b.method}) "
              f"{b.report.answered_correctly:.3f} / {b.report.wrong_answer_rate:.3f}")
    rt, lt = real.timing.summary(), large.timing.summary()
    key = "cpu99" if on_cpu else "p99"
    verdict(ok, f"matcher acc@1 {real.report.accuracy_at_1:.3f}, wrong {real.report.wrong_answer_rate:.3f}, "
                f"oos {real.report.oos_fallback_rate:.3f}; p99 ({measure}) {ms(rt[key])} on the real base "
                f"(<= 2 ms), {ms(lt[key])} at {big_n} paraphrases (<= 20 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

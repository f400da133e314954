"""`cnscd faq …` and `cnscd kb …`: match and evaluate questions, validate the knowledge base,
export unanswered questions."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from bot.settings import Settings


class FaqCliError(Exception):
    """Shown as one line by the CLI."""


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from faq.engine import FaqEngine
    from faq.kb import KBError

    try:
        return FaqEngine.load(settings.faq_overlay_file)
    except KBError as err:
        raise FaqCliError("Kho hỏi đáp có lỗi, chạy cnscd kb check để xem: " + str(err)) from None


def _faq(args: argparse.Namespace, settings: Settings) -> int:
    from faq.evaluate import evaluate, format_report, load_jsonl, match_jsonl

    engine = _engine(settings)
    if args.action == "match":
        out = sys.stdout
        for line in match_jsonl(engine, sys.stdin):
            out.write(line + "\n")
        out.flush()
        return 0
    try:
        rows = load_jsonl(args.file)
    except (OSError, ValueError) as err:
        raise FaqCliError(f"Không đọc được {args.file}: {err}") from None
    report = evaluate(engine, rows)
    print(format_report(report))
    failed = []
    if args.min_accuracy is not None and report.accuracy_at_1 < args.min_accuracy:
        failed.append(f"accuracy@1 {report.accuracy_at_1:.3f} < {args.min_accuracy}")
    if args.max_wrong is not None and report.wrong_answer_rate > args.max_wrong:
        failed.append(f"wrong-answer {report.wrong_answer_rate:.3f} > {args.max_wrong}")
    if failed:
        print("KHÔNG ĐẠT: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


def _kb(args: argparse.Namespace, settings: Settings) -> int | object:
    from faq.kb import check_kb

    if args.action == "check":
        overlay = settings.faq_overlay_file if settings.faq_overlay_file.exists() else None
        problems = check_kb(Path(args.dir) if args.dir else None, overlay,
                            Path(args.topics) if args.topics else None)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} lỗi." if problems else "Kho hỏi đáp hợp lệ.")
        return 1 if problems else 0
    return _export_unanswered(args, settings)


async def _export_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_session
    from storage.models import utcnow
    from storage.repos import questions

    async def work(s):  # type: ignore[no-untyped-def]
        return await questions.unanswered_groups(s, questions.since_days(utcnow(), args.days), limit=1000)

    groups = await _with_session(settings, work)
    with open(args.out, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["cau_hoi", "so_lan", "ly_do", "chu_de_gan_nhat", "lan_cuoi"])
        for g in groups:
            writer.writerow([g.example.text, g.count, g.reason, ",".join(g.example.candidates[:3]),
                             g.example.asked_at.strftime("%d/%m/%Y %H:%M")])
    print(f"Đã ghi {len(groups)} nhóm câu hỏi vào {args.out}.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("faq", help="so khớp và đánh giá câu hỏi")
    fsub = p.add_subparsers(dest="action", required=True)
    fsub.add_parser("match", help='đọc JSON Lines {"text": ...} từ stdin, in kết quả từng dòng')
    e = fsub.add_parser("eval", help="đánh giá trên tệp JSONL {text, topic}")
    e.add_argument("file")
    e.add_argument("--min-accuracy", type=float, help="thoát mã 1 nếu accuracy@1 thấp hơn")
    e.add_argument("--max-wrong", type=float, help="thoát mã 1 nếu tỉ lệ trả lời sai cao hơn")
    p.set_defaults(func=_faq)

    p = sub.add_parser("kb", help="kho hỏi đáp")
    ksub = p.add_subparsers(dest="action", required=True)
    c = ksub.add_parser("check", help="kiểm tra kho hỏi đáp")
    c.add_argument("--dir", help="thư mục knowledge khác")
    c.add_argument("--topics", help="tệp topics.yaml khác")
    u = ksub.add_parser("unanswered", help="xuất câu hỏi chưa trả lời được ra CSV")
    u.add_argument("--days", type=int, default=30)
    u.add_argument("--out", required=True)
    p.set_defaults(func=_kb)

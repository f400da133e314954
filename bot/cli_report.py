"""`cnscd report`: the monthly report workbook (and chart) from the command line.

Without --unit the report covers the whole deployment, citizen questions included.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot.cli import CliError, _with_session
from bot.settings import Settings
from handlers import texts_reports as T


def _topic_titles(settings: Settings) -> dict[str, str]:
    """FAQ topic titles for the questions sheet; empty when the knowledge base cannot be loaded."""
    try:
        from faq.engine import FaqEngine

        return dict(FaqEngine.load(settings.faq_overlay_file).kb.titles)
    except Exception:  # the report is still useful with topic ids only
        return {}


def _check_path(value: str | None, suffix: str, missing: str, bad: str) -> Path | None:
    if not value:
        if missing:
            raise CliError(missing)
        return None
    path = Path(value)
    if path.suffix.lower() != suffix:
        raise CliError(bad.format(path=value))
    return path


async def _report(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.report_data import (
        build_report,
        month_period,
        parse_month,
        summary_text,
        unit_scope,
        whole_scope,
        write_report_files,
    )
    from storage.repos import people

    if not args.month:
        raise CliError(T.CLI_NO_MONTH)
    parsed = parse_month(args.month)
    if parsed is None:
        raise CliError(T.CLI_BAD_MONTH.format(text=args.month))
    out = _check_path(args.out, ".xlsx", T.CLI_NO_OUT, T.CLI_BAD_OUT)
    assert out is not None
    png = _check_path(args.png, ".png", "", T.CLI_BAD_PNG)
    period = month_period(*parsed, start_day=settings.report_window_start_day)

    async def work(s):  # type: ignore[no-untyped-def]
        if args.unit:
            unit = await people.get_unit_by_code(s, args.unit.strip().upper())
            if unit is None:
                raise CliError(T.CLI_NO_UNIT.format(code=args.unit))
            scope = await unit_scope(s, unit)
        else:
            scope = await whole_scope(s)
        return await build_report(
            s, scope, period, tz=settings.tz, now_utc=datetime.now(UTC).replace(tzinfo=None),
            start_day=settings.report_window_start_day,
            topic_titles=_topic_titles(settings) if scope.commune_wide else None,
        )

    data = await _with_session(settings, work)
    try:
        write_report_files(data, out, png)
    except OSError as err:
        raise CliError(T.CLI_CANNOT_WRITE.format(path=err.filename or out, error=err.strerror or err)) from None
    print(summary_text(data, files_follow=False))
    print(T.CLI_WROTE.format(paths=", ".join(str(p) for p in (out, png) if p is not None)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help=T.CLI_HELP)
    p.add_argument("--unit", help=T.CLI_HELP_UNIT)
    p.add_argument("--month", help=T.CLI_HELP_MONTH)
    p.add_argument("--out", help=T.CLI_HELP_OUT)
    p.add_argument("--png", help=T.CLI_HELP_PNG)
    p.set_defaults(func=_report)

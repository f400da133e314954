"""`cnscd reminders plan|run`: preview a sweep at a given moment, or run one sweep and drain now."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.settings import Settings


class ReminderCliError(Exception):
    """Shown as one line by the CLI."""


def _parse_local(text: str, settings: Settings) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            local = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            local = local.replace(hour=settings.reminder_time.hour, minute=settings.reminder_time.minute)
        return local.replace(tzinfo=settings.tz).astimezone(UTC).replace(tzinfo=None)
    raise ReminderCliError(f"Thời điểm không hợp lệ: {text!r}. Dùng dạng \"2025-12-15 07:30\".")


async def _plan(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_session
    from scheduler.reminders import plan_sweep
    from storage.models import utcnow
    from storage.repos import people

    now = _parse_local(args.at, settings) if args.at else utcnow()

    async def work(s):  # type: ignore[no-untyped-def]
        planned = await plan_sweep(s, settings, now)
        for message in planned:
            person = await people.get_person(s, message.person_id)
            when = (message.not_before or now).replace(tzinfo=UTC).astimezone(settings.tz)
            print(f"── {message.kind} → {person.name if person else message.person_id} "
                  f"(gửi lúc {when:%d/%m/%Y %H:%M}, khóa {message.key})")
            print(message.text)
            print()
        local = now.replace(tzinfo=UTC).astimezone(settings.tz)
        print(f"{len(planned)} tin nhắc sẽ được xếp hàng lúc {local:%d/%m/%Y %H:%M} (chưa gửi gì).")

    await _with_session(settings, work)
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app
    from scheduler.sender import OutboxSender
    from scheduler.service import sweep_once

    app = await build_app(settings)
    channels = {}
    try:
        try:
            from bot.runner import build_channels
        except ImportError:
            build_channels = None
        if build_channels is not None:
            channels = {c.name: c for c in build_channels(app)}
        added = await sweep_once(app.sessionmaker, settings)
        print(f"Đã xếp hàng {added} tin nhắc.")
        if not channels:
            print("Chưa cấu hình kênh nào (TELEGRAM_BOT_TOKEN, ZALO_BOT_TOKEN): tin nhắc chờ trong hàng đợi.")
            return 0
        stats = await OutboxSender(app.sessionmaker, channels, settings).drain()
        print(f"Đã gửi {stats.sent}, hoãn {stats.deferred}, bỏ qua {stats.skipped}, lỗi {stats.failed}.")
        return 0
    finally:
        for channel in channels.values():
            await channel.stop()
        await app.close()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reminders", help="nhắc hạn nhiệm vụ")
    rsub = p.add_subparsers(dest="action", required=True)
    plan = rsub.add_parser("plan", help="xem trước những gì lượt quét sẽ xếp hàng, không gửi")
    plan.add_argument("--at", help='thời điểm theo giờ địa phương, ví dụ "2025-12-15 07:30"')
    plan.set_defaults(func=_plan)
    run = rsub.add_parser("run", help="quét và gửi ngay")
    run.set_defaults(func=_run)

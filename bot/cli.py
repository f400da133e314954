"""The `cnscd` command line: chat, demo data, migrations, units, invites and admins.

Feature modules add their own sub-commands through `register_*` functions listed in `COMMAND_GROUPS`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.cli_faq import FaqCliError
from bot.cli_reminders import ReminderCliError
from bot.settings import Settings, SettingsError, load_settings
from storage.db import DatabaseBehindError

DEMO_DB = Path("cnscd-demo.db")


class CliError(Exception):
    """A user mistake on the command line: printed as one line, exit code 2."""


# ---------------------------------------------------------------- chat / demo

async def _chat(args: argparse.Namespace, settings: Settings) -> None:
    from bot.app import build_app, setup_logging
    from bot.channels.console import ConsoleChannel, interactive_lines
    from storage.db import upgrade

    setup_logging("WARNING")
    if args.demo:
        _remove_demo_db()
        settings = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///./{DEMO_DB}"})
        await upgrade(settings.database_url)
        await _load_demo(settings)
    app = await build_app(settings)
    try:
        user_id = await _console_identity(app, args.as_role)
        channel = ConsoleChannel(app.conversation, user_id=user_id)
        tty = sys.stdin.isatty()
        if tty:
            print(f"Trò chuyện với bot với vai trò {args.as_role}. Gõ /thoat để kết thúc.\n")
        await channel.run(interactive_lines() if tty else sys.stdin, echo=not tty)
    finally:
        await app.close()


def _remove_demo_db() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)


async def _console_identity(app, role_name: str) -> str:  # type: ignore[no-untyped-def]
    """The console identity for a role: the demo one, or attached to the first person with that role."""
    from storage.models import Role
    from storage.repos import people

    user_id = f"console-{role_name}"
    async with app.sessionmaker() as s, s.begin():
        if await people.find_identity(s, "console", user_id) is not None or role_name == "citizen":
            return user_id
        holders = await people.persons_with_role(s, Role(role_name))
        if not holders:
            raise CliError(f"Cơ sở dữ liệu chưa có ai với vai trò {role_name}; hãy dùng --demo hoặc cnscd demo.")
        await people.attach_identity(s, holders[0].id, "console", user_id, user_id, holders[0].name)
    return user_id


async def _load_demo(settings: Settings) -> None:
    from bot.demo import load_demo
    from storage.db import make_engine, make_sessionmaker
    from storage.repos import people

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            if await people.count_persons(s) or await people.list_units(s):
                raise CliError("Cơ sở dữ liệu đã có dữ liệu; cnscd demo chỉ nạp vào cơ sở dữ liệu trống.")
            await load_demo(s, date.today())
    finally:
        await engine.dispose()


async def _demo(args: argparse.Namespace, settings: Settings) -> None:
    from storage.db import upgrade

    await upgrade(settings.database_url)
    await _load_demo(settings)
    print("Đã nạp dữ liệu mẫu: xã Tân An, 3 thôn, Tổ CNSCĐ, thành viên, người đứng đầu và quản trị viên.")


# ---------------------------------------------------------------- db

async def _db(args: argparse.Namespace, settings: Settings) -> None:
    from storage.db import make_engine, pending_migrations, upgrade

    if args.action == "upgrade":
        await upgrade(settings.database_url)
        print("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
        return
    engine = make_engine(settings.database_url)
    try:
        missing = await pending_migrations(engine)
    finally:
        await engine.dispose()
    print("Cơ sở dữ liệu đã cập nhật." if not missing else f"Thiếu {len(missing)} bản nâng cấp: cnscd db upgrade")


# ---------------------------------------------------------------- units, invites, admins

async def _with_session(settings: Settings, fn):  # type: ignore[no-untyped-def]
    from storage.db import ensure_up_to_date, make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        await ensure_up_to_date(engine)
        async with make_sessionmaker(engine)() as s, s.begin():
            return await fn(s)
    finally:
        await engine.dispose()


async def _unit(args: argparse.Namespace, settings: Settings) -> None:
    from storage.models import UnitKind
    from storage.repos import people

    async def work(s):  # type: ignore[no-untyped-def]
        if args.action == "list":
            units = await people.list_units(s)
            by_id = {u.id: u for u in units}
            for u in units:
                parent = by_id[u.parent_id].code if u.parent_id in by_id else "-"
                print(f"{u.code:<14} {u.kind.value:<8} {parent:<14} {u.name}")
            if not units:
                print("Chưa có đơn vị nào.")
            return
        if await people.get_unit_by_code(s, args.code.upper()):
            raise CliError(f"Mã đơn vị {args.code.upper()} đã tồn tại.")
        try:
            unit = await people.add_unit(s, args.code.upper(), args.name, UnitKind(args.kind),
                                         args.parent.upper() if args.parent else None)
        except LookupError:
            raise CliError(f"Không có đơn vị cha mã {args.parent}.") from None
        print(f"Đã thêm đơn vị {unit.code} – {unit.name}.")

    await _with_session(settings, work)


async def _invite(args: argparse.Namespace, settings: Settings) -> None:
    from handlers.roles import parse_role
    from storage.repos import people

    role = parse_role(args.role)
    if role is None:
        raise CliError("Vai trò phải là member, leader, head hoặc admin.")

    async def work(s):  # type: ignore[no-untyped-def]
        unit = await people.get_unit_by_code(s, args.unit.upper())
        if unit is None:
            raise CliError(f"Không có đơn vị mã {args.unit}. Xem: cnscd unit list")
        inv = await people.create_invite(s, role, unit.id, days=args.days, uses=args.uses)
        print(f"Mã mời: {inv.code} (vai trò {role.value}, {unit.name}, {args.uses} lượt, {args.days} ngày).")
        print(f"Người được mời gửi cho bot: /thamgia {inv.code}")

    await _with_session(settings, work)


async def _admin(args: argparse.Namespace, settings: Settings) -> None:
    from storage.models import Role
    from storage.repos import people

    async def work(s):  # type: ignore[no-untyped-def]
        unit = await people.get_unit_by_code(s, args.unit.upper()) if args.unit else None
        if args.unit and unit is None:
            raise CliError(f"Không có đơn vị mã {args.unit}. Xem: cnscd unit list")
        if unit is None:
            units = await people.list_units(s)
            if not units:
                raise CliError("Chưa có đơn vị nào: thêm xã/phường trước bằng cnscd unit add.")
            unit = units[0]
        for channel, ext in (("telegram", args.telegram), ("zalo", args.zalo)):
            if ext:
                found = await people.find_identity(s, channel, ext)
                if found:
                    await people.set_role(s, found.person_id, Role.ADMIN, unit.id)
                    print(f"Đã nâng tài khoản {channel} {ext} lên quản trị viên {unit.name}.")
                    return
        person = await people.add_person(s, args.name, Role.ADMIN, unit.id)
        for channel, ext in (("telegram", args.telegram), ("zalo", args.zalo)):
            if ext:
                await people.attach_identity(s, person.id, channel, ext, ext, args.name)
        if not (args.telegram or args.zalo):
            inv = await people.create_invite(s, Role.ADMIN, unit.id, days=7, uses=1)
            print(f"Đã tạo quản trị viên {args.name}. Gửi cho bot: /thamgia {inv.code}")
        else:
            print(f"Đã tạo quản trị viên {args.name} ({unit.name}).")

    await _with_session(settings, work)


# ---------------------------------------------------------------- parser

def _register_core(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="trò chuyện với bot trong cửa sổ dòng lệnh")
    p.add_argument("--demo", action="store_true", help="tạo cơ sở dữ liệu SQLite mới với dữ liệu mẫu")
    p.add_argument("--as", dest="as_role", default="citizen",
                   choices=["citizen", "member", "leader", "head", "admin"], help="vai trò khi trò chuyện")
    p.set_defaults(func=_chat)

    p = sub.add_parser("demo", help="nạp dữ liệu mẫu vào cơ sở dữ liệu đang cấu hình (phải trống)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("db", help="quản lý cấu trúc cơ sở dữ liệu")
    p.add_argument("action", choices=["upgrade", "status"])
    p.set_defaults(func=_db)

    p = sub.add_parser("unit", help="thêm hoặc liệt kê đơn vị")
    usub = p.add_subparsers(dest="action", required=True)
    a = usub.add_parser("add", help="thêm đơn vị")
    a.add_argument("code")
    a.add_argument("name")
    a.add_argument("--kind", required=True, choices=["commune", "village", "office", "team"])
    a.add_argument("--parent")
    usub.add_parser("list", help="liệt kê đơn vị")
    p.set_defaults(func=_unit)

    p = sub.add_parser("invite", help="tạo mã mời")
    isub = p.add_subparsers(dest="action", required=True)
    c = isub.add_parser("create")
    c.add_argument("--role", required=True)
    c.add_argument("--unit", required=True)
    c.add_argument("--uses", type=int, default=1)
    c.add_argument("--days", type=int, default=7)
    p.set_defaults(func=_invite)

    p = sub.add_parser("admin", help="tạo quản trị viên đầu tiên")
    asub = p.add_subparsers(dest="action", required=True)
    c = asub.add_parser("add")
    c.add_argument("name")
    c.add_argument("--unit")
    c.add_argument("--telegram", help="Telegram user id")
    c.add_argument("--zalo", help="Zalo user id")
    p.set_defaults(func=_admin)


def _feature_groups() -> list[Callable[[argparse._SubParsersAction], None]]:
    from bot import cli_faq, cli_privacy, cli_reminders, cli_report, cli_tasks

    return [cli_faq.register, cli_tasks.register, cli_reminders.register, cli_report.register, cli_privacy.register]


COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction], None]] = [_register_core]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnscd", description="Bot hỗ trợ Tổ công nghệ số cộng đồng")
    sub = parser.add_subparsers(dest="command", required=True)
    from bot import cli_features

    for register in [*COMMAND_GROUPS, *_feature_groups(), *cli_features.GROUPS]:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        result = args.func(args, settings)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except (SettingsError, DatabaseBehindError, CliError, FaqCliError, ReminderCliError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

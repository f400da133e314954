"""`cnscd backup`, `cnscd restore` and `cnscd privacy purge`: copies of the data and how long it is kept.

Mistakes (unknown duration, missing file, a folder given as --out) are raised as `bot.cli.CliError`:
one Vietnamese line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
from datetime import UTC
from pathlib import Path

from bot.settings import Settings
from handlers import texts_privacy as T


def _cli_error(message: str) -> Exception:
    from bot.cli import CliError

    return CliError(message)


def _explain(err: Exception) -> Exception:
    from storage.backup import BackupError

    if isinstance(err, BackupError):
        return _cli_error(T.BACKUP_ERRORS[err.reason].format(path=err.path, detail=err.detail))
    return err


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{max(1, round(n / 1024))} KB"


# ---------------------------------------------------------------- backup / restore

def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from storage import backup

    out = Path(args.out).expanduser()
    try:
        if not backup.is_sqlite_url(settings.database_url):
            backup.check_output(out)
            print(T.BACKUP_PG)
            print(backup.pg_dump_command(settings.database_url, out))
            return 0
        database = backup.sqlite_path(settings.database_url)
        result = backup.backup_sqlite(database, out)
    except backup.BackupError as err:
        raise _explain(err) from None
    print(T.BACKUP_DONE.format(db=database, out=result.path, size=_size(result.size),
                               revision=result.revision or "?"))
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from storage import backup

    file = Path(args.file).expanduser()
    try:
        if not backup.is_sqlite_url(settings.database_url):
            raise _cli_error(T.RESTORE_PG.format(command=backup.pg_restore_command(settings.database_url, file)))
        database = backup.sqlite_path(settings.database_url)
        result = backup.restore_sqlite(file, database)
    except backup.BackupError as err:
        raise _explain(err) from None
    print(T.RESTORE_DONE.format(db=result.database, file=file))
    if result.before_restore is not None:
        print(T.RESTORE_KEPT.format(before=result.before_restore))
    heads = ", ".join(result.heads)
    if result.up_to_date:
        print(T.RESTORE_UP_TO_DATE.format(revision=result.revision))
    elif result.behind:
        print(T.RESTORE_BEHIND.format(revision=result.revision, heads=heads))
    else:
        print(T.RESTORE_NEWER.format(revision=result.revision, heads=heads))
    return 0


# ---------------------------------------------------------------- privacy purge

async def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_session
    from storage import purge
    from storage.models import utcnow

    try:
        age = purge.parse_duration(args.older_than)
    except ValueError:
        raise _cli_error(T.BAD_DURATION.format(text=str(args.older_than)[:40])) from None
    cutoff = utcnow() - age

    async def work(s):  # type: ignore[no-untyped-def]
        return await purge.purge_older_than(s, cutoff, dry_run=args.dry_run)

    counts = await _with_session(settings, work)
    local = cutoff.replace(tzinfo=UTC).astimezone(settings.tz)
    print(T.PURGE_HEADER.format(days=age.days, cutoff=f"{local:%d/%m/%Y %H:%M}"))
    print(T.PURGE_LINES.format(questions=counts.questions, tickets=counts.tickets,
                               messages=counts.ticket_messages))
    print(T.PURGE_DRY if args.dry_run else T.PURGE_DONE)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help=T.CLI_BACKUP_HELP)
    p.add_argument("--out", required=True, metavar="FILE", help="tệp sao lưu cần ghi")
    p.set_defaults(func=_backup)

    p = sub.add_parser("restore", help=T.CLI_RESTORE_HELP)
    p.add_argument("file", metavar="FILE", help="tệp sao lưu (SQLite) do cnscd backup tạo")
    p.set_defaults(func=_restore)

    p = sub.add_parser("privacy", help=T.CLI_PRIVACY_HELP)
    psub = p.add_subparsers(dest="action", required=True)
    c = psub.add_parser("purge", help=T.CLI_PURGE_HELP)
    c.add_argument("--older-than", required=True, metavar="THỜI_GIAN", help=T.CLI_OLDER_HELP)
    c.add_argument("--dry-run", action="store_true", help=T.CLI_DRY_RUN_HELP)
    p.set_defaults(func=_purge)

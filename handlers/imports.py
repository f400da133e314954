"""/nhap: an admin sends a CSV/XLSX task table, sees a dry run, and confirms with «Nhập» or «Hủy».

The dialog `import` has two steps: `wait_file` (a typed line there is the plan name) and `confirm`
(the file passed the dry run; the buttons import it for real or cancel). The real import re-reads the
same file (checked by its SHA-256) inside the transaction of the button press.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from handlers import texts_import as T
from handlers.context import Context
from handlers.messages import Attachment, Button, Reply
from handlers.router import Router
from storage.models import Role
from storage.task_import import ImportReport, TaskImportError, import_tasks, read_table, summary

router = Router()

DIALOG = "import"
WAIT_FILE, CONFIRM = "wait_file", "confirm"
ACCEPTED_SUFFIXES = (".csv", ".xlsx")
MAX_ITEMS = 8  # items per section of the summary in chat
MAX_CHARS = 3500  # a Telegram message holds 4096 characters
MIN_PLAN_CHARS = 5  # a stray "1" or "ok" typed while waiting for the file is not a plan name


@router.command("nhap", Role.ADMIN, T.CMD_IMPORT)
async def start_import(ctx: Context) -> list[Reply]:
    """Opens the import dialog; `/nhap <tên kế hoạch>` sets the plan name for every row."""
    plan = ctx.msg.args.strip()[:255]
    await ctx.start_dialog(DIALOG, WAIT_FILE, {"plan": plan})
    plan_line = T.PLAN_GIVEN.format(plan=plan) if plan else T.PLAN_FROM_COLUMN
    return [Reply(T.ASK_FILE.format(plan_line=plan_line))]


@router.dialog(DIALOG)
async def import_step(ctx: Context) -> list[Reply]:
    """A file in either step is checked (dry run); a typed line names the plan or asks to press a button."""
    assert ctx.dialog is not None
    if ctx.msg.attachments:
        return await _receive_file(ctx, ctx.msg.attachments[0])
    if ctx.dialog.step == CONFIRM:
        return [Reply(T.CONFIRM_HINT, buttons=_confirm_buttons(ctx.dialog.data.get("new_units", 0)))]
    plan = " ".join(ctx.msg.text.split())[:255]
    if len(plan) < MIN_PLAN_CHARS or not any(ch.isalpha() for ch in plan):
        return [Reply(T.PLAN_TOO_SHORT)]
    ctx.dialog.data["plan"] = plan
    await ctx.save_dialog()
    path = ctx.dialog.data.get("path")
    if path:  # a file was refused for want of a plan name: check it again with this one
        return await _check_file(ctx, Path(path), ctx.dialog.data.get("name", ""))
    return [Reply(T.PLAN_SET.format(plan=plan))]


@router.action("imp", Role.ADMIN)
async def import_action(ctx: Context, args: list[str]) -> list[Reply]:
    """imp:go imports the checked file, imp:no cancels, imp:start opens the dialog (menu button)."""
    choice = args[0] if args else ""
    if choice == "start":
        return await start_import(ctx)
    if ctx.dialog is None or ctx.dialog.name != DIALOG:
        return [Reply(T.IMPORT_EXPIRED, edit=True)]
    if choice == "no":
        await ctx.end_dialog()
        return [Reply(T.IMPORT_CANCELLED, edit=True)]
    if choice != "go" or ctx.dialog.step != CONFIRM:
        return [Reply(T.IMPORT_EXPIRED, edit=True)]
    return await _import(ctx)


async def _receive_file(ctx: Context, attachment: Attachment) -> list[Reply]:
    if attachment.error == "too_large":
        return [Reply(T.FILE_TOO_LARGE)]
    if attachment.error or attachment.path is None:
        return [Reply(T.FILE_DOWNLOAD_FAILED)]
    if attachment.kind == "photo":
        return [Reply(T.FILE_NOT_DOCUMENT)]
    name = attachment.name or attachment.path.name
    if Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        return [Reply(T.FILE_WRONG_TYPE.format(name=name[:80]))]
    return await _check_file(ctx, attachment.path, name)


async def _check_file(ctx: Context, path: Path, name: str) -> list[Reply]:
    """Dry-run the file and show what would change; unknown units become an offer to create them."""
    assert ctx.dialog is not None
    data = ctx.dialog.data
    try:
        rows, digest = await asyncio.to_thread(_read, path)
    except (TaskImportError, OSError) as err:
        data.pop("path", None)
        ctx.dialog.step = WAIT_FILE
        await ctx.save_dialog()
        return [Reply(T.FILE_BROKEN.format(name=name[:80], error=err))]
    plan = data.get("plan") or None
    ref = ctx.local_now().date()
    report = await import_tasks(ctx.db, rows, plan, dry_run=True, create_units=False, ref=ref)
    if report.blocked_by_units and not report.errors:
        report = await import_tasks(ctx.db, rows, plan, dry_run=True, create_units=True, ref=ref)
    data.update(path=str(path), name=name, sha256=digest, create_units=report.create_units,
                new_units=len(report.new_units))
    text = _shorten(summary(report, max_items=MAX_ITEMS))
    if not report.ok:
        ctx.dialog.step = WAIT_FILE
        await ctx.save_dialog()
        hint = T.PREVIEW_NEEDS_PLAN if report.needs_plan else T.PREVIEW_FIX
        return [Reply(f"{text}\n\n{hint}")]
    ctx.dialog.step = CONFIRM
    await ctx.save_dialog()
    prompt = T.PREVIEW_CONFIRM_UNITS if report.new_units else T.PREVIEW_CONFIRM
    return [Reply(f"{text}\n\n{prompt}", buttons=_confirm_buttons(len(report.new_units)))]


async def _import(ctx: Context) -> list[Reply]:
    assert ctx.dialog is not None
    data = ctx.dialog.data
    path = Path(data.get("path", ""))
    try:
        rows, digest = await asyncio.to_thread(_read, path)
    except (TaskImportError, OSError):
        rows, digest = [], ""
    if not data.get("path") or digest != data.get("sha256"):
        ctx.dialog.step = WAIT_FILE
        await ctx.save_dialog()
        return [Reply(T.FILE_GONE, edit=True)]
    report = await import_tasks(ctx.db, rows, data.get("plan") or None, dry_run=False,
                                create_units=bool(data.get("create_units")), ref=ctx.local_now().date())
    if not report.ok:  # the units changed since the dry run
        ctx.dialog.step = WAIT_FILE
        await ctx.save_dialog()
        return [Reply(f"{T.IMPORT_FAILED}\n{_shorten(summary(report, max_items=MAX_ITEMS))}", edit=True)]
    await ctx.end_dialog()
    return [Reply(_done_text(report), edit=True)]


def _done_text(report: ImportReport) -> str:
    return _shorten(summary(report, max_items=MAX_ITEMS)) + f"\n\n{T.IMPORT_DONE_FOOTER}"


def _read(path: Path) -> tuple[list[dict], str]:
    rows = read_table(path)
    return rows, hashlib.sha256(path.read_bytes()).hexdigest()


def _confirm_buttons(new_units: int) -> list[list[Button]]:
    label = T.BUTTON_IMPORT_UNITS.format(count=new_units) if new_units else T.BUTTON_IMPORT
    return [[Button(label, "imp:go"), Button(T.BUTTON_CANCEL, "imp:no")]]


def _shorten(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    return text[:MAX_CHARS].rsplit("\n", 1)[0] + "\n" + T.TRUNCATED

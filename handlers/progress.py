"""Task progress from members, leaders and heads of the lead or coordinating units: `/tiendo`
as a one-liner or a short guided dialog (progress, note, optional evidence)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from handlers import texts_tasks as T
from handlers.context import Context
from handlers.messages import Button, Reply
from handlers.router import Router, parse_id
from scheduler.reminders import PlannedMessage, enqueue
from storage.models import Role, TaskStatus
from storage.privacy import mask_pii
from storage.repos import people, tasks
from storage.repos.tasks import TaskDTO

router = Router()
DIALOG = "progress"
_ONE_LINE = re.compile(r"^#?(\d{1,7})\s+(\d{1,3})\s*%?\s*(.*)$", re.S)
_PERCENT = re.compile(r"^(\d{1,3})\s*%?$")
_URL = re.compile(r"https?://\S+")


async def my_units(ctx: Context) -> set[int]:
    """Members and leaders act for their own unit; heads and admins for their unit and below."""
    if ctx.person.unit_id is None:
        return set()
    if ctx.person.role in (Role.HEAD, Role.ADMIN):
        return await people.subtree_ids(ctx.db, ctx.person.unit_id)
    return {ctx.person.unit_id}


async def allowed_task(ctx: Context, task_id: int) -> tuple[TaskDTO | None, str | None]:
    task = await tasks.get_task(ctx.db, task_id)
    if task is None:
        return None, T.TASK_NOT_FOUND.format(id=task_id)
    if not (set(task.lead_unit_ids) | set(task.coord_unit_ids)) & await my_units(ctx):
        return None, T.TASK_NOT_YOURS.format(id=task_id)
    return task, None


def status_for(progress: int, chosen: str | None) -> TaskStatus:
    if chosen:
        return TaskStatus(chosen)
    return TaskStatus.DONE if progress >= 100 else TaskStatus.IN_PROGRESS


@router.command("tiendo", Role.MEMBER, T.CMD["tiendo"])
async def progress_command(ctx: Context) -> list[Reply]:
    """`/tiendo` lists my tasks as buttons; `/tiendo 12 60% ghi chú` saves at once."""
    args = ctx.msg.args
    if not args:
        return await pick_task(ctx)
    match = _ONE_LINE.match(args)
    if match is None:
        task_id = parse_id(args.lstrip("#"))
        return await ask_progress(ctx, task_id) if task_id is not None else [Reply(T.PROGRESS_USAGE)]
    task_id, value, note = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    if value > 100:
        return [Reply(T.PROGRESS_BAD)]
    task, problem = await allowed_task(ctx, task_id)
    if task is None:
        return [Reply(problem or "")]
    link = _URL.search(note)
    return await save(ctx, task, value, status_for(value, None), note, link=link.group(0) if link else None)


@router.action("td", Role.MEMBER)
async def pick_task_button(ctx: Context, args: list[str]) -> list[Reply]:
    return await pick_task(ctx)


async def pick_task(ctx: Context) -> list[Reply]:
    items = await tasks.tasks_for_units(ctx.db, await my_units(ctx))
    if not items:
        return [Reply(T.PROGRESS_NO_TASKS)]
    items.sort(key=lambda t: (t.due_date is None, t.due_date))
    buttons = [[Button(f"#{t.id} {t.title[:40]} ({t.progress}%)", f"tp:{t.id}")] for t in items[:20]]
    return [Reply(T.PROGRESS_PICK_TASK, buttons=buttons)]


@router.action("tp", Role.MEMBER)
async def task_button(ctx: Context, args: list[str]) -> list[Reply]:
    task_id = parse_id(args[0]) if args else None
    if task_id is None:
        return [Reply(T.PROGRESS_USAGE)]
    return await ask_progress(ctx, task_id)


async def ask_progress(ctx: Context, task_id: int) -> list[Reply]:
    task, problem = await allowed_task(ctx, task_id)
    if task is None:
        return [Reply(problem or "")]
    await ctx.start_dialog(DIALOG, "progress", {"task": task.id})
    buttons = [[Button(f"{p}%", f"pv:{p}") for p in (25, 50, 75)],
               [Button(label, f"ps:{value}") for label, value in T.STATUS_BUTTONS]]
    return [Reply(T.PROGRESS_ASK.format(id=task.id, title=task.title, progress=task.progress), buttons=buttons)]


@router.action("pv", Role.MEMBER)
async def value_button(ctx: Context, args: list[str]) -> list[Reply]:
    value = parse_id(args[0]) if args else None
    return await set_value(ctx, -1 if value is None else value, None)


@router.action("ps", Role.MEMBER)
async def status_button(ctx: Context, args: list[str]) -> list[Reply]:
    if not args or args[0] not in TaskStatus._value2member_map_:
        return [Reply(T.PROGRESS_USAGE)]
    return await set_value(ctx, None, args[0])


async def set_value(ctx: Context, value: int | None, status: str | None) -> list[Reply]:
    dialog = ctx.dialog
    if dialog is None or dialog.name != DIALOG:
        return [Reply(T.PROGRESS_USAGE)]
    task, problem = await allowed_task(ctx, int(dialog.data["task"]))
    if task is None:
        await ctx.end_dialog()
        return [Reply(problem or "")]
    if value is not None and not 0 <= value <= 100:
        return [Reply(T.PROGRESS_BAD)]
    if value is None:
        value = 100 if status == "done" else task.progress
    dialog.data.update(value=value, status=status_for(value, status).value)
    dialog.step = "note"
    await ctx.save_dialog()
    return [Reply(T.PROGRESS_ASK_NOTE, buttons=[[Button(T.SKIP, "pk:note")]])]


@router.action("pk", Role.MEMBER)
async def skip_button(ctx: Context, args: list[str]) -> list[Reply]:
    return await advance(ctx, "")


@router.dialog(DIALOG)
async def dialog_step(ctx: Context) -> list[Reply]:
    """Free text or a file inside the progress dialog."""
    assert ctx.dialog is not None
    if ctx.dialog.step == "progress":
        match = _PERCENT.match(ctx.msg.text.strip())
        return await set_value(ctx, int(match.group(1)) if match else -1, None)
    return await advance(ctx, ctx.msg.text.strip())


async def advance(ctx: Context, text: str) -> list[Reply]:
    dialog = ctx.dialog
    if dialog is None or dialog.name != DIALOG or dialog.step not in ("note", "evidence"):
        return [Reply(T.PROGRESS_USAGE)]
    if dialog.step == "note":
        dialog.data["note"] = text
        dialog.step = "evidence"
        await ctx.save_dialog()
        return [Reply(T.PROGRESS_ASK_EVIDENCE, buttons=[[Button(T.SKIP, "pk:evidence")]])]
    task, problem = await allowed_task(ctx, int(dialog.data["task"]))
    await ctx.end_dialog()
    if task is None:
        return [Reply(problem or "")]
    stored, digest, error = store_evidence(ctx, task.id)
    link = _URL.search(text)
    replies = [Reply(error)] if error else []
    return replies + await save(ctx, task, int(dialog.data["value"]), TaskStatus(dialog.data["status"]),
                                dialog.data.get("note", ""), path=stored, sha=digest,
                                link=link.group(0) if link else None)


def store_evidence(ctx: Context, task_id: int) -> tuple[str | None, str | None, str | None]:
    """Moves an attached file under files_dir/evidence/<task>/ named by its hash."""
    for att in ctx.msg.attachments:
        if att.error == "too_large":
            return None, None, T.PROGRESS_FILE_TOO_LARGE
        if att.error or att.path is None:
            return None, None, T.PROGRESS_FILE_FAILED
        data = Path(att.path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        target = Path(ctx.settings.files_dir) / "evidence" / str(task_id) / (digest[:16] + Path(att.name).suffix[:10])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(att.path, target)
        return str(target), digest, None
    return None, None, None


async def save(ctx: Context, task: TaskDTO, value: int, status: TaskStatus, note: str, *,
               path: str | None = None, sha: str | None = None, link: str | None = None) -> list[Reply]:
    await tasks.add_progress(ctx.db, task.id, ctx.person.id, value, status, note, ctx.now(),
                             evidence_path=path, evidence_sha256=sha, evidence_link=link)
    replies = [Reply(T.PROGRESS_SAVED.format(id=task.id, progress=value, status=T.STATUS_NAMES[status.value]))]
    if status == TaskStatus.DONE:
        replies.append(Reply(T.PROGRESS_CLOSED.format(id=task.id)))
    if status == TaskStatus.BLOCKED:
        await alert_admins(ctx, task, note)
        replies.append(Reply(T.PROGRESS_BLOCKED_SENT))
    return replies


async def alert_admins(ctx: Context, task: TaskDTO, note: str) -> None:
    unit = await people.get_unit(ctx.db, ctx.person.unit_id or 0)
    text = T.BLOCKED_ALERT.format(id=task.id, title=task.title, who=ctx.person.name,
                                  unit=unit.name if unit else "", note=mask_pii(note) or "—")
    stamp = ctx.now().strftime("%Y%m%d%H%M%S")
    for admin in await people.persons_with_role(ctx.db, Role.ADMIN):
        await enqueue(ctx.db, PlannedMessage(f"blocked:{task.id}:{admin.id}:{stamp}", "notify", admin.id, text),
                      ctx.now())

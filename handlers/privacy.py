"""Data protection in chat: a person erases what they sent (/xoadulieu); admins read the audit log (/nhatky)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from handlers import texts
from handlers import texts_privacy as T
from handlers.context import Context
from handlers.messages import Button, Reply
from handlers.roles import ROLE_NAMES
from handlers.router import Router, parse_id
from handlers.texts_sessions import CATEGORY_LABELS, RESULT_LABELS
from handlers.texts_tasks import STATUS_NAMES
from storage import purge
from storage.models import Role
from storage.repos import audit, people, tasks
from storage.repos.audit import AuditDTO

router = Router()

CONFIRM_WINDOW = timedelta(minutes=15)
RECENT_LIMIT = 20
SUMMARY_SHOWN = 160


# ---------------------------------------------------------------- /xoadulieu

def _stamp(moment: datetime) -> str:
    return str(int(moment.replace(tzinfo=UTC).timestamp()))


@router.command("xoadulieu", Role.CITIZEN, T.CMD["xoadulieu"])
async def erase_request(ctx: Context) -> list[Reply]:
    """Says what would be erased and asks to confirm; the button carries when it was asked."""
    counts = await purge.count_person_messages(ctx.db, ctx.person.id)
    question = T.ERASE_ASK.format(questions=counts.questions, tickets=counts.tickets,
                                  messages=counts.ticket_messages)
    if not (counts.questions or counts.tickets or counts.ticket_messages):
        question = T.ERASE_ASK_EMPTY
    buttons = [[Button(T.ERASE_YES, f"xdl:ok:{_stamp(ctx.now())}"), Button(T.ERASE_NO, "xdl:no")]]
    return [Reply(question, buttons=buttons)]


@router.action("xdl", Role.CITIZEN)
async def erase_action(ctx: Context, args: list[str]) -> list[Reply]:
    """xdl:ok:<asked at> erases the presser's own data (never anyone else's); xdl:no cancels."""
    if args[:1] == ["no"]:
        return [Reply(T.ERASE_CANCELLED, edit=True)]
    stamp = parse_id(args[1]) if args[:1] == ["ok"] and len(args) >= 2 else None
    if stamp is None:
        return [Reply(texts.STALE_BUTTON)]
    asked = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
    if not timedelta(minutes=-1) <= ctx.now() - asked <= CONFIRM_WINDOW:
        return [Reply(T.ERASE_EXPIRED.format(minutes=int(CONFIRM_WINDOW.total_seconds() // 60)), edit=True)]
    counts = await purge.erase_person_messages(ctx.db, ctx.person.id)
    ctx.dialog = None  # its row is gone with the rest
    if not (counts.questions or counts.tickets or counts.ticket_messages):
        return [Reply(T.ERASE_NOTHING, edit=True)]
    return [Reply(T.ERASE_DONE.format(questions=counts.questions, tickets=counts.tickets,
                                      messages=counts.ticket_messages), edit=True)]


# ---------------------------------------------------------------- /nhatky

_WORDS: dict[str, str] = {
    **T.AUDIT_WORDS, **RESULT_LABELS, **STATUS_NAMES,
    **{code: label.lower() for code, label in CATEGORY_LABELS.items()},
    **{role.value: name for role, name in ROLE_NAMES.items()},
}
_CODE = re.compile(r"\b[a-z][a-z_]+\b")


def readable(summary: str) -> str:
    """A stored summary with its codes (statuses, roles, field names) in Vietnamese words.

    Only the part before the first ": " holds codes; what follows is free text (a note, a reason)
    and is shown as written.
    """
    head, sep, tail = summary.partition(": ")
    return _CODE.sub(lambda m: _WORDS.get(m.group(0), m.group(0)), head) + sep + tail


def _local(ctx: Context, moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(ctx.settings.tz).strftime("%d/%m/%Y %H:%M")


async def _names(ctx: Context, entries: list[AuditDTO]) -> dict[int, str]:
    """Names of the people that role and privacy entries are about."""
    ids = {e.entity_id for e in entries if e.entity_kind in ("role", "privacy") and e.entity_id is not None}
    found: dict[int, str] = {}
    for pid in ids:
        person = await people.get_person(ctx.db, pid)
        found[pid] = person.name if person else T.AUDIT_UNKNOWN_PERSON.format(id=pid)
    return found


def _line(ctx: Context, entry: AuditDTO, names: dict[int, str], with_entity: bool) -> str:
    who = entry.actor_name or (T.AUDIT_SYSTEM if entry.actor_id is None
                               else T.AUDIT_UNKNOWN_PERSON.format(id=entry.actor_id))
    what = T.AUDIT_ACTIONS.get((entry.entity_kind, entry.action), f"{entry.entity_kind} {entry.action}")
    summary = readable(entry.summary)
    if len(summary) > SUMMARY_SHOWN:
        summary = summary[: SUMMARY_SHOWN - 1] + "…"
    summary = f": {summary}" if summary else ""
    at = _local(ctx, entry.at)
    if not with_entity or entry.entity_id is None:  # a purge, say, is about no one entity
        return T.AUDIT_LINE.format(at=at, who=who, what=what, summary=summary)
    pattern = T.AUDIT_ENTITIES.get(entry.entity_kind, "#{id}")
    entity = pattern.format(id=entry.entity_id,
                            name=names.get(entry.entity_id, T.AUDIT_UNKNOWN_PERSON.format(id=entry.entity_id)))
    return T.AUDIT_LINE_ENTITY.format(at=at, who=who, what=what, entity=entity, summary=summary)


async def _in_scope(ctx: Context, entry: AuditDTO, scope: set[int]) -> bool:
    """An admin sees changes made by people of their commune or to its tasks."""
    if entry.entity_kind == "task" and entry.entity_id is not None:
        task = await tasks.get_task(ctx.db, entry.entity_id)
        if task is not None:
            return bool((set(task.lead_unit_ids) | set(task.coord_unit_ids)) & scope)
    if entry.actor_id is None:
        return True  # the command line (a purge, an import) acts for the whole deployment
    actor = await people.get_person(ctx.db, entry.actor_id)
    return actor is not None and (actor.unit_id is None or actor.unit_id in scope)  # citizens: no commune


@router.command("nhatky", Role.ADMIN, T.CMD["nhatky"])
async def audit_log(ctx: Context) -> list[Reply]:
    """/nhatky: the last 20 changes; /nhatky <task number>: that task's history, oldest first."""
    arg = ctx.msg.args.strip().lstrip("#")
    scope = await people.subtree_ids(ctx.db, ctx.person.unit_id) if ctx.person.unit_id else set()
    if not arg:
        entries = [e for e in await audit.recent(ctx.db, RECENT_LIMIT * 10)
                   if await _in_scope(ctx, e, scope)][:RECENT_LIMIT]
        if not entries:
            return [Reply(T.AUDIT_EMPTY)]
        names = await _names(ctx, entries)
        lines = [T.AUDIT_RECENT_HEADER.format(count=len(entries))]
        lines += [_line(ctx, e, names, with_entity=True) for e in entries]
        return [Reply("\n".join(lines))]
    task_id = parse_id(arg)
    if task_id is None:
        return [Reply(T.AUDIT_USAGE)]
    task = await tasks.get_task(ctx.db, task_id)
    if task is not None and not (set(task.lead_unit_ids) | set(task.coord_unit_ids)) & scope:
        return [Reply(T.AUDIT_TASK_NOT_FOUND.format(id=task_id))]
    entries = await audit.history(ctx.db, "task", task_id)
    if task is None and not entries:
        return [Reply(T.AUDIT_TASK_NOT_FOUND.format(id=task_id))]
    title = task.title if task else "?"
    if not entries:
        return [Reply(T.AUDIT_TASK_EMPTY.format(id=task_id, title=title))]
    lines = [T.AUDIT_TASK_HEADER.format(id=task_id, title=title)]
    lines += [_line(ctx, e, {}, with_entity=False) for e in entries]
    return [Reply("\n".join(lines))]

"""Assistance sessions of Tổ CNSCĐ members: `/ghi` (guided or one line), `/phien`, `/sua`, `/xoa`,
and the team leader's `/to`.

The draft of a session lives in the `ghi` dialog (DialogState), never in memory. Button data is
`gs:<what>:<value>`; every value and every session id that comes back is checked again here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from handlers import texts
from handlers import texts_sessions as T
from handlers.common import MENU_BUTTONS
from handlers.context import Context
from handlers.core import fold_label
from handlers.messages import Button, Reply
from handlers.roles import at_least
from handlers.router import Router, parse_id
from handlers.session_parser import (
    MAX_CITIZENS,
    Parsed,
    Problem,
    category_of,
    check_date,
    match_place,
    parse_line,
)
from handlers.unit_head import commune_unit_list, commune_units
from storage.models import Role, UnitKind
from storage.models_sessions import SessionResult
from storage.privacy import mask_pii
from storage.repos import people, sessions
from storage.repos.people import UnitDTO
from storage.repos.sessions import SessionDTO, Totals

router = Router()
DIALOG = "ghi"
GROUPS = ("elderly", "disabled", "poor")
NOTE_MAX = 500
LIST_MAX = 30
PLACE_BUTTONS_MAX = 12

for _item in ((T.MENU_LOG, "gs:new"), (T.MENU_MINE, "gsl")):
    if _item not in MENU_BUTTONS.setdefault(Role.MEMBER, []):
        MENU_BUTTONS[Role.MEMBER].append(_item)


# ---------------------------------------------------------------- small helpers

def _today(ctx: Context) -> date:
    return ctx.local_now().date()


def _max_age(ctx: Context) -> int:
    return ctx.settings.session_max_age_days


async def _villages(ctx: Context) -> list[UnitDTO]:
    """The thôn of the caller's commune: a session cannot be logged in another commune's thôn."""
    commune = await commune_unit_list(ctx)
    if commune is None:
        return await people.list_units(ctx.db, UnitKind.VILLAGE)
    return [u for u in commune if u.kind == UnitKind.VILLAGE]


async def _home_village(ctx: Context) -> int | None:
    """The thôn the caller's unit works in, from the commune already read for this message."""
    units = await commune_unit_list(ctx)
    return None if units is None else people.nearest_village(units, ctx.person.unit_id)


def _problem_text(problem: Problem) -> str:
    return T.PROBLEMS[problem.kind].format(text=problem.text[:60], value=problem.value)


def format_duration(minutes: int | None) -> str:
    if not minutes:
        return T.NOT_GIVEN
    hours, rest = divmod(minutes, 60)
    if not hours:
        return T.DURATION_MINUTES.format(m=rest)
    if not rest:
        return T.DURATION_HOURS.format(h=hours)
    return T.DURATION_HOURS_MINUTES.format(h=hours, m=rest)


def format_priority(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[g]} {T.PRIORITY_LABELS[g]}" for g in GROUPS if counts.get(g))


def _int(args: list[str], index: int) -> int | None:
    return parse_id(args[index]) if len(args) > index else None


def _month(day: date) -> str:
    return day.strftime("%m/%Y")


# ---------------------------------------------------------------- the draft

def _draft(ctx: Context) -> dict[str, Any]:
    assert ctx.dialog is not None
    return ctx.dialog.data


def _largest_priority(draft: dict[str, Any]) -> int:
    return max(int(draft.get(g) or 0) for g in GROUPS)


def _apply(draft: dict[str, Any], parsed: Parsed) -> None:
    """Copy what the parser found into the draft (fields it did not find stay as they are)."""
    if parsed.day is not None:
        draft["d"] = parsed.day.isoformat()
    if parsed.category is not None:
        draft["c"] = parsed.category
    for group, value in parsed.priority().items():
        draft[group] = value
    if parsed.citizens is not None:
        draft["n"] = parsed.citizens
    elif _largest_priority(draft) > int(draft.get("n") or 1):
        draft["n"] = _largest_priority(draft)
    if parsed.result is not None:
        draft["r"] = parsed.result
    if parsed.minutes is not None:
        draft["m"] = parsed.minutes
    if parsed.place_id is not None:
        draft["p"] = parsed.place_id
    if parsed.note:
        draft["note"] = parsed.note[:NOTE_MAX]


def _draft_from_session(row: SessionDTO) -> dict[str, Any]:
    return {
        "sid": row.id, "d": row.date.isoformat(), "p": row.unit_id, "c": row.category, "n": row.citizens,
        "elderly": row.elderly, "disabled": row.disabled, "poor": row.poor, "r": row.result.value,
        "m": row.duration_minutes, "note": row.note, "todo": [],
    }


async def _summary_text(ctx: Context, draft: dict[str, Any]) -> str:
    day = date.fromisoformat(draft["d"])
    today = _today(ctx)
    mark = T.TODAY_MARK if day == today else T.YESTERDAY_MARK if day == today - timedelta(days=1) else ""
    place = await people.get_unit(ctx.db, draft["p"]) if draft.get("p") else None
    counts = {g: int(draft.get(g) or 0) for g in GROUPS}
    parts = format_priority(counts)
    title = T.SUMMARY_EDIT.format(id=draft["sid"]) if draft.get("sid") else T.SUMMARY_NEW
    body = T.SUMMARY_BODY.format(
        date=day.strftime("%d/%m/%Y") + mark,
        place=place.name if place else T.NOT_SET,
        category=T.CATEGORY_LABELS.get(draft.get("c") or "", T.NOT_SET),
        citizens=draft["n"],
        priority=T.PRIORITY_PART.format(parts=parts) if parts else "",
        result=T.RESULT_LABELS[draft["r"]],
        duration=format_duration(draft.get("m")),
        note=draft.get("note") or T.NOT_GIVEN,
    )
    return f"{title}\n{body}\n{T.SUMMARY_HINT}"


# ---------------------------------------------------------------- steps

async def _show_summary(ctx: Context, prefix: str = "") -> list[Reply]:
    assert ctx.dialog is not None
    ctx.dialog.step = "sum"
    await ctx.save_dialog()
    text = await _summary_text(ctx, _draft(ctx))
    buttons = [[Button(T.SAVE, "gs:save"), Button(T.EDIT, "gs:edit"), Button(T.CANCEL, "gs:cancel")]]
    return [Reply(f"{prefix}\n{text}" if prefix else text, buttons=buttons)]


async def _next(ctx: Context, prefix: str = "") -> list[Reply]:
    """Ask the next field still missing, or show the summary."""
    todo = _draft(ctx).setdefault("todo", [])
    if todo:
        return await _ask(ctx, todo.pop(0), prefix)
    return await _show_summary(ctx, prefix)


async def _ask(ctx: Context, field: str, prefix: str = "") -> list[Reply]:
    """Ask one field, with buttons; typed answers reach `dialog_step`."""
    assert ctx.dialog is not None
    draft = _draft(ctx)
    ctx.dialog.step = field
    await ctx.save_dialog()
    buttons: list[list[Button]]
    if field == "c":
        text = T.ASK_CATEGORY
        buttons = [[Button(label, f"gs:c:{code}")] for code, label in T.CATEGORY_LABELS.items()]
    elif field == "n":
        text = T.ASK_COUNT
        buttons = [[Button(str(n), f"gs:n:{n}") for n in T.COUNT_BUTTONS]]
    elif field == "p":
        villages = await _villages(ctx)
        suggested = [v for uid in draft.get("sug", []) for v in villages if v.id == uid]
        if suggested:
            text = T.ASK_PLACE_UNKNOWN.format(name=draft.get("pq", "")[:60])
            shown = suggested
        else:
            text = T.ASK_PLACE
            shown = villages[:PLACE_BUTTONS_MAX]
        buttons = [[Button(v.name, f"gs:p:{v.id}")] for v in shown]
    elif field == "d":
        text = T.ASK_DATE.format(days=_max_age(ctx))
        buttons = [[Button(label, f"gs:d:{k}") for k, label in T.DATE_BUTTONS.items()]]
    elif field == "r":
        text = T.ASK_RESULT
        buttons = [[Button(label, f"gs:r:{code}")] for code, label in T.RESULT_BUTTONS.items()]
    elif field == "m":
        text = T.ASK_DURATION
        buttons = [[Button(label, f"gs:m:{m}") for m, label in T.DURATION_BUTTONS.items()]]
    elif field == "pr":
        counts = {g: int(draft.get(g) or 0) for g in GROUPS}
        text = T.ASK_PRIORITY.format(n=draft["n"], current=format_priority(counts) or T.NONE)
        buttons = [[Button(label, f"gs:pr:{g}")] for g, label in T.PRIORITY_BUTTONS.items()]
        buttons.append([Button(T.PRIORITY_NONE, "gs:pr:none"), Button(T.PRIORITY_DONE, "gs:pr:ok")])
    elif field == "note":
        text = T.ASK_NOTE
        buttons = [[Button(T.NOTE_NONE, "gs:note:none")]]
    else:  # the field menu
        ctx.dialog.step = "menu"
        await ctx.save_dialog()
        text = T.ASK_FIELD
        labels = list(T.FIELD_LABELS.items())
        buttons = [[Button(label, f"gs:f:{key}") for key, label in labels[i:i + 2]]
                   for i in range(0, len(labels), 2)]
        buttons.append([Button(T.BACK, "gs:back")])
    return [Reply(f"{prefix}\n{text}" if prefix else text, buttons=buttons)]


async def start_session_dialog(ctx: Context, parsed: Parsed | None) -> list[Reply]:
    """Open the draft with defaults (today, my thôn, 1 person, xong), fill it from `parsed`."""
    if not await _villages(ctx):
        return [Reply(T.NO_PLACES)]
    draft: dict[str, Any] = {
        "sid": None, "d": _today(ctx).isoformat(), "p": await _home_village(ctx),
        "c": None, "n": 1, "elderly": 0, "disabled": 0, "poor": 0, "r": SessionResult.DONE.value,
        "m": None, "note": "", "todo": [],
    }
    todo: list[str] = []
    if parsed is None:
        todo = ["c", "n"]
    else:
        _apply(draft, parsed)
        if draft["c"] is None:
            todo.append("c")
        if parsed.place_query is not None:
            draft["pq"], draft["sug"] = parsed.place_query, parsed.place_suggestions
            draft["p"] = None
    if draft["p"] is None:
        todo.append("p")
    draft["todo"] = todo
    await ctx.start_dialog(DIALOG, "start", draft)
    return await _next(ctx)


# ---------------------------------------------------------------- /ghi

@router.command("ghi", Role.MEMBER, T.CMD["ghi"])
async def log_session(ctx: Context) -> list[Reply]:
    """`/ghi` asks step by step; `/ghi 3 kích hoạt VNeID thôn Đông 45p` fills what the line says."""
    line = ctx.msg.args
    if not line:
        return await start_session_dialog(ctx, None)
    villages = await _villages(ctx)
    parsed = parse_line(line, _today(ctx), [(v.id, v.name) for v in villages], _max_age(ctx))
    if parsed.problems:
        return [Reply("\n".join([*(_problem_text(p) for p in parsed.problems), T.NOT_SAVED]))]
    if not parsed.recognized:
        return [Reply(T.LINE_NOT_UNDERSTOOD.format(text=mask_pii(line)[:100]))]
    return await start_session_dialog(ctx, parsed)


@router.action("gs", Role.MEMBER)
async def session_button(ctx: Context, args: list[str]) -> list[Reply]:
    """Every button of the /ghi dialog."""
    what = args[0] if args else ""
    value = args[1] if len(args) > 1 else ""
    if what == "new":
        return await start_session_dialog(ctx, None)
    if ctx.dialog is None or ctx.dialog.name != DIALOG:
        return [Reply(T.NO_DIALOG)]
    draft = _draft(ctx)
    if what == "c" and value in T.CATEGORY_LABELS:
        draft["c"] = value
        return await _next(ctx)
    if what == "n":
        return await _set_count(ctx, _int(args, 1), value)
    if what == "p":
        uid = _int(args, 1)
        if uid is None or uid not in {v.id for v in await _villages(ctx)}:
            return await _ask(ctx, "p", texts.STALE_BUTTON)
        draft["p"] = uid
        draft.pop("sug", None)
        return await _next(ctx)
    if what == "d" and value in ("0", "1", "2"):
        return await _set_date(ctx, _today(ctx) - timedelta(days=int(value)))
    if what == "r" and value in T.RESULT_LABELS:
        draft["r"] = value
        return await _next(ctx)
    if what == "m" and _int(args, 1) in T.DURATION_BUTTONS:
        draft["m"] = _int(args, 1) or None
        return await _next(ctx)
    if what == "pr":
        return await _priority_button(ctx, value)
    if what == "note":
        draft["note"] = ""
        return await _next(ctx)
    if what == "f" and value in T.FIELD_LABELS:
        return await _ask(ctx, value)
    if what == "edit":
        return await _ask(ctx, "menu")
    if what == "back":
        return await _show_summary(ctx)
    if what == "save":
        return await _save(ctx)
    if what == "cancel":
        await ctx.end_dialog()
        return [Reply(T.CANCELLED)]
    return [Reply(texts.STALE_BUTTON)]


async def _set_count(ctx: Context, value: int | None, raw: str) -> list[Reply]:
    if value is None or value < 1:
        return await _ask(ctx, "n", _problem_text(Problem("bad_count", raw)))
    if value > MAX_CITIZENS:
        return await _ask(ctx, "n", _problem_text(Problem("too_many", raw, MAX_CITIZENS)))
    draft = _draft(ctx)
    draft["n"] = value
    if _largest_priority(draft) > value:
        return await _ask(ctx, "pr", _problem_text(Problem("priority_exceeds", str(_largest_priority(draft)),
                                                           value)))
    return await _next(ctx)


async def _set_date(ctx: Context, day: date) -> list[Reply]:
    problem = check_date(day, _today(ctx), _max_age(ctx))
    if problem is not None:
        return await _ask(ctx, "d", _problem_text(problem))
    _draft(ctx)["d"] = day.isoformat()
    return await _next(ctx)


async def _priority_button(ctx: Context, value: str) -> list[Reply]:
    draft = _draft(ctx)
    if value == "none":
        for group in GROUPS:
            draft[group] = 0
        return await _next(ctx)
    if value == "ok":
        return await _next(ctx)
    if value in GROUPS:
        draft[value] = min(int(draft.get(value) or 0) + 1, int(draft["n"]))
        return await _ask(ctx, "pr")
    return [Reply(texts.STALE_BUTTON)]


@router.dialog(DIALOG)
async def dialog_step(ctx: Context) -> list[Reply]:
    """Typed answers inside the /ghi dialog."""
    assert ctx.dialog is not None
    step, text = ctx.dialog.step, ctx.msg.text.strip()
    draft = _draft(ctx)
    if not text:
        return await _ask(ctx, step) if step != "sum" else await _show_summary(ctx)
    shown = mask_pii(text)[:60]
    if step == "c":
        code = category_of(text)
        if code is None:
            return await _ask(ctx, "c", T.NOT_UNDERSTOOD.format(text=shown))
        draft["c"] = code
        return await _next(ctx)
    if step == "p":
        villages = await _villages(ctx)
        uid, suggestions = match_place(text, [(v.id, v.name) for v in villages])
        if uid is None:
            draft["pq"], draft["sug"] = shown, suggestions
            return await _ask(ctx, "p")
        draft["p"] = uid
        draft.pop("sug", None)
        return await _next(ctx)
    if step == "note":
        draft["note"] = mask_pii(text)[:NOTE_MAX]
        return await _next(ctx)
    if step == "sum":
        places = [(v.id, v.name) for v in await _villages(ctx)]
        parsed = parse_line(text, _today(ctx), places, _max_age(ctx))
        if parsed.problems:
            return await _show_summary(ctx, "\n".join(_problem_text(p) for p in parsed.problems))
        if not parsed.recognized:
            return await _show_summary(ctx, T.SUMMARY_NOT_UNDERSTOOD.format(text=shown))
        _apply(draft, parsed)
        if parsed.place_query is not None:
            draft["pq"], draft["sug"] = parsed.place_query, parsed.place_suggestions
            return await _ask(ctx, "p")
        if _largest_priority(draft) > int(draft["n"]):
            return await _ask(ctx, "pr", _problem_text(Problem("priority_exceeds",
                                                               str(_largest_priority(draft)), int(draft["n"]))))
        return await _show_summary(ctx)
    if step == "m" and _is_no(text):
        draft["m"] = None
        return await _next(ctx)
    if step == "pr" and _is_no(text):
        return await _priority_button(ctx, "none")
    parsed = parse_line(text, _today(ctx), (), _max_age(ctx))
    if parsed.problems:
        message = "\n".join(_problem_text(p) for p in parsed.problems)
        return await _ask(ctx, step, message)
    if step == "n":
        if parsed.citizens is None:
            return await _ask(ctx, "n", T.NOT_UNDERSTOOD.format(text=shown))
        return await _set_count(ctx, parsed.citizens, text)
    if step == "d":
        if parsed.day is None:
            return await _ask(ctx, "d", T.NOT_UNDERSTOOD.format(text=shown))
        return await _set_date(ctx, parsed.day)
    if step == "r":
        if parsed.result is None:
            return await _ask(ctx, "r", T.NOT_UNDERSTOOD.format(text=shown))
        draft["r"] = parsed.result
        return await _next(ctx)
    if step == "m":
        if parsed.minutes is None:
            return await _ask(ctx, "m", T.NOT_UNDERSTOOD.format(text=shown))
        draft["m"] = parsed.minutes
        return await _next(ctx)
    if step == "pr":
        found = parsed.priority()
        if not found:
            return await _ask(ctx, "pr", T.NOT_UNDERSTOOD.format(text=shown))
        if max(found.values()) > int(draft["n"]):
            return await _ask(ctx, "pr", _problem_text(Problem("priority_exceeds", str(max(found.values())),
                                                               int(draft["n"]))))
        draft.update(found)
        return await _next(ctx)
    return await _ask(ctx, "menu")


def _is_no(text: str) -> bool:
    return fold_label(text) in {"khong", "ko", "k", "khong co", "khong ai", "khong ghi", "0", "bo qua"}


async def _save(ctx: Context) -> list[Reply]:
    draft = _draft(ctx)
    if not draft.get("c"):
        return await _ask(ctx, "c", T.MISSING_CATEGORY)
    if draft.get("p") is None or draft["p"] not in {v.id for v in await _villages(ctx)}:
        return await _ask(ctx, "p", T.MISSING_PLACE)
    day = date.fromisoformat(draft["d"])
    problem = check_date(day, _today(ctx), _max_age(ctx))
    if problem is not None:
        return await _ask(ctx, "d", _problem_text(problem))
    citizens = int(draft["n"])
    if _largest_priority(draft) > citizens:
        return await _ask(ctx, "pr", _problem_text(Problem("priority_exceeds", str(_largest_priority(draft)),
                                                           citizens)))
    fields: dict[str, Any] = {
        "day": day, "unit_id": draft["p"], "category": draft["c"], "citizens": citizens,
        "elderly": int(draft.get("elderly") or 0), "disabled": int(draft.get("disabled") or 0),
        "poor": int(draft.get("poor") or 0), "result": draft["r"], "duration_minutes": draft.get("m"),
        "note": draft.get("note") or "",
    }
    sid = draft.get("sid")
    await ctx.end_dialog()
    label = T.CATEGORY_LABELS.get(draft["c"], draft["c"])
    if sid:
        _, refusal = await _own_recent(ctx, int(sid))
        if refusal:
            return [Reply(refusal)]
        row = await sessions.update_session(ctx.db, int(sid), ctx.now(), **fields)
        if row is None:
            return [Reply(T.NOT_FOUND.format(id=sid))]
        return [Reply(T.UPDATED.format(id=row.id, category=label, citizens=row.citizens,
                                       date=row.date.strftime("%d/%m/%Y")))]
    row = await sessions.add_session(ctx.db, ctx.person.id, now=ctx.now(), **fields)
    return [Reply(T.SAVED.format(id=row.id, category=label, citizens=row.citizens,
                                 date=row.date.strftime("%d/%m/%Y")))]


# ---------------------------------------------------------------- /phien

def _totals_parts(totals: Totals) -> str:
    return format_priority({"elderly": totals.elderly, "disabled": totals.disabled, "poor": totals.poor})


async def _unit_names(ctx: Context) -> dict[int, str]:
    return {u.id: u.name for u in await people.list_units(ctx.db)}


@router.command("phien", Role.MEMBER, T.CMD["phien"])
async def my_sessions(ctx: Context) -> list[Reply]:
    """My sessions of this month, with totals."""
    today = _today(ctx)
    start, end = sessions.month_bounds(today)
    rows = await sessions.sessions_of(ctx.db, ctx.person.id, start, end)
    if not rows:
        return [Reply(T.MINE_EMPTY.format(month=_month(today)))]
    names = await _unit_names(ctx)
    lines = [T.MINE_HEADER.format(month=_month(today))]
    for row in rows[-LIST_MAX:]:
        lines.append(T.MINE_ITEM.format(
            id=row.id, date=row.date.strftime("%d/%m"), place=names.get(row.unit_id or 0, T.NOT_SET),
            category=T.CATEGORY_LABELS.get(row.category, row.category), citizens=row.citizens,
            result=T.RESULT_LABELS[row.result.value],
            duration=f" · {format_duration(row.duration_minutes)}" if row.duration_minutes else "",
        ))
    if len(rows) > LIST_MAX:
        lines.append(T.MINE_MORE.format(n=len(rows) - LIST_MAX))
    totals = sessions.totals_of(rows)
    parts = _totals_parts(totals)
    lines.append(T.MINE_TOTAL.format(
        sessions=totals.sessions, citizens=totals.citizens,
        priority=T.TOTAL_PRIORITY.format(parts=parts) if parts else "",
        duration=T.TOTAL_DURATION.format(duration=format_duration(totals.minutes)) if totals.minutes else "",
    ))
    lines.append(T.MINE_EDIT_HINT)
    return [Reply("\n".join(lines))]


@router.action("gsl", Role.MEMBER)
async def my_sessions_button(ctx: Context, _args: list[str]) -> list[Reply]:
    return await my_sessions(ctx)


# ---------------------------------------------------------------- /sua and /xoa

async def _own_recent(ctx: Context, session_id: int) -> tuple[SessionDTO | None, str | None]:
    """My live session created less than 24 hours ago, or the reason it cannot be changed."""
    row = await sessions.get_session(ctx.db, session_id)
    if row is None or row.deleted_at is not None:
        return None, T.NOT_FOUND.format(id=session_id)
    if row.person_id != ctx.person.id:
        return None, T.NOT_YOURS.format(id=session_id)
    if ctx.now() - row.created_at > sessions.EDIT_WINDOW:
        return None, T.TOO_LATE.format(id=session_id)
    return row, None


async def _pick_recent(ctx: Context, header: str, prefix: str) -> list[Reply]:
    rows = await sessions.recent_of(ctx.db, ctx.person.id, ctx.now() - sessions.EDIT_WINDOW)
    if not rows:
        return [Reply(T.NONE_RECENT)]
    buttons = [[Button(T.PICK_ITEM.format(
        id=r.id, date=r.date.strftime("%d/%m"), category=T.CATEGORY_LABELS.get(r.category, r.category),
        citizens=r.citizens), f"{prefix}:{r.id}")] for r in rows]
    return [Reply(header, buttons=buttons)]


def _id_argument(ctx: Context, command: str) -> tuple[int | None, str | None]:
    arg = ctx.msg.args.split()[0].lstrip("#") if ctx.msg.args else ""
    value = parse_id(arg)
    if value is None:
        return None, T.BAD_ID.format(text=mask_pii(ctx.msg.args)[:20], command=command)
    return value, None


async def _open_edit(ctx: Context, session_id: int) -> list[Reply]:
    row, refusal = await _own_recent(ctx, session_id)
    if row is None:
        return [Reply(refusal or "")]
    await ctx.start_dialog(DIALOG, "sum", _draft_from_session(row))
    return await _show_summary(ctx)


@router.command("sua", Role.MEMBER, T.CMD["sua"])
async def edit_session(ctx: Context) -> list[Reply]:
    """`/sua 12` reopens my session #12 (within 24 hours); `/sua` lists my recent ones."""
    if not ctx.msg.args:
        return await _pick_recent(ctx, T.PICK_EDIT, "gse")
    session_id, problem = _id_argument(ctx, "sua")
    if session_id is None:
        return [Reply(problem or "")]
    return await _open_edit(ctx, session_id)


@router.action("gse", Role.MEMBER)
async def edit_button(ctx: Context, args: list[str]) -> list[Reply]:
    session_id = _int(args, 0)
    if session_id is None:
        return [Reply(texts.STALE_BUTTON)]
    return await _open_edit(ctx, session_id)


async def _confirm_delete(ctx: Context, session_id: int) -> list[Reply]:
    row, refusal = await _own_recent(ctx, session_id)
    if row is None:
        return [Reply(refusal or "")]
    names = await _unit_names(ctx)
    text = T.CONFIRM_DELETE.format(
        id=row.id, date=row.date.strftime("%d/%m/%Y"), place=names.get(row.unit_id or 0, T.NOT_SET),
        category=T.CATEGORY_LABELS.get(row.category, row.category), citizens=row.citizens)
    return [Reply(text, buttons=[[Button(T.DELETE_YES, f"gsx:yes:{row.id}"),
                                  Button(T.DELETE_NO, f"gsx:no:{row.id}")]])]


@router.command("xoa", Role.MEMBER, T.CMD["xoa"])
async def delete_session(ctx: Context) -> list[Reply]:
    """`/xoa 12` asks to confirm deleting my session #12 (within 24 hours); `/xoa` lists my recent ones."""
    if not ctx.msg.args:
        return await _pick_recent(ctx, T.PICK_DELETE, "gsx")
    session_id, problem = _id_argument(ctx, "xoa")
    if session_id is None:
        return [Reply(problem or "")]
    return await _confirm_delete(ctx, session_id)


@router.action("gsx", Role.MEMBER)
async def delete_button(ctx: Context, args: list[str]) -> list[Reply]:
    if args[:1] == ["yes"]:
        session_id = _int(args, 1)
        if session_id is None:
            return [Reply(texts.STALE_BUTTON)]
        row, refusal = await _own_recent(ctx, session_id)
        if row is None:
            return [Reply(refusal or "")]
        await sessions.soft_delete(ctx.db, row.id, ctx.person.id, ctx.now())
        return [Reply(T.DELETED.format(id=row.id))]
    if args[:1] == ["no"]:
        return [Reply(T.NOT_DELETED.format(id=_int(args, 1) or ""))]
    session_id = _int(args, 0)
    if session_id is None:
        return [Reply(texts.STALE_BUTTON)]
    return await _confirm_delete(ctx, session_id)


# ---------------------------------------------------------------- /to

async def _team_for(ctx: Context) -> tuple[UnitDTO | None, str | None]:
    code = ctx.msg.args.split()[0].upper() if ctx.msg.args else ""
    own = await people.get_unit(ctx.db, ctx.person.unit_id) if ctx.person.unit_id else None
    if not code:
        if own is not None and own.kind == UnitKind.TEAM:
            return own, None
        return None, T.TEAM_NO_TEAM
    if own is not None and own.code == code and own.kind == UnitKind.TEAM:
        return own, None
    if not at_least(ctx.person.role, Role.HEAD):
        return None, T.TEAM_OTHER
    unit = await people.get_unit_by_code(ctx.db, code)
    commune = await commune_units(ctx)  # heads and admins see the Tổ of their own commune only
    if unit is None or unit.kind != UnitKind.TEAM or (commune is not None and unit.id not in commune):
        teams = ", ".join(u.code for u in await people.list_units(ctx.db, UnitKind.TEAM)
                          if commune is None or u.id in commune)
        return None, T.TEAM_UNKNOWN.format(code=code[:30], codes=teams or T.NONE)
    return unit, None


@router.command("to", Role.LEADER, T.CMD["to"])
async def team_month(ctx: Context) -> list[Reply]:
    """The team's sessions this month, per member; heads and admins may name a team: /to TO-DONG."""
    team, refusal = await _team_for(ctx)
    if team is None:
        return [Reply(refusal or "")]
    today = _today(ctx)
    start, end = sessions.month_bounds(today)
    members = await sessions.team_totals(ctx.db, team.id, start, end)
    lines = [T.TEAM_HEADER.format(team=team.name, month=_month(today))]
    if not members:
        lines.append(T.TEAM_NO_MEMBERS)
    members.sort(key=lambda m: (-m.totals.sessions, -m.totals.citizens, m.name))
    for member in members:
        t = member.totals
        if not t.sessions:
            lines.append(T.TEAM_ITEM_EMPTY.format(name=member.name))
            continue
        parts = _totals_parts(t)
        lines.append(T.TEAM_ITEM.format(name=member.name, sessions=t.sessions, citizens=t.citizens,
                                        priority=T.TOTAL_PRIORITY.format(parts=parts) if parts else ""))
    everyone = Totals(*(sum(getattr(m.totals, f) for m in members)
                        for f in ("sessions", "citizens", "elderly", "disabled", "poor", "minutes")))
    parts = _totals_parts(everyone)
    lines.append(T.TEAM_TOTAL.format(sessions=everyone.sessions, citizens=everyone.citizens,
                                     priority=T.TOTAL_PRIORITY.format(parts=parts) if parts else ""))
    return [Reply("\n".join(lines))]

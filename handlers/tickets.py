"""The citizen hand-off queue: a citizen asks for a person, a member of the Tổ CNSCĐ claims and answers.

Citizen side: `start_handoff` (from the FAQ fallback, 👎, the "gặp người thật"/"đến tận nhà" topics, or
`/hotro`) asks the thôn and a short description (dialog `tk_new`), creates the ticket and notifies the
team. While a member owns the ticket, `intercept_citizen_text` (called first by the FAQ) relays what the
citizen writes to that member instead of answering it.

Member side: `/hangdoi`, `/nhan <id>` or the "Nhận" button claim a ticket (a conditional UPDATE: one
winner); `/traloi <id> <text>`, or plain messages while the `tk_reply` dialog is open, go to the citizen;
`/dong <id>` closes it, asks the citizen for a rating and offers to log an assistance session.
`/nhom` links a team's group chat, where its notifications then go.

Button data is `tk:<what>:<id>[:<n>]`; the ticket behind every id is checked against the caller.
All relayed texts are masked before they are stored or queued; members see only "người dân" and the
thôn, citizens see only the member's given name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from handlers import texts
from handlers import texts_sessions as TS
from handlers import texts_tickets as T
from handlers.common import MENU_BUTTONS
from handlers.context import Context
from handlers.core import fold_label
from handlers.messages import Button, Reply
from handlers.roles import AUDIENCE, at_least
from handlers.router import Router
from handlers.session_parser import match_place
from scheduler import ticket_jobs as jobs
from scheduler.reminders import Calendar, PlannedMessage, enqueue
from storage.models import Role, UnitKind
from storage.models_tickets import TicketStatus
from storage.privacy import mask_pii
from storage.repos import people, questions, sessions
from storage.repos import tickets as repo
from storage.repos.questions import LoggedQuestion
from storage.repos.tickets import TicketDTO

router = Router()
NEW_DIALOG = "tk_new"
REPLY_DIALOG = "tk_reply"
MIN_TEXT = 3
RATING_WINDOW = timedelta(days=3)
QUEUE_MAX = 10
PLACE_BUTTONS_MAX = 12
HANDOFF_TOPICS = frozenset({"meta.human", "team.request_help"})
_DIGITS = re.compile(r"[0-9]{1,9}")
UNKNOWN_WORDS = {"khong ro", "ko ro", "k ro", "khong biet", "ko biet", "chua ro", "khong"}

if (T.MENU_QUEUE, "tk:list") not in MENU_BUTTONS.setdefault(Role.MEMBER, []):
    MENU_BUTTONS[Role.MEMBER].append((T.MENU_QUEUE, "tk:list"))


# ---------------------------------------------------------------- small helpers

def given_name(full_name: str) -> str:
    """The name members are shown by: the Vietnamese given name (the last word)."""
    words = full_name.split()
    return words[-1] if words else "Tổ CNSCĐ"


def _int(value: str) -> int | None:
    """A ticket id or rating typed or carried by a button: 1-9 ASCII digits (not "²" or "١")."""
    value = value.strip().lstrip("#")
    return int(value) if _DIGITS.fullmatch(value) else None


def _arg_int(args: list[str], index: int) -> int | None:
    return _int(args[index]) if len(args) > index else None


def _waited(now: datetime, since: datetime) -> str:
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return T.WAITED_MINUTES.format(n=minutes)
    if minutes < 48 * 60:
        return T.WAITED_HOURS.format(n=minutes // 60)
    return T.WAITED_DAYS.format(n=minutes // (24 * 60))


def _masked_note(original: str) -> list[Reply]:
    """A word to the sender when personal numbers were masked out of what they wrote."""
    return [Reply(T.MASKED_NOTE)] if mask_pii(original.strip()) != original.strip() else []


def source_of(question: LoggedQuestion | None) -> str:
    """Where a hand-off came from, for the record."""
    if question is None:
        return "command"
    if question.feedback == "down":
        return "down"
    if question.topic in HANDOFF_TOPICS:
        return "topic"
    return "fallback"


def handoff_button(qid: int) -> Button:
    return Button(texts.FAQ_HANDOFF_BUTTON, f"ho:{qid}")


# ---------------------------------------------------------------- the citizen asks for a person

async def start_handoff(ctx: Context, qid: int | None) -> list[Reply]:
    """Open the hand-off dialog (thôn, then description), prefilled with the logged question if any."""
    question = None
    if qid:
        logged = await questions.get_question(ctx.db, qid)
        if logged is not None and logged.identity_id == ctx.identity.id:
            question = logged
            await questions.mark_handed_off(ctx.db, qid)
    active = await repo.active_for_identity(ctx.db, ctx.identity.id)
    if active is not None:
        if question is None:
            return [Reply(T.ALREADY_ACTIVE.format(id=active.id))]
        await _citizen_adds(ctx, active, question.text)
        return [Reply(T.ADDED_TO_ACTIVE.format(id=active.id))]
    await ctx.start_dialog(NEW_DIALOG, "place", {"q": question.id if question else None,
                                                 "src": source_of(question)})
    villages = await people.list_units(ctx.db, UnitKind.VILLAGE)
    if not villages:
        return await _ask_text(ctx, None, prefix=T.CONSENT)
    return [_place_reply(villages, T.ASK_PLACE.format(consent=T.CONSENT))]


def _place_reply(villages: list[people.UnitDTO], text: str) -> Reply:
    buttons = [[Button(v.name, f"tk:pl:{v.id}")] for v in villages[:PLACE_BUTTONS_MAX]]
    buttons.append([Button(T.PLACE_UNKNOWN_BUTTON, "tk:pl:0")])
    buttons.append([Button(T.CANCEL_BUTTON, "tk:cancel")])
    return Reply(text, buttons=buttons)


async def _ask_text(ctx: Context, unit_id: int | None, prefix: str = "") -> list[Reply]:
    assert ctx.dialog is not None
    ctx.dialog.data["u"] = unit_id
    ctx.dialog.step = "text"
    await ctx.save_dialog()
    qid = ctx.dialog.data.get("q")
    question = await questions.get_question(ctx.db, int(qid)) if qid else None
    buttons: list[list[Button]] = []
    if question is not None:
        text = T.ASK_TEXT_PREFILLED.format(text=question.text[:500])
        buttons.append([Button(T.KEEP_BUTTON, "tk:keep")])
    else:
        text = T.ASK_TEXT
    buttons.append([Button(T.CANCEL_BUTTON, "tk:cancel")])
    return [Reply(f"{prefix}\n{text}" if prefix else text, buttons=buttons)]


@router.dialog(NEW_DIALOG)
async def handoff_step(ctx: Context) -> list[Reply]:
    """Typed answers in the hand-off dialog: the thôn's name, then the description."""
    assert ctx.dialog is not None
    text = ctx.msg.text.strip()
    if ctx.dialog.step == "place":
        villages = await people.list_units(ctx.db, UnitKind.VILLAGE)
        if fold_label(text) in UNKNOWN_WORDS:
            return await _ask_text(ctx, None)
        uid, suggestions = match_place(text, [(v.id, v.name) for v in villages])
        if uid is not None:
            return await _ask_text(ctx, uid)
        shown = [v for s in suggestions for v in villages if v.id == s] or villages
        return [_place_reply(shown, T.PLACE_NOT_FOUND.format(text=mask_pii(text)[:60]))]
    return await _create_from_dialog(ctx, text)


async def _create_from_dialog(ctx: Context, text: str) -> list[Reply]:
    assert ctx.dialog is not None
    stored = repo.masked(text)
    if len(fold_label(stored)) < MIN_TEXT:
        return [Reply(T.TEXT_TOO_SHORT)]
    data = dict(ctx.dialog.data)
    await ctx.end_dialog()
    active = await repo.active_for_identity(ctx.db, ctx.identity.id)
    if active is not None:  # created meanwhile from another button
        await _citizen_adds(ctx, active, text)
        return [Reply(T.ADDED_TO_ACTIVE.format(id=active.id))]
    unit_id = data.get("u")
    if unit_id is not None and await people.get_unit(ctx.db, int(unit_id)) is None:
        unit_id = None
    eta = await _eta_notice(ctx)
    ticket = await repo.create_ticket(
        ctx.db, identity_id=ctx.identity.id, unit_id=int(unit_id) if unit_id is not None else None, text=text,
        question_id=int(data["q"]) if data.get("q") else None, source=str(data.get("src") or "command"),
        now=ctx.now(), told_eta=eta is not None,
    )
    await jobs.notify_team(ctx.db, ctx.settings, ticket, ctx.now(), skip={ctx.person.id})
    unit = await people.get_unit(ctx.db, ticket.unit_id) if ticket.unit_id is not None else None
    place = T.CREATED_PLACE.format(place=unit.name) if unit else ""
    message = T.CREATED.format(id=ticket.id, place=place)
    if eta:
        message += "\n" + eta
    return [*_masked_note(text), Reply(message)]


async def _eta_notice(ctx: Context) -> str | None:
    """Outside working hours, when to expect an answer; at most once a (local) day per citizen."""
    now = ctx.now()
    cal = Calendar(ctx.settings)
    window = cal.next_window(now)
    if window <= now + timedelta(minutes=1):
        return None
    local_now = ctx.local_now()
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC).replace(tzinfo=None)
    if await repo.told_eta_since(ctx.db, ctx.identity.id, midnight):
        return None
    local = window.replace(tzinfo=UTC).astimezone(ctx.settings.tz)
    when = T.WHEN.format(time=local.strftime("%H:%M"), weekday=T.WEEKDAYS[local.weekday()],
                         date=local.strftime("%d/%m"))
    return T.OFF_HOURS.format(when=when)


@router.command("hotro", Role.CITIZEN, T.CMD["hotro"])
async def ask_for_help(ctx: Context) -> list[Reply]:
    """Ask for a person of the Tổ CNSCĐ."""
    return await start_handoff(ctx, None)


# ---------------------------------------------------------------- citizen messages on a claimed ticket

async def intercept_citizen_text(ctx: Context) -> list[Reply] | None:
    """Called before the FAQ: a ticket owned by a member gets the citizen's text instead of the FAQ;
    a bare 1-5 right after a ticket was closed is its rating (channels without buttons)."""
    text = ctx.msg.text.strip()
    active = await repo.active_for_identity(ctx.db, ctx.identity.id) if ctx.may_have_claimed_ticket else None
    if active is not None and active.status == TicketStatus.CLAIMED and active.owner_id is not None:
        return await _relay_to_member(ctx, active, text)
    if text in {"1", "2", "3", "4", "5"}:
        pending = await repo.awaiting_rating(ctx.db, ctx.identity.id, ctx.now() - RATING_WINDOW)
        if pending is not None:
            return await _rate(ctx, pending.id, int(text))
    return None


async def _citizen_adds(ctx: Context, ticket: TicketDTO, text: str) -> None:
    """More words from the citizen on their ticket: relayed if a member owns it, else kept for the claim."""
    if ticket.status == TicketStatus.CLAIMED and ticket.owner_id is not None:
        await _relay_to_member(ctx, ticket, text)
    else:
        await repo.add_message(ctx.db, ticket.id, "in", ctx.person.id, text, ctx.now())


async def _relay_to_member(ctx: Context, ticket: TicketDTO, text: str) -> list[Reply]:
    assert ticket.owner_id is not None
    message = await repo.add_message(ctx.db, ticket.id, "in", ctx.person.id, text, ctx.now())
    owner = await people.get_person(ctx.db, ticket.owner_id)
    await enqueue(ctx.db, PlannedMessage(
        f"tk-msg:{message.id}", jobs.KIND_RELAY, ticket.owner_id,
        T.RELAY_TO_MEMBER.format(id=ticket.id, text=message.text), [[(T.REPLY_BUTTON, f"tk:rp:{ticket.id}")]],
        ctx.now()), ctx.now())
    first = given_name(owner.name) if owner else "Tổ CNSCĐ"
    return [*_masked_note(text), Reply(T.SENT_TO_MEMBER.format(first=first))]


# ---------------------------------------------------------------- the queue and claiming

@router.command("hangdoi", Role.MEMBER, T.CMD["hangdoi"])
async def show_queue(ctx: Context) -> list[Reply]:
    """Open tickets (my thôn's first, then the oldest) with "Nhận" buttons, and the ones I hold."""
    mine = await repo.owned_by(ctx.db, ctx.person.id)
    waiting = await repo.list_open(ctx.db, limit=200)
    village = await sessions.village_of(ctx.db, ctx.person.unit_id)
    waiting.sort(key=lambda t: (t.unit_id != village or village is None, t.opened_at, t.id))
    if not mine and not waiting:
        return [Reply(T.QUEUE_EMPTY)]
    lines: list[str] = []
    buttons: list[list[Button]] = []
    if mine:
        lines.append(T.QUEUE_MINE_HEADER)
        for t in mine:
            lines.append(T.QUEUE_MINE_ITEM.format(id=t.id, place=await jobs.place_text(ctx.db, t.unit_id),
                                                  text=jobs.preview(t.text)[:120]))
            buttons.append([Button(T.REPLY_N.format(id=t.id), f"tk:rp:{t.id}")])
    lines.append(T.QUEUE_HEADER if waiting else T.QUEUE_EMPTY)
    for t in waiting[:QUEUE_MAX]:
        lines.append(T.QUEUE_ITEM.format(id=t.id, place=await jobs.place_text(ctx.db, t.unit_id),
                                         waited=_waited(ctx.now(), t.opened_at), text=jobs.preview(t.text)[:120]))
        buttons.append([Button(T.CLAIM_N.format(id=t.id), f"tk:claim:{t.id}")])
    if len(waiting) > QUEUE_MAX:
        lines.append(T.QUEUE_MORE.format(n=len(waiting) - QUEUE_MAX))
    return [Reply("\n".join(lines), buttons=buttons)]


@router.command("nhan", Role.MEMBER, T.CMD["nhan"])
async def claim_command(ctx: Context) -> list[Reply]:
    ticket_id = _int(ctx.msg.args.split()[0]) if ctx.msg.args else None
    if ticket_id is None:
        return [Reply(T.CLAIM_USAGE)]
    return await claim_ticket(ctx, ticket_id)


async def claim_ticket(ctx: Context, ticket_id: int) -> list[Reply]:
    """Exactly one member wins a ticket; the others are told, politely, that someone took it."""
    if not at_least(ctx.person.role, Role.MEMBER):
        return [Reply(T.CLAIM_NOT_ALLOWED)]
    ticket = await repo.get_ticket(ctx.db, ticket_id)
    if ticket is None:
        return [Reply(T.NOT_FOUND.format(id=ticket_id))]
    if ticket.status == TicketStatus.CLAIMED and ticket.owner_id == ctx.person.id:
        return [Reply(T.ALREADY_YOURS.format(id=ticket_id))]
    if ticket.status == TicketStatus.CLOSED:
        return [Reply(T.TICKET_CLOSED.format(id=ticket_id))]
    if not await repo.claim(ctx.db, ticket_id, ctx.person.id, ctx.now()):
        return [Reply(T.ALREADY_TAKEN.format(id=ticket_id))]
    first = given_name(ctx.person.name)
    await jobs.tell_citizen(ctx.db, ticket, key=f"tk-claimed:{ticket.id}:{ticket.requeues}", kind=jobs.KIND_RELAY,
                            text=T.CITIZEN_CLAIMED.format(first=first, id=ticket.id), now=ctx.now())
    details = await _claim_details(ctx, ticket)
    buttons = [[Button(T.CLOSE_BUTTON, f"tk:close:{ticket.id}"), Button(T.DROP_BUTTON, f"tk:drop:{ticket.id}")]]
    if ctx.msg.chat_type == "group":  # the details go to the member's private chat
        await enqueue(ctx.db, PlannedMessage(
            f"tk-details:{ticket.id}:{ticket.requeues}", jobs.KIND_NOTICE, ctx.person.id,
            T.CLAIMED_NO_DIALOG.format(**details), [[(T.REPLY_BUTTON, f"tk:rp:{ticket.id}")],
                                                    [(T.CLOSE_BUTTON, f"tk:close:{ticket.id}")]],
            ctx.now()), ctx.now())
        return [Reply(T.CLAIMED_IN_GROUP.format(first=first, id=ticket.id))]
    if ctx.dialog is None or ctx.dialog.name == REPLY_DIALOG:
        await ctx.start_dialog(REPLY_DIALOG, "text", {"id": ticket.id})
        return [Reply(T.CLAIMED.format(**details), buttons=buttons)]
    return [Reply(T.CLAIMED_NO_DIALOG.format(**details), buttons=buttons)]  # keep the dialog they are in


async def _claim_details(ctx: Context, ticket: TicketDTO) -> dict[str, object]:
    extra = [m.text for m in await repo.messages_of(ctx.db, ticket.id) if m.direction == "in"][-5:]
    return {
        "id": ticket.id, "place": await jobs.place_text(ctx.db, ticket.unit_id), "text": ticket.text,
        "first": given_name(ctx.person.name),
        "extra": T.CLAIMED_EXTRA.format(lines="\n".join(f"• {m}" for m in extra)) if extra else "",
    }


# ---------------------------------------------------------------- answering the citizen

async def _owned(ctx: Context, ticket_id: int) -> tuple[TicketDTO | None, str | None]:
    """The ticket, if the caller owns it now; else why not."""
    ticket = await repo.get_ticket(ctx.db, ticket_id)
    if ticket is None:
        return None, T.NOT_FOUND.format(id=ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        return None, T.TICKET_CLOSED.format(id=ticket_id)
    if ticket.status != TicketStatus.CLAIMED or ticket.owner_id != ctx.person.id:
        return None, T.NOT_OWNER.format(id=ticket_id)
    return ticket, None


async def relay_to_citizen(ctx: Context, ticket_id: int, text: str) -> list[Reply]:
    ticket, refusal = await _owned(ctx, ticket_id)
    if ticket is None:
        return [Reply(refusal or "")]
    if await repo.citizen_identity(ctx.db, ticket) is None:
        return [Reply(T.CITIZEN_GONE.format(id=ticket_id))]
    message = await repo.add_message(ctx.db, ticket.id, "out", ctx.person.id, text, ctx.now())
    await jobs.tell_citizen(
        ctx.db, ticket, key=f"tk-msg:{message.id}", kind=jobs.KIND_RELAY, now=ctx.now(),
        text=T.RELAY_TO_CITIZEN.format(first=given_name(ctx.person.name), text=message.text))
    if ctx.msg.chat_type == "private" and (ctx.dialog is None or ctx.dialog.name == REPLY_DIALOG):
        await ctx.start_dialog(REPLY_DIALOG, "text", {"id": ticket.id})  # the next plain messages go on
    return [*_masked_note(text), Reply(T.SENT_TO_CITIZEN.format(id=ticket.id))]


@router.command("traloi", Role.MEMBER, T.CMD["traloi"])
async def reply_command(ctx: Context) -> list[Reply]:
    """`/traloi 12 nội dung` sends the text to the citizen of ticket #12 (only its owner)."""
    parts = ctx.msg.args.split(maxsplit=1)
    if not parts:
        return [Reply(T.REPLY_USAGE)]
    ticket_id = _int(parts[0])
    if ticket_id is None:
        return [Reply(T.BAD_ID.format(text=mask_pii(parts[0])[:20], usage=T.REPLY_USAGE))]
    if len(parts) < 2 or not parts[1].strip():
        return await open_reply_dialog(ctx, ticket_id)
    return await relay_to_citizen(ctx, ticket_id, parts[1])


async def open_reply_dialog(ctx: Context, ticket_id: int) -> list[Reply]:
    ticket, refusal = await _owned(ctx, ticket_id)
    if ticket is None:
        return [Reply(refusal or "")]
    if ctx.msg.chat_type == "group":
        return [Reply(T.REPLY_DIALOG_GROUP.format(id=ticket_id))]
    await ctx.start_dialog(REPLY_DIALOG, "text", {"id": ticket.id})
    return [Reply(T.REPLY_DIALOG_OPEN.format(id=ticket.id))]


@router.dialog(REPLY_DIALOG)
async def reply_step(ctx: Context) -> list[Reply]:
    """While the reply dialog is open, the member's plain messages go to the citizen."""
    assert ctx.dialog is not None
    ticket_id = int(ctx.dialog.data.get("id") or 0)
    if ctx.msg.chat_type == "group":
        return [Reply(T.REPLY_DIALOG_GROUP.format(id=ticket_id))]
    ticket, _refusal = await _owned(ctx, ticket_id)
    if ticket is None:
        await ctx.end_dialog()
        return [Reply(T.REPLY_LOST.format(id=ticket_id))]
    return await relay_to_citizen(ctx, ticket_id, ctx.msg.text)


# ---------------------------------------------------------------- closing, rating, logging

def _may_close(ctx: Context, ticket: TicketDTO) -> bool:
    owner = ticket.status == TicketStatus.CLAIMED and ticket.owner_id == ctx.person.id
    return owner or ctx.person.role == Role.ADMIN


@router.command("dong", Role.MEMBER, T.CMD["dong"])
async def close_command(ctx: Context) -> list[Reply]:
    ticket_id = _int(ctx.msg.args.split()[0]) if ctx.msg.args else None
    if ticket_id is None:
        return [Reply(T.CLOSE_USAGE)]
    return await close_ticket(ctx, ticket_id)


async def close_ticket(ctx: Context, ticket_id: int) -> list[Reply]:
    """Close (owner or admin), ask the citizen for a rating, offer to log a session."""
    ticket = await repo.get_ticket(ctx.db, ticket_id)
    if ticket is None:
        return [Reply(T.NOT_FOUND.format(id=ticket_id))]
    if ticket.status == TicketStatus.CLOSED:
        return [Reply(T.ALREADY_CLOSED.format(id=ticket_id))]
    if not _may_close(ctx, ticket):
        return [Reply(T.CLOSE_NOT_ALLOWED.format(id=ticket_id))]
    if not await repo.close(ctx.db, ticket_id, ctx.person.id, ctx.now()):
        return [Reply(T.ALREADY_CLOSED.format(id=ticket_id))]
    if ctx.dialog is not None and ctx.dialog.name == REPLY_DIALOG and ctx.dialog.data.get("id") == ticket_id:
        await ctx.end_dialog()
    rating = [[(label, f"tk:rate:{ticket_id}:{n}") for n, label in T.RATING_LABELS.items()]]
    await jobs.tell_citizen(ctx.db, ticket, key=f"tk-closed:{ticket_id}", kind=jobs.KIND_NOTICE, now=ctx.now(),
                            text=T.CITIZEN_CLOSED.format(id=ticket_id), buttons=rating)
    return [Reply(T.CLOSED_OK.format(id=ticket_id), buttons=[[Button(T.LOG_BUTTON, f"tk:log:{ticket_id}")]])]


async def _rate(ctx: Context, ticket_id: int, rating: int) -> list[Reply]:
    if not 1 <= rating <= 5 or not await repo.rate(ctx.db, ticket_id, ctx.identity.id, rating, ctx.now()):
        return [Reply(T.RATE_NOT_ALLOWED)]
    return [Reply(T.RATE_THANKS.format(n=rating))]


def category_for(topic: str | None) -> str:
    """The session category a question's topic suggests."""
    group = (topic or "").split(".", 1)[0]
    return group if group in ("vneid", "dvc") else "other"


async def log_session(ctx: Context, ticket_id: int) -> list[Reply]:
    """One assistance session from a closed ticket: 1 citizen, its thôn, today, category from its topic."""
    ticket = await repo.get_ticket(ctx.db, ticket_id)
    if ticket is None:
        return [Reply(T.NOT_FOUND.format(id=ticket_id))]
    if ctx.person.id not in (ticket.owner_id, ticket.closed_by_id) or not at_least(ctx.person.role, Role.MEMBER):
        return [Reply(T.LOG_NOT_ALLOWED.format(id=ticket_id))]
    if ticket.status != TicketStatus.CLOSED:
        return [Reply(T.LOG_NOT_CLOSED.format(id=ticket_id))]
    existing = await repo.session_for_ticket(ctx.db, ticket_id)
    if existing is not None:
        return [Reply(T.ALREADY_LOGGED.format(id=ticket_id, sid=existing))]
    question = await questions.get_question(ctx.db, ticket.question_id) if ticket.question_id else None
    topic = None
    if question is not None:
        topic = question.topic or (question.candidates[0] if question.candidates else None)
    category = category_for(topic)
    unit_id = ticket.unit_id if ticket.unit_id is not None else await sessions.village_of(ctx.db, ctx.person.unit_id)
    day = ctx.local_now().date()
    row = await sessions.add_session(
        ctx.db, ctx.person.id, day=day, unit_id=unit_id, category=category, citizens=1,
        note=T.SESSION_NOTE.format(id=ticket_id, text=ticket.text[:300]), ticket_id=ticket_id, now=ctx.now(),
    )
    unit = await people.get_unit(ctx.db, unit_id) if unit_id is not None else None
    return [Reply(T.LOGGED.format(sid=row.id, category=TS.CATEGORY_LABELS.get(category, category),
                                  place=unit.name if unit else T.NO_PLACE, date=day.strftime("%d/%m/%Y"),
                                  id=ticket_id))]


async def drop_ticket(ctx: Context, ticket_id: int) -> list[Reply]:
    """The owner gives the ticket back to the queue; the team is notified again."""
    ticket, refusal = await _owned(ctx, ticket_id)
    if ticket is None:
        return [Reply(refusal or "")]
    await jobs.requeue(ctx.db, ctx.settings, ticket, ctx.now(), timed_out=False)
    if ctx.dialog is not None and ctx.dialog.name == REPLY_DIALOG:
        await ctx.end_dialog()
    return [Reply(T.DROPPED.format(id=ticket_id))]


# ---------------------------------------------------------------- buttons

@router.action("tk", Role.CITIZEN)
async def ticket_button(ctx: Context, args: list[str]) -> list[Reply]:
    """Every button of the queue; the role and the ticket are checked for each."""
    what = args[0] if args else ""
    ticket_id = _arg_int(args, 1)
    if what in ("pl", "keep", "cancel"):
        return await _handoff_button(ctx, what, ticket_id)
    if what == "rate":
        rating = _arg_int(args, 2)
        if ticket_id is None or rating is None:
            return [Reply(texts.STALE_BUTTON)]
        return await _rate(ctx, ticket_id, rating)
    if what == "log" and ticket_id is not None:
        return await log_session(ctx, ticket_id)
    if not at_least(ctx.person.role, Role.MEMBER):
        return [Reply(texts.ACTION_NOT_ALLOWED.format(audience=AUDIENCE[Role.MEMBER]))]
    if what == "list":
        return await show_queue(ctx)
    if ticket_id is None:
        return [Reply(texts.STALE_BUTTON)]
    if what == "claim":
        return await claim_ticket(ctx, ticket_id)
    if what == "rp":
        return await open_reply_dialog(ctx, ticket_id)
    if what == "close":
        return await close_ticket(ctx, ticket_id)
    if what == "drop":
        return await drop_ticket(ctx, ticket_id)
    return [Reply(texts.STALE_BUTTON)]


async def _handoff_button(ctx: Context, what: str, value: int | None) -> list[Reply]:
    if ctx.dialog is None or ctx.dialog.name != NEW_DIALOG:
        return [Reply(texts.STALE_BUTTON)]
    if what == "cancel":
        await ctx.end_dialog()
        return [Reply(T.HANDOFF_CANCELLED)]
    if what == "pl" and ctx.dialog.step == "place" and value is not None:
        if value == 0:
            return await _ask_text(ctx, None)
        villages = await people.list_units(ctx.db, UnitKind.VILLAGE)
        if value not in {v.id for v in villages}:
            return [_place_reply(villages, texts.STALE_BUTTON)]
        return await _ask_text(ctx, value)
    if what == "keep" and ctx.dialog.step == "text" and ctx.dialog.data.get("q"):
        question = await questions.get_question(ctx.db, int(ctx.dialog.data["q"]))
        if question is not None and question.identity_id == ctx.identity.id:
            return await _create_from_dialog(ctx, question.text)
    return [Reply(texts.STALE_BUTTON)]


# ---------------------------------------------------------------- an admin hands a logged question over

async def hand_question(ctx: Context, question: LoggedQuestion) -> list[Reply]:
    """`/chuatraloi` → "Giao thành viên": a ticket from a logged question, the citizen told."""
    identity = await repo.identity_by_id(ctx.db, question.identity_id) if question.identity_id else None
    if identity is None:
        return [Reply(T.ADMIN_NO_CITIZEN)]
    await questions.mark_handed_off(ctx.db, question.id)
    active = await repo.active_for_identity(ctx.db, identity.id)
    if active is not None:
        if active.status == TicketStatus.CLAIMED and active.owner_id is not None:
            message = await repo.add_message(ctx.db, active.id, "in", identity.person_id, question.text, ctx.now())
            await enqueue(ctx.db, PlannedMessage(
                f"tk-msg:{message.id}", jobs.KIND_RELAY, active.owner_id,
                T.RELAY_TO_MEMBER.format(id=active.id, text=message.text),
                [[(T.REPLY_BUTTON, f"tk:rp:{active.id}")]], ctx.now()), ctx.now())
        else:
            await repo.add_message(ctx.db, active.id, "in", identity.person_id, question.text, ctx.now())
        return [Reply(T.ADMIN_ACTIVE.format(id=active.id))]
    ticket = await repo.create_ticket(ctx.db, identity_id=identity.id, unit_id=None, text=question.text,
                                      question_id=question.id, source="admin", now=ctx.now())
    await jobs.notify_team(ctx.db, ctx.settings, ticket, ctx.now(), skip={identity.person_id})
    await jobs.tell_citizen(ctx.db, ticket, key=f"tk-handed:{ticket.id}", kind=jobs.KIND_NOTICE, now=ctx.now(),
                            text=T.CITIZEN_ADMIN_HANDED.format(text=question.text[:200], id=ticket.id),
                            not_before=Calendar(ctx.settings).next_window(ctx.now()))
    return [Reply(texts.UNANSWERED_HANDED.format(text=question.text[:120]))]


# ---------------------------------------------------------------- team group chats

@router.command("nhom", Role.LEADER, T.CMD["nhom"])
async def link_group(ctx: Context) -> list[Reply]:
    """In a group chat: `/nhom` links it to my team, `/nhom <mã tổ>` (heads, admins) to that team,
    `/nhom huy` unlinks it."""
    if ctx.msg.chat_type != "group":
        return [Reply(T.GROUP_ONLY)]
    arg = ctx.msg.args.split()[0] if ctx.msg.args else ""
    if fold_label(arg) == "huy":
        return await _unlink_group(ctx)
    own = await people.get_unit(ctx.db, ctx.person.unit_id) if ctx.person.unit_id else None
    if not arg:
        if own is None or own.kind != UnitKind.TEAM:
            return [Reply(T.GROUP_NO_TEAM)]
        team = own
    else:
        code = arg.upper()
        if own is not None and own.code == code and own.kind == UnitKind.TEAM:
            team = own
        elif not at_least(ctx.person.role, Role.HEAD):
            return [Reply(T.GROUP_OTHER_TEAM)]
        else:
            found = await people.get_unit_by_code(ctx.db, code)
            if found is None or found.kind != UnitKind.TEAM:
                codes = ", ".join(u.code for u in await people.list_units(ctx.db, UnitKind.TEAM))
                return [Reply(T.GROUP_UNKNOWN_TEAM.format(code=code[:30], codes=codes or T.NONE))]
            team = found
    await repo.link_group(ctx.db, team.id, ctx.msg.channel, ctx.msg.chat_id, ctx.person.id, ctx.now())
    village = await people.get_unit(ctx.db, team.parent_id) if team.parent_id else None
    place = T.PLACE_OF.format(name=village.name) if village else T.PLACE_UNKNOWN
    return [Reply(T.GROUP_LINKED.format(unit=team.name, place=place))]


async def _unlink_group(ctx: Context) -> list[Reply]:
    group = await repo.group_by_chat(ctx.db, ctx.msg.channel, ctx.msg.chat_id)
    if group is None:
        return [Reply(T.GROUP_NOT_LINKED)]
    unit = await people.get_unit(ctx.db, group.unit_id)
    name = unit.name if unit else T.NONE
    if ctx.person.unit_id != group.unit_id and not at_least(ctx.person.role, Role.HEAD):
        return [Reply(T.GROUP_UNLINK_NOT_ALLOWED.format(unit=name))]
    await repo.unlink_group(ctx.db, group.id)
    return [Reply(T.GROUP_UNLINKED.format(unit=name))]

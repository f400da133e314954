"""Commune admin commands: invites, knowledge base reload and the unanswered-questions review."""

from __future__ import annotations

import asyncio
from datetime import UTC

from faq.kb import KBError, add_overlay_paraphrase
from handlers import texts, tickets
from handlers.context import Context
from handlers.messages import Button, Reply
from handlers.roles import ROLE_NAMES, parse_role
from handlers.router import Router, parse_id
from handlers.unit_head import scope_units
from storage.models import Role
from storage.repos import people, questions

router = Router()


@router.command("moi", Role.ADMIN, texts.CMD["moi"])
async def invite(ctx: Context) -> list[Reply]:
    """Creates an invite code: /moi <role> <unit code> [uses]."""
    parts = ctx.msg.args.split()
    if len(parts) < 2:
        return [Reply(texts.INVITE_USAGE)]
    role = parse_role(parts[0])
    if role is None or role == Role.CITIZEN:
        return [Reply(texts.INVITE_BAD_ROLE.format(role=parts[0][:20]))]
    unit = await people.get_unit_by_code(ctx.db, parts[1].upper())
    scope = await scope_units(ctx)  # an admin invites to their own unit and below only
    if unit is None or (scope is not None and unit.id not in scope):
        codes = ", ".join(u.code for u in await people.list_units(ctx.db) if scope is None or u.id in scope)
        return [Reply(texts.INVITE_BAD_UNIT.format(code=parts[1][:30], codes=codes))]
    uses = 1
    if len(parts) > 2:
        uses = parse_id(parts[2]) or 0
        if not 1 <= uses <= 500:
            return [Reply(texts.INVITE_BAD_USES)]
    inv = await people.create_invite(ctx.db, role, unit.id, uses=uses, created_by=ctx.person.id)
    expires = inv.expires_at.replace(tzinfo=UTC).astimezone(ctx.settings.tz).strftime("%d/%m/%Y")
    return [Reply(texts.INVITE_CREATED.format(
        code=inv.code, role=ROLE_NAMES[role], unit=unit.name, uses=uses, expires=expires
    ))]


# ---------------------------------------------------------------- knowledge base

@router.command("kb_reload", Role.ADMIN, texts.CMD["kb_reload"])
async def kb_reload(ctx: Context) -> list[Reply]:
    """Reloads the knowledge base; an invalid one is refused and the old one kept."""
    engine = ctx.services.faq
    if engine is None:
        return [Reply(texts.FAQ_UNAVAILABLE)]
    problems = await engine.reload()  # built in a worker thread: the bot keeps answering
    if problems:
        return [Reply(texts.KB_RELOAD_REFUSED.format(problems="\n".join(f"• {p}" for p in problems[:10])))]
    return [Reply(texts.KB_RELOADED.format(count=len(engine.kb)))]


UNANSWERED_DAYS = 30


@router.command("chuatraloi", Role.ADMIN, texts.CMD["chuatraloi"])
async def unanswered(ctx: Context) -> list[Reply]:
    """Lists the most frequent questions the bot could not answer well, with actions per group."""
    since = questions.since_days(ctx.now(), UNANSWERED_DAYS)
    groups = await questions.unanswered_groups(ctx.db, since)
    if not groups:
        return [Reply(texts.UNANSWERED_EMPTY.format(days=UNANSWERED_DAYS))]
    lines = [texts.UNANSWERED_HEADER.format(days=UNANSWERED_DAYS)]
    buttons: list[list[Button]] = []
    for n, group in enumerate(groups, 1):
        lines.append(texts.UNANSWERED_ITEM.format(
            n=n, text=group.example.text[:120], count=group.count,
            reason=texts.UNANSWERED_REASONS[group.reason]))
        qid = group.example.id
        buttons.append([Button(texts.UNANSWERED_ADD.format(n=n), f"ua:add:{qid}"),
                        Button(texts.UNANSWERED_IGNORE.format(n=n), f"ua:ig:{qid}"),
                        Button(texts.UNANSWERED_HAND.format(n=n), f"ua:ho:{qid}")])
    return [Reply("\n".join(lines), buttons=buttons)]


@router.action("ua", Role.ADMIN)
async def unanswered_action(ctx: Context, args: list[str]) -> list[Reply]:
    """Acts on one unanswered group: pick a topic, add as paraphrase, or ignore."""
    if args[:1] == ["list"]:
        return await unanswered(ctx)
    qid = parse_id(args[1]) if len(args) > 1 else None
    if qid is None:
        return [Reply(texts.STALE_BUTTON)]
    question = await questions.get_question(ctx.db, qid)
    if question is None:
        return [Reply(texts.UNANSWERED_GONE)]
    if args[0] == "ig":
        await questions.ignore_question(ctx.db, question.normalized)
        return [Reply(texts.UNANSWERED_IGNORED.format(text=question.text[:120]))]
    if args[0] == "ho":
        return await tickets.hand_question(ctx, question)
    if ctx.services.faq is None:
        return [Reply(texts.FAQ_UNAVAILABLE)]
    if args[0] == "add":
        return [_pick_topic(ctx, question)]
    if args[0] == "at" and len(args) > 2:
        reply = await _add_paraphrase(ctx, question.text, args[2])
        if reply.text.startswith(texts.UNANSWERED_ADDED.split("«")[0]):
            await questions.ignore_question(ctx.db, question.normalized)  # the group is resolved
        return [reply]
    return [Reply(texts.STALE_BUTTON)]


def _pick_topic(ctx: Context, question: questions.LoggedQuestion) -> Reply:
    kb = ctx.services.faq.kb
    topic_ids = list(dict.fromkeys([*question.candidates,
                                    *(t for t, _ in ctx.services.faq.match(question.text).candidates)]))
    buttons = [[Button(kb.get(t).title, f"ua:at:{question.id}:{t}")] for t in topic_ids[:5] if kb.get(t)]
    return Reply(texts.UNANSWERED_PICK_TOPIC.format(text=question.text[:120]), buttons=buttons)


async def _add_paraphrase(ctx: Context, text: str, topic_id: str) -> Reply:
    engine = ctx.services.faq
    entry = engine.kb.get(topic_id)
    if entry is None:
        return Reply(texts.FAQ_UNKNOWN_TOPIC)
    try:
        # validating the whole base takes most of a second: off the event loop
        await asyncio.to_thread(add_overlay_paraphrase, ctx.settings.faq_overlay_file, topic_id, text,
                                kb_dir=engine.kb_dir)
    except KBError as err:
        return Reply(texts.UNANSWERED_ADD_FAILED.format(problems="; ".join(err.problems[:3])))
    problems = await engine.reload()
    if problems:
        return Reply(texts.KB_RELOAD_REFUSED.format(problems="\n".join(problems[:5])))
    return Reply(texts.UNANSWERED_ADDED.format(text=text[:120], title=entry.title))

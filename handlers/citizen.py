"""Citizen conversation: questions answered from the knowledge base, clarified, or handed off."""

from __future__ import annotations

from faq.normalize import normalize
from handlers import texts, tickets
from handlers.context import Context
from handlers.messages import Button, Reply
from handlers.router import Router, parse_id
from storage.models import Role
from storage.privacy import contains_id_number
from storage.repos import questions

router = Router()

MAX_RELATED = 2


def _topic_buttons(ctx: Context, topic_ids: list[str], qid: int) -> list[list[Button]]:
    kb = ctx.services.faq.kb
    return [[Button(kb.get(t).title, f"t:{t}:{qid}")] for t in topic_ids if kb.get(t) is not None]


def answer_reply(ctx: Context, topic_id: str, qid: int) -> Reply | None:
    """The answer to one topic, with 👍/👎 and up to two related topics as buttons."""
    entry = ctx.services.faq.kb.get(topic_id)
    if entry is None:
        return None
    text = entry.answer
    if entry.links:
        text += "\n\n" + texts.FAQ_MORE + "\n" + "\n".join(entry.links)
    buttons = [[Button(texts.FAQ_FEEDBACK_UP, f"fb:up:{qid}"), Button(texts.FAQ_FEEDBACK_DOWN, f"fb:dn:{qid}")]]
    if topic_id in tickets.HANDOFF_TOPICS and qid:  # "gặp người thật", "đến tận nhà": offer the hand-off
        buttons.append([tickets.handoff_button(qid)])
    related = [r for r in entry.related if ctx.services.faq.kb.get(r) is not None][:MAX_RELATED]
    buttons += [[Button(texts.FAQ_RELATED_PREFIX + ctx.services.faq.kb.get(r).title, f"t:{r}:{qid}")]
                for r in related]
    return Reply(text, buttons=buttons)


def fallback_reply(qid: int) -> Reply:
    return Reply(texts.FAQ_FALLBACK, buttons=[[Button(texts.FAQ_HANDOFF_BUTTON, f"ho:{qid}")],
                                              [Button(texts.MENU_HELP, "help")]])


async def answer_question(ctx: Context) -> list[Reply]:
    """Answers a free-text question, offers close topics, or says honestly that it cannot."""
    relayed = await tickets.intercept_citizen_text(ctx)  # a member owns their ticket: it gets the text
    if relayed is not None:
        return relayed
    if ctx.services.faq is None:
        return [Reply(texts.FAQ_UNAVAILABLE)]
    text = ctx.msg.text
    result = ctx.services.faq.match(text)
    prefix = [Reply(texts.FAQ_ID_WARNING)] if contains_id_number(text) else []
    if result.smalltalk:
        return prefix + [Reply(texts.SMALLTALK.get(result.smalltalk, texts.SMALLTALK["ack"]))]
    candidates = [t for t, _ in result.candidates]
    qid = await questions.log_question(
        ctx.db, identity_id=ctx.identity.id, channel=ctx.msg.channel, text=text,
        normalized=normalize(text).folded, topic=result.topic if result.decision == "answer" else None,
        score=result.score, decision=result.decision, candidates=candidates, now=ctx.now(),
    )
    if result.decision == "answer" and result.topic:
        reply = answer_reply(ctx, result.topic, qid)
        if reply is not None:
            return prefix + [reply]
    if result.decision == "clarify" and candidates:
        buttons = _topic_buttons(ctx, candidates, qid)
        buttons.append([Button(texts.FAQ_NONE_OF_THESE, f"nf:{qid}")])
        return prefix + [Reply(texts.FAQ_CLARIFY, buttons=buttons)]
    return prefix + [fallback_reply(qid)]


router.text_handler = answer_question


def _qid(args: list[str], index: int) -> int | None:
    return parse_id(args[index]) if len(args) > index else None


@router.action("t", Role.CITIZEN)
async def show_topic(ctx: Context, args: list[str]) -> list[Reply]:
    """Shows a topic chosen from a clarification or a related-topic button."""
    if ctx.services.faq is None or not args:
        return [Reply(texts.FAQ_UNAVAILABLE)]
    qid = _qid(args, 1) or 0
    if qid:
        await questions.set_chosen_topic(ctx.db, qid, ctx.identity.id, args[0])
    reply = answer_reply(ctx, args[0], qid)
    return [reply] if reply else [Reply(texts.FAQ_UNKNOWN_TOPIC)]


@router.action("nf", Role.CITIZEN)
async def none_fits(ctx: Context, args: list[str]) -> list[Reply]:
    """None of the offered topics fits: offer the hand-off."""
    return [fallback_reply(_qid(args, 0) or 0)]


@router.action("fb", Role.CITIZEN)
async def feedback(ctx: Context, args: list[str]) -> list[Reply]:
    """Stores 👍/👎 for an answer; 👎 offers the hand-off."""
    qid = _qid(args, 1)
    if qid is None or args[0] not in ("up", "dn"):
        return [Reply(texts.STALE_BUTTON)]
    value = "up" if args[0] == "up" else "down"
    if not await questions.set_feedback(ctx.db, qid, ctx.identity.id, value):
        return [Reply(texts.STALE_BUTTON)]
    if value == "up":
        return [Reply(texts.FAQ_THANKS_UP)]
    return [Reply(texts.FAQ_THANKS_DOWN, buttons=[[Button(texts.FAQ_HANDOFF_BUTTON, f"ho:{qid}")]])]


async def hand_off(ctx: Context, args: list[str]) -> list[Reply]:
    """Starts the hand-off to a member of the Tổ CNSCĐ, prefilled with the logged question."""
    return await tickets.start_handoff(ctx, _qid(args, 0))


router.action("ho", Role.CITIZEN)(hand_off)

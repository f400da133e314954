"""Channel-agnostic conversation logic, one module per role, composed in this order.

`build_router()` merges the role modules; the order matters only for the free-text handler
(the last module that sets one wins), so the citizen FAQ comes first and dialogs override nothing.
"""

from __future__ import annotations

from handlers.router import Router


def build_router() -> Router:
    from handlers import (
        admin,
        citizen,
        common,
        imports,
        linking,
        member,
        privacy,
        progress,
        reports,
        tickets,
        unit_head,
    )

    router = Router()
    for module in (common, citizen, member, tickets, progress, unit_head, reports, admin, imports, privacy, linking):
        router.include(module.router)
    return router

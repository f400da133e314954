"""Commune admin commands: invites (more in later modules: knowledge base, imports)."""

from __future__ import annotations

from datetime import UTC

from handlers import texts
from handlers.context import Context
from handlers.messages import Reply
from handlers.roles import ROLE_NAMES, parse_role
from handlers.router import Router
from storage.models import Role
from storage.repos import people

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
    if unit is None:
        codes = ", ".join(u.code for u in await people.list_units(ctx.db))
        return [Reply(texts.INVITE_BAD_UNIT.format(code=parts[1][:30], codes=codes))]
    uses = 1
    if len(parts) > 2:
        if not parts[2].isdigit() or not 1 <= int(parts[2]) <= 500:
            return [Reply(texts.INVITE_BAD_USES)]
        uses = int(parts[2])
    inv = await people.create_invite(ctx.db, role, unit.id, uses=uses, created_by=ctx.person.id)
    expires = inv.expires_at.replace(tzinfo=UTC).astimezone(ctx.settings.tz).strftime("%d/%m/%Y")
    return [Reply(texts.INVITE_CREATED.format(
        code=inv.code, role=ROLE_NAMES[role], unit=unit.name, uses=uses, expires=expires
    ))]

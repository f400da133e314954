"""Commands every role has: /start, /trogiup, /huy and /thamgia."""

from __future__ import annotations

from handlers import texts
from handlers.context import Context
from handlers.messages import Button, Reply
from handlers.roles import ROLE_NAMES, at_least
from handlers.router import Router
from storage.models import Role
from storage.repos import people

router = Router()

# Buttons of the /start menu from a role up: (label, callback data). Actions live in the role modules.
MENU_BUTTONS: dict[Role, list[tuple[str, str]]] = {
    Role.MEMBER: [(texts.MENU_PROGRESS, "td:list")],
    Role.HEAD: [(texts.MENU_TASKS, "nv:list"), (texts.MENU_OVERDUE, "nv:late")],
    Role.ADMIN: [(texts.MENU_UNANSWERED, "ua:list"), (texts.MENU_IMPORT, "imp:start")],
}


@router.command("start", Role.CITIZEN, texts.CMD["start"], menu=False)
async def start(ctx: Context) -> list[Reply]:
    """Greets the caller by role and shows the menu of what they can do."""
    role = ctx.person.role
    unit_name = texts.NO_UNIT
    if ctx.person.unit_id is not None:
        unit = await people.get_unit(ctx.db, ctx.person.unit_id)
        unit_name = unit.name if unit else texts.NO_UNIT
    greeting = texts.GREETING[role.value].format(name=ctx.person.name, unit=unit_name)
    buttons = [[Button(label, data)] for r, items in MENU_BUTTONS.items() if at_least(role, r)
               for label, data in items]
    buttons.append([Button(texts.MENU_HELP, "help")])
    return [Reply(greeting, buttons=buttons)]


def help_text(ctx: Context, router_commands: dict) -> str:
    lines = [texts.HELP_HEADER]
    for cmd in router_commands.values():
        if cmd.menu and at_least(ctx.person.role, cmd.min_role):
            lines.append(f"/{cmd.name} – {cmd.description}")
    if ctx.person.role == Role.CITIZEN:
        lines.append(texts.HELP_FOOTER_CITIZEN)
    return "\n".join(lines)


@router.command("trogiup", Role.CITIZEN, texts.CMD["trogiup"], aliases=("help",))
async def show_help(ctx: Context) -> list[Reply]:
    """Lists the commands the caller's role may use."""
    registry = ctx.services.extras["router"].commands
    return [Reply(help_text(ctx, registry))]


@router.action("help", Role.CITIZEN)
async def help_button(ctx: Context, _args: list[str]) -> list[Reply]:
    return await show_help(ctx)


@router.command("huy", Role.CITIZEN, texts.CMD["huy"], aliases=("cancel",))
async def cancel(ctx: Context) -> list[Reply]:
    """Cancels whatever dialog is open."""
    if ctx.dialog is None:
        return [Reply(texts.NOTHING_TO_CANCEL)]
    await ctx.end_dialog()
    return [Reply(texts.CANCELLED)]


@router.command("thamgia", Role.CITIZEN, texts.CMD["thamgia"])
async def join(ctx: Context) -> list[Reply]:
    """Joins a unit with an invite code, taking the invite's role."""
    code = ctx.msg.args.split()[0] if ctx.msg.args else ""
    if not code:
        return [Reply(texts.JOIN_USAGE)]
    shown = code[:20]
    try:
        invite = await people.redeem_invite(ctx.db, code, ctx.person.id)
    except people.InviteProblem as problem:
        message = {"unknown": texts.JOIN_UNKNOWN, "expired": texts.JOIN_EXPIRED,
                   "used_up": texts.JOIN_USED_UP}[problem.reason]
        return [Reply(message.format(code=shown))]
    unit = await people.get_unit(ctx.db, invite.unit_id)
    name = unit.name if unit else texts.NO_UNIT
    return [Reply(texts.JOIN_OK.format(name=ctx.person.name, unit=name, role=ROLE_NAMES[invite.role]))]

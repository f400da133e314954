"""Registry of commands, button actions and dialogs, with the minimum role each needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.context import Context
from handlers.messages import Reply
from storage.models import Role

Handler = Callable[[Context], Awaitable[list[Reply]]]
CallbackHandler = Callable[[Context, list[str]], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    name: str
    min_role: Role
    handler: Handler
    description: str
    menu: bool = True  # listed in /trogiup and the channel's command menu


@dataclass(frozen=True)
class Action:
    """A button action; callback data is `prefix:arg:arg`, ASCII and short."""

    prefix: str
    min_role: Role
    handler: CallbackHandler


MAX_ID = 2**31 - 1  # the largest id a database integer column holds (PostgreSQL INTEGER)


def parse_id(text: str) -> int | None:
    """A row id typed by a person or carried back by a button, or None.

    Only ASCII digits: `str.isdigit()` is also true for "²" or "①", which `int()` refuses, and an id
    beyond a database integer makes the driver raise instead of finding nothing.
    """
    text = text.strip()
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class Router:
    """One per role module; `include` merges them in the order the modules are listed."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, Action] = {}
        self.dialogs: dict[str, Handler] = {}
        self.text_handler: Handler | None = None
        self.file_handler: Handler | None = None

    def command(
        self, name: str, min_role: Role, description: str, *, aliases: tuple[str, ...] = (), menu: bool = True
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.commands[name] = Command(name, min_role, fn, description, menu)
            for alias in aliases:
                self.commands[alias] = Command(alias, min_role, fn, description, menu=False)
            return fn

        return register

    def action(self, prefix: str, min_role: Role) -> Callable[[CallbackHandler], CallbackHandler]:
        def register(fn: CallbackHandler) -> CallbackHandler:
            self.actions[prefix] = Action(prefix, min_role, fn)
            return fn

        return register

    def dialog(self, name: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.dialogs[name] = fn
            return fn

        return register

    def include(self, other: Router) -> None:
        for table, extra in ((self.commands, other.commands), (self.actions, other.actions),
                             (self.dialogs, other.dialogs)):
            clash = set(table) & set(extra)
            if clash:
                raise ValueError(f"registered twice: {sorted(clash)}")
            table.update(extra)  # type: ignore[arg-type]
        self.text_handler = other.text_handler or self.text_handler
        self.file_handler = other.file_handler or self.file_handler

    def menu_for(self, rank_ok: Callable[[Role], bool]) -> list[Command]:
        return [c for c in self.commands.values() if c.menu and rank_ok(c.min_role)]

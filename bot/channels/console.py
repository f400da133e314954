"""Console channel: chat with the bot in a terminal, or script it through standard input.

Buttons are shown as numbered choices; the next line may be the number or the label.
`ConsoleChannel.send_text` doubles as the conversation test harness (push a line, get replies).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from handlers.core import Conversation
from handlers.messages import Button, Incoming, Reply

EXIT_WORDS = {"/thoat", "/exit", "/quit"}


def render_choices(buttons: list[Button]) -> list[str]:
    return [f"  [{i}] {b.label}" for i, b in enumerate(buttons, 1)]


def render(replies: list[Reply]) -> str:
    """Plain-text rendering of replies, as the terminal shows them."""
    lines: list[str] = []
    for reply in replies:
        if reply.text:
            lines.append(reply.text)
        if reply.file is not None:
            lines.append(f"📎 {reply.file.caption or reply.file.name}: {reply.file.path}")
        lines.extend(render_choices(reply.all_buttons()))
        lines.append("")
    return "\n".join(lines)


class ConsoleChannel:
    """One console user talking to the conversation core."""

    name = "console"
    supports_buttons = False

    def __init__(self, conversation: Conversation, user_id: str = "console-citizen",
                 display_name: str = "Bạn") -> None:
        self.conversation = conversation
        self.user_id = user_id
        self.display_name = display_name

    async def send_text(self, line: str) -> list[Reply]:
        """Deliver one typed line and return the bot's replies (choices are resolved by the core)."""
        msg = Incoming(
            channel=self.name, user_id=self.user_id, chat_id=self.user_id,
            text=line, display_name=self.display_name, buttons_supported=False,
        )
        return await self.conversation.handle(msg)

    async def press(self, data: str) -> list[Reply]:
        """Press a button by its data, as a channel with real buttons would."""
        msg = Incoming(channel=self.name, user_id=self.user_id, chat_id=self.user_id,
                       callback_data=data, display_name=self.display_name)
        return await self.conversation.handle(msg)

    async def run(self, lines: Iterable[str], out: TextIO = sys.stdout, echo: bool = False) -> None:
        for raw in lines:
            line = raw.rstrip("\n")
            if line.strip().lower() in EXIT_WORDS:
                break
            if echo:
                out.write(f"> {line}\n")
            out.write(render(await self.send_text(line)) + "\n")
            out.flush()


def interactive_lines(prompt: str = "> ") -> Iterable[str]:
    """Lines typed at a terminal, until end of input."""
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return

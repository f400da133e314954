"""Channel-neutral message types: what a channel hands in, and what handlers hand back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Attachment:
    """A file the user sent, already downloaded by the channel into the files folder."""

    kind: Literal["photo", "document"]
    path: Path | None = None
    name: str = ""
    size: int = 0
    error: str | None = None  # set by the channel when the file was refused (too large, failed)


@dataclass(frozen=True)
class Incoming:
    """One inbound event: a text, a command, a button press or a file."""

    channel: str
    user_id: str
    chat_id: str
    text: str = ""
    display_name: str = ""
    callback_data: str | None = None
    attachments: tuple[Attachment, ...] = ()
    chat_type: Literal["private", "group"] = "private"
    message_id: str | None = None
    reply_to_bot: bool = False
    mentions_bot: bool = False
    # False on channels that cannot show buttons (Zalo, console): the core then remembers the
    # numbered choices it showed and reads the next "1", "số 2" or label as a button press.
    buttons_supported: bool = True

    @property
    def command(self) -> str | None:
        """The command name without slash or @botname, lower case; None for plain text."""
        text = self.text.strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        head = text.split(maxsplit=1)[0][1:]
        return head.split("@", 1)[0].lower() or None

    @property
    def args(self) -> str:
        """Everything after the command word."""
        parts = self.text.strip().split(maxsplit=1)
        return parts[1].strip() if self.command and len(parts) > 1 else ""


@dataclass(frozen=True)
class Button:
    """A choice: `label` is shown, `data` (ASCII, at most 64 bytes) comes back when chosen."""

    label: str
    data: str


@dataclass(frozen=True)
class OutFile:
    """A file to deliver: a report workbook (document) or a chart (image)."""

    path: Path
    name: str
    caption: str = ""
    kind: Literal["document", "image"] = "document"


@dataclass
class Reply:
    """One message back to the same chat. `edit` asks to replace the message a button belongs to."""

    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    file: OutFile | None = None
    edit: bool = False

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]

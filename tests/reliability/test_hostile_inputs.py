"""Hostile inputs (tests/data/bad_inputs.txt plus wrong arguments generated for every command and button
of the router) sent as every demo role through the console channel, inside every dialog step, and a
sample through the real aiogram channel against the fake Bot API.

Each message must get a reply with text, no reply may show the internal-error apology, a Python
exception name, "None" or an unfilled "{placeholder}", no button may carry over 64 bytes, and no table
may gain or lose rows except those the input legitimately writes (the allow-lists below). On Telegram,
every message sent must be valid HTML of at most 4096 characters.

Shared with test_permissions.py: the corpus reader, the second commune ("the other unit") and the
snapshot helpers.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import delete, text

from bot.app import App
from bot.channels.console import ConsoleChannel
from handlers import build_router, texts
from handlers.core import clean_text
from handlers.messages import Reply
from handlers.roles import at_least
from handlers.router import Router
from storage.models import Base, DialogState, PendingChoices, Role, UnitKind, utcnow
from storage.repos import dialogs, people, questions, sessions, tasks
from tests.channels.conftest import fake_telegram, seen, sleeps, telegram, tg_settings  # noqa: F401
from tests.fakes.telegram_api import Call, TgUser, html_problem, visible_text

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_inputs.txt"
ROLES = ("citizen", "member", "leader", "head", "admin")
ROLE_OF = {"citizen": Role.CITIZEN, "member": Role.MEMBER, "leader": Role.LEADER, "head": Role.HEAD,
           "admin": Role.ADMIN}

# ---------------------------------------------------------------- the corpus

_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\"}
_PLACEHOLDER = re.compile(r"@\{([a-z_]+)\}")


def decode(text: str) -> str:
    """Decode the corpus escapes; a lone surrogate (\\ud800) stays one."""
    def one(m: re.Match[str]) -> str:
        hex_code = m.group(1) or m.group(2) or m.group(3)
        if hex_code:
            return chr(int(hex_code, 16))
        return _SIMPLE.get(m.group(4), "\\" + m.group(4))
    return _ESCAPE.sub(one, text)


@dataclass(frozen=True)
class Entry:
    """One hostile input: a typed message or a button press (callback data)."""

    kind: Literal["text", "callback"]
    value: str
    section: str = ""
    line: int = 0  # 0: generated from the router

    def resolve(self, ids: Mapping[str, object]) -> str:
        """The value with "@{name}" placeholders replaced by the world's ids (unknown names kept)."""
        return _PLACEHOLDER.sub(lambda m: str(ids[m.group(1)]) if m.group(1) in ids else m.group(0),
                                self.value)

    @property
    def command(self) -> str | None:
        """The command word the core will see (lower case, no @botname), for text entries."""
        if self.kind != "text":
            return None
        text = clean_text(self.value)  # what the core reads: "\u200b/start" is /start
        if not text.startswith("/") or len(text) < 2:
            return None
        return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower() or None

    @property
    def prefix(self) -> str | None:
        return self.value.split(":", 1)[0] if self.kind == "callback" else None

    def label(self) -> str:
        shown = ascii(self.value if len(self.value) <= 60 else self.value[:60] + "…")
        where = f"line {self.line}" if self.line else "generated"
        return f"{self.kind} {shown} ({where}, {len(self.value)} chars)"


def parse_corpus_line(raw: str, section: str = "", line: int = 0) -> Entry:
    if raw == "@empty":
        return Entry("text", "", section, line)
    if raw.startswith("@callback "):
        return Entry("callback", decode(raw[len("@callback "):]), section, line)
    if raw.startswith("@repeat "):
        count, text = raw[len("@repeat "):].split(" ", 1)
        return Entry("text", decode(text) * int(count), section, line)
    if raw.startswith("@repeat-after "):
        prefix, count, text = raw[len("@repeat-after "):].split(" ", 2)
        return Entry("text", decode(prefix) + decode(text) * int(count), section, line)
    if raw.startswith("@") and not raw.startswith("@{"):
        raise ValueError(f"{CORPUS.name}:{line}: unknown directive {raw.split()[0]!r}")
    return Entry("text", decode(raw), section, line)


def load_corpus(path: Path = CORPUS) -> list[Entry]:
    entries: list[Entry] = []
    section = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        raw = raw.removesuffix("\r")
        if raw.startswith("#["):
            section = raw[2:].split("]", 1)[0]
            continue
        if not raw or raw.startswith("#"):
            continue
        entries.append(parse_corpus_line(raw, section, number))
    return entries


# Wrong arguments tried with every command the router knows.
BAD_ARGUMENTS = ("", " 999999999999", " -1", " abc", " 31/02/2025", " 99/99/9999", " 99999999999999999999",
                 " ²")
# Arguments tried with every button prefix the router knows.
BAD_CALLBACK_ARGS = ("", ":999999999", ":abc:def", ":99999999999999999999", ":²")


def generated_entries(router: Router) -> list[Entry]:
    """Wrong arguments for every command, odd arguments for every button prefix, from the router itself."""
    found = [Entry("text", f"/{name}{args}", "generated-commands") for name in router.commands
             for args in BAD_ARGUMENTS]
    found += [Entry("callback", f"{prefix}{args}", "generated-callbacks") for prefix in router.actions
              for args in BAD_CALLBACK_ARGS]
    return found


def all_entries(router: Router) -> list[Entry]:
    """The corpus, then the generated entries it does not already hold."""
    corpus = load_corpus()
    present = {(e.kind, e.value) for e in corpus}
    extra = [e for e in generated_entries(router) if (e.kind, e.value) not in present]
    return corpus + list({(e.kind, e.value): e for e in extra}.values())


# ---------------------------------------------------------------- the world: a second commune

@dataclass
class World:
    """Ids the forged inputs point at; `ids` fills the "@{name}" placeholders of the corpus."""

    ids: dict[str, object] = field(default_factory=dict)
    identity: dict[str, int] = field(default_factory=dict)  # console user id -> identity id
    person: dict[str, int] = field(default_factory=dict)  # console user id -> person id
    own_task: int = 0
    other_task: int = 0
    own_session: dict[str, int] = field(default_factory=dict)  # role -> a session it logged just now
    other_session: int = 0
    other_qid: int = 0
    own_qid: int = 0
    unit: dict[str, int] = field(default_factory=dict)  # unit code -> id


OTHER_UNITS = [
    ("XA-KHAC", "Xã Bình Khác", UnitKind.COMMUNE, None),
    ("THON-KHAC", "Thôn Khác", UnitKind.VILLAGE, "XA-KHAC"),
    ("TO-KHAC", "Tổ CNSCĐ thôn Khác", UnitKind.TEAM, "THON-KHAC"),
    ("P-KHAC", "Phòng Văn hóa - Xã hội xã Bình Khác", UnitKind.OFFICE, "XA-KHAC"),
]
# (console user id, name, role, unit code)
OTHER_PEOPLE = [
    ("console-other-admin", "Quản trị xã Khác", Role.ADMIN, "XA-KHAC"),
    ("console-other-head", "Trưởng phòng xã Khác", Role.HEAD, "P-KHAC"),
    ("console-other-leader", "Tổ trưởng xã Khác", Role.LEADER, "TO-KHAC"),
    ("console-other-member", "Thành viên xã Khác", Role.MEMBER, "TO-KHAC"),
    ("console-citizen-2", "Người dân thứ hai", Role.CITIZEN, None),
]
OWN_TASK_TEXT = "Nhiệm vụ kiểm thử quyền: rà soát điểm hỗ trợ VNeID tại các thôn."
OTHER_TASK_TEXT = "Nhiệm vụ riêng của xã Bình Khác: tập huấn kỹ năng số."


async def build_world(app: App, today: date | None = None) -> World:
    """Over the demo data: a second commune with its people, a task of each commune, fresh sessions
    (inside the 24-hour edit window) for every demo role and for another member, and a question asked
    by another citizen."""
    today = today or date.today()
    world = World()
    now = utcnow()
    async with app.sessionmaker() as s, s.begin():
        for code, name, kind, parent in OTHER_UNITS:
            await people.add_unit(s, code, name, kind, parent)
        world.unit = {u.code: u.id for u in await people.list_units(s)}
        for user_id, name, role, code in OTHER_PEOPLE:
            person = await people.add_person(s, name, role, world.unit[code] if code else None)
            await people.attach_identity(s, person.id, "console", user_id, user_id, name)
        for role in ROLES:
            user_id = f"console-{role}"
            ident = await people.find_identity(s, "console", user_id)
            assert ident is not None, f"the demo data has no {user_id}"
        for user_id in [f"console-{r}" for r in ROLES] + [p[0] for p in OTHER_PEOPLE]:
            ident = await people.find_identity(s, "console", user_id)
            assert ident is not None
            world.identity[user_id] = ident.id
            world.person[user_id] = ident.person_id
        due = today + timedelta(days=5)
        world.own_task, _ = await tasks.upsert_task(s, tasks.NewTask(
            plan="Kế hoạch kiểm thử", stt="K1", group="Kiểm thử", text=OWN_TASK_TEXT, deadline_kind="date",
            due_date=due, every=None, until=None, deadline_phrase=f"{due:%d/%m/%Y}",
            lead_unit_ids=[world.unit["P-VHXH"]], coord_unit_ids=[world.unit["TO-DONG"]]))
        world.other_task, _ = await tasks.upsert_task(s, tasks.NewTask(
            plan="Kế hoạch xã Khác", stt="K2", group="Kiểm thử", text=OTHER_TASK_TEXT, deadline_kind="date",
            due_date=due, every=None, until=None, deadline_phrase=f"{due:%d/%m/%Y}",
            lead_unit_ids=[world.unit["P-KHAC"]], coord_unit_ids=[world.unit["TO-KHAC"]]))
        for role in ROLES[1:]:
            row = await sessions.add_session(
                s, world.person[f"console-{role}"], day=today, unit_id=world.unit["THON-DONG"],
                category="vneid", citizens=2, note="phiên kiểm thử của chính mình", now=now)
            world.own_session[role] = row.id
        thu = next(p for p in await people.persons_with_role(s, Role.MEMBER) if p.name == "Vũ Thị Thu")
        world.other_session = (await sessions.add_session(
            s, thu.id, day=today, unit_id=world.unit["THON-DONG"], category="dvc", citizens=1,
            note="phiên của người khác", now=now)).id
        for attr, user_id in (("other_qid", "console-citizen-2"), ("own_qid", "console-citizen")):
            qid = await questions.log_question(
                s, identity_id=world.identity[user_id], channel="console", text="quên mật khẩu vneid",
                normalized="quen mat khau vneid", topic=None, score=10.0, decision="fallback",
                candidates=["vneid.otp_not_received"], now=now)
            setattr(world, attr, qid)
    world.ids = {
        "other_qid": world.other_qid, "other_session": world.other_session, "other_task": world.other_task,
        "other_unit": world.unit["P-KHAC"], "other_village": world.unit["THON-KHAC"],
        "other_team": "TO-KHAC", "missing_task": world.other_task + 100_000,
    }
    return world


# ---------------------------------------------------------------- snapshots and resets

class Snapshots:
    """Row counts of every table. On SQLite (the default) a plain sqlite3 connection reads them in well
    under a millisecond; on PostgreSQL one query through the app's engine."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.names = [t.name for t in Base.metadata.sorted_tables]
        self._query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{n}")' for n in self.names)
        url = app.engine.url
        self._sqlite = sqlite3.connect(url.database) if url.get_backend_name() == "sqlite" else None

    async def counts(self) -> dict[str, int]:
        if self._sqlite is not None:
            return dict(zip(self.names, self._sqlite.execute(self._query).fetchone(), strict=True))
        async with self.app.sessionmaker() as s:
            row = (await s.execute(text(self._query))).one()
        return dict(zip(self.names, row, strict=True))

    async def open_dialog(self, identity_id: int, name: str, step: str, data: dict[str, object]) -> None:
        """Put the person in dialog `name` at `step` (and clear their numbered choices)."""
        if self._sqlite is None:
            async with self.app.sessionmaker() as s, s.begin():
                await s.execute(delete(PendingChoices).where(PendingChoices.identity_id == identity_id))
                await dialogs.save(s, identity_id, dialogs.Dialog(name, step, dict(data)), timedelta(hours=1))
            return
        now = utcnow()
        with self._sqlite:
            self._sqlite.execute("DELETE FROM pending_choices WHERE identity_id = ?", (identity_id,))
            self._sqlite.execute("DELETE FROM dialog_states WHERE identity_id = ?", (identity_id,))
            self._sqlite.execute(
                "INSERT INTO dialog_states (identity_id, dialog, step, data, expires_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (identity_id, name, step, json.dumps(data), str(now + timedelta(hours=1)), str(now)))

    async def forget_conversation(self, identity_id: int) -> None:
        """No open dialog and no numbered choices: the next entry starts from the same place."""
        if self._sqlite is None:
            await forget_conversation(self.app, identity_id)
            return
        with self._sqlite:
            for table in ("dialog_states", "pending_choices"):
                self._sqlite.execute(f"DELETE FROM {table} WHERE identity_id = ?", (identity_id,))

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()


@pytest.fixture
def snapshots(demo_app: App):  # type: ignore[no-untyped-def]
    shots = Snapshots(demo_app)
    yield shots
    shots.close()


async def row_counts(app: App) -> dict[str, int]:
    """Rows in every table (a one-off; loops use the `snapshots` fixture)."""
    shots = Snapshots(app)
    try:
        return await shots.counts()
    finally:
        shots.close()


def changed_tables(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


async def forget_conversation(app: App, identity_id: int) -> None:
    """No open dialog and no numbered choices: every entry starts from the same place."""
    async with app.sessionmaker() as s, s.begin():
        await s.execute(delete(DialogState).where(DialogState.identity_id == identity_id))
        await s.execute(delete(PendingChoices).where(PendingChoices.identity_id == identity_id))


# ---------------------------------------------------------------- reply checks

APOLOGY = texts.INTERNAL_ERROR.split("{", 1)[0].strip()
_EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b|\bTraceback\b|\bError\b")
_LEAK = re.compile(r"\bNone\b|<[a-z_.]+ object at 0x[0-9a-f]+>|\{[a-z_]+\}|\bsqlalchemy\b|\bsqlite3?\b")
DB_BUSY = getattr(texts, "DB_BUSY", "")
MAX_CALLBACK_BYTES = 64


class Typed:
    """Tokens people typed earlier in this test: stored text (a logged question, a progress note) may be
    shown back later, so "{code}" typed by a citizen and listed in /chuatraloi is not a template bug."""

    def __init__(self) -> None:
        self.tokens: set[str] = set()

    def add(self, sent: str) -> None:
        for pattern in (_EXCEPTION_NAME, _LEAK):
            self.tokens.update(m.group(0) for m in pattern.finditer(sent))


def reply_problems(sent: str, replies: Iterable[Reply], *, expect_reply: bool = True,
                   typed: Typed | None = None) -> list[str]:
    """What is wrong with the replies to `sent`; tokens the sender typed themselves are not counted."""
    replies = list(replies)
    earlier = typed.tokens if typed is not None else set()
    found: list[str] = []
    if expect_reply and not any(r.text.strip() or r.file is not None for r in replies):
        found.append("no reply with text")
    for reply in replies:
        text = reply.text
        if APOLOGY in text:
            found.append(f"internal-error apology: {text[-60:]!r}")
        if DB_BUSY and DB_BUSY in text:
            found.append("database busy")
        for pattern in (_EXCEPTION_NAME, _LEAK):
            for m in pattern.finditer(text):
                if m.group(0) not in sent and m.group(0) not in earlier:
                    found.append(f"leaks {m.group(0)!r}: …{text[max(0, m.start() - 40):m.end() + 20]!r}")
        for button in reply.all_buttons():
            if not button.label.strip():
                found.append(f"button without a label ({button.data!r})")
            size = len(button.data.encode("utf-8", "surrogatepass"))
            if not 1 <= size <= MAX_CALLBACK_BYTES:
                found.append(f"callback data of {size} bytes: {button.data[:80]!r}")
    return found


# ================================================================ the tests

ROUTER = build_router()
ENTRIES = all_entries(ROUTER)
RESULTS: dict[str, tuple[int, int]] = {}  # what ran -> (messages tried, crashes)

# Tables any message may change: the open dialog, the numbered choices of the console, and a first
# contact's person and identity (the five demo roles already have theirs, so in practice only the first two).
ALWAYS = frozenset({"dialog_states", "pending_choices", "channel_identities", "persons"})
# A plain text outside a dialog goes to the FAQ, which logs every question (masked).
FREE_TEXT = frozenset({"question_log"})
# What a command may legitimately add rows to, when its arguments happen to be valid for the role:
COMMAND_WRITES: dict[str, frozenset[str]] = {
    "thamgia": frozenset({"invites", "audit_log"}),  # redeems an invite (its uses, the person's role)
    "moi": frozenset({"invites", "audit_log"}),  # creates an invite ("/moi member TO-DONG 500" is valid)
    "tiendo": frozenset({"progress_updates", "outbox", "audit_log"}),  # one line saves; blocked alerts admins
    "tatnhac": frozenset({"reminder_pauses", "audit_log"}),  # pauses a task of the caller's scope
    "lienket": frozenset({"link_codes"}),  # `/lienket` alone issues a one-time code
}
# What a button may legitimately add rows to (most of them only with their dialog open):
ACTION_WRITES: dict[str, frozenset[str]] = {
    "ho": frozenset({"tickets", "ticket_messages", "audit_log"}),  # the hand-off to the ticket queue
    "gs": frozenset({"assist_sessions", "audit_log"}),  # gs:save of an open /ghi draft
    "gsx": frozenset({"audit_log"}),  # gsx:yes:<own session> soft-deletes (the row stays)
    "pk": frozenset({"progress_updates", "outbox", "audit_log"}),  # skipping the evidence saves
    "rm": frozenset({"outbox"}),  # «Nhắc lại ngày mai» queues tomorrow's digest
    "ua": frozenset({"ignored_questions", "tickets", "ticket_messages", "audit_log"}),  # ignore / hand over
    "imp": frozenset({"tasks", "task_units", "units", "audit_log"}),  # imp:go of a checked file
    "tk": frozenset({"tickets", "ticket_messages", "assist_sessions", "audit_log"}),  # ticket buttons
    "xdl": frozenset({"question_log", "tickets", "ticket_messages", "audit_log"}),  # erase one's own data
}
# What typed text inside an open dialog may add rows to.
DIALOG_WRITES: dict[str, frozenset[str]] = {
    "ghi": frozenset(),  # typing never saves a session: only the Lưu button does
    "progress": frozenset({"progress_updates", "outbox", "audit_log"}),  # the evidence step saves
    "import": frozenset(),  # a typed line only names the plan
}


def allowed_writes(entry: Entry, dialog: str | None = None) -> frozenset[str]:
    allowed = set(ALWAYS)
    if entry.kind == "callback":
        allowed |= ACTION_WRITES.get(entry.prefix or "", frozenset())
    elif entry.command is not None:
        allowed |= COMMAND_WRITES.get(entry.command, frozenset())
    elif dialog is None:
        allowed |= FREE_TEXT
    if dialog is not None:
        allowed |= DIALOG_WRITES.get(dialog, frozenset())
    return frozenset(allowed)


# Crashes in modules other helpers are still writing, reported to them and not fixed here:
# (entry kind, value) -> where. The loops tolerate these entries only while they still fail, and
# test_known_crashes reproduces each one (an expected failure; XPASS once fixed: then drop the line).
KNOWN_CRASHES: dict[tuple[str, str], str] = {}  # none left: every crash found has been fixed


def _known(entry: Entry, value: str) -> bool:
    return (entry.kind, value) in KNOWN_CRASHES


def _refused_by_router(entry: Entry, role: Role) -> bool:
    """The router refuses this entry for this role before any argument is read."""
    if entry.kind == "callback":
        action = ROUTER.actions.get(entry.prefix or "")
        return action is not None and not at_least(role, action.min_role)
    command = ROUTER.commands.get(entry.command or "")
    return command is not None and not at_least(role, command.min_role)


REFUSED_SAMPLE = 1


def entries_for(role: str) -> list[Entry]:
    """Every entry, except that a command or button the role may not use is tried with its first argument
    variant only: the router refuses it before reading any argument, so the others add time, not coverage
    (the refusal itself is checked for every command, button and role in test_permissions.py)."""
    kept: list[Entry] = []
    refused: dict[str, int] = {}
    for entry in ENTRIES:
        if _refused_by_router(entry, ROLE_OF[role]):
            key = f"{entry.kind}:{entry.command or entry.prefix}"
            refused[key] = refused.get(key, 0) + 1
            if refused[key] > REFUSED_SAMPLE:
                continue
        kept.append(entry)
    return kept


@pytest.fixture
def no_kb_reload(faq_engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """/kb_reload and «add as paraphrase» would reload the shared knowledge base (seconds each)."""
    async def no_reload() -> list[str]:
        return []

    monkeypatch.setattr(faq_engine, "reload", no_reload)


async def _send(channel: ConsoleChannel, entry: Entry, value: str) -> list[Reply]:
    return await (channel.press(value) if entry.kind == "callback" else channel.send_text(value))


async def _try(shots: Snapshots, channel: ConsoleChannel, entry: Entry, value: str, allowed: frozenset[str],
               before: dict[str, int], typed: Typed) -> tuple[list[str], dict[str, int]]:
    """Send one entry; the problems with what came back and with what changed in storage, and the
    row counts after it (the next entry's "before")."""
    replies = await _send(channel, entry, value)
    after = await shots.counts()
    problems = reply_problems(value, replies, typed=typed)
    typed.add(value)
    unexpected = {t: c for t, c in changed_tables(before, after).items() if t not in allowed}
    if unexpected:
        problems.append(f"changed tables it may not change: {unexpected}")
    return problems, after


async def _fresh_start(shots: Snapshots, identity_id: int, counts: dict[str, int]) -> dict[str, int]:
    """Close what the previous entry left open (a dialog, numbered choices); the row counts after."""
    if counts["dialog_states"] or counts["pending_choices"]:
        await shots.forget_conversation(identity_id)
        return await shots.counts()
    return counts


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"logged an error: {r.getMessage()[:120]}" for r in caplog.records if r.levelno >= logging.ERROR]


def _report(failures: list[str], tried: int, label: str) -> str:
    shown = "\n".join(failures[:60])
    more = f"\n… and {len(failures) - 60} more" if len(failures) > 60 else ""
    return f"{len(failures)} problems in {tried} messages ({label}):\n{shown}{more}"


def _is_crash(problems: list[str]) -> bool:
    return any(p.startswith(("internal-error apology", "logged an error")) for p in problems)


@pytest.mark.parametrize("role", ROLES)
async def test_every_hostile_input_as_every_role(role: str, demo_app: App, chat, no_kb_reload,  # type: ignore[no-untyped-def]
                                                 snapshots: Snapshots, caplog: pytest.LogCaptureFixture) -> None:
    """Each entry, from a clean slate (no dialog, no numbered choices), as one of the five demo roles."""
    caplog.set_level(logging.ERROR)
    world = await build_world(demo_app)
    identity = world.identity[f"console-{role}"]
    channel = chat(role)
    typed = Typed()
    failures: list[str] = []
    crashes = 0
    entries = entries_for(role)
    counts = await snapshots.counts()
    for entry in entries:
        value = entry.resolve(world.ids)
        before = await _fresh_start(snapshots, identity, counts)
        caplog.clear()
        problems, counts = await _try(snapshots, channel, entry, value, allowed_writes(entry), before, typed)
        problems += _errors_logged(caplog)
        if problems and _known(entry, value):
            continue
        crashes += _is_crash(problems)
        failures += [f"{role} · {entry.label()}: {p}" for p in problems]
    RESULTS[role] = (len(entries), crashes)
    assert not failures, _report(failures, len(entries), role)


# ---------------------------------------------------------------- inside open dialogs

# The steps that read typed text differently: /ghi's category, count (like date, result, duration and
# priority: the line parser), place, note, summary and field menu; /tiendo's percentage and evidence
# (which saves); /nhap's plan name. Each typed entry is tried once inside a /ghi step and once inside a
# /tiendo or /nhap step (round robin); each dialog's own buttons are pressed at its first step.
GHI_STATES = [("member", "ghi", step) for step in ("c", "n", "p", "note", "sum", "menu")]
OTHER_STATES = [("member", "progress", "progress"), ("member", "progress", "evidence"),
                ("admin", "import", "wait_file")]
DIALOG_STATES = GHI_STATES + OTHER_STATES
DIALOG_PREFIXES = {"ghi": {"gs", "gse", "gsx"}, "progress": {"tp", "pv", "ps", "pk"}, "import": {"imp"}}
TEXTS = [e for e in ENTRIES if e.kind == "text" and e.command is None]  # a command closes the dialog first
BUTTON_STEPS = {"c", "progress", "wait_file"}


def dialog_entries(role: str, name: str, step: str) -> list[Entry]:
    family = GHI_STATES if name == "ghi" else OTHER_STATES
    position = family.index((role, name, step))
    typed = [e for i, e in enumerate(TEXTS) if i % len(family) == position]
    if step not in BUTTON_STEPS:
        return typed
    return typed + [e for e in ENTRIES if e.kind == "callback" and e.prefix in DIALOG_PREFIXES[name]]


def _dialog_data(world: World, name: str, today: date) -> dict[str, object]:
    if name == "ghi":
        return {"sid": None, "d": today.isoformat(), "p": world.unit["THON-DONG"], "c": "vneid", "n": 2,
                "elderly": 0, "disabled": 0, "poor": 0, "r": "done", "m": None, "note": "", "todo": []}
    if name == "progress":
        return {"task": world.own_task, "value": 40, "status": "in_progress", "note": "kiểm thử"}
    return {"plan": ""}


async def test_hostile_inputs_inside_dialogs(demo_app: App, chat, no_kb_reload,  # type: ignore[no-untyped-def]
                                             snapshots: Snapshots, caplog: pytest.LogCaptureFixture) -> None:
    """Typed text and the dialog's own buttons while /ghi, /tiendo or /nhap waits at one of its steps."""
    caplog.set_level(logging.ERROR)
    world = await build_world(demo_app)
    today = date.today()
    typed = Typed()
    failures: list[str] = []
    crashes = tried = 0
    for role, name, step in DIALOG_STATES:
        channel = chat(role)
        data = _dialog_data(world, name, today)
        for entry in dialog_entries(role, name, step):
            value = entry.resolve(world.ids)
            await snapshots.open_dialog(world.identity[f"console-{role}"], name, step, data)
            before = await snapshots.counts()
            caplog.clear()
            problems, _ = await _try(snapshots, channel, entry, value, allowed_writes(entry, name), before, typed)
            problems += _errors_logged(caplog)
            tried += 1
            if problems and _known(entry, value):
                continue
            crashes += _is_crash(problems)
            failures += [f"{role} in {name}/{step} · {entry.label()}: {p}" for p in problems]
    RESULTS["dialogs"] = (tried, crashes)
    assert not failures, _report(failures, tried, "inside dialogs")


# ---------------------------------------------------------------- through the real Telegram channel

# Every n-th entry of a section goes through Telegram: half the HTML and surrogates, a sample of the rest.
TELEGRAM_SAMPLING = {"html": 2, "surrogates": 2, "long": 4, "callbacks": 12, "format": 8, "invisible": 8,
                     "markdown": 5, "emoji": 8, "empty": 8, "sql": 10, "dates": 14, "numbers": 30, "misc": 25}
TELEGRAM_ENTRIES = [e for section, step in TELEGRAM_SAMPLING.items()
                    for e in [x for x in ENTRIES if x.section == section][::step]]
TELEGRAM_IDS = {"citizen": 5560001, "member": 5560002, "leader": 5560003, "head": 5560004, "admin": 5560005}
TG_SEND = ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")


def telegram_problems(calls: list[Call], sent: str, typed: Typed) -> list[str]:
    """Every message the bot tried to send must be valid Telegram HTML, short enough, with short buttons."""
    found: list[str] = []
    for call in calls:
        key = "text" if call.method in ("sendMessage", "editMessageText") else "caption"
        raw = str(call.params.get(key) or "")
        html_mode = call.params.get("parse_mode") == "HTML"
        problem = html_problem(raw) if html_mode else None
        if problem:
            found.append(f"{call.method}: {problem}: {raw[:80]!r}")
        visible = visible_text(raw) if html_mode else raw
        limit = 4096 if key == "text" else 1024
        if len(visible) > limit or (key == "text" and not visible.strip()):
            found.append(f"{call.method}: {len(visible)} characters")
        for button in call.buttons:
            size = len(str(button.get("callback_data", "")).encode("utf-8", "surrogatepass"))
            if not 1 <= size <= MAX_CALLBACK_BYTES:
                found.append(f"{call.method}: callback_data of {size} bytes")
        if call.method != "editMessageText" and not call.ok:  # an edit may fail: the channel sends anew
            found.append(f"{call.method} refused by the API (HTTP {call.status})")
        found += [f"{call.method}: {p}" for p in
                  reply_problems(sent, [Reply(visible)], expect_reply=False, typed=typed)]
    return found


@pytest.mark.usefixtures("fake_telegram", "telegram")  # from tests/channels/conftest.py
async def test_hostile_inputs_through_telegram_render_valid_messages(  # type: ignore[no-untyped-def]
        request: pytest.FixtureRequest, demo_app: App, no_kb_reload) -> None:
    """A sample of the corpus through aiogram and the fake Bot API, each as a citizen and one staff role:
    everything sent is HTML Telegram accepts, at most 4096 characters, with callback data ≤ 64 bytes."""
    fake = request.getfixturevalue("fake_telegram")
    channel = request.getfixturevalue("telegram")
    world = await build_world(demo_app)
    async with demo_app.sessionmaker() as s, s.begin():
        for role, tg_id in TELEGRAM_IDS.items():
            await people.attach_identity(s, world.person[f"console-{role}"], "telegram", str(tg_id), str(tg_id))
    typed = Typed()
    failures: list[str] = []
    tried = 0
    staff = [r for r in TELEGRAM_IDS if r != "citizen"]
    for index, entry in enumerate(TELEGRAM_ENTRIES):
        value = entry.resolve(world.ids)
        for role in ("citizen", staff[index % len(staff)]):
            tg_id = TELEGRAM_IDS[role]
            user = TgUser(tg_id, role.capitalize(), "Thử")
            start = len(fake.calls)
            if entry.kind == "callback":
                mine = [m for (chat, _), m in fake.messages.items() if chat == str(tg_id)]
                message = mine[-1] if mine else fake.bot_message(user.private_chat(), "Chọn:")
                update = fake.callback(user, value, message)
            else:
                update = fake.text(user, value)
            await fake.push(update)
            await fake.wait_consumed(within=10)
            await channel.drain()
            tried += 1
            calls = [c for c in fake.calls[start:] if c.method in TG_SEND and c.chat_id == str(tg_id)]
            problems = telegram_problems(calls, value, typed)
            if not any(c.ok for c in calls):
                problems.append("no message reached the chat")
            typed.add(value)
            if problems and _known(entry, value):
                continue
            failures += [f"{role} · {entry.label()}: {p}" for p in problems]
    RESULTS["telegram"] = (tried, 0)
    assert not failures, _report(failures, tried, "Telegram")


# ---------------------------------------------------------------- known crashes, the corpus, summary

def test_corpus_is_big_and_covers_the_brief() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 300
    values = [e.value for e in corpus]
    assert "" in values and "a" * 10_000 in values
    for needle in ("\u200b", "\u200e", "\u202e", "\ud800", "<b>", "</code>", "javascript:", "DROP TABLE",
                   "{0}", "%s", "{name}", "%(x)s", "31/02", "99/99/9999", "-50%", "99999999999999999999 50%",
                   "1000000 người", "👍👍👍"):
        assert any(needle in v for v in values), needle
    callbacks = {e.value for e in corpus if e.kind == "callback"}
    for data in ("tp:999999", "fb:up:@{other_qid}", "gs:save", "ua:at:1:nope", "bc:1:202512", "tk:claim:999"):
        assert data in callbacks, data
    assert any(len(d.encode("utf-8", "surrogatepass")) > 64 for d in callbacks)
    # Every command and every button prefix of the router gets wrong arguments, generated.
    generated = {e.value for e in ENTRIES}
    assert all(f"/{name} -1" in generated for name in ROUTER.commands)
    assert all(f"{prefix}:99999999999999999999" in generated for prefix in ROUTER.actions)


def write_line(request: pytest.FixtureRequest, line: str) -> None:
    """A line on the terminal whatever the capture mode (-s or not)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write(f"\n{line}\n")
        return
    with capture.global_and_fixture_disabled():
        reporter.write(f"\n{line}\n")


def test_summary(request: pytest.FixtureRequest) -> None:
    """One line for the record: how many hostile messages were tried, and how many crashed."""
    roles = [r for r in ROLES if r in RESULTS]
    as_roles = sum(RESULTS[r][0] for r in roles)
    others = "".join(f", + {n} {k}" for k, (n, _) in RESULTS.items() if k not in ROLES)
    crashes = sum(c for _, c in RESULTS.values())
    line = (f"hostile inputs: {len(ENTRIES)} entries × {len(roles)} roles = {as_roles} messages tried "
            f"(a command or button the role may not use: {REFUSED_SAMPLE} variant){others}, {crashes} crashes")
    write_line(request, line)
    assert crashes == 0

"""Who may do what, generated from the router: every command × every role × own/other unit, every button
prefix × every role, and forged button data that names another unit's task, another member's session,
another citizen's question or an admin-only action.

"The other unit" is a second commune built over the demo data (tests/reliability/test_hostile_inputs.py,
`build_world`): its own admin, head, leader, member, Tổ, thôn and task. A refusal is the router's
(texts.NOT_ALLOWED / texts.ACTION_NOT_ALLOWED, exactly) or a handler's ("không thuộc đơn vị", "do người khác
ghi", ...), and a refused message changes nothing stored but the conversation state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from bot.app import App
from handlers import texts
from handlers import texts_import as TI
from handlers import texts_reports as TR
from handlers import texts_sessions as TS
from handlers import texts_tasks as TT
from handlers.messages import Reply
from handlers.roles import AUDIENCE, at_least
from storage.models import AssistSession, QuestionLog, Role
from storage.repos import dialogs
from tests.reliability.test_hostile_inputs import (  # noqa: F401  (no_kb_reload is a fixture)
    OTHER_TASK_TEXT,
    OWN_TASK_TEXT,
    ROLE_OF,
    ROLES,
    ROUTER,
    World,
    build_world,
    changed_tables,
    forget_conversation,
    no_kb_reload,
    reply_problems,
    row_counts,
    write_line,
)

# ---------------------------------------------------------------- what a refusal looks like


def _literal(template: str) -> str:
    """The longest fixed piece of a text template (the part around its {placeholders})."""
    return max(re.split(r"\{[a-z_]+\}", template), key=len).strip()


HANDLER_REFUSALS = [_literal(t) for t in (
    TT.TASK_NOT_YOURS, TT.TASK_NOT_FOUND, TS.TEAM_OTHER, TS.TEAM_UNKNOWN, TS.NOT_YOURS, TS.NOT_FOUND,
    texts.INVITE_BAD_UNIT, TR.NOT_IN_SCOPE, texts.STALE_BUTTON, TS.NO_DIALOG, TT.PROGRESS_USAGE,
)]
ROUTER_REFUSALS = [_literal(texts.NOT_ALLOWED), _literal(texts.ACTION_NOT_ALLOWED)]


def refusal_in(replies: list[Reply]) -> str | None:
    text = "\n".join(r.text for r in replies)
    return next((m for m in ROUTER_REFUSALS + HANDLER_REFUSALS if m in text), None)


def shown(replies: list[Reply]) -> str:
    return " | ".join(r.text[:110].replace("\n", " ") for r in replies) or "(no reply)"


# ---------------------------------------------------------------- the command matrix

# Commands whose argument names a unit, a task or a session: tried with the caller's own and with the
# other commune's (or another member's). "{task}", "{team}", "{unit}", "{session}" are filled per target.
TARGETED = {
    "tiendo": "{task} 10% kiểm tra quyền",
    "tatnhac": "{task} 3 kiểm tra quyền",
    "to": "{team}",
    "moi": "member {unit}",
    "sua": "{session}",
    "xoa": "{session}",
}


def target_values(world: World, role: str, target: str) -> dict[str, object]:
    if target == "own":
        return {"task": world.own_task, "team": "TO-DONG", "unit": "TO-DONG",
                "session": world.own_session.get(role, world.other_session)}
    return {"task": world.other_task, "team": "TO-KHAC", "unit": "TO-KHAC", "session": world.other_session}


@dataclass(frozen=True)
class Cell:
    command: str
    role: str
    target: str  # "own", "other", or "-" for a command without a unit argument

    @property
    def expected(self) -> str:
        """"router" (refused before the handler), "handler" (refused by it) or "ok"."""
        if not at_least(ROLE_OF[self.role], ROUTER.commands[self.command].min_role):
            return "router"
        return "handler" if self.target == "other" else "ok"

    def text(self, world: World) -> str:
        args = TARGETED.get(self.command, "").format(**target_values(world, self.role, self.target))
        return f"/{self.command} {args}".strip()


def command_cells(role: str) -> list[Cell]:
    return [Cell(name, role, target) for name in ROUTER.commands
            for target in (("own", "other") if name in TARGETED else ("-",))]


# Tables a refused message may still touch: the conversation state only.
CONVERSATION = {"dialog_states", "pending_choices"}


async def _check_cell(app: App, world: World, channel, cell: Cell) -> list[str]:  # type: ignore[no-untyped-def]
    identity = world.identity[f"console-{cell.role}"]
    await forget_conversation(app, identity)
    before = await row_counts(app)
    replies = await channel.send_text(cell.text(world))
    changed = changed_tables(before, await row_counts(app))
    problems = reply_problems(cell.text(world), replies)
    refusal = refusal_in(replies)
    minimum = ROUTER.commands[cell.command].min_role
    if cell.expected == "router":
        wanted = texts.NOT_ALLOWED.format(command=cell.command, audience=AUDIENCE[minimum])
        if [r.text for r in replies] != [wanted]:
            problems.append(f"expected the router's refusal, got: {shown(replies)}")
    elif cell.expected == "handler":
        if refusal is None or refusal in ROUTER_REFUSALS:
            problems.append(f"expected a refusal from the handler, got: {shown(replies)}")
    elif refusal is not None:
        problems.append(f"refused ({refusal!r}): {shown(replies)}")
    if cell.expected != "ok" and set(changed) - CONVERSATION:
        problems.append(f"a refused command changed {changed}")
    return [f"/{cell.command} as {cell.role} ({cell.target}): {p}" for p in problems]


MATRIX_RUN: dict[str, int] = {}


@pytest.mark.usefixtures("no_kb_reload")
@pytest.mark.parametrize("role", ROLES)
async def test_every_command_for_every_role_on_own_and_other_unit(role: str, demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    channel = chat(role)
    cells = command_cells(role)
    failures = [f for cell in cells for f in await _check_cell(demo_app, world, channel, cell)]
    MATRIX_RUN[f"commands:{role}"] = len(cells)
    assert not failures, "\n".join(failures)


async def test_own_targets_really_act(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    """The "ok" cells above are not silently refused: the own-unit variants do their job."""
    world = await build_world(demo_app)
    member, head, admin, leader = chat("member"), chat("head"), chat("admin"), chat("leader")
    saved = await member.send_text(f"/tiendo {world.own_task} 20% kiểm tra")
    assert saved[0].text.startswith(f"Đã lưu tiến độ nhiệm vụ #{world.own_task}")
    assert "Đã tạm dừng nhắc" in (await head.send_text(f"/tatnhac {world.own_task} 3 chờ"))[0].text
    assert "Đã tạo mã mời" in (await admin.send_text("/moi member TO-DONG"))[0].text
    assert (await leader.send_text("/to TO-DONG"))[0].text.startswith("👥 Tổ CNSCĐ thôn Đông")
    assert (await head.send_text("/to TO-TAY"))[0].text.startswith("👥 Tổ CNSCĐ thôn Tây")  # same commune
    assert f"phiên #{world.own_session['member']}" in (await member.send_text(
        f"/sua {world.own_session['member']}"))[0].text
    assert f"Xóa phiên #{world.own_session['member']}" in (await member.send_text(
        f"/xoa {world.own_session['member']}"))[0].text


# ---------------------------------------------------------------- the button matrix

def button_sample(prefix: str, world: World, role: str) -> str:
    """Callback data of a plausible press of each button prefix (own ids where an id is needed)."""
    samples = {
        "help": "help", "t": "t:vneid.otp_not_received:0", "nf": "nf:0", "fb": f"fb:up:{world.own_qid}",
        "ho": "ho:0", "gs": "gs:new", "gsl": "gsl", "gse": f"gse:{world.own_session.get(role, 0)}",
        "gsx": f"gsx:{world.own_session.get(role, 0)}", "td": "td", "tp": f"tp:{world.own_task}",
        "pv": "pv:50", "ps": "ps:done", "pk": "pk:note", "nv": "nv:list", "rm": "rm", "bc": "bc:menu",
        "ua": "ua:list", "imp": "imp:start", "xdl": "xdl:no", "tk": "tk:claim:999999",
    }
    return samples.get(prefix, prefix)


@pytest.mark.usefixtures("no_kb_reload")
@pytest.mark.parametrize("role", ROLES)
async def test_every_button_prefix_for_every_role(role: str, demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    channel = chat(role)
    failures: list[str] = []
    for prefix, action in ROUTER.actions.items():
        await forget_conversation(demo_app, world.identity[f"console-{role}"])
        data = button_sample(prefix, world, role)
        replies = await channel.press(data)
        problems = reply_problems(data, replies)
        wanted = texts.ACTION_NOT_ALLOWED.format(audience=AUDIENCE[action.min_role])
        allowed = at_least(ROLE_OF[role], action.min_role)
        if not allowed and [r.text for r in replies] != [wanted]:
            problems.append(f"expected the router's refusal, got: {shown(replies)}")
        if allowed and any(wanted == r.text for r in replies):
            problems.append("refused although the role may use it")
        failures += [f"{data} as {role}: {p}" for p in problems]
    MATRIX_RUN[f"buttons:{role}"] = len(ROUTER.actions)
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- forged button data

async def _session_row(app: App, session_id: int) -> AssistSession:
    async with app.sessionmaker() as s:
        row = await s.get(AssistSession, session_id)
        assert row is not None
        return row


async def _question_row(app: App, qid: int) -> QuestionLog:
    async with app.sessionmaker() as s:
        row = await s.get(QuestionLog, qid)
        assert row is not None
        return row


@pytest.mark.parametrize("role", ["member", "leader", "head", "admin"])
async def test_forged_task_button_of_another_commune_is_refused(role: str, demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    channel = chat(role)
    before = await row_counts(demo_app)
    replies = await channel.press(f"tp:{world.other_task}")
    assert replies[0].text == TT.TASK_NOT_YOURS.format(id=world.other_task)
    for data in ("pv:100", "ps:done", "pk:note", "pk:evidence"):  # no dialog was opened to continue
        assert (await channel.press(data))[0].text == TT.PROGRESS_USAGE, data
    assert changed_tables(before, await row_counts(demo_app)) == {}


async def test_progress_buttons_without_their_dialog_save_nothing(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    member = chat("member")
    before = await row_counts(demo_app)
    for data in ("ps:done", "ps:blocked", "pv:100", "pk:note", "pk:evidence", "tp:999999"):
        replies = await member.press(data)
        assert refusal_in(replies) is not None, (data, shown(replies))
    assert set(changed_tables(before, await row_counts(demo_app))) <= CONVERSATION
    assert world.own_task  # the member's own task exists: it is the dialog, not the task, that is missing


async def test_another_members_session_cannot_be_edited_or_deleted(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    sid = world.other_session
    refused = TS.NOT_YOURS.format(id=sid)
    for role in ("member", "leader", "head", "admin"):
        channel = chat(role)
        assert (await channel.send_text(f"/xoa {sid}"))[0].text == refused, role
        assert (await channel.send_text(f"/sua {sid}"))[0].text == refused, role
        assert (await channel.press(f"gse:{sid}"))[0].text == refused, role
        assert (await channel.press(f"gsx:{sid}"))[0].text == refused, role
        assert (await channel.press(f"gsx:yes:{sid}"))[0].text == refused, role
    row = await _session_row(demo_app, sid)
    assert row.deleted_at is None and row.note == "phiên của người khác"


async def test_save_without_a_draft_saves_nothing(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    await build_world(demo_app)
    before = await row_counts(demo_app)
    for role in ("member", "admin"):
        assert (await chat(role).press("gs:save"))[0].text == TS.NO_DIALOG
    assert set(changed_tables(before, await row_counts(demo_app))) <= CONVERSATION


async def test_a_session_cannot_be_logged_in_another_communes_thon(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    member = chat("member")
    await member.send_text("/ghi 2 người kích hoạt vneid")
    forged = await member.press(f"gs:p:{world.unit['THON-KHAC']}")
    assert forged[0].text.startswith(texts.STALE_BUTTON)
    assert all(b.data != f"gs:p:{world.unit['THON-KHAC']}" for r in forged for b in r.all_buttons())
    typed = await member.send_text("/ghi 2 người kích hoạt vneid thôn Khác")  # typed, not pressed
    assert all(b.data != f"gs:p:{world.unit['THON-KHAC']}" for r in typed for b in r.all_buttons())
    async with demo_app.sessionmaker() as s:
        draft = await dialogs.load(s, world.identity["console-member"])
    assert draft is not None and draft.data["p"] != world.unit["THON-KHAC"]
    await member.send_text("/huy")
    await member.send_text("/ghi 2 người kích hoạt vneid")
    saved = await member.press("gs:save")
    assert saved[0].text.startswith("✅ Đã lưu phiên")
    async with demo_app.sessionmaker() as s:
        newest = (await s.scalars(select(AssistSession).order_by(AssistSession.id.desc()))).first()
    assert newest is not None and newest.unit_id == world.unit["THON-DONG"]


async def test_another_citizens_question_cannot_be_rated_topic_set_or_handed_off(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    qid = world.other_qid
    for role in ROLES:
        channel = chat(role)
        assert (await channel.press(f"fb:up:{qid}"))[0].text == texts.STALE_BUTTON, role
        assert (await channel.press(f"fb:dn:{qid}"))[0].text == texts.STALE_BUTTON, role
        await channel.press(f"t:vneid.otp_not_received:{qid}")
        replies = await channel.press(f"ho:{qid}")
        assert "quên mật khẩu vneid" not in "\n".join(r.text for r in replies), role  # not prefilled with theirs
        await channel.send_text("/huy")
    row = await _question_row(demo_app, qid)
    assert row.feedback is None and row.topic is None and not row.handed_off
    own = chat("citizen")  # the asker of own_qid may rate their own question
    assert (await own.press(f"fb:up:{world.own_qid}"))[0].text == texts.FAQ_THANKS_UP


@pytest.mark.parametrize("role", ["citizen", "member", "leader", "head"])
async def test_admin_only_buttons_are_refused_below_admin(role: str, demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    channel = chat(role)
    before = await row_counts(demo_app)
    refused = texts.ACTION_NOT_ALLOWED.format(audience=AUDIENCE[Role.ADMIN])
    for data in (f"ua:ig:{world.other_qid}", f"ua:at:{world.other_qid}:vneid.otp_not_received",
                 f"ua:ho:{world.other_qid}", "ua:list", "imp:go", "imp:start"):
        assert [r.text for r in await channel.press(data)] == [refused], data
    assert changed_tables(before, await row_counts(demo_app)) == {}


@pytest.mark.usefixtures("no_kb_reload")
async def test_admin_buttons_check_their_ids(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    await build_world(demo_app)
    admin = chat("admin")
    before = await row_counts(demo_app)
    assert (await admin.press("ua:at:999999:vneid.otp_not_received"))[0].text == texts.UNANSWERED_GONE
    assert (await admin.press("ua:ig:99999999999999999999"))[0].text == texts.STALE_BUTTON
    assert (await admin.press("imp:go"))[0].text == TI.IMPORT_EXPIRED
    assert set(changed_tables(before, await row_counts(demo_app))) <= CONVERSATION


@pytest.mark.parametrize("role", ["head", "admin"])
async def test_report_button_for_another_communes_unit_is_refused(role: str, demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    key = f"{date.today():%Y%m}"
    for unit in ("P-KHAC", "XA-KHAC", "THON-KHAC", "TO-KHAC"):
        replies = await chat(role).press(f"bc:{world.unit[unit]}:{key}")
        assert [r.text for r in replies] == [TR.NOT_IN_SCOPE], unit


async def test_other_commune_is_out_of_reach_of_typed_codes(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    before = await row_counts(demo_app)
    assert (await chat("leader").send_text("/to TO-KHAC"))[0].text == TS.TEAM_OTHER
    for role in ("head", "admin"):
        reply = (await chat(role).send_text("/to TO-KHAC"))[0].text
        assert reply.startswith(_literal(TS.TEAM_UNKNOWN).split("«")[0]) and "TO-KHAC»" in reply, role
        assert "TO-KHAC," not in reply.split("Các mã Tổ:")[1], role  # the list shows this commune's Tổ only
    invite = (await chat("admin").send_text("/moi member TO-KHAC"))[0].text
    assert invite.startswith("Không tìm thấy đơn vị có mã «TO-KHAC»") and "XA-KHAC" not in invite
    for role in ("head", "admin"):
        reply = (await chat(role).send_text(f"/tatnhac {world.other_task} 3 thử"))[0].text
        assert reply == TT.TASK_NOT_FOUND.format(id=world.other_task), role
    assert set(changed_tables(before, await row_counts(demo_app))) <= CONVERSATION


async def test_task_lists_stay_inside_each_commune(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    ours = theirs = ""
    for role in ("head", "admin"):
        ours += "\n".join(r.text for r in await chat(role).send_text("/nhiemvu"))
    assert f"#{world.other_task} " not in ours and OTHER_TASK_TEXT[:30] not in ours
    for user in ("console-other-head", "console-other-admin"):
        theirs += "\n".join(r.text for r in await chat(user_id=user).send_text("/nhiemvu"))
    assert f"#{world.other_task} " in theirs and OWN_TASK_TEXT[:30] not in theirs
    picker = await chat(user_id="console-other-member").send_text("/tiendo")
    assert [b.data for r in picker for b in r.all_buttons()] == [f"tp:{world.other_task}"]


async def test_another_communes_admin_cannot_read_our_task_history(demo_app: App, chat) -> None:  # type: ignore[no-untyped-def]
    world = await build_world(demo_app)
    await chat("head").send_text(f"/tiendo {world.own_task} 30% đã rà soát")
    other_admin = chat(user_id="console-other-admin")
    history = "\n".join(r.text for r in await other_admin.send_text(f"/nhatky {world.own_task}"))
    assert "đã rà soát" not in history
    recent = "\n".join(r.text for r in await other_admin.send_text("/nhatky"))
    assert "đã rà soát" not in recent


def test_matrix_size(request: pytest.FixtureRequest) -> None:
    """Every command and button of the router is in the matrix, for every role."""
    assert all(Cell(name, "member", "-").text for name in ROUTER.commands)
    commands = sum(len(command_cells(role)) for role in ROLES)
    buttons = len(ROUTER.actions) * len(ROLES)
    line = (f"permissions: {len(ROUTER.commands)} commands × {len(ROLES)} roles (× own/other unit for "
            f"{len(TARGETED)}) = {commands} cells, {len(ROUTER.actions)} buttons × {len(ROLES)} roles = {buttons}")
    write_line(request, line)
    assert commands >= len(ROUTER.commands) * len(ROLES)

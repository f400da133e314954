"""Joining one person's Telegram and Zalo identities (/lienket) and choosing where reminders go (/kenh)."""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Context
from handlers.messages import Reply
from handlers.router import Router
from storage.models import Role
from storage.repos import people

router = Router()

CODE_TTL = timedelta(minutes=15)
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}

T_CMD_LINK = "Liên kết tài khoản Telegram và Zalo"
T_CMD_CHANNEL = "Chọn kênh nhận nhắc việc (zalo hoặc telegram)"
T_CODE = (
    "Mã liên kết của bạn: {code} (dùng một lần, hết hạn sau 15 phút).\n"
    "Mở bot trên kênh còn lại (Telegram hoặc Zalo) và gửi: /lienket {code}"
)
T_LINKED = "Đã liên kết: tài khoản {channel} này giờ là của {name}. Nhắc việc sẽ gửi theo kênh bạn chọn bằng /kenh."
T_BAD_CODE = "Mã liên kết không đúng hoặc đã hết hạn. Bạn gõ /lienket trên kênh kia để lấy mã mới."
T_SAME = "Mã này được tạo từ chính tài khoản này. Bạn gửi mã trên kênh còn lại nhé."
T_ALREADY = "Tài khoản {channel} này đã gắn với vai trò riêng nên không gộp tự động được; bạn nhờ quản trị viên xã/phường hỗ trợ."
T_CHANNEL_USAGE = "Cách dùng: /kenh zalo hoặc /kenh telegram (kênh nhận nhắc việc)."
T_CHANNEL_MISSING = "Bạn chưa có tài khoản {channel} liên kết với bot. Gõ /lienket để liên kết trước."
T_CHANNEL_SET = "Từ nay nhắc việc sẽ gửi qua {channel}."


@router.command("lienket", Role.CITIZEN, T_CMD_LINK)
async def link(ctx: Context) -> list[Reply]:
    """Without a code: issue one. With a code from the other channel: join this identity to its owner."""
    code = ctx.msg.args.strip().upper()
    if not code:
        return [Reply(T_CODE.format(code=await people.issue_link_code(ctx.db, ctx.person.id, ctx.now(), CODE_TTL)))]
    owner_id = await people.link_code_owner(ctx.db, code, ctx.now())
    if owner_id is None:
        return [Reply(T_BAD_CODE)]
    if owner_id == ctx.person.id:
        return [Reply(T_SAME)]
    channel = CHANNEL_NAMES.get(ctx.msg.channel, ctx.msg.channel)
    if ctx.person.role != Role.CITIZEN:
        return [Reply(T_ALREADY.format(channel=channel))]
    await people.redeem_link_code(ctx.db, code, ctx.identity.id, ctx.now())
    owner = await people.get_person(ctx.db, owner_id)
    return [Reply(T_LINKED.format(channel=channel, name=owner.name if owner else ""))]


@router.command("kenh", Role.CITIZEN, T_CMD_CHANNEL)
async def choose_channel(ctx: Context) -> list[Reply]:
    """Sets which of the person's channels receives reminders and notifications."""
    wanted = ctx.msg.args.strip().lower()
    if wanted not in CHANNEL_NAMES:
        return [Reply(T_CHANNEL_USAGE)]
    mine = await people.identities_of(ctx.db, ctx.person.id)
    if not any(i.channel == wanted for i in mine):
        return [Reply(T_CHANNEL_MISSING.format(channel=CHANNEL_NAMES[wanted]))]
    await people.set_reminder_channel(ctx.db, ctx.person.id, wanted)
    return [Reply(T_CHANNEL_SET.format(channel=CHANNEL_NAMES[wanted]))]

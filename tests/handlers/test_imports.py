"""/nhap end to end on the console channel: send a table, see the dry run, press «Nhập» or «Hủy»."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from bot.app import App
from handlers import texts_import as T
from handlers.messages import Attachment, Incoming, Reply
from storage.models import DialogState, Task, Unit
from tests.conftest import SHARED

PLAN_CSV = SHARED / "plans" / "ke-hoach-10-KH-DU-phu-luc-III.csv"
ADMIN = "console-admin"
PLAN = "Kế hoạch 10-KH/ĐU thử"


def stage(app: App, source: Path | bytes, name: str) -> Path:
    """Put a file where a channel would have downloaded it (settings.files_dir)."""
    folder = Path(app.settings.files_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if isinstance(source, Path):
        shutil.copy(source, target)
    else:
        target.write_bytes(source)
    return target


async def send_file(app: App, path: Path | None, name: str, *, error: str | None = None,
                    kind: str = "document", user: str = ADMIN) -> list[Reply]:
    size = path.stat().st_size if path is not None else 0
    attachment = Attachment(kind=kind, path=path, name=name, size=size, error=error)  # type: ignore[arg-type]
    msg = Incoming(channel="console", user_id=user, chat_id=user, attachments=(attachment,),
                   buttons_supported=False)
    return await app.conversation.handle(msg)


async def count(app: App, model: type) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def labels(replies: list[Reply]) -> list[str]:
    return [b.label for r in replies for b in r.all_buttons()]


async def test_nhap_dry_run_then_import_then_again(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    asked = await admin.send_text(f"/nhap {PLAN}")
    assert "CSV hoặc XLSX" in asked[0].text and PLAN in asked[0].text
    before = await count(demo_app, Task)

    preview = await send_file(demo_app, stage(demo_app, PLAN_CSV, "plan.csv"), "ke-hoach.csv")
    assert "Kiểm tra thử" in preview[0].text and "sẽ tạo mới 15" in preview[0].text, preview[0].text
    assert labels(preview) == [T.BUTTON_IMPORT, T.BUTTON_CANCEL]
    assert await count(demo_app, Task) == before  # the dry run wrote nothing

    done = await admin.send_text("1")  # the console's way of pressing «Nhập»
    assert "Đã nhập 15 nhiệm vụ: tạo mới 15" in done[0].text, done[0].text
    assert await count(demo_app, Task) == before + 15
    assert await count(demo_app, DialogState) == 0

    await admin.send_text(f"/nhap {PLAN}")
    again = await send_file(demo_app, stage(demo_app, PLAN_CSV, "plan2.csv"), "ke-hoach.csv")
    assert "sẽ tạo mới 0, cập nhật 0, giữ nguyên 15" in again[0].text
    done = await admin.press("imp:go")
    assert "tạo mới 0, cập nhật 0, giữ nguyên 15" in done[0].text
    assert await count(demo_app, Task) == before + 15


async def test_cancel_writes_nothing(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    await admin.send_text(f"/nhap {PLAN}")
    before = await count(demo_app, Task)
    await send_file(demo_app, stage(demo_app, PLAN_CSV, "plan.csv"), "plan.csv")
    cancelled = await admin.send_text("2")
    assert cancelled[0].text == T.IMPORT_CANCELLED
    assert await count(demo_app, Task) == before
    stale = await admin.press("imp:go")
    assert stale[0].text == T.IMPORT_EXPIRED
    assert await count(demo_app, Task) == before


async def test_xlsx_through_the_menu_button(chat, demo_app: App, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.append(["Phụ lục"])
    sheet.append(["STT", "Nội dung", "Thời gian", "Chủ trì", "Phối hợp", "Nguồn"])
    sheet.append([1, "Rà soát dữ liệu dân cư", "Quý IV/2025", "Công an xã", "Phòng Kinh tế", "KH bảng XLSX"])
    book.save(tmp_path / "plan.xlsx")
    admin = chat("admin")
    asked = await admin.press("imp:start")
    assert T.PLAN_FROM_COLUMN in asked[0].text
    preview = await send_file(demo_app, stage(demo_app, tmp_path / "plan.xlsx", "plan.xlsx"), "plan.xlsx")
    assert "sẽ tạo mới 1" in preview[0].text and "KH bảng XLSX" in preview[0].text
    done = await admin.press("imp:go")
    assert "tạo mới 1" in done[0].text and done[0].edit


async def test_unknown_unit_offers_to_create_it(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    await admin.send_text(f"/nhap {PLAN}")
    body = "stt,noi_dung,thoi_gian,chu_tri\n1,Tuyên truyền kỹ năng số,Thường xuyên,Hội Nông dân xã\n"
    preview = await send_file(demo_app, stage(demo_app, body.encode(), "units.csv"), "units.csv")
    assert "Sẽ tạo 1 đơn vị mới" in preview[0].text and "Hội Nông dân xã" in preview[0].text
    assert labels(preview)[0] == T.BUTTON_IMPORT_UNITS.format(count=1)
    units = await count(demo_app, Unit)
    await admin.press("imp:go")
    assert await count(demo_app, Unit) == units + 1


async def test_missing_plan_then_typed_plan_rechecks_the_file(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    await admin.send_text("/nhap")
    body = "stt,noi_dung,thoi_gian,chu_tri\n1,Rà soát thủ tục,Trước ngày 20/12/2025,Công an xã\n"
    refused = await send_file(demo_app, stage(demo_app, body.encode(), "noplan.csv"), "noplan.csv")
    assert "cột nguồn" in refused[0].text and T.PREVIEW_NEEDS_PLAN in refused[0].text
    assert not labels(refused)
    assert (await admin.send_text("1"))[0].text == T.PLAN_TOO_SHORT  # a stray reply is not a plan name
    rechecked = await admin.send_text("Kế hoạch số 5")
    assert "sẽ tạo mới 1" in rechecked[0].text and labels(rechecked)[0] == T.BUTTON_IMPORT
    done = await admin.send_text("1")
    assert "Đã nhập 1 nhiệm vụ" in done[0].text


async def test_bad_files_get_polite_answers_and_the_dialog_stays(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    await admin.send_text(f"/nhap {PLAN}")
    too_large = await send_file(demo_app, None, "big.xlsx", error="too_large")
    assert too_large[0].text == T.FILE_TOO_LARGE
    failed = await send_file(demo_app, None, "plan.csv", error="download_failed")
    assert failed[0].text == T.FILE_DOWNLOAD_FAILED
    photo = await send_file(demo_app, stage(demo_app, b"\xff\xd8\xff", "photo.jpg"), "photo.jpg", kind="photo")
    assert photo[0].text == T.FILE_NOT_DOCUMENT
    pdf = await send_file(demo_app, stage(demo_app, b"%PDF-1.4", "plan.pdf"), "plan.pdf")
    assert pdf[0].text == T.FILE_WRONG_TYPE.format(name="plan.pdf")
    broken = await send_file(demo_app, stage(demo_app, b"noi_dung,chu_tri\nx,y\n", "b.csv"), "b.csv")
    assert "Không đọc được tệp «b.csv»" in broken[0].text and "thời gian" in broken[0].text
    encoding = await send_file(demo_app, stage(demo_app, "noi_dung,thoi_gian,chu_tri\nRà,Tháng 8,Công an\n"
                                               .encode("cp1252"), "c.csv"), "c.csv")
    assert "UTF-8" in encoding[0].text
    # still waiting for a file: a good one goes through
    ok = await send_file(demo_app, stage(demo_app, PLAN_CSV, "plan.csv"), "plan.csv")
    assert labels(ok) == [T.BUTTON_IMPORT, T.BUTTON_CANCEL]


async def test_file_changed_after_the_dry_run_is_not_imported(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    admin = chat("admin")
    await admin.send_text(f"/nhap {PLAN}")
    path = stage(demo_app, PLAN_CSV, "plan.csv")
    await send_file(demo_app, path, "plan.csv")
    path.write_text("stt,noi_dung,thoi_gian,chu_tri\n1,Khác,Thường xuyên,Công an xã\n", encoding="utf-8")
    before = await count(demo_app, Task)
    gone = await admin.press("imp:go")
    assert gone[0].text == T.FILE_GONE
    assert await count(demo_app, Task) == before


async def test_only_admins_may_import(chat, demo_app: App) -> None:  # type: ignore[no-untyped-def]
    assert "chỉ dành cho" in (await chat("head").send_text("/nhap"))[0].text
    assert "chỉ dành cho" in (await chat("member").press("imp:go"))[0].text

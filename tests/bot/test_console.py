"""The console channel driven through standard input, as `cnscd chat --demo` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.channels.console import ConsoleChannel, render
from handlers.core import pick_choice
from handlers.messages import Button, Reply


def _run_cli(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        cwd=cwd, env=env, timeout=120,
    )


def test_chat_demo_reads_commands_from_stdin(tmp_path: Path) -> None:
    result = _run_cli(["chat", "--demo"], "/start\n/trogiup\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Xin chào" in result.stdout and "Các lệnh bạn dùng được" in result.stdout
    assert "Traceback" not in result.stderr
    assert (tmp_path / "cnscd-demo.db").exists()


def test_chat_as_admin_can_pick_a_button_by_number(tmp_path: Path) -> None:
    result = _run_cli(["chat", "--demo", "--as", "admin"], "/start\n1\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Xin chào Nguyễn Văn Quản" in result.stdout


def test_chat_on_unmigrated_database_says_which_command_to_run(tmp_path: Path) -> None:
    result = _run_cli(["chat"], "/start\n", tmp_path)
    assert result.returncode == 2
    assert "cnscd db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("QUIET_HOURS_START=25h\n", encoding="utf-8")
    result = _run_cli(["db", "status"], "", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "QUIET_HOURS_START" in result.stderr


def test_render_numbers_choices() -> None:
    text = render([Reply("Chọn:", buttons=[[Button("Có", "y"), Button("Không", "n")]])])
    assert "[1] Có" in text and "[2] Không" in text


def test_pick_choice_by_number_or_label() -> None:
    shown = [("Lưu", "save"), ("Hủy bỏ", "cancel")]
    assert pick_choice("2", shown) == "cancel" and pick_choice("số 1", shown) == "save"
    assert pick_choice("2.", shown) == "cancel" and pick_choice("huy bo", shown) == "cancel"
    assert pick_choice("9", shown) is None and pick_choice("hỏi khác", shown) is None


def test_numeric_labels_are_matched_as_labels_not_positions() -> None:
    shown = [("1", "n:1"), ("2", "n:2"), ("5", "n:5")]
    assert pick_choice("5", shown) == "n:5" and pick_choice("4", shown) is None


async def test_console_reads_number_as_button_press(chat) -> None:  # type: ignore[no-untyped-def]
    channel: ConsoleChannel = chat("citizen")
    await channel.send_text("/start")
    replies = await channel.send_text("1")
    assert "Các lệnh bạn dùng được" in replies[0].text

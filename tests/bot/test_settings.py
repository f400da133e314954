"""Settings: defaults, parsing, one-line errors, and `.env.example` documenting every setting."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_documented_ones() -> None:
    s = load_settings(_env_file=None, database_url="sqlite+aiosqlite:///./cnscd.db")
    assert s.timezone == "Asia/Ho_Chi_Minh" and s.quiet_hours_start == time(21, 0)
    assert s.reminder_days == [7, 3, 1, 0] and s.monthly_reminder_day == 15


def test_env_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMINDER_DAYS", "1, 5,3")
    monkeypatch.setenv("QUIET_HOURS_END", "06:30")
    s = load_settings(_env_file=None)
    assert s.reminder_days == [5, 3, 1] and s.quiet_hours_end == time(6, 30)


@pytest.mark.parametrize(
    ("name", "value"),
    [("TIMEZONE", "Moon/Base"), ("QUIET_HOURS_START", "25:99"), ("REMINDER_DAYS", "a,b"),
     ("DATABASE_URL", "mysql://x"), ("WEBHOOK_PORT", "99999"), ("LOG_LEVEL", "LOUD")],
)
def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {}
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            documented[line.split("=")[0]] = lines[i - 1].startswith("#")
    assert set(documented) == {n.upper() for n in Settings.model_fields}
    assert all(documented.values())

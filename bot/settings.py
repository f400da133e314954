"""Typed settings read from the environment and `.env` (pydantic-settings).

Priority: real environment variables, then `.env` in the current directory, then the defaults below.
The variable names are a public interface (see `.env.example`): do not rename them.
"""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A setting has a bad value; the message names it in one line."""


def _parse_hhmm(value: object) -> time:
    if isinstance(value, time):
        return value
    text = str(value).strip()
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"cần dạng HH:MM, nhận được {text!r}") from exc


class Settings(BaseSettings):
    """Every runtime setting of the bot."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./cnscd.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"

    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    zalo_bot_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None

    public_base_url: str | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)

    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(7, 0)
    reminder_time: time = time(7, 30)
    reminder_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [7, 3, 1, 0])
    overdue_repeat_days: int = Field(default=3, ge=1, le=60)
    escalation_overdue_days: int = Field(default=7, ge=1, le=365)
    monthly_reminder_day: int = Field(default=15, ge=1, le=28)
    monthly_report_day: int = Field(default=20, ge=1, le=28)
    report_window_start_day: int = Field(default=1, ge=1, le=28)
    extra_holidays: str = ""

    send_rate_per_second: float = Field(default=25.0, gt=0, le=1000)
    send_per_chat_interval: float = Field(default=1.0, ge=0, le=60)
    send_max_attempts: int = Field(default=5, ge=1, le=50)

    dialog_ttl_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    session_max_age_days: int = Field(default=30, ge=1, le=365)
    ticket_claim_timeout_hours: float = Field(default=24, gt=0)
    ticket_unclaimed_alert_hours: float = Field(default=2, gt=0)
    faq_overlay_file: Path = Path("faq_local.yaml")
    files_dir: Path = Path("cnscd-files")
    max_upload_mb: int = Field(default=20, ge=1, le=2000)

    @field_validator("quiet_hours_start", "quiet_hours_end", "reminder_time", mode="before")
    @classmethod
    def _hhmm(cls, value: object) -> time:
        return _parse_hhmm(value)

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _days(cls, value: object) -> list[int]:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                value = [int(p) for p in parts]
            except ValueError as exc:
                raise ValueError("cần danh sách số ngày, ví dụ 7,3,1,0") from exc
        days = sorted({int(v) for v in value}, reverse=True)  # type: ignore[union-attr]
        if not days or any(d < 0 or d > 365 for d in days):
            raise ValueError("mỗi số ngày phải từ 0 đến 365")
        return days

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"múi giờ không tồn tại: {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("chọn một trong DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("chỉ hỗ trợ sqlite+aiosqlite:// hoặc postgresql+asyncpg://")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "?"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Cấu hình không hợp lệ: {name}: {msg}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

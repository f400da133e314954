"""Leader election (one scheduler per deployment) and the `cnscd reminders` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.app import App
from scheduler.service import LeaderLock, SchedulerService
from storage.db import make_engine


async def test_only_one_process_leads_on_postgresql(app: App) -> None:
    other_engine = make_engine(app.settings.database_url)
    first, second = LeaderLock(app.engine), LeaderLock(other_engine)
    try:
        assert await first.acquire()
        if app.engine.dialect.name == "postgresql":
            assert not await second.acquire()
            await first.release()
            assert await second.acquire()
        else:
            assert await second.acquire()  # SQLite is single-process: always the leader
    finally:
        await first.release()
        await second.release()
        await other_engine.dispose()


async def test_service_starts_sweeps_and_stops(demo_app: App) -> None:
    service = SchedulerService(demo_app.engine, demo_app.sessionmaker, demo_app.settings, {})
    await service.start()
    try:
        assert service.scheduler is not None
        assert {"sweep", "drain"} <= {job.id for job in service.scheduler.get_jobs()}
    finally:
        await service.stop()


def test_reminders_plan_prints_without_sending(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=120)

    assert cli("db", "upgrade").returncode == 0
    assert cli("demo").returncode == 0
    result = cli("reminders", "plan")
    assert result.returncode == 0, result.stderr
    assert "chưa gửi gì" in result.stdout
    bad = cli("reminders", "plan", "--at", "hôm qua")
    assert bad.returncode == 2 and "không hợp lệ" in bad.stderr

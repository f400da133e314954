"""`cnscd faq match|eval` and `cnscd kb check`: the stable command-line contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SHARED


def _cli(args: list[str], stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def test_faq_match_writes_one_json_line_per_input_in_order(tmp_path: Path) -> None:
    lines = [{"text": "ko nhan dc otp vneid"}, {"text": "thời tiết Hà Nội mai thế nào"}, {"text": ""}]
    result = _cli(["faq", "match"], "".join(json.dumps(x) + "\n" for x in lines), tmp_path)
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(out) == 3
    assert set(out[0]) == {"topic", "decision", "score", "candidates"}
    assert out[0]["topic"] == "vneid.otp_not_received" and out[0]["decision"] == "answer"
    assert out[1]["decision"] == "fallback" and out[1]["topic"] is None
    assert all(0 <= o["score"] <= 100 and len(o["candidates"]) <= 3 for o in out)


def test_faq_eval_reports_and_enforces_thresholds(tmp_path: Path) -> None:
    dev = SHARED / "faq" / "dev.jsonl"
    result = _cli(["faq", "eval", str(dev), "--min-accuracy", "0.90", "--max-wrong", "0.03"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accuracy@1" in result.stdout and "wrong" in result.stdout
    strict = _cli(["faq", "eval", str(dev), "--min-accuracy", "1.01"], cwd=tmp_path)
    assert strict.returncode == 1 and "KHÔNG ĐẠT" in strict.stderr


def test_kb_check_passes_on_the_packaged_base_and_fails_with_file_and_line(tmp_path: Path) -> None:
    ok = _cli(["kb", "check"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout
    broken = tmp_path / "kb"
    broken.mkdir()
    (broken / "bad.yaml").write_text("entries:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    bad = _cli(["kb", "check", "--dir", str(broken)], cwd=tmp_path)
    assert bad.returncode == 1 and "bad.yaml" in bad.stdout and "line" in bad.stdout.lower()

"""Knowledge-base loading, validation and overlay editing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from faq.kb import (
    Entry,
    KBError,
    KnowledgeBase,
    add_overlay_paraphrase,
    check_kb,
    default_kb_dir,
    load_kb,
)

TOPICS = {
    "topics": [
        {"id": "vneid.install", "group": "vneid", "question": "Tải VNeID ở đâu?", "cover": ["x"]},
        {"id": "dvc.login", "group": "dvc", "question": "Đăng nhập dịch vụ công?", "cover": ["x"]},
    ]
}


def make_entry(entry_id: str, stem: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": entry_id,
        "title": f"Tiêu đề {stem}",
        "answer": f"Trả lời về {stem}. Liên hệ {{{{police}}}}.",
        "paraphrases": [f"{stem} câu hỏi số {i}" for i in range(12)],
        "keywords": [stem],
        "links": ["https://example.gov.vn"],
        "related": [],
        "source": "Nguồn thử",
        "reviewed": date(2026, 11, 23),
    }
    entry.update(overrides)
    return entry


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> dict[str, Path]:
    kb_dir = tmp_path / "knowledge"
    kb_dir.mkdir()
    write_yaml(kb_dir / "a.yaml", {"entries": [make_entry("vneid.install", "cài ứng dụng")]})
    write_yaml(kb_dir / "b.yaml", {"entries": [make_entry("dvc.login", "đăng nhập cổng")]})
    topics = write_yaml(tmp_path / "topics.yaml", TOPICS)
    return {"kb_dir": kb_dir, "topics": topics, "overlay": tmp_path / "overlay.yaml"}


def problems_for(base: dict[str, Path], *entries: dict[str, Any], extra: str | None = None) -> list[str]:
    write_yaml(base["kb_dir"] / "a.yaml", {"entries": list(entries)})
    if extra is not None:
        (base["kb_dir"] / "c.yaml").write_text(extra, encoding="utf-8")
    return check_kb(base["kb_dir"], topics_path=base["topics"])


def test_valid_base_loads(base: dict[str, Path]) -> None:
    assert check_kb(base["kb_dir"], topics_path=base["topics"]) == []
    kb = load_kb(base["kb_dir"], topics_path=base["topics"])
    assert isinstance(kb, KnowledgeBase)
    assert len(kb) == 2
    entry = kb.get("vneid.install")
    assert isinstance(entry, Entry)
    assert entry.group == "vneid"
    assert entry.reviewed == date(2026, 11, 23)
    assert len(entry.paraphrases) == 12 and isinstance(entry.paraphrases, tuple)
    assert "{{" not in entry.answer
    assert "Công an xã/phường nơi bạn cư trú" in entry.answer
    assert kb.titles["dvc.login"] == "Tiêu đề đăng nhập cổng"
    assert kb.get("nope") is None


def test_missing_topic(base: dict[str, Path]) -> None:
    problems = problems_for(base)
    assert any("missing entry for topic vneid.install" in p for p in problems)


def test_extra_ids_must_be_local(base: dict[str, Path]) -> None:
    problems = problems_for(
        base, make_entry("vneid.install", "cài ứng dụng"), make_entry("vneid.unknown", "chủ đề lạ")
    )
    assert any("vneid.unknown" in p and "topics.yaml" in p for p in problems)
    ok = problems_for(base, make_entry("vneid.install", "cài ứng dụng"), make_entry("local.wifi", "mạng xã"))
    assert ok == []


@pytest.mark.parametrize("field", ["title", "answer", "source", "paraphrases", "keywords"])
def test_empty_or_missing_field(base: dict[str, Path], field: str) -> None:
    empty = make_entry(
        "vneid.install", "cài ứng dụng", **{field: [] if field in ("paraphrases", "keywords") else ""}
    )
    assert any(f"'{field}'" in p for p in problems_for(base, empty))
    missing = make_entry("vneid.install", "cài ứng dụng")
    del missing[field]
    assert any(f"'{field}'" in p for p in problems_for(base, missing))


def test_bad_date(base: dict[str, Path]) -> None:
    problems = problems_for(base, make_entry("vneid.install", "cài ứng dụng", reviewed="hôm qua"))
    assert any("reviewed" in p for p in problems)


def test_too_few_paraphrases(base: dict[str, Path]) -> None:
    entry = make_entry("vneid.install", "cài", paraphrases=[f"cài số {i}" for i in range(9)])
    assert any("9 paraphrases" in p for p in problems_for(base, entry))


def test_duplicate_paraphrase_within_entry_after_normalisation(base: dict[str, Path]) -> None:
    paraphrases = [f"cài ứng dụng số {i}" for i in range(10)] + ["ko tải được app", "không tải được ứng dụng"]
    problems = problems_for(base, make_entry("vneid.install", "cài", paraphrases=paraphrases))
    assert any("vneid.install: duplicate paraphrase" in p for p in problems)


def test_duplicate_paraphrase_across_entries_names_both(base: dict[str, Path]) -> None:
    shared = "Quên mật khẩu thì làm sao?"
    write_yaml(
        base["kb_dir"] / "b.yaml",
        {
            "entries": [
                make_entry(
                    "dvc.login", "đăng nhập", paraphrases=[f"đăng nhập số {i}" for i in range(10)] + [shared]
                )
            ]
        },
    )
    entry = make_entry(
        "vneid.install", "cài", paraphrases=[f"cài số {i}" for i in range(10)] + ["quen mat khau thi lam sao"]
    )
    problems = problems_for(base, entry)
    assert any("dvc.login" in p and "vneid.install" in p and "both" in p for p in problems)


def test_long_answer_counted_after_substitution(base: dict[str, Path]) -> None:
    answer = "x" * 880 + " {{service_center}}"
    problems = problems_for(base, make_entry("vneid.install", "cài", answer=answer))
    assert any("answer has" in p for p in problems)
    assert problems_for(base, make_entry("vneid.install", "cài", answer="x" * 880)) == []


def test_unknown_placeholder(base: dict[str, Path]) -> None:
    problems = problems_for(base, make_entry("vneid.install", "cài", answer="Gọi {{hotline_xa}}"))
    assert any("unknown placeholder {{hotline_xa}}" in p for p in problems)


def test_unknown_related(base: dict[str, Path]) -> None:
    problems = problems_for(base, make_entry("vneid.install", "cài", related=["dvc.login", "vneid.nowhere"]))
    related = [p for p in problems if "related" in p]
    assert related == ["vneid.install: unknown related id vneid.nowhere"]


def test_malformed_yaml_reports_file_and_line(base: dict[str, Path]) -> None:
    broken = "entries:\n  - id: x\n    title: [unclosed\n    answer: y\n"
    problems = problems_for(base, make_entry("vneid.install", "cài"), extra=broken)
    assert any(p.startswith("c.yaml:") and "YAML error" in p for p in problems)
    line = next(p for p in problems if p.startswith("c.yaml:")).split(":")[1]
    assert line.isdigit() and int(line) >= 3


def test_duplicate_id_across_files(base: dict[str, Path]) -> None:
    write_yaml(base["kb_dir"] / "c.yaml", {"entries": [make_entry("dvc.login", "đăng nhập khác")]})
    problems = check_kb(base["kb_dir"], topics_path=base["topics"])
    assert any("duplicate id dvc.login" in p and "b.yaml" in p and "c.yaml" in p for p in problems)


def test_load_kb_raises_with_all_problems(base: dict[str, Path]) -> None:
    write_yaml(
        base["kb_dir"] / "a.yaml",
        {"entries": [make_entry("vneid.install", "cài", answer="{{nope}}", title="")]},
    )
    with pytest.raises(KBError) as info:
        load_kb(base["kb_dir"], topics_path=base["topics"])
    assert len(info.value.problems) >= 2


def test_overlay_local_paraphrases_and_entries(base: dict[str, Path]) -> None:
    write_yaml(
        base["overlay"],
        {
            "local": {"police": "Công an xã Tân Hòa"},
            "paraphrases": {"dvc.login": ["vô cổng dịch vụ công bằng gì vậy"]},
            "entries": [make_entry("local.wifi", "wifi nhà văn hóa")],
        },
    )
    kb = load_kb(base["kb_dir"], overlay=base["overlay"], topics_path=base["topics"])
    assert "Công an xã Tân Hòa" in kb.entries["vneid.install"].answer
    assert kb.entries["dvc.login"].paraphrases[-1] == "vô cổng dịch vụ công bằng gì vậy"
    assert "local.wifi" in kb
    assert kb.local["police"] == "Công an xã Tân Hòa"


def test_overlay_problems(base: dict[str, Path]) -> None:
    write_yaml(
        base["overlay"],
        {"paraphrases": {"vneid.nowhere": ["abc"]}, "entries": [make_entry("vneid.other", "khác")]},
    )
    problems = check_kb(base["kb_dir"], overlay=base["overlay"], topics_path=base["topics"])
    assert any("unknown topic vneid.nowhere" in p for p in problems)
    assert any("local." in p for p in problems)


def test_add_overlay_paraphrase(base: dict[str, Path]) -> None:
    overlay = base["overlay"]
    add_overlay_paraphrase(
        overlay, "dvc.login", "vô dvc bằng tài khoản gì", kb_dir=base["kb_dir"], topics_path=base["topics"]
    )
    add_overlay_paraphrase(
        overlay, "dvc.login", "đăng nhập cổng bằng gì", kb_dir=base["kb_dir"], topics_path=base["topics"]
    )
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    assert data["paraphrases"]["dvc.login"] == ["vô dvc bằng tài khoản gì", "đăng nhập cổng bằng gì"]
    kb = load_kb(base["kb_dir"], overlay=overlay, topics_path=base["topics"])
    assert len(kb.entries["dvc.login"].paraphrases) == 14
    assert [p.name for p in overlay.parent.iterdir() if p.name.startswith(".overlay")] == []


@pytest.mark.parametrize(
    ("topic", "text"),
    [
        ("dvc.login", "đăng nhập cổng câu hỏi số 3"),  # duplicate within the topic
        ("dvc.login", "cài ứng dụng câu hỏi số 3"),  # duplicate of another topic's paraphrase
        ("vneid.nowhere", "một câu mới"),  # unknown topic
        ("dvc.login", "   "),  # empty
    ],
)
def test_add_overlay_paraphrase_rejects_and_keeps_file(base: dict[str, Path], topic: str, text: str) -> None:
    overlay = base["overlay"]
    write_yaml(overlay, {"local": {"police": "Công an xã A"}})
    before = overlay.read_bytes()
    with pytest.raises(KBError):
        add_overlay_paraphrase(overlay, topic, text, kb_dir=base["kb_dir"], topics_path=base["topics"])
    assert overlay.read_bytes() == before
    assert sorted(p.name for p in overlay.parent.iterdir()) == sorted(
        ["knowledge", "topics.yaml", "overlay.yaml"]
    )


def test_default_kb_dir() -> None:
    kb_dir = default_kb_dir()
    assert kb_dir.name == "knowledge"
    assert kb_dir.parent.name == "faq"
    assert (kb_dir.parent / "topics.yaml").exists()


def test_real_knowledge_base_is_valid() -> None:
    """Passes once every knowledge file of the project is complete."""
    assert check_kb() == []

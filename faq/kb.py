"""Knowledge base: load, validate and extend the FAQ entries in faq/knowledge/*.yaml.

Answers may hold ``{{key}}`` placeholders filled from faq/local_defaults.yaml, overridden by an
optional overlay file, which can also add paraphrases to existing topics and ``local.*`` entries.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from faq.normalize import normalize

PACKAGE_DIR = Path(__file__).resolve().parent
MIN_PARAPHRASES = 10
MAX_ANSWER_CHARS = 900
LOCAL_PREFIX = "local."
REQUIRED_TEXT = ("id", "title", "answer", "source")
REQUIRED_LISTS = ("paraphrases", "keywords")
OPTIONAL_LISTS = ("links", "related")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class KBError(Exception):
    """The knowledge base (or an overlay) does not validate."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    """One FAQ topic with its answer already localised."""

    id: str
    group: str
    title: str
    answer: str
    paraphrases: tuple[str, ...]
    keywords: tuple[str, ...]
    links: tuple[str, ...]
    related: tuple[str, ...]
    source: str
    reviewed: date


class KnowledgeBase:
    """The validated entries, by id."""

    def __init__(self, entries: dict[str, Entry], local: dict[str, str] | None = None) -> None:
        self.entries = entries
        self.local = dict(local or {})

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries

    @property
    def titles(self) -> dict[str, str]:
        return {eid: entry.title for eid, entry in self.entries.items()}


def default_kb_dir() -> Path:
    """The packaged knowledge directory (faq/knowledge)."""
    return PACKAGE_DIR / "knowledge"


def default_topics_path() -> Path:
    return PACKAGE_DIR / "topics.yaml"


def default_local_path() -> Path:
    return PACKAGE_DIR / "local_defaults.yaml"


# --------------------------------------------------------------------------- reading


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problems.append(f"{path.name}{line}: YAML error: {exc.problem or exc}")
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot read: {exc}")
    return None


def _topic_groups(topics_path: Path, problems: list[str]) -> dict[str, str]:
    data = _read_yaml(topics_path, problems)
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list):
        problems.append(f"{topics_path.name}: no 'topics' list")
        return {}
    return {str(t["id"]): str(t.get("group", "")) for t in topics if isinstance(t, dict) and "id" in t}


def _local_values(overlay_data: dict[str, Any], problems: list[str]) -> dict[str, str]:
    defaults = _read_yaml(default_local_path(), problems) or {}
    local = dict(defaults.get("local") or {})
    extra = overlay_data.get("local") or {}
    if not isinstance(extra, dict):
        problems.append("overlay: 'local' must be a mapping")
        extra = {}
    local.update(extra)
    return {str(k): str(v) for k, v in local.items()}


def _read_overlay(overlay: Path | None, problems: list[str]) -> dict[str, Any]:
    if overlay is None or not overlay.exists():
        return {}
    data = _read_yaml(overlay, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{overlay.name}: overlay must be a mapping")
        return {}
    return data


def _raw_entries(kb_dir: Path, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    files = sorted(kb_dir.glob("*.yaml"))
    if not files:
        problems.append(f"{kb_dir}: no *.yaml knowledge files")
    raws: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        data = _read_yaml(path, problems)
        if data is None and not path.read_text(encoding="utf-8", errors="replace").strip():
            problems.append(f"{path.name}: empty file")
            continue
        raws.extend(_file_entries(path.name, data, problems))
    return raws


def _file_entries(name: str, data: Any, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    if data is None:
        return []
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        problems.append(f"{name}: no 'entries' list")
        return []
    out = []
    for i, raw in enumerate(entries):
        if isinstance(raw, dict):
            out.append((name, raw))
        else:
            problems.append(f"{name}: entry #{i + 1} is not a mapping")
    return out


# --------------------------------------------------------------------------- checking


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _str_list(raw: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = raw.get(key, [])
    if not isinstance(value, list):
        return None
    return tuple(str(v).strip() for v in value if v is not None and str(v).strip())


def _fill(answer: str, local: dict[str, str], where: str, problems: list[str]) -> str:
    for key in sorted(set(_PLACEHOLDER.findall(answer)) - set(local)):
        problems.append(f"{where}: unknown placeholder {{{{{key}}}}}")
    return _PLACEHOLDER.sub(lambda m: local.get(m.group(1), m.group(0)), answer)


def _build_entry(
    where: str, raw: dict[str, Any], groups: dict[str, str], local: dict[str, str], problems: list[str]
) -> Entry | None:
    before = len(problems)
    for key in REQUIRED_TEXT:
        if not str(raw.get(key) or "").strip():
            problems.append(f"{where}: missing or empty '{key}'")
    lists: dict[str, tuple[str, ...]] = {}
    for key in REQUIRED_LISTS + OPTIONAL_LISTS:
        value = _str_list(raw, key)
        if value is None:
            problems.append(f"{where}: '{key}' must be a list")
        elif not value and key in REQUIRED_LISTS:
            problems.append(f"{where}: missing or empty '{key}'")
        lists[key] = value or ()
    reviewed = _as_date(raw.get("reviewed"))
    if reviewed is None:
        problems.append(f"{where}: 'reviewed' must be a date (YYYY-MM-DD)")
    answer = _fill(str(raw.get("answer") or "").strip(), local, where, problems)
    if len(answer) > MAX_ANSWER_CHARS:
        problems.append(f"{where}: answer has {len(answer)} characters (max {MAX_ANSWER_CHARS})")
    if 0 < len(lists["paraphrases"]) < MIN_PARAPHRASES:
        problems.append(f"{where}: {len(lists['paraphrases'])} paraphrases (min {MIN_PARAPHRASES})")
    if len(problems) > before or reviewed is None:
        return None
    eid = str(raw["id"]).strip()
    return Entry(
        id=eid,
        group=groups.get(eid) or eid.split(".", 1)[0],
        title=str(raw["title"]).strip(),
        answer=answer,
        paraphrases=lists["paraphrases"],
        keywords=lists["keywords"],
        links=lists["links"],
        related=lists["related"],
        source=str(raw["source"]).strip(),
        reviewed=reviewed,
    )


def _check_ids(raws: list[tuple[str, dict[str, Any]]], groups: dict[str, str], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for name, raw in raws:
        eid = str(raw.get("id") or "").strip()
        if not eid:
            continue
        if eid in seen:
            problems.append(f"duplicate id {eid} in {seen[eid]} and {name}")
        seen.setdefault(eid, name)
        if groups and eid not in groups and not eid.startswith(LOCAL_PREFIX):
            problems.append(
                f"{name}: id {eid} is not in topics.yaml (extra ids must start with '{LOCAL_PREFIX}')"
            )
    for missing in sorted(set(groups) - set(seen)):
        problems.append(f"missing entry for topic {missing}")


def _check_related(entries: dict[str, Entry], problems: list[str]) -> None:
    for entry in entries.values():
        for rid in entry.related:
            if rid not in entries:
                problems.append(f"{entry.id}: unknown related id {rid}")


def _check_duplicates(entries: dict[str, Entry], problems: list[str]) -> None:
    owner: dict[str, str] = {}
    for entry in entries.values():
        local_seen: set[str] = set()
        for text in entry.paraphrases:
            key = normalize(text).folded
            if not key:
                problems.append(f"{entry.id}: paraphrase {text!r} is empty after normalisation")
                continue
            if key in local_seen:
                problems.append(f"{entry.id}: duplicate paraphrase {text!r}")
                continue
            local_seen.add(key)
            other = owner.setdefault(key, entry.id)
            if other != entry.id:
                problems.append(f"paraphrase {text!r} appears in both {other} and {entry.id}")


def _apply_overlay(
    raws: list[tuple[str, dict[str, Any]]], overlay_data: dict[str, Any], problems: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    extra = overlay_data.get("entries") or []
    if not isinstance(extra, list):
        problems.append("overlay: 'entries' must be a list")
        extra = []
    for raw in extra:
        if not isinstance(raw, dict) or not str(raw.get("id", "")).startswith(LOCAL_PREFIX):
            problems.append(f"overlay: extra entries need an id starting with '{LOCAL_PREFIX}'")
            continue
        raws.append(("overlay", raw))
    additions = overlay_data.get("paraphrases") or {}
    if not isinstance(additions, dict):
        problems.append("overlay: 'paraphrases' must be a mapping of topic id to list")
        return raws
    by_id = {str(raw.get("id")): raw for _name, raw in raws}
    for topic_id, texts in additions.items():
        target = by_id.get(str(topic_id))
        if target is None:
            problems.append(f"overlay: paraphrases for unknown topic {topic_id}")
        elif not isinstance(texts, list):
            problems.append(f"overlay: paraphrases for {topic_id} must be a list")
        else:
            target["paraphrases"] = list(target.get("paraphrases") or []) + [str(t) for t in texts]
    return raws


def _collect(
    kb_dir: Path | None, overlay: Path | None, topics_path: Path | None
) -> tuple[dict[str, Entry], dict[str, str], list[str]]:
    problems: list[str] = []
    kb_dir = kb_dir or default_kb_dir()
    groups = _topic_groups(topics_path or default_topics_path(), problems)
    overlay_data = _read_overlay(overlay, problems)
    local = _local_values(overlay_data, problems)
    raws = _apply_overlay(_raw_entries(kb_dir, problems), overlay_data, problems)
    _check_ids(raws, groups, problems)
    entries: dict[str, Entry] = {}
    for name, raw in raws:
        where = f"{name}: {raw.get('id') or '<no id>'}"
        entry = _build_entry(where, raw, groups, local, problems)
        if entry is not None:
            entries.setdefault(entry.id, entry)
    _check_related(entries, problems)
    _check_duplicates(entries, problems)
    return entries, local, problems


def check_kb(
    kb_dir: Path | None = None, overlay: Path | None = None, topics_path: Path | None = None
) -> list[str]:
    """Every problem found in the knowledge base, as readable lines (empty when valid)."""
    return _collect(kb_dir, overlay, topics_path)[2]


def load_kb(
    kb_dir: Path | None = None, overlay: Path | None = None, topics_path: Path | None = None
) -> KnowledgeBase:
    """Load and validate the knowledge base; raise KBError listing all problems."""
    entries, local, problems = _collect(kb_dir, overlay, topics_path)
    if problems:
        raise KBError(problems)
    return KnowledgeBase(entries, local)


# --------------------------------------------------------------------------- overlay editing


def add_overlay_paraphrase(
    overlay: Path,
    topic_id: str,
    text: str,
    *,
    kb_dir: Path | None = None,
    topics_path: Path | None = None,
) -> None:
    """Append a paraphrase to ``topic_id`` in the overlay file, atomically.

    The file is left untouched (and KBError raised) when the change would add a problem.
    """
    text = " ".join(text.split())
    if not text:
        raise KBError(["empty paraphrase"])
    problems: list[str] = []
    data = _read_overlay(overlay, problems)
    if problems:
        raise KBError(problems)
    paraphrases = data.setdefault("paraphrases", {}) or {}
    data["paraphrases"] = paraphrases
    paraphrases.setdefault(topic_id, [])
    paraphrases[topic_id] = list(paraphrases[topic_id] or []) + [text]
    before = set(check_kb(kb_dir, overlay, topics_path))
    overlay.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{overlay.name}.", suffix=".tmp", dir=overlay.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False)
        new = [p for p in check_kb(kb_dir, tmp, topics_path) if p not in before]
        if new:
            raise KBError(new)
        os.replace(tmp, overlay)
    finally:
        tmp.unlink(missing_ok=True)

"""Propose tasks from the text of a Vietnamese plan ("kế hoạch") document.

The text is usually extracted from a PDF: paragraphs are wrapped over several
lines (often with blank lines between them). Lines are re-joined into
paragraphs that start with a marker: a roman heading ("IV."), a numbered
heading ("2.1.3."), a lettered item ("đ)") or a bullet ("-", "+").

Tasks are found as follows:

* every lettered item is a task (its bullets are details);
* field lines ("Chủ trì thực hiện:", "Phối hợp thực hiện:", "Thời gian hoàn
  thành:"…, at the start of a line or inline) fill the open task;
* field lines with no lettered item open turn the bullets before them into
  one task each (e.g. section 2.1.1 of a plan), or, with no bullets, the
  numbered heading itself into a task ("1. Thành lập … - Cơ quan chủ trì: …").

``group`` is the nearest enclosing heading, without its number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.deadlines import fold_text

CSV_HEADER = ("stt", "nhom", "noi_dung", "thoi_gian", "chu_tri", "phoi_hop", "nguon")

_ROMAN = re.compile(r"^(?P<label>[IVX]{1,5})\s*[.\-)]\s*(?P<text>\S.*)$")
_NUMBER = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2}){0,3})\.\s+(?P<text>\S.*)$")
_LETTER = re.compile(r"^(?P<label>[a-zđ])\)\s*(?P<text>\S.*)$")
_BULLET = re.compile(r"^[-+•*]\s*(?P<text>\S.*)$")
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")
_MARKDOWN = re.compile(r"^#+\s*|\*\*")

_FIELD = re.compile(
    r"(?:^|(?<=[\s.;,(]))(?:"
    r"(?P<lead>(?:(?:co quan|don vi)\s+)?chu tri(?:\s+thuc hien)?)"
    r"|(?P<coordinate>(?:(?:co quan|don vi)\s+)?phoi hop(?:\s+thuc hien)?)"
    r"|(?P<deadline>(?:thoi (?:gian|han)|tien do)(?:\s+(?:hoan thanh|thuc hien))?)"
    r")\s*:"
)
_TRAILING = " \t.;,-–"


@dataclass
class ExtractedTask:
    """A task proposed from a plan; field names mirror the plan CSV columns."""

    stt: str
    group: str
    title: str
    lead: str = ""
    coordinate: str = ""
    deadline: str = ""
    source: str = ""


@dataclass
class _Para:
    kind: str  # "roman", "number", "letter", "bullet" or "plain"
    label: str
    lines: list[str]
    head_lines: int = 1  # lines that belong to the heading title itself
    is_field: bool = False  # starts with a label such as "Chủ trì thực hiện:"

    @property
    def text(self) -> str:
        return _clean(" ".join(self.lines))

    @property
    def head(self) -> str:
        return _clean(" ".join(self.lines[: self.head_lines]))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _classify(line: str) -> _Para | None:
    for kind, pattern in (("roman", _ROMAN), ("number", _NUMBER), ("letter", _LETTER)):
        m = pattern.match(line)
        if m and (kind == "letter" or _looks_like_title(m["text"])):
            return _Para(kind, m["label"], [m["text"]])
    m = _BULLET.match(line)
    text = m["text"] if m else line
    is_field = _FIELD.match(fold_text(text)) is not None
    if m or is_field:
        return _Para("bullet", "", [text], is_field=is_field)
    return None


def _looks_like_title(text: str) -> bool:
    return text[0].isupper() or text[0] in '“"('


def _paragraphs(text: str) -> list[_Para]:
    """Re-join wrapped lines into marker-started paragraphs."""
    paras: list[_Para] = []
    for raw in text.splitlines():
        line = _MARKDOWN.sub("", raw).strip()
        if not line or _PAGE_NUMBER.match(line):
            continue
        para = _classify(line)
        if para is not None:
            paras.append(para)
        elif paras and _continues(paras[-1], line):
            _append(paras[-1], line)
        else:
            paras.append(_Para("plain", "", [line]))
    return paras


def _continues(para: _Para, line: str) -> bool:
    """Field values end at a full stop unless the next line starts in lower case."""
    return not para.is_field or line[0].islower() or not para.lines[-1].endswith(".")


def _append(para: _Para, line: str) -> None:
    continues_head = para.head_lines == len(para.lines) and line[0].islower()
    para.lines.append(line)
    if continues_head:
        para.head_lines += 1


def _split_fields(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split a paragraph into its leading text and its labelled fields."""
    matches = list(_FIELD.finditer(fold_text(text)))
    if not matches:
        return text, []
    fields: list[tuple[str, str]] = []
    for index, m in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        fields.append((m.lastgroup or "", _tidy(text[m.end() : end])))
    return _tidy(text[: matches[0].start()]), fields


def _tidy(text: str) -> str:
    """Strip separators and a parenthesis left open or closed by the split."""
    text = text.strip(_TRAILING)
    if text.endswith("(") or (text.endswith(")") and text.count(")") > text.count("(")):
        text = text[:-1].strip(_TRAILING)
    return text


@dataclass
class _Builder:
    source: str
    tasks: list[ExtractedTask] = field(default_factory=list)
    roman: _Para | None = None
    number: _Para | None = None
    candidate: _Para | None = None
    current: list[ExtractedTask] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    letter_open: bool = False
    bullet_count: int = 0

    def prefix(self) -> str:
        return ".".join(p.label for p in (self.roman, self.number) if p is not None)

    def group(self) -> str:
        heading = self.number or self.roman
        return heading.head if heading else ""

    def add(self, stt: str, group: str, title: str) -> ExtractedTask:
        task = ExtractedTask(stt=stt, group=group, title=title, source=self.source)
        self.tasks.append(task)
        return task

    def close(self) -> None:
        self.current, self.pending, self.letter_open = [], [], False

    def feed(self, para: _Para) -> None:
        body, fields = _split_fields(para.text)
        if para.kind in ("roman", "number"):
            self.heading(para)
        elif para.kind == "letter":
            self.close()
            self.current = [self.add(self.qualify(para.label), self.group(), body)]
            self.letter_open, self.candidate = True, None
        elif body and not self.letter_open:
            if self.current:
                self.current = []
            self.pending.append(body)
        if fields:
            self.apply(fields, body)

    def heading(self, para: _Para) -> None:
        self.close()
        if para.kind == "roman":
            self.roman, self.number = para, None
        else:
            self.number = para
        self.candidate, self.bullet_count = para, 0

    def qualify(self, label: str) -> str:
        prefix = self.prefix()
        return f"{prefix}.{label}" if prefix else label

    def apply(self, fields: list[tuple[str, str]], body: str) -> None:
        if not self.current:
            self.current = self.open_tasks(body)
        for task in self.current:
            for name, value in fields:
                _set_field(task, name, value)

    def open_tasks(self, body: str) -> list[ExtractedTask]:
        if self.pending:
            opened = [self.add(self.next_bullet_stt(), self.group(), text) for text in self.pending]
            self.pending = []
            return opened
        if self.candidate is not None:
            heading, self.candidate = self.candidate, None
            outer = self.roman.head if self.roman is not None and heading is self.number else ""
            return [self.add(self.prefix(), outer, body or heading.text)]
        return []

    def next_bullet_stt(self) -> str:
        self.bullet_count += 1
        prefix = self.prefix()
        return f"{prefix}-{self.bullet_count}" if prefix else str(self.bullet_count)


def _set_field(task: ExtractedTask, name: str, value: str) -> None:
    value = _clean(value)
    if not value or name not in ("lead", "coordinate", "deadline"):
        return
    old = getattr(task, name)
    setattr(task, name, f"{old}; {value}" if old else value)


def extract_tasks(text: str, source: str = "") -> list[ExtractedTask]:
    """Return the tasks proposed from a plan's text, in document order."""
    builder = _Builder(source)
    for para in _paragraphs(text):
        builder.feed(para)
    return builder.tasks


def write_csv(tasks: Iterable[ExtractedTask], path: str | Path) -> None:
    """Write tasks with the plan CSV header (``stt,nhom,noi_dung,…,nguon``)."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for task in tasks:
            writer.writerow(
                [task.stt, task.group, task.title, task.deadline, task.lead, task.coordinate, task.source]
            )

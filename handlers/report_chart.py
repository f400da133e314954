"""The monthly report chart: one PNG, 1200×1500 px, three panels stacked (readable on a phone).

Sessions per week by service category (stacked bars), task status, and how citizen questions were
handled. Drawn with matplotlib's Agg canvas directly (no pyplot, no GUI) in DejaVu Sans, which ships
with matplotlib and has every Vietnamese letter. Synchronous: call it from a worker thread in the bot.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from handlers import texts_reports as T
from handlers.report_data import ReportData

WIDTH_IN, HEIGHT_IN, DPI = 8, 10, 150  # 1200 × 1500 pixels
FONT = "DejaVu Sans"
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
CATEGORY_COLORS = {
    "vneid": "#1f77b4", "docs": "#2ca02c", "dvc": "#ff7f0e", "payment": "#9467bd",
    "skills": "#17becf", "safety": "#d62728", "other": "#7f7f7f",
}
EXTRA_COLORS = ("#8c564b", "#e377c2", "#bcbd22", "#aec7e8", "#98df8a")
STATUS_COLORS = {"done": "#2ca02c", "in_progress": "#1f77b4", "not_started": "#bdbdbd", "blocked": "#d62728"}
QUESTION_COLORS = ("#2ca02c", "#1f77b4", "#ff7f0e", "#d62728")
_LOCK = threading.Lock()  # rc_context changes global settings: one chart at a time


def _empty(ax: Axes, title: str, text: str = T.NO_DATA) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#666666", transform=ax.transAxes)
    ax.axis("off")


def _sessions_panel(ax: Axes, data: ReportData) -> None:
    if not data.session_rows:
        _empty(ax, T.CHART_SESSIONS)
        return
    used = {c for w in data.weeks for c in w.sessions}
    categories = [c for c in CATEGORY_COLORS if c in used] + sorted(used - set(CATEGORY_COLORS))
    x = list(range(len(data.weeks)))
    bottoms = [0] * len(x)
    extra = iter(EXTRA_COLORS * 4)
    for code in categories:
        heights = [w.sessions.get(code, 0) for w in data.weeks]
        ax.bar(x, heights, bottom=bottoms, label=T.category_label(code),
               color=CATEGORY_COLORS.get(code) or next(extra), width=0.6)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for xi, total in zip(x, bottoms, strict=True):
        if total:
            ax.text(xi, total, str(total), ha="center", va="bottom", fontsize=10, fontweight="bold")
    ax.set_xticks(x, [w.label for w in data.weeks], fontsize=9)
    ax.set_ylabel(T.CHART_SESSIONS_Y)
    ax.set_ylim(0, max(bottoms) * 1.25 + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(T.CHART_SESSIONS)
    ax.legend(fontsize=8, ncols=min(len(categories), 3), loc="upper left", frameon=False)


def _hbars(ax: Axes, labels: list[str], values: list[int], colors: list[str] | tuple[str, ...]) -> None:
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=colors, height=0.6)
    ax.set_yticks(y, labels)
    top = max(values) if values else 0
    for yi, v in zip(y, values, strict=True):
        ax.text(v + top * 0.01 + 0.05, yi, str(v), va="center", fontsize=10, fontweight="bold")
    ax.set_xlim(0, top * 1.15 + 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(T.CHART_COUNT)


def _tasks_panel(ax: Axes, data: ReportData) -> None:
    title = T.CHART_TASKS.format(overdue=data.tasks.overdue)
    if not data.tasks.total:
        _empty(ax, title)
        return
    order = ["done", "in_progress", "not_started", "blocked"]
    _hbars(ax, [T.STATUS[s] for s in order], [data.tasks.by_status.get(s, 0) for s in order],
           [STATUS_COLORS[s] for s in order])
    ax.set_title(title)


def _questions_panel(ax: Axes, data: ReportData) -> None:
    q = data.questions
    if q is None:
        _empty(ax, T.CHART_QUESTIONS, T.CHART_QUESTIONS_COMMUNE_ONLY)
        return
    if not q.total:
        _empty(ax, T.CHART_QUESTIONS)
        return
    values = [q.only_answered, q.only_clarified, q.handed_off, q.only_unanswered]
    _hbars(ax, list(T.CHART_QUESTION_BARS), values, QUESTION_COLORS)
    ax.set_title(T.CHART_QUESTIONS)


def write_chart(data: ReportData, path: Path) -> Path:
    """Draw the three panels and write the PNG (atomically)."""
    p = data.period
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(fig)
        axes = fig.subplots(3, 1, gridspec_kw={"height_ratios": [1.5, 1, 1]})
        fig.suptitle(T.CHART_TITLE.format(month=p.label, unit=data.scope.name), fontsize=14, fontweight="bold")
        fig.text(0.5, 0.945, T.CHART_SUBTITLE.format(start=f"{p.start:%d/%m/%Y}", end=f"{p.last_day:%d/%m/%Y}"),
                 ha="center", fontsize=10, color="#444444")
        _sessions_panel(axes[0], data)
        _tasks_panel(axes[1], data)
        _questions_panel(axes[2], data)
        fig.subplots_adjust(left=0.24, right=0.96, top=0.90, bottom=0.05, hspace=0.45)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fig.savefig(tmp, format="png", dpi=DPI)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path

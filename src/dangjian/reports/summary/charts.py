"""Charts of the annual summary: PNGs drawn on the server (matplotlib, Agg), no outside service.

Chinese labels need a CJK font: the Noto CJK fonts (Debian `fonts-noto-cjk`) are found
through matplotlib's font manager; without one the chart is still drawn (labels may show
as boxes) rather than failing the document.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server

from matplotlib import font_manager
from matplotlib.figure import Figure

# Preferred families, first found wins: the serif CJK face matches the 仿宋/宋体 body.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
)
RED = "#c8161d"  # the party red of the platform's pages


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The file of an installed CJK font, or None."""
    by_name: dict[str, str] = {}
    # Regular weight first: a family's bold face would otherwise often come first.
    for entry in sorted(font_manager.fontManager.ttflist, key=lambda e: e.weight != 400):
        by_name.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in by_name:
            return by_name[family]
    return None


def _font(size: float) -> Any:
    path = cjk_font()
    if path is None:
        return font_manager.FontProperties(size=size)
    return font_manager.FontProperties(fname=path, size=size)


def bar_png(labels: list[str], values: list[float], title: str, unit: str = "") -> bytes:
    """A horizontal bar chart (long Chinese labels read best on the left), values written
    at the bars' ends; 150 dpi, about 15 × 1–9 cm."""
    rows = max(1, len(labels))
    fig = Figure(figsize=(6.0, 0.8 + 0.42 * rows), dpi=150)
    ax = fig.add_subplot(1, 1, 1)
    positions = list(range(rows))[::-1]  # first label on top
    ax.barh(positions, values or [0], color=RED, height=0.6)
    ax.set_yticks(positions, labels or [""], fontproperties=_font(9))
    top = max([v for v in values if v is not None] or [0])
    for y, v in zip(positions, values, strict=False):
        ax.text(v + top * 0.01, y, f"{v:g}{unit}", va="center", fontproperties=_font(9))
    ax.set_xlim(0, top * 1.15 or 1)
    ax.set_title(title, fontproperties=_font(11))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

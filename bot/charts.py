"""The digest's picture, drawn with matplotlib: open problems of each sub-unit stacked by
flag, and received / resolved over the last weeks.

Chinese labels need a CJK font; matplotlib's own DejaVu Sans has none and would draw
empty boxes (豆腐). `cjk_font()` finds one among the fonts the system has — dev.py installs
Debian's fonts-wqy-microhei; Noto Sans CJK or Source Han Sans are taken if present — and
says clearly when there is none. Figures are made with the object API on the Agg
canvas, never pyplot, so drawing in a worker thread touches no global state.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from handlers.messages import Msg

# Simplified-Chinese sans fonts, best first: whichever the machine has is used.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "Droid Sans Fallback")
CJK_FILE_MARKS = ("cjk", "wqy-", "sourcehansans")  # file names of such fonts, for a stale font cache
FLAG_COLOURS = {"green": "#2e7d32", "red": "#c62828", "black": "#212121"}
TREND_COLOURS = {"received": "#1565c0", "resolved": "#ef6c00"}
DPI = 120

Label = Callable[[Msg], str]


class NoCjkFont(RuntimeError):
    """No font with Chinese glyphs is installed: a chart would show boxes instead of names."""


@cache
def cjk_font() -> tuple[str, str]:
    """(family name, file) of the first CJK font found; NoCjkFont if none."""
    found = _known_cjk_font() or (_add_system_cjk_fonts() and _known_cjk_font())
    if found:
        return found
    raise NoCjkFont("no Chinese font found for charts; install one, e.g. `apt-get install fonts-wqy-microhei` "
                    f"(looked for: {', '.join(CJK_FAMILIES)})")


def _known_cjk_font() -> tuple[str, str] | None:
    installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    return next(((family, installed[family]) for family in CJK_FAMILIES if family in installed), None)


def _add_system_cjk_fonts() -> bool:
    """matplotlib lists the system's fonts once and caches the list: a font installed after that
    (dev.py on a machine that had drawn before) is looked for by file name and added."""
    files = [path for path in font_manager.findSystemFonts()
             if any(mark in path.lower() for mark in CJK_FILE_MARKS)]
    for path in files:
        font_manager.fontManager.addfont(path)
    return bool(files)


def missing_glyphs(text: str, font_file: str) -> set[str]:
    """The characters of `text` the font has no glyph for (each would be drawn as a box)."""
    charmap = FT2Font(font_file).get_charmap()
    return {char for char in text if not char.isspace() and ord(char) not in charmap}


def digest_chart(data: dict[str, Any], label: Label) -> bytes:
    """A PNG of handlers.digest.chart's data; `label` renders its messages in the reader's language."""
    family, _ = cjk_font()
    figure = Figure(figsize=(9, 8.5), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(label(data["title"]), fontsize=15, family=family)
    units_axes, trend_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    _units_by_flag(units_axes, data, label, family)
    _trend(trend_axes, data, label, family)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _units_by_flag(axes: Any, data: dict[str, Any], label: Label, family: str) -> None:
    axes.set_title(label(data["units_title"]), family=family, loc="left")
    units: Sequence[str] = data["units"]
    if not units:
        axes.set_axis_off()
        return
    rows = range(len(units))
    left = [0] * len(units)
    for flag, counts in data["flags"].items():
        axes.barh(rows, counts, left=left, height=0.6, color=FLAG_COLOURS[flag],
                  label=label(data["flag_names"][flag]))
        left = [before + count for before, count in zip(left, counts)]
    axes.set_yticks(list(rows), labels=list(units), family=family)
    axes.invert_yaxis()  # the first unit on top, as in the text
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(prop={"family": family}, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _trend(axes: Any, data: dict[str, Any], label: Label, family: str) -> None:
    axes.set_title(label(data["trend_title"]), family=family, loc="left")
    periods = data["periods"]
    for key in ("received", "resolved"):
        axes.plot(periods, data[key], marker="o", color=TREND_COLOURS[key], label=label(data[f"{key}_name"]))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(prop={"family": family}, loc="upper left", bbox_to_anchor=(1.01, 1.0))

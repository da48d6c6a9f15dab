"""The digest chart: drawn with a Chinese font, so every label is a real glyph, not a box."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from matplotlib import font_manager, image

from bot import charts
from bot.i18n import Translator
from handlers import digest
from handlers.domain.flags import Flag
from handlers.domain.model import OrgLevel, OrgUnit
from handlers.turn import Work

UNITS = [OrgUnit(2, "裴李岗村", OrgLevel.COMMUNITY, 1), OrgUnit(3, "新村社区", OrgLevel.COMMUNITY, 1),
         OrgUnit(4, "新郑市自然资源局", OrgLevel.DEPARTMENT, 1)]


class Figures:
    """The two report queries the chart reads, answering fixed figures."""

    def child_flags(self, unit_id, lines):
        return {2: {Flag.GREEN: 3, Flag.RED: 1, Flag.BLACK: 0}, 3: {Flag.GREEN: 0, Flag.RED: 2, Flag.BLACK: 1}}

    def trend(self, unit_id, bounds):
        return [(n, n // 2) for n in range(len(bounds) - 1)]


def chart_data(monthly: bool = False) -> dict:
    directory = SimpleNamespace(children=lambda unit_id: UNITS,
                                org_unit=lambda unit_id: OrgUnit(1, "新村镇", OrgLevel.TOWNSHIP, None))
    work = Work(uow=SimpleNamespace(reports=Figures(), directory=directory),  # type: ignore[arg-type]
                now=datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    _, end = (digest.last_month if monthly else digest.last_week)(work.now, work)
    return digest.chart(work, 1, end, monthly).data


def test_the_chart_data_is_the_sub_units_by_flag_and_eight_weeks_of_trend():
    data = chart_data()
    assert data["units"] == ["裴李岗村", "新村社区"], "departments are not places: left out"
    assert data["flags"] == {"green": [3, 0], "red": [1, 2], "black": [0, 1]}
    assert data["periods"] == ["10-05", "10-12", "10-19", "10-26", "11-02", "11-09", "11-16", "11-23"]
    assert data["received"] == [0, 1, 2, 3, 4, 5, 6, 7] and data["resolved"] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert chart_data(monthly=True)["periods"] == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def zh_labels(data: dict) -> str:
    translator = Translator(default_locale="zh_CN")
    messages = [data["title"], data["units_title"], data["trend_title"], data["received_name"],
                data["resolved_name"], *data["flag_names"].values()]
    return "".join(translator.render(msg, "zh_CN") for msg in messages) + "".join(data["units"])


def test_the_font_has_a_glyph_for_every_character_of_the_labels():
    family, font_file = charts.cjk_font()  # dev.py installs one; none at all fails here, loudly
    labels = zh_labels(chart_data()) + zh_labels(chart_data(monthly=True))
    assert "新村镇：问题与旗色" in labels and "近8周收到与办结" in labels and "近6个月收到与办结" in labels
    assert charts.missing_glyphs(labels, font_file) == set(), family
    dejavu = font_manager.findfont("DejaVu Sans")
    assert charts.missing_glyphs("新村镇", dejavu) == set("新村镇"), "the check can tell a font without them"


def test_the_png_is_drawn_without_a_single_missing_glyph():
    translator = Translator(default_locale="zh_CN")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.digest_chart(chart_data(), lambda msg: translator.render(msg, "zh_CN"))
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == [], missing
    picture = image.imread(io.BytesIO(png), format="png")
    assert picture.shape[0] > 800 and picture.shape[1] > 800


def test_without_a_chinese_font_matplotlib_would_draw_boxes(monkeypatch):
    """The control for the test above: the same drawing with DejaVu Sans only warns of every glyph."""
    monkeypatch.setattr(charts, "cjk_font", lambda: ("DejaVu Sans", font_manager.findfont("DejaVu Sans")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.digest_chart(chart_data(), lambda msg: Translator(default_locale="zh_CN").render(msg, "zh_CN"))
    assert any("missing from font" in str(w.message) for w in caught)


def test_no_chinese_font_is_said_clearly(monkeypatch):
    charts.cjk_font.cache_clear()
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Font SC",))
    try:
        with pytest.raises(charts.NoCjkFont, match="fonts-wqy-microhei"):
            charts.cjk_font()
    finally:
        charts.cjk_font.cache_clear()

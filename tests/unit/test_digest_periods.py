"""The periods a digest covers: the full local week or month before now, across a week boundary."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from types import SimpleNamespace

from bot.i18n import Translator
from handlers import digest
from handlers.digest import compose, last_month, last_week
from handlers.messages import Msg
from handlers.domain.flags import Flag
from handlers.domain.ranking import UnitPeriod
from handlers.turn import Work

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("now", "start", "end"), [
    (local(2026, 11, 30, 9, 0), local(2026, 11, 23), local(2026, 11, 30)),  # Monday 09:00: the week just ended
    (local(2026, 11, 29, 23, 59), local(2026, 11, 16), local(2026, 11, 23)),  # Sunday night: the week before
    (local(2026, 11, 30, 0, 30), local(2026, 11, 23), local(2026, 11, 30)),  # 16:30 UTC Sunday is Monday here
])
def test_last_week_is_monday_to_monday_local(now, start, end):
    assert last_week(now, Work(uow=None, now=now)) == (start, end)  # type: ignore[arg-type]


def test_last_month_crosses_the_year():
    now = local(2027, 1, 1, 9, 0)
    assert last_month(now, Work(uow=None, now=now)) == (local(2026, 12, 1), local(2027, 1, 1))  # type: ignore


def period(name: str, **counts: int) -> UnitPeriod:
    fields = dict.fromkeys(("enterprises", "received", "solved", "handled", "assigned", "assigned_on_time",
                            "settled", "settled_on_time", "ratings", "satisfied", "black_flags", "reopened",
                            "revisits", "revisits_passed", "complaints_upheld"), 0)
    return UnitPeriod(unit_id=1, name=name, **{**fields, **counts}, response_hours=None)


class TwoWeeks:
    """Reports answering a hand-made week and the week before it."""

    def __init__(self, this: UnitPeriod, before: UnitPeriod, start: datetime) -> None:
        self.this, self.before, self.start = this, before, start

    def unit_period(self, unit_id, start, end):
        return self.this if start == self.start else self.before

    def flags(self, unit_id, lines):
        return {Flag.GREEN: 4, Flag.RED: 1, Flag.BLACK: 0}

    def received_by(self, unit_id, start, end, column):
        if column == "category":
            return {"labor": 4, "utilities": 2, "land": 1, "rent": 1, "legal": 1, "safety": 1, "policy": 1}
        return {"A": 3, None: 7}

    def open_count(self, unit_id):
        return 6

    def oldest_open(self, unit_id, limit):
        return []

    def child_periods(self, unit_id, start, end):
        return []


def test_the_digest_gives_each_figure_with_its_change_on_the_week_before():
    now = local(2026, 11, 30, 9, 0)
    start, end = local(2026, 11, 23), local(2026, 11, 30)
    this = period("新村镇", enterprises=5, received=10, solved=6, assigned=9, settled=8, settled_on_time=6,
                  ratings=4, satisfied=3)
    before = period("新村镇", enterprises=5, received=8, solved=2, assigned=9, settled=5, settled_on_time=5)
    work = Work(uow=SimpleNamespace(reports=TwoWeeks(this, before, start)), now=now)  # type: ignore[arg-type]
    text = Translator(default_locale="zh_CN").render(compose(work, 1, start, end), "zh_CN")
    assert text.splitlines()[:6] == [
        "周通报 · 新村镇 · 2026-11-23 至 2026-11-29",
        "服务企业 5 家 · 收到问题 10 件（较上期 +2）· 交办 9（±0）· 办结 8（+3）",
        # 6/10 = 60% against 2/8 = 25%; 6/8 = 75% against 5/5 = 100%; no ratings the week before
        "问题解决率 60%（+35 个百分点） · 按期办结率 75%（-25 个百分点） · 企业满意率 75%",
        "分级：A类 3 · B类 0 · C类 0 · D类 0 · 未研判 7",
        # the five most received classes (ties by their code: land, legal, policy), then rent + safety summed
        "问题类别：用工 4 · 水电气暖 2 · 用地 1 · 法律纠纷 1 · 政策兑现 1 · 其他 2",
        "在办 6 件（🟢 4 🔴 1 ⚫ 0）",
    ]


@pytest.mark.parametrize(("args", "period"), [
    ("", (local(2026, 11, 23), local(2026, 11, 30), False)),
    ("month", (local(2026, 11, 1), local(2026, 12, 1), True)),
    ("2026-11-18", (local(2026, 11, 16), local(2026, 11, 23), False)),  # a Wednesday: its Monday-to-Monday
    ("2026-11-16", (local(2026, 11, 16), local(2026, 11, 23), False)),  # a Monday
    ("2026-11-22", (local(2026, 11, 16), local(2026, 11, 23), False)),  # a Sunday
    ("2026-10", (local(2026, 10, 1), local(2026, 11, 1), True)),
    ("2026-02", (local(2026, 2, 1), local(2026, 3, 1), True)),
    ("2025-12", (local(2025, 12, 1), local(2026, 1, 1), True)),
    ("2026-12-02", (local(2026, 11, 30), local(2026, 12, 7), False)),  # this week so far: begun, so shown
])
def test_digest_takes_the_period_asked_for(args, period):
    now = local(2026, 12, 2, 10, 0)
    assert digest.requested(Work(uow=None, now=now), args) == period  # type: ignore[arg-type]


@pytest.mark.parametrize("args", ["last", "2026-13", "2026-1", "2026-11-31", "2027-01"])
def test_anything_else_is_explained_not_guessed(args):
    now = local(2026, 12, 2, 10, 0)
    answer = digest.requested(Work(uow=None, now=now), args)  # type: ignore[arg-type]
    assert isinstance(answer, Msg)
    assert answer.key == ("That period has not begun yet." if args == "2027-01" else
                          "Which period? /digest for last week, /digest month for last month, /digest 2026-11-16 "
                          "for the week of that day, /digest 2026-10 for that month.")

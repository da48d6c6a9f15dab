"""The periods a digest covers: the full local week or month before now, across a week boundary."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.digest import last_month, last_week
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

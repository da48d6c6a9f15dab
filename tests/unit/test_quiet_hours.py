"""无事不扰: when a message nobody asked for this minute may reach a cadre or a reporter."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.domain.quiet import QuietHours
from handlers.rules import official_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours()  # cadres 09:00–18:00 on working days; reporters not 22:00–08:00


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("now", "hears_at"), [
    (local(2026, 11, 24, 10, 0), None),  # a Tuesday morning: at once
    (local(2026, 11, 24, 8, 59), local(2026, 11, 24, 9, 0)),  # before opening: at opening
    (local(2026, 11, 24, 18, 0), local(2026, 11, 25, 9, 0)),  # closing time: next morning
    (local(2026, 11, 27, 19, 0), local(2026, 11, 30, 9, 0)),  # Friday evening: Monday
    (local(2026, 11, 28, 10, 0), local(2026, 11, 30, 9, 0)),  # Saturday: Monday
    (local(2026, 9, 30, 20, 0), local(2026, 10, 8, 9, 0)),  # eve of National Day: after the break
    (local(2026, 10, 10, 10, 0), None),  # Saturday 10 Oct 2026 is a working day (调休)
    (local(2026, 11, 24, 0, 30), local(2026, 11, 24, 9, 0)),  # just past midnight (16:30 UTC the day before)
])
def test_a_cadre_hears_in_office_hours_on_working_days(now, hears_at):
    assert QUIET.cadre_hears_at(now, official_calendar(), SHANGHAI) == hears_at


@pytest.mark.parametrize(("now", "hears_at"), [
    (local(2026, 11, 28, 10, 0), None),  # a reporter may hear on a Saturday
    (local(2026, 11, 24, 21, 59), None),
    (local(2026, 11, 24, 22, 0), local(2026, 11, 25, 8, 0)),
    (local(2026, 11, 25, 3, 0), local(2026, 11, 25, 8, 0)),
    (local(2026, 11, 25, 8, 0), None),
])
def test_a_reporter_is_never_messaged_at_night(now, hears_at):
    assert QUIET.reporter_hears_at(now, SHANGHAI) == hears_at


def test_with_quiet_hours_off_everyone_hears_at_once():
    off = QuietHours(enabled=False)
    assert off.cadre_hears_at(local(2026, 11, 28, 3, 0), official_calendar(), SHANGHAI) is None
    assert off.reporter_hears_at(local(2026, 11, 28, 3, 0), SHANGHAI) is None

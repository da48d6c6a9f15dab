"""红绿黑旗 in /my as a cadre sees it through the day: a ticket reported in the morning is not
born red (issue 13); it turns red as the hours to 交办不过夜 run out, black when long overdue."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.seam import Reply
from tests.unit.chat import FixedClock, demo_store
from tests.unit.test_cadre_dialogs import Desk

SHANGHAI = ZoneInfo("Asia/Shanghai")


def my_list(desk: Desk) -> str:
    [reply] = desk.owner.says("/my")
    return rendered(reply)


def rendered(reply: Reply) -> str:
    return reply.text.key.format_map({k: "" for k in reply.text.params})


@pytest.mark.parametrize("when, mark", [
    (datetime(2026, 11, 23, 10, 5), "🟢"),  # reported at 10:00 (FixedClock), to be taken up by tonight
    (datetime(2026, 11, 23, 14, 59), "🟢"),
    (datetime(2026, 11, 23, 15, 0), "🔴"),  # three office hours before closing: act now
    (datetime(2026, 11, 24, 9, 0), "🔴"),  # not taken up yesterday: late
    (datetime(2026, 12, 1, 9, 0), "⚫"),  # late by more than five working days
])
def test_a_fresh_ticket_is_green_then_red_as_the_hours_run_out_then_black(monkeypatch, when, mark) -> None:
    desk = Desk(demo_store())  # ticket 1 reported Monday 23 Nov 2026, 10:00
    monkeypatch.setattr(FixedClock, "now", lambda self: when.replace(tzinfo=SHANGHAI).astimezone(UTC))
    assert f"{mark} {desk.ticket.number}" in my_list(desk)

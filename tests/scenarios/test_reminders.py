"""督办 in chat: the sweep chases late tickets up the ladder, one message per person per pass.

Clock moved, never slept: two problems reported to 陈晓明 on Monday 23 Nov 2026 at 10:00
(Shanghai) and not taken up; 交办 is due by midnight (三不过).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.scenarios.story import BOSS, bound_cadre, report

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def two_tickets_not_taken_up(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    lianxin.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    first = await report(botapi, database_url, BOSS, "润弘制药股份有限公司", "水电气暖", "厂区停电", "13812345678")
    second = await report(botapi, database_url, 1002, "润弘制药股份有限公司", "用工", "缺普工三十人",
                          "13912345678")
    return butler, leader, first, second


async def test_one_reminder_lists_every_due_ticket_and_opens_each(botapi, lianxin, database_url):
    butler, leader, first, second = await two_tickets_not_taken_up(botapi, lianxin, database_url)
    lianxin.clock.set(datetime(2026, 11, 23, 11, 59, tzinfo=SHANGHAI))
    before = len(butler.messages())
    await lianxin.sweep()
    assert len(butler.messages()) == before, "nothing is due before two hours have passed"
    lianxin.clock.set(datetime(2026, 11, 23, 12, 1, tzinfo=SHANGHAI))
    await lianxin.sweep()
    reminders = butler.messages()[before:]
    assert len(reminders) == 1, "two due tickets, one message"
    text = reminders[0].text
    assert "您有 2 件工单需要处理" in text and first in text and second in text and "催办：交办今日（11-23）到期" in text
    assert [label for row in reminders[0].buttons for label, _ in row] == sorted([first, second])
    out = await butler.press(first)
    assert "催办：已提醒承办人办理期限" in out.texts[-1] and "接单" in str(out.replies[-1].buttons)
    await lianxin.sweep()
    assert len(butler.messages()) == before + 2, "no second reminder for the same rung (the +1 is /t)"


async def test_a_missed_deadline_is_supervised_with_the_leader_in_copy_then_escalated_black(
        botapi, lianxin, database_url, restart):
    butler, leader, first, second = await two_tickets_not_taken_up(botapi, lianxin, database_url)
    await butler.press("接单")  # the second is taken up in time; only the first is late
    lianxin.clock.set(datetime(2026, 11, 24, 9, 1, tzinfo=SHANGHAI))
    await restart()  # the ladder lives in the database
    await lianxin.sweep()
    notice = butler.last_message().text
    assert "督办：交办已于 11-23 到期，现已超期" in notice and first in notice and second not in notice
    copy = leader.last_message().text
    assert "督办（抄送）" in copy and first in copy and "承办人 陈晓明" in copy
    assert "13812345678" not in copy, "the leader in copy does not get the reporter's phone"
    lianxin.clock.set(datetime(2026, 12, 1, 9, 1, tzinfo=SHANGHAI))
    await lianxin.sweep()
    assert "黑旗，上报您处" in leader.last_message().text, "no district leader in the demo: the township's"
    assert "黑旗：交办已于 11-23 到期；已上报上级领导并列入周通报" in butler.last_message().text
    out = await butler.send(f"/t {first}")
    assert "⚫ 黑旗" in out.texts[-1] and "列入周通报" in out.texts[-1]
    count = len(leader.messages())
    lianxin.clock.set(datetime(2026, 12, 1, 17, 0, tzinfo=SHANGHAI))
    await lianxin.sweep()
    assert len(leader.messages()) == count, "each rung is climbed once"


async def test_a_ticket_taken_up_before_its_reminder_is_not_chased(botapi, lianxin, database_url):
    butler, _, first, second = await two_tickets_not_taken_up(botapi, lianxin, database_url)
    await butler.press("接单")
    out = await butler.send(f"/t {first}")
    await butler.press(out.replies[-1], text="接单")
    before = len(butler.messages())
    lianxin.clock.set(datetime(2026, 11, 24, 9, 1, tzinfo=SHANGHAI))
    await lianxin.sweep()
    assert len(butler.messages()) == before, "both taken up: the next rung is on the 办结 due day"

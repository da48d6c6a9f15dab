"""无事不扰 over HTTP: messages nobody asked for this minute wait for office hours (cadres)
or the morning (reporters); the person at the keyboard is answered at once; a safety hazard
reaches its cadre at any hour. The clock is moved, the outbox holds what it must.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.scenarios.story import BOSS, bound_cadre, report

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_NIGHT = datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI)


async def test_a_report_at_night_reaches_its_cadre_on_the_next_working_morning(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    before = len(butler.messages())
    lianxin.clock.set(FRIDAY_NIGHT)
    number = await report(botapi, database_url, BOSS, "润弘制药股份有限公司", "水电气暖", "厂区停电", "13812345678")
    assert number.startswith("LX-"), "the reporter, awake and typing, is answered at once"
    await lianxin.drain()
    assert len(butler.messages()) == before, "not on a Friday night"
    lianxin.clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))  # Saturday
    await lianxin.drain()
    assert len(butler.messages()) == before, "not at the weekend"
    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, 30, tzinfo=SHANGHAI))  # Monday, office open
    await lianxin.drain()
    assert number in butler.last_message().text, "held, not lost"


async def test_a_cadre_working_late_is_answered_but_the_reporter_hears_in_the_morning(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report(botapi, database_url, BOSS, "润弘制药股份有限公司", "水电气暖", "厂区停电", "13812345678")
    boss = botapi.user(BOSS)
    lianxin.clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=SHANGHAI))
    out = await butler.press("接单")
    assert "您已接收工单" in out.texts[-1], "the cadre's own press is answered at once, even late"
    heard = len(boss.messages())
    await lianxin.drain()
    assert len(boss.messages()) == heard, "the reporter is not woken at 22:30"
    lianxin.clock.set(datetime(2026, 11, 25, 8, 0, 30, tzinfo=SHANGHAI))
    await lianxin.drain()
    assert f"工单 {number} 已由陈晓明" in boss.last_message().text


async def test_a_safety_hazard_reaches_its_cadre_at_night(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    lianxin.clock.set(FRIDAY_NIGHT)
    number = await report(botapi, database_url, BOSS, "润弘制药股份有限公司", "安全隐患", "仓库电线老化冒烟",
                          "13812345678")
    await lianxin.drain()
    assert number in butler.last_message().text and "仓库电线老化冒烟" in butler.last_message().text

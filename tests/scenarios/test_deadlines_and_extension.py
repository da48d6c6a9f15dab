"""限时办结 in chat: due times on every ticket, 红绿黑旗 in /my and /t, and 延期 decided by the leader above.

The clock is moved, never slept: Monday 23 Nov 2026, 10:00 in Shanghai, under 三不过
(taken up the same day, a general problem settled within 5 working days: by the end
of Monday 30 Nov).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.scenarios.story import BOSS, all_texts, bound_cadre, card_of, stale_button
from tests.scenarios.test_report_to_resolution import report_power_cut

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


async def accepted_ticket(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    lianxin.clock.set(MONDAY_MORNING)
    number = await report_power_cut(botapi, database_url)
    out = await butler.send("/my")
    assert f"🟢 {number}" in out.texts[-1], "reported this morning, to be taken up by tonight: green till 15:00"
    lianxin.clock.set(MONDAY_MORNING.replace(hour=15))
    out = await butler.send("/my")
    assert f"🔴 {number}" in out.texts[-1], "not yet taken up, three office hours left: red"
    await butler.press("接单")
    return butler, leader, number


async def ask_for_days(butler, days: str, reason: str):
    await butler.press("申请延期")
    out = await butler.send("下周")
    assert "请输入 1 到 22 之间的整数" in out.texts[-1], "not a number: said so, and asked again"
    await butler.send(days)
    return await butler.send(reason)


async def test_a_new_ticket_carries_its_deadline_and_flag(botapi, lianxin, database_url):
    butler, _, number = await accepted_ticket(botapi, lianxin, database_url)
    out = await butler.send("/my")
    assert f"🟢 {number}" in out.texts[-1] and "⏰ 11-30" in out.texts[-1]
    out = await butler.send(f"/t {number}")
    assert "期限：办结 2026-11-30 前 · 🟢 绿旗：按期" in out.texts[-1]


async def test_flags_turn_red_on_the_due_day_and_black_past_the_hard_limit(botapi, lianxin, database_url):
    butler, _, number = await accepted_ticket(botapi, lianxin, database_url)
    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))  # the due day
    out = await butler.send("/my")
    assert f"🔴 {number}" in out.texts[-1]
    # Late by 5 working days (1–4 and 7 Dec) is still red; from Tuesday 8 Dec it is black.
    lianxin.clock.set(datetime(2026, 12, 7, 23, 59, tzinfo=SHANGHAI))
    out = await butler.send("/my")
    assert f"🔴 {number}" in out.texts[-1]
    lianxin.clock.set(datetime(2026, 12, 8, 0, 1, tzinfo=SHANGHAI))
    out = await butler.send(f"/t {number}")
    assert "⚫ 黑旗" in out.texts[-1]


async def test_more_time_approved_by_the_leader_moves_the_deadline_and_keeps_the_old_one(
        botapi, lianxin, database_url):
    butler, leader, number = await accepted_ticket(botapi, lianxin, database_url)
    out = await ask_for_days(butler, "5", "需等供电公司排期检修")
    assert "已提交赵主任" in out.texts[-1]
    asked = leader.last_message()
    assert "需等供电公司排期检修" in asked.text and "2026-11-30" in asked.text and "2026-12-07" in asked.text
    assert "13812345678" not in asked.text, "the leader deciding on time does not get the reporter's phone"
    card = card_of(butler, number)
    out = await butler.forge_press(stale_button(card, "申请延期"), message=card)  # the card hides it now
    assert "已在等待答复" in out.answer.text, "one request at a time"
    out = await leader.press("批准")
    assert not out.replies and asked in out.edited, "answered in the request itself"
    assert "✅ 已批准：工单" in asked.text and "2026-12-07" in asked.text and not asked.buttons
    assert "需等供电公司排期检修" in asked.text, "the request stays readable under its answer"
    assert "2026-12-07" in butler.last_message().text
    assert "2026-12-07" in botapi.user(BOSS).last_message().text, "the reporter hears the new promise"
    out = await butler.send(f"/t {number}")
    assert "期限：办结 2026-12-07 前" in out.texts[-1]
    assert "批准延期：办结期限 2026-11-30 → 2026-12-07" in out.texts[-1]
    out = await leader.forge_press(stale_button(asked, "批准"), message=asked)  # the old button, kept by a client
    assert out.answer.text == "该延期申请已不在等待您的答复。"


async def test_more_time_refused_keeps_the_deadline(botapi, lianxin, database_url):
    butler, leader, number = await accepted_ticket(botapi, lianxin, database_url)
    await ask_for_days(butler, "10", "材料未齐")
    asked = leader.last_message()
    # Only the leader asked may answer: the owner pressing the leader's button is refused.
    approve = next(data for row in asked.buttons for label, data in row if label == "批准")
    out = await butler.forge_press(approve)
    assert out.answer.text == "该延期申请已不在等待您的答复。"
    await leader.press("不批准")
    out = await leader.send("一般问题一周内可办结，请抓紧")
    assert "办结期限仍为 2026-11-30" in out.texts[-1]
    assert asked in out.edited and "❌ 未予批准：一般问题一周内可办结" in asked.text and not asked.buttons
    told = butler.last_message().text
    assert "一般问题一周内可办结" in told and "2026-11-30" in told
    out = await butler.send(f"/t {number}")
    assert "期限：办结 2026-11-30 前" in out.texts[-1] and "延期未予批准" in out.texts[-1]
    assert "2026-12" not in all_texts(botapi, BOSS), "the reporter is not told of a refused request"


async def test_difficulty_set_by_assessment_moves_the_settle_deadline_to_a_month(botapi, lianxin, database_url):
    butler, _, number = await accepted_ticket(botapi, lianxin, database_url)
    await butler.press("研判")
    await butler.press("C类·领导办")
    await butler.press("疑难问题")
    out = await butler.send(f"/t {number}")
    # 22 working days after Monday 23 Nov: Wednesday 23 Dec 2026.
    assert "期限：办结 2026-12-23 前" in out.texts[-1]


async def test_a_deadline_reaching_a_year_without_its_official_list_is_provisional_and_works(
        botapi, lianxin, database_url):
    """Issue 13: a difficult problem raised mid-December reaches into 2027, whose official list is
    not loaded. It used to get no deadline, no reminders, and a 延期 stuck for good; now it is
    counted on 2027's statutory holidays and weekends, and shown 暂定 (provisional)."""
    butler = await bound_cadre(botapi, database_url, "陈晓明")  # (invites are valid for a week from today)
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    lianxin.clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI))
    number = await report_power_cut(botapi, database_url)
    await butler.press("接单")
    await butler.press("研判")
    await butler.press("B类·部门办")
    await butler.press("疑难问题")
    out = await butler.send(f"/t {number}")
    # 22 working days after Tue 15 Dec: 12 to 31 Dec, 1 Jan off, 10 more to Friday 15 Jan 2027.
    assert "期限：办结 2027-01-15（暂定）前" in out.texts[-1]
    assert "期限为暂定" in out.texts[-1], "the history says why"

    out = await ask_for_days(butler, "3", "需协调供电公司检修")
    assert "已提交赵主任" in out.texts[-1]
    asked = leader.last_message().text
    assert "2027-01-15（暂定）" in asked and "2027-01-20（暂定）" in asked, "the leader is asked, with both dates"
    out = await leader.press("批准")
    assert "✅ 已批准" in leader.last_message().text and "2027-01-20（暂定）" in leader.last_message().text
    out = await butler.send(f"/t {number}")
    assert "期限：办结 2027-01-20（暂定）前" in out.texts[-1]

    lianxin.clock.set(datetime(2027, 1, 20, 9, 1, tzinfo=SHANGHAI))  # the due day's office opening
    await lianxin.sweep()
    reminder = butler.last_message().text
    assert "催办" in reminder and number in reminder and "01-20（暂定）" in reminder, "reminders fire across the year"

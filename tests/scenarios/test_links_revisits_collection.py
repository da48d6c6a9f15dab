"""Duplicates resolved together, 回头看 reopening as a follow-up, 主动收集 confirmed by the
enterprise, and 举报 about a cadre reaching the supervisor only."""

from __future__ import annotations

from datetime import timedelta

from tests.scenarios.story import BOSS, bound_cadre, report
from tests.scenarios.test_confirm_and_rate import resolved_power_cut
from tests.scenarios.test_report_to_resolution import report_power_cut

HUAXIN = "郑州华信食品有限公司"


async def test_two_linked_duplicates_are_resolved_together_and_both_reporters_asked(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    first = await report_power_cut(botapi, database_url)
    second = await report(botapi, database_url, 1002, HUAXIN, "水电气暖", "同一条线路停电，冷库告急", "13912345678")
    neighbour = botapi.user(1002)

    card = next(m for m in butler.messages() if second in (m.text or "") and m.buttons)
    await butler.press(card, text="同一问题")
    out = await butler.send(first.lower())
    assert f"工单 {second} 已并入 {first}" in out.texts[-1]
    assert "合并办理" in neighbour.last_message().text
    assert "13812345678" not in neighbour.last_message().text, "no reporter learns of the other"

    first_card = next(m for m in butler.messages() if first in (m.text or "") and m.buttons)
    await butler.press(first_card, text="办结")
    await butler.send("供电公司已更换线路")
    for person, number in ((botapi.user(BOSS), first), (neighbour, second)):
        asked = person.last_message()
        assert f"工单 {number}" in asked.text and "供电公司已更换线路" in asked.text
        assert [b[0] for b in asked.buttons[0]] == ["已解决", "部分解决", "未解决"]
    out = await neighbour.press("已解决")
    assert "已办结" in out.texts[-1]
    out = await butler.send(f"/t {second}")
    assert "已关联到同一问题" in out.texts[-1]


async def test_a_return_visit_that_finds_the_problem_back_opens_a_linked_follow_up(botapi, lianxin, database_url):
    butler, boss, number = await resolved_power_cut(botapi, database_url)
    await boss.press("已解决")
    lianxin.clock.move(timedelta(days=29))
    await lianxin.sweep()
    assert "回访" not in boss.last_message().text, "not before 30 days"
    lianxin.clock.move(timedelta(days=1, hours=1))
    await lianxin.sweep()
    asked = boss.last_message()
    assert f"回访：您反映的问题（工单 {number}" in asked.text
    await boss.press("问题又出现了")
    out = await boss.send("又开始跳闸了")
    follow_up = out.texts[-1].split("后续工单 ")[1].split("，")[0]
    assert follow_up != number
    card = butler.last_message()
    assert follow_up in card.text and "又开始跳闸了" in card.text and number in card.text
    assert card.buttons[0][0][0] == "接单", "the follow-up arrives like a new ticket, to the same owner"
    out = await boss.press(asked, text="没有再出现")
    assert out.answer.text == "该按钮已失效。", "a return visit is answered once"
    out = await boss.send(f"/t {number}")
    assert "回访：问题再次出现" in out.texts[-1]  # the reporter's words, not the office's
    await lianxin.sweep()
    assert boss.last_message().text == out.texts[-1], "and asked once"


async def test_a_return_visit_that_finds_it_solved_tells_the_owner(botapi, lianxin, database_url):
    butler, boss, number = await resolved_power_cut(botapi, database_url)
    await boss.press("已解决")
    lianxin.clock.move(timedelta(days=31))
    await lianxin.sweep()
    out = await boss.press("没有再出现")
    assert "感谢您对工单" in out.texts[-1]
    assert f"回头看：工单 {number}（停电三天了，生产线全部停工）的反映人表示问题没有再出现" in butler.last_message().text


async def test_a_problem_a_cadre_logs_on_a_visit_is_confirmed_by_the_enterprise(botapi, lianxin, database_url):
    worker = await bound_cadre(botapi, database_url, "王丽娟", user_id=2002)
    await report_power_cut(botapi, database_url)  # 王老板 is now 润弘制药's contact in the bot
    boss = botapi.user(BOSS)

    out = await boss.send("/new")
    assert "只有干部可以代企业登记问题" in out.texts[-1]
    await worker.send("/new")
    await worker.send("华信")
    out = await worker.press(HUAXIN)
    assert "尚无联系人" in out.texts[0], "nobody could confirm it, so it is not logged"
    assert "统一社会信用代码" in out.texts[-1], "and the question is asked again"
    await worker.send("润弘")
    await worker.press("润弘制药股份有限公司")
    await worker.press("用工")
    await worker.send("包装车间缺工 20 人")
    out = await worker.press("完成")
    assert "包装车间缺工 20 人" in out.texts[-1] and "+8613812345678" in out.texts[-1]
    out = await worker.press("确认提交")
    assert "由您负责（首问负责）" in out.texts[-1] and out.replies[-1].buttons[0][0][0] == "接单"
    number = out.texts[-1].split("已登记为工单 ")[1].split("，")[0]
    asked = boss.last_message()
    assert "王丽娟（网格员）走访时为润弘制药股份有限公司登记了一个问题" in asked.text
    out = await boss.press("属实，是我们的问题")
    assert "谢谢确认" in out.texts[-1]
    assert f"企业联系人已确认工单 {number}" in worker.last_message().text
    out = await boss.press(asked, text="属实，是我们的问题")
    assert out.answer.text == "该按钮已失效。"
    out = await boss.send("/mine")
    assert number in out.texts[-1]


async def test_a_complaint_about_a_cadre_reaches_the_supervisor_and_not_the_cadre(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    supervisor = await bound_cadre(botapi, database_url, "孙立平", user_id=2010)
    boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
    await boss.send("/complain")
    out = await boss.send("陈晓")
    assert [row[0][0] for row in out.replies[-1].buttons] == ["陈晓明 · 新村镇"]
    await boss.press("陈晓明 · 新村镇")
    out = await boss.send("上门服务时索要好处")
    assert "不会知道是谁举报的" in out.texts[-1]
    complaint = supervisor.last_message().text
    assert "关于陈晓明（新村镇）的举报：上门服务时索要好处" in complaint and "王老板" not in complaint
    assert all("索要好处" not in (m.text or "") for m in butler.messages())

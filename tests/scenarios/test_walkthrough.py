"""Issue 13's walk, kept: one problem from report to rating in Chinese, as the owner, the 包联 butler,
the leader who approves 延期 and the 营商环境监督员 see it — each in their own words, nothing stuck.

Mid-December with no official 2027 holiday list: the 办结 deadline lands in January, provisional.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage.admin import seed_demo
from tests.scenarios.story import BOSS, bound_cadre

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = "LX-2026-000001"
MACHINERY = ("旗", "销号", "拒收", "研判", "承办人负责")


def buttons(message) -> list[str]:
    return [label for row in message.buttons or [] for label, _ in row]


async def test_one_problem_from_report_to_rating_as_each_person_sees_it(botapi, lianxin, database_url):
    demo = seed_demo(database_url)
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    supervisor = await bound_cadre(botapi, database_url, "孙立平", user_id=2010)
    lianxin.clock.set(datetime(2026, 12, 14, 9, 30, tzinfo=SHANGHAI))  # a Monday morning
    boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")

    # The owner reports: the phone is answered by the summary itself, no bare "谢谢。".
    await boss.send("/start")
    await boss.press("企业")
    await boss.send(demo.credit_codes["润弘制药股份有限公司"])
    await boss.press("用工")
    await boss.send("春节前工人返岗难，缺 30 名操作工")
    await boss.press("完成")
    out = await boss.send("13912345678")
    assert len(out.replies) == 1 and out.texts[0].startswith("请核对您反映的问题")
    out = await boss.press("确认提交")
    assert out.texts == [f"已受理，工单号 {NUMBER}，由陈晓明（服务管家）负责办理，每一步进展都会通知您。"]

    # The butler: one card with every action; a fresh ticket is green, not born red.
    card = butler.last_message()
    assert card.text.startswith(f"工单 {NUMBER} · 用工 · 已交办") and "反映人电话：+8613912345678" in card.text
    assert len(buttons(card)) == 10
    assert (await butler.send("/my")).texts[-1].splitlines()[1].startswith(f"🟢 {NUMBER}")
    await butler.press("接单")
    await butler.press("研判")
    await butler.press("B类·部门办")
    await butler.press("疑难问题")
    await butler.press("申请延期")
    await butler.send("5")
    out = await butler.send("需人社局组织专场招聘会")
    assert out.texts[-1] == f"您为工单 {NUMBER} 申请延期 5 个工作日，已提交赵主任审批。"

    # The leader gets the request, with dates across the year marked provisional, and approves.
    request = leader.last_message()
    assert "当前办结期限：2027-01-14（暂定）；批准后延至：2027-01-21（暂定）" in request.text
    assert buttons(request) == ["批准", "不批准"]
    out = await leader.press("批准")
    assert request in out.edited and request.text.endswith(f"✅ 已批准：工单 {NUMBER} 办结期限延至 2027-01-21（暂定）。")
    assert not request.buttons, "answered in place: no stale 批准/不批准 left"
    notice = butler.last_message()
    assert notice.text.startswith(f"延期已批准：工单 {NUMBER}（春节前工人返岗难") and buttons(notice) == ["打开办理卡"]

    # The owner reads plain words and a date to plan around, and can add to the open ticket.
    view = (await boss.send(f"/t {NUMBER}")).texts[-1]
    assert "正在办理" in view and "预计 2027-01-21（暂定）前办结" in view
    assert not any(word in view for word in MACHINERY), view
    out = await boss.send("今天又走了 3 个工人")
    out = await boss.press(f"补充到 {NUMBER}")
    assert "反映人补充：今天又走了 3 个工人" in butler.last_message().text

    # Resolved, only partly solved, resolved again, confirmed and rated.
    await butler.press("办结")
    await butler.send("已联系人社局专场招聘会，补齐 25 人")
    await boss.press("部分解决")
    await boss.send("还差 5 人")
    reopened = butler.last_message()
    assert "需重办，反映人表示问题仅部分解决：还差 5 人" in reopened.text and buttons(reopened) == ["打开办理卡"]
    await butler.press("打开办理卡")
    await butler.press("办结")
    await butler.send("已补齐剩余 5 人")
    out = await boss.press("已解决")
    assert out.texts[-1] == f"感谢确认，工单 {NUMBER} 已办结。您对这次办理满意吗？"
    await boss.press("★★★★")
    assert "的评价：4 分（满分 5 分）" in butler.last_message().text
    view = (await boss.send(f"/t {NUMBER}")).texts[-1]
    assert "您反馈仅部分解决，重新办理" in view and "您确认已解决" in view
    assert not any(word in view for word in MACHINERY), view

    # A 举报 reaches the supervisor, never the butler.
    await boss.press("举报")
    await boss.send("第一次办理拖了好几天才回复")
    complaint = supervisor.last_message()
    assert complaint.text == f"举报（工单 {NUMBER}，承办人陈晓明）：第一次办理拖了好几天才回复"
    assert buttons(complaint) == ["属实", "不属实"]
    assert "举报" not in butler.last_message().text

    # The next Monday's digest counts the ticket once, however often it was resolved.
    lianxin.clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=SHANGHAI))
    digest = (await leader.send("/digest")).texts[-1]
    assert "收到问题 1 件（较上期 +1）· 交办 1（+1）· 办结 1（+1）" in digest

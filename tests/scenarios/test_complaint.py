"""举报: a reporter's complaint reaches the business-environment supervisor, never the cadre complained about."""

from __future__ import annotations

from datetime import timedelta

from storage.admin import seed_demo
from storage.uow import uow_factory
from tests.scenarios.conftest import SCENARIO_START
from tests.scenarios.story import bound_cadre
from tests.scenarios.test_report_to_resolution import report_power_cut


async def test_a_complaint_reaches_the_supervisor_and_not_the_handler(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    supervisor = await bound_cadre(botapi, database_url, "孙立平", user_id=2010)
    number = await report_power_cut(botapi, database_url)
    boss = botapi.user(1001)
    butler_inbox = len(butler.messages())

    await boss.send(f"/t {number}")
    await boss.press("举报")
    out = await boss.send("三天没人联系我")
    assert "承办人不会收到" in out.texts[-1]
    complaint = supervisor.last_message().text
    assert f"举报（工单 {number}，承办人陈晓明）" in complaint and "三天没人联系我" in complaint
    assert "13812345678" not in complaint and "王老板" not in complaint
    assert len(butler.messages()) == butler_inbox, "the handler is told nothing"

    out = await butler.send(f"/t {number}")
    assert "举报" not in out.texts[-1], "nor does the handler's view of the ticket show it"
    out = await boss.send(f"/t {number}")
    assert "您的举报已送交营商环境监督员" in out.texts[-1]


async def test_the_supervisors_finding_is_final_told_to_the_complainant_and_counted(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    supervisor = await bound_cadre(botapi, database_url, "孙立平", user_id=2010)
    number = await report_power_cut(botapi, database_url)
    boss = botapi.user(1001)
    await boss.send(f"/t {number}")
    await boss.press("举报")
    await boss.send("三天没人联系我")
    complaint = supervisor.last_message()
    assert [label for row in complaint.buttons for label, _ in row] == ["属实", "不属实"]
    upheld, not_upheld = (data for row in complaint.buttons for _, data in row)

    forged = await butler.forge_press(upheld)
    assert forged.answer and forged.answer.text == "该按钮已失效。", "the cadre complained about cannot judge it"
    asked = await supervisor.press("属实")
    assert asked.texts[-1].startswith("为什么认定属实？"), "a finding needs its reason"
    too_long = await supervisor.send("长" * 501)
    assert too_long.texts[-1] == "请输入 1 至 500 字的文字。", "refused, and the question stands"
    out = await supervisor.send("经查，三天内未联系企业属实")
    await lianxin.drain()
    assert out.texts[-1] == "已记录：举报经核查属实。"
    assert boss.last_message().text == "您的举报已由营商环境监督员核查：属实。经查，三天内未联系企业属实"
    assert all("经查" not in (m.text or "") for m in butler.messages()), "the cadre is not told"
    again = await supervisor.forge_press(not_upheld)
    assert again.answer and again.answer.text == "孙立平已核查为属实。", "the first finding is final"

    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            week = uow.reports.unit_period(seed_demo(database_url).township_id, SCENARIO_START - timedelta(days=1),
                                           SCENARIO_START + timedelta(days=6))
            on_record = uow.complaints.get(1)
    finally:
        factory.dispose()
    assert week.complaints_upheld == 1, "counts against 新村镇 in the 红黑榜"
    assert on_record is not None and on_record.finding_reason == "经查，三天内未联系企业属实"

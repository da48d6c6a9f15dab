"""举报: a reporter's complaint reaches the business-environment supervisor, never the cadre complained about."""

from __future__ import annotations

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
    assert f"工单 {number}（承办人：陈晓明）" in complaint and "三天没人联系我" in complaint
    assert "13812345678" not in complaint and "王老板" not in complaint
    assert len(butler.messages()) == butler_inbox, "the handler is told nothing"

    out = await butler.send(f"/t {number}")
    assert "举报" not in out.texts[-1], "nor does the handler's view of the ticket show it"
    out = await boss.send(f"/t {number}")
    assert "已向监督员举报" in out.texts[-1]

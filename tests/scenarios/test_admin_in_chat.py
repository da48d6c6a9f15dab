"""An admin runs the township from their chat: adds a cadre (who binds through the invite link),
moves a 包联 (the open ticket follows), disables that cadre (the duty cadre gets the ticket,
REASSIGNED in its history, the cadre told once), and sets a deadline policy that the next
ticket's deadlines follow."""

from __future__ import annotations

import re

from handlers.domain.events import EventKind
from storage.admin import seed_demo
from storage.uow import uow_factory
from tests.scenarios.story import BOSS, bound_cadre, report
from tests.scenarios.test_report_to_resolution import report_power_cut

ADMIN, NEWCOMER = 2003, 2100


def ticket(database_url: str, number: str):
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            return uow.tickets.by_number(number)
    finally:
        factory.dispose()


async def test_an_admin_adds_moves_disables_and_times_from_the_chat(botapi, lianxin, database_url):
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=ADMIN)
    out = await admin.send("/admin")
    assert "您是新村镇及下辖单位的管理员" in out.texts[-1] and "/admin disable" in out.texts[-1]

    out = await admin.send("/admin add 张伟 网格员 裴李岗村第一网格 13812345670")
    [token] = re.findall(r"https://t\.me/lianxin_bot\?start=(\S+)", out.texts[-1])
    newcomer = botapi.user(NEWCOMER, first_name="张伟", language_code="zh-hans")
    out = await newcomer.send(f"/start {token}")
    assert "张伟" in out.texts[-1]

    await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    out = await admin.send("/admin baolian 润弘制药股份有限公司 张伟")
    assert "润弘制药股份有限公司的包联干部已调整为张伟，1件未办结工单随之转交" in out.texts[-1]
    assert number in newcomer.last_message().text

    out = await admin.send("/admin disable 张伟")
    assert any("已停用张伟" in text and "1件未办结工单已转交赵主任" in text for text in out.texts)
    told = [m.text for m in newcomer.messages() if "您的干部账号（张伟）已被停用" in (m.text or "")]
    assert len(told) == 1, "told once"
    moved = ticket(database_url, number)
    assert moved.owner_cadre_id == seed_demo(database_url).duty_cadre_id
    assert moved.events[-1].kind == EventKind.REASSIGNED
    assert moved.events[-1].data["reason"] == "owner_disabled"
    assert any(number in (m.text or "") for m in admin.messages()[-3:]), "the duty cadre heard of it"
    out = await newcomer.send("/my")
    assert number not in out.texts[-1], "unbound: no longer a cadre"

    out = await admin.send("/admin policy 新村镇 13710")
    assert "按13710计算时限" in out.texts[-1]
    second = await report(botapi, database_url, BOSS + 5, "郑州华信食品有限公司", "用工", "缺工人", "13812345679")
    assert ticket(database_url, second).answer_due_at is not None, "13710 times the first answer; 三不过 does not"
    assert ticket(database_url, number).answer_due_at is None


async def test_a_plain_cadre_is_told_admin_is_not_theirs(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    out = await butler.send("/admin disable 赵主任")
    assert out.texts == ["/admin 仅供管理员使用，您的账号没有管理员权限。如需开通，请联系本单位管理员。"]


async def test_robots_set_in_chat_replace_the_environments_for_that_unit(botapi, lianxin, database_url):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot import scheduler
    from bot.adapters.robots import Pacing, Robot
    from sandbox.robots import RobotReceiver
    from tests.scenarios.test_leader_groups import FAST, push

    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=ADMIN)
    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    async with RobotReceiver() as receiver:
        configured = {"新村镇": [Robot(platform="wecom", url=receiver.add("wecom"))]}  # LIANXIN_ROBOTS
        url = receiver.add("dingtalk", secret="SECding")
        out = await admin.send(f"/admin robot 新村镇 dingtalk {url} SECding")
        token = url.split("access_token=")[1]
        assert f"dingtalk:…{token[-4:]}" in out.texts[-1]
        out = await admin.send("/admin robot 新村镇")
        assert all(token not in text and "SECding" not in text for text in out.texts)
        post = scheduler.RobotPost(configured, lianxin.translator, "zh_CN", pacing=lambda: Pacing(rates=dict(FAST)))
        await push(lianxin, robots=post)
        assert [(m.platform, m.title) for m in receiver.messages] == [
            ("dingtalk", "周通报 · 新村镇 · 2026-11-23 至 2026-11-29")], "the chat's robot, signed; not the wecom"
        assert {answer.code for answer in receiver.answers} == {0}

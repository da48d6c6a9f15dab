"""Leader groups: an admin binds a group to a unit; the group gets that unit's 周通报 with a
chart on Monday morning, once; a group somebody else added the bot to hears nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from bot import scheduler
from bot.adapters.robots import Pacing, Platform, Rate, Robot
from sandbox.robots import RobotReceiver
from tests.scenarios.conftest import BOT_TOKEN
from tests.scenarios.story import STRANGER, bound_cadre
from tests.scenarios.test_report_to_resolution import report_power_cut

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEADERS_GROUP = -100_555
FAST = {Platform.WECOM: Rate(20, 0.2), Platform.DINGTALK: Rate(20, 0.2), Platform.FEISHU: Rate(100, 0.2)}


async def test_an_admin_binds_a_group_which_gets_the_weekly_digest_with_its_chart_once(botapi, lianxin, tmp_path,
                                                                                     database_url):
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)  # the demo township's admin
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)  # Tuesday 24 Nov, 新村镇
    group = botapi.group(LEADERS_GROUP, "新村镇领导群")

    out = await butler.send("/bind 新村镇", chat=group)
    assert out.replies == [], "a cadre who is not an admin gets no answer in a group"
    out = await admin.send("/bind 城关街道", chat=group)
    assert out.texts == ["新村镇及下辖单位中没有“城关街道”。请核对名称后重新发送 /bind。"]
    out = await admin.send("/bind 新郑市", chat=group)
    assert "新村镇及下辖单位中没有“新郑市”" in out.texts[0], "the district is above the admin: not theirs to bind"
    out = await admin.send("/bind 新村镇", chat=group)
    assert out.texts == ["本群已绑定新村镇：每周推送周通报，每月推送月报告。发送 /digest 可立即查看上周通报。"]

    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))  # Monday 09:00, the cron's moment
    queued = await push(lianxin)
    assert queued == 1
    digest = group.messages()[-1]
    assert digest.photo_bytes is not None and digest.photo_bytes.startswith(b"\x89PNG"), "the chart, as a photo"
    (tmp_path / "digest-chart.png").write_bytes(digest.photo_bytes)  # to look at: pytest --basetemp
    text = text_of(group)
    assert "周通报 · 新村镇 · 2026-11-23 至 2026-11-29" in text
    assert "收到问题 1 件（较上期 +1）" in text and f"{number} · 已 5 天 · 陈晓明" in text
    assert "13812345678" not in text

    assert await push(lianxin) == 0, "run again (a second process, a restart): nothing sent twice"
    lianxin.clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI))
    assert await push(lianxin) == 1, "the next Monday brings the next week's"
    assert "2026-11-30 至 2026-12-06" in text_of(group)


async def test_a_push_missed_while_the_bot_was_down_is_made_up_for_its_own_week(botapi, lianxin, database_url):
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    group = botapi.group(LEADERS_GROUP, "新村镇领导群")
    await admin.send("/bind 新村镇", chat=group)
    lianxin.clock.set(datetime(2026, 12, 9, 11, 0, tzinfo=SHANGHAI))  # Wednesday: Monday 7 Dec's push missed
    assert await push(lianxin, due=datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)) == 1
    assert "周通报 · 新村镇 · 2026-11-30 至 2026-12-06" in text_of(group), "the missed Monday's week, not this one"
    assert await push(lianxin) == 0, "and the cron on its own Monday would not send it again"


async def test_a_group_the_bot_was_added_to_by_a_stranger_stays_silent(botapi, lianxin, database_url):
    await bound_cadre(botapi, database_url, "陈晓明")
    stranger = botapi.user(STRANGER, first_name="路人", language_code="zh-hans")
    group = botapi.group(-100_777, "闲聊群")
    for text in ("/bind 新村镇", "/digest", "/start", "你好", "/unbind"):
        out = await stranger.send(text, chat=group)
        assert out.replies == [], text
    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    assert await push(lianxin) == 0, "an unbound group gets no digest"
    assert group.messages() == []


async def test_digest_on_demand_in_a_bound_group_and_unbinding(botapi, lianxin, database_url):
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    group = botapi.group(LEADERS_GROUP, "新村镇领导群")
    await admin.send("/bind 新村镇", chat=group)
    await admin.send("/digest month", chat=group)
    await lianxin.drain()  # the chart is drawn while it is sent: longer than the sandbox's settle time
    await botapi.wait_idle()
    assert "月报告 · 新村镇 · 2026-10-01 至 2026-10-31" in text_of(group)
    out = await admin.send("/unbind", chat=group)
    assert out.texts == ["本群不再接收通报。"]
    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    assert await push(lianxin) == 0
    out = await admin.send("/digest", chat=group)
    assert out.texts == ["本群尚未绑定单位：请发送 /bind 加单位名称。"]


async def test_the_units_group_robots_get_the_same_digest_signed_and_once(botapi, lianxin, database_url):
    await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    lianxin.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    async with RobotReceiver() as receiver:
        robots = {"新村镇": [Robot(platform="dingtalk", url=receiver.add("dingtalk", secret="SECding"),
                                  secret="SECding"),
                            Robot(platform="wecom", url=receiver.add("wecom"))],
                  "城关街道": [Robot(platform="wecom", url=receiver.add("wecom"))]}  # no such unit: logged, skipped
        post = scheduler.RobotPost(robots, lianxin.translator, "zh_CN", pacing=lambda: Pacing(rates=dict(FAST)))
        assert await push(lianxin, robots=post) == 0, "no group is bound: robots only"
        assert [(m.platform, m.title) for m in receiver.messages] == [
            ("dingtalk", "周通报 · 新村镇 · 2026-11-23 至 2026-11-29"), ("wecom", "周通报 · 新村镇 · 2026-11-23 至 2026-11-29")]
        assert all(f"{number} · 已 5 天 · 陈晓明" in m.text and "收到问题 1 件（较上期 +1）" in m.text
                   for m in receiver.messages)
        assert {answer.code for answer in receiver.answers} == {0}, "signature and shape accepted"
        await push(lianxin, robots=post)
        assert len(receiver.messages) == 2, "the same week's digest is not posted twice"


def text_of(group) -> str:
    """The digest's text: the photo's caption, or the message after the photo if too long for one."""
    messages = group.messages()
    photo = max(i for i, message in enumerate(messages) if message.photo)
    return messages[photo].caption or "\n".join(message.text or "" for message in messages[photo + 1:])


async def push(lianxin, monthly: bool = False, robots: scheduler.RobotPost | None = None,
               due: datetime | None = None) -> int:
    """What the Monday (or 1st-of-month) cron job runs (or a starting bot, for a missed one),
    then the sends settled."""
    queued = await scheduler.push_digests(lianxin.core, lianxin.runtime.deliver,
                                          monthly, robots, due)
    await lianxin.drain()
    await lianxin.botapi.wait_idle()
    return queued


async def test_groups_get_their_own_command_menu(botapi, lianxin):
    await lianxin.adapter.menus  # published beside the start, not before it
    async with httpx.AsyncClient(base_url=f"{botapi.url}/bot{BOT_TOKEN}") as api:
        async def menu(**params) -> list[str]:
            answer = (await api.post("/getMyCommands", json=params)).json()
            return [f"/{c['command']} {c['description']}" for c in answer["result"]]

        in_groups = await menu(scope={"type": "all_group_chats"})
        assert [line.split()[0] for line in in_groups] == ["/digest", "/bind", "/unbind", "/help"]
        assert "/bind 关注某单位的通报：/bind 新村镇（管理员）" in in_groups
        assert "/start" in [line.split()[0] for line in await menu()], "private chats keep the full menu"
        assert [line.split()[0] for line in await menu(scope={"type": "all_group_chats"}, language_code="en")] == \
            ["/digest", "/bind", "/unbind", "/help"]

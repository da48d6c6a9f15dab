"""/my, /mine and /t show the right tickets to the right people; a reporter can withdraw."""

from __future__ import annotations

from tests.scenarios.story import STRANGER, bound_cadre, stale_button
from tests.scenarios.test_report_to_resolution import report_power_cut


async def test_cadre_and_reporter_each_see_their_tickets_and_history(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    await butler.press("接单")
    boss = botapi.user(1001)

    out = await butler.send("/my")
    assert "您承办的未办结工单：1 件" in out.texts[-1] and f"{number} · 水电气暖 · 已接单" in out.texts[-1]
    out = await butler.press(number)
    card = out.texts[-1]
    assert "反映人电话：+8613812345678" in card and "已接单" in card and "交办承办人" in card

    out = await boss.send("/mine")
    assert "您反映的问题：1 件" in out.texts[-1]
    out = await boss.send(f"/t {number.lower()}")
    assert "承办：陈晓明（服务管家）" in out.texts[-1] and "13812345678" not in out.texts[-1]

    stranger = botapi.user(STRANGER, first_name="路人", language_code="zh-hans")
    out = await stranger.send(f"/t {number}")
    assert "没有找到该编号" in out.texts[-1]
    out = await stranger.send("/my")
    assert "尚未绑定干部身份" in out.texts[-1]


async def test_a_reporter_withdraws_an_open_ticket_with_a_reason(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    boss = botapi.user(1001)
    await boss.send(f"/t {number}")
    await boss.press("撤回")
    out = await boss.send("已自行修复")
    assert f"工单 {number} 已撤回" in out.texts[-1]
    assert "已自行修复" in butler.last_message().text
    card = next(m for m in butler.messages() if number in (m.text or ""))
    assert not card.buttons, "the withdrawn ticket's card keeps no buttons"
    out = await butler.forge_press(stale_button(card, "接单"), message=card)
    assert out.answer.text.startswith(f"工单 {number} 当前状态为“已撤回”")
    out = await butler.send("/my")
    assert "暂无记录" in out.texts[-1]

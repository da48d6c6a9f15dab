"""交办 under 首问负责: the ticket stays with its owner until the receiver takes it over."""

from __future__ import annotations

from tests.scenarios.story import OPEN_CARD, bound_cadre, card_of, stale_button
from tests.scenarios.test_report_to_resolution import report_power_cut


async def offer_to_grid_worker(botapi, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    worker = await bound_cadre(botapi, database_url, "王丽娟", user_id=2002)
    number = await report_power_cut(botapi, database_url)
    await butler.press("交办")
    out = await butler.send("裴李岗村第一")
    assert [row[0][0] for row in out.replies[-1].buttons] == ["王丽娟 · 网格员"]
    await butler.press("王丽娟 · 网格员")
    out = await butler.send("属于网格内供电线路问题")
    assert "对方接收前仍由您负责" in out.texts[-1]
    offer = worker.last_message()
    assert "属于网格内供电线路问题" in offer.text and "13812345678" not in offer.text
    return butler, worker, number


async def test_an_accepted_hand_over_moves_the_ticket_and_everyone_is_told(botapi, lianxin, database_url):
    butler, worker, number = await offer_to_grid_worker(botapi, database_url)
    boss = botapi.user(1001)
    out = await worker.press("接收")
    card = card_of(worker, number)
    assert card in out.edited and "反映人电话：+8613812345678" in card.text, "the offer became the new owner's card"
    assert "王丽娟已接收" in butler.last_message().text
    assert f"工单 {number} 现由王丽娟（网格员）承办" in boss.last_message().text
    old = next(m for m in butler.messages() if number in (m.text or ""))
    assert not old.buttons and "现由王丽娟承办" in old.text, "the old owner's card keeps no buttons"
    out = await butler.forge_press(stale_button(old, "办结"), message=old)
    assert out.answer.text == "只有该工单的承办干部才能进行此操作。", "the old owner's buttons no longer work"
    out = await worker.send("/my")
    assert number in out.texts[-1]


async def test_a_refused_hand_over_leaves_the_ticket_with_its_owner(botapi, lianxin, database_url):
    butler, worker, number = await offer_to_grid_worker(botapi, database_url)
    await worker.press("拒收")
    out = await worker.send("不属于本网格")
    assert "仍由原承办人负责" in out.texts[-1]
    assert "不属于本网格" in butler.last_message().text
    out = await worker.press("接收")
    assert out.answer.text == "该交办已失效。"
    out = await butler.send("/my")
    assert number in out.texts[-1]
    stranger = botapi.user(3001, first_name="路人", language_code="zh-hans")
    await stranger.send("/start")
    offer = next(m for m in worker.messages() if m.buttons and m.buttons[0][0][0] == "接收")
    out = await stranger.press(data=offer.buttons[0][0][1], message=offer)
    assert out.answer.text == "该交办已失效。"


async def test_send_back_returns_the_ticket_to_whoever_handed_it_over(botapi, lianxin, database_url):
    butler, worker, number = await offer_to_grid_worker(botapi, database_url)
    await worker.press("接收")
    await worker.press("退单")
    out = await worker.send("是供电公司的线路，不归网格")
    assert "已退回陈晓明" in out.texts[-1]
    back = butler.last_message()
    assert "是供电公司的线路" in back.text and back.buttons[0][0][0] == OPEN_CARD
    out = await butler.press(back, text=OPEN_CARD)
    assert out.replies[-1].buttons[0][0][0] == "接单"
    out = await butler.press("接单")
    assert "您已接收工单" in out.texts[-1]


async def test_send_back_without_a_hand_over_goes_to_the_duty_leader_above(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    duty = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    number = await report_power_cut(botapi, database_url)
    await butler.press("退单")
    await butler.send("企业已转移包联")
    assert f"陈晓明将工单 {number}（停电三天了，生产线全部停工）退回给您" in duty.last_message().text


async def test_escalation_offers_the_ticket_to_the_leader_above_who_takes_it_over(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    number = await report_power_cut(botapi, database_url)
    await butler.press("上报")
    out = await butler.send("需协调供电公司，超出管家权限")
    assert "对方接收前仍由您负责" in out.texts[-1]
    assert "需协调供电公司" in leader.last_message().text
    out = await leader.press("接收")
    assert f"工单 {number} 已由您承办" in out.texts[-1]
    assert f"工单 {number} 现由赵主任" in botapi.user(1001).last_message().text

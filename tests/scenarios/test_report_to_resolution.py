"""A business owner reports a power cut; the enterprise's 包联 cadre takes it to 办结."""

from __future__ import annotations

from sandbox.botapi.testing import png_bytes
from storage.admin import seed_demo
from storage.files import is_stored
from storage.uow import uow_factory
from tests.scenarios.story import BOSS, STRANGER, all_texts, bound_cadre

POWER_CUT = "停电三天了，生产线全部停工"


async def report_power_cut(botapi, database_url) -> str:
    """王老板 of 润弘制药 reports by credit code, with a photo and a typed phone; returns the ticket number."""
    code = seed_demo(database_url).credit_codes["润弘制药股份有限公司"]
    boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
    await boss.send("/start")
    await boss.press("企业")
    out = await boss.send(code.lower())
    assert "请选择问题类别" in out.texts[-1]
    await boss.press("水电气暖")
    out = await boss.send(POWER_CUT)
    assert "照片" in out.texts[-1]
    out = await boss.send_photo(png_bytes(64, 48))
    assert "1 张照片" in out.texts[-1]
    await boss.press("完成")
    assert boss.last_message().reply_keyboard  # the share-my-phone button
    out = await boss.send("138 1234 5678")
    summary = out.texts[-1]
    assert POWER_CUT in summary and "+8613812345678" in summary and "润弘制药" in summary
    out = await boss.press("确认提交")
    assert "陈晓明" in out.texts[-1] and "服务管家" in out.texts[-1]
    return out.texts[-1].split("工单号 ")[1].split("，")[0]


async def test_owner_report_reaches_the_assigned_cadre_and_comes_back_resolved(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    assert number.startswith("LX-2026-") or number.startswith("LX-20")

    card = next(m for m in butler.messages() if number in (m.text or ""))
    assert POWER_CUT in card.text and "+8613812345678" in card.text
    assert [b[0] for b in card.buttons[0]] == ["接单", "需补充", "办结"]
    assert any(m.photo for m in butler.messages()), "the reporter's photo travels with the ticket"

    boss = botapi.user(BOSS)
    out = await butler.press("接单")
    assert any(f"工单 {number} 已由陈晓明" in m.text for m in out.elsewhere)

    await butler.press("需补充")
    out = await butler.send("停电范围是整个厂区还是一个车间？")
    assert "整个厂区还是一个车间" in boss.last_message().text
    out = await boss.send("整个厂区，变压器坏了")
    assert "已转给承办干部" in out.texts[-1]
    assert "整个厂区，变压器坏了" in butler.last_message().text

    await butler.press("办结")
    out = await butler.send("已协调供电公司更换变压器，今日 15 时恢复供电")
    assert "已办结" in out.texts[-1]
    assert "已协调供电公司更换变压器" in boss.last_message().text
    assert not botapi.errors


async def test_a_stranger_pressing_the_cadres_button_is_refused_and_nothing_changes(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    card = next(m for m in butler.messages() if number in (m.text or ""))
    accept_data = card.buttons[0][0][1]

    stranger = botapi.user(STRANGER, first_name="路人", language_code="zh-hans")
    await stranger.send("/start")
    out = await stranger.press(data=accept_data, message=card)
    assert "只有该工单的承办干部" in out.answer.text
    assert not out.elsewhere, "nobody is told anything"
    out = await butler.press("接单")
    assert "您已接收工单" in out.texts[-1], "the ticket is still waiting for its owner"


async def test_the_reporters_phone_reaches_nobody_but_the_owner(botapi, lianxin, database_url):
    await bound_cadre(botapi, database_url, "陈晓明")
    await bound_cadre(botapi, database_url, "王丽娟", user_id=2002)  # the grid worker of the same grid
    await report_power_cut(botapi, database_url)
    for chat_id in {c.params.get("chat_id") for c in botapi.calls_to("sendMessage")}:
        if int(chat_id) not in (BOSS, 2001):
            assert "13812345678" not in all_texts(botapi, int(chat_id)), f"phone leaked to chat {chat_id}"
    assert "13812345678" in all_texts(botapi, 2001)


async def test_photos_travel_both_ways_between_owner_and_reporter(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    await report_power_cut(botapi, database_url)
    boss = botapi.user(BOSS)
    await butler.press("需补充")
    await butler.send_photo(png_bytes(40, 30), caption="是这个电表箱吗？")
    asked = [m for m in boss.messages() if m.photo]
    assert "是这个电表箱吗" in boss.messages()[-2].text and asked, "question and photo reach the reporter"
    await boss.send_photo(png_bytes(50, 20), caption="对，就是它")
    relayed = [m for m in butler.messages() if m.photo]
    assert len(relayed) == 2, "the report's photo, then the answer's"
    assert any("对，就是它" in (m.text or "") for m in butler.messages())
    assert asked[-1].photo_bytes == png_bytes(40, 30) and relayed[-1].photo_bytes == png_bytes(50, 20)


async def test_a_reported_photo_is_kept_by_the_bot_and_relayed_from_its_store(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            ticket = uow.tickets.by_number(number)
    finally:
        factory.dispose()
    assert ticket.photo_file_ids and all(is_stored(photo) for photo in ticket.photo_file_ids), \
        "the ticket holds the bot's own reference, not a Telegram file id"
    [photo] = [m for m in butler.messages() if m.photo]
    assert photo.photo_bytes == png_bytes(64, 48), "the same picture, uploaded by the bot"

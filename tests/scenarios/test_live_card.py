"""One live card per ticket in a cadre's chat, edited in place as the ticket moves; notices
about the ticket are one line with one button that brings the card (issue 13: cadres' chats
were walls of buttons, every notice repeating the keyboard and the whole description)."""

from __future__ import annotations

from tests.scenarios.story import BOSS, OPEN_CARD, bound_cadre, card_of, is_card, stale_button
from tests.scenarios.test_confirm_and_rate import resolved_power_cut
from tests.scenarios.test_report_to_resolution import report_power_cut


def ticket_cards(person, number: str) -> list:
    """Every message in the chat that still carries the ticket's owner buttons."""
    return [m for m in person.messages(include_deleted=False) if m.buttons and (
        number in (m.text or "") and m.buttons[0][0][0] != OPEN_CARD or is_card(m, number))]


async def test_a_cadre_acting_on_a_ticket_sees_one_card_edited_in_place(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    card = card_of(butler, number)
    assert "已交办" in card.text and [b[0] for b in card.buttons[0]] == ["接单", "需补充", "办结"]

    out = await butler.press(card, text="接单")
    assert "您已接收工单" in out.texts[-1] and not out.texts[-1].count("\n") and not out.replies[-1].buttons
    assert card in out.edited and "已接单" in card.text, "the card itself shows it accepted"
    assert [b[0] for b in card.buttons[0]] == ["需补充", "办结"]

    await butler.press(card, text="需补充")
    await butler.send("停电范围是整个厂区还是一个车间？")
    await botapi.user(BOSS).send("整个厂区，变压器坏了")
    await butler.press(card, text="办结")
    out = await butler.send("已协调供电公司更换变压器")
    assert card in out.edited and "已办结" in card.text and not card.buttons
    assert ticket_cards(butler, number) == [], "one card, edited each time: no stale buttons anywhere"
    assert len(card.edits) >= 3


async def test_a_notice_is_one_short_line_with_one_button_that_brings_the_card(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    first = card_of(butler, number)
    await butler.press(first, text="接单")
    await butler.press(first, text="需补充")
    await butler.send("停电范围是整个厂区还是一个车间？")

    await botapi.user(BOSS).send("整个厂区，变压器坏了")
    notice = butler.last_message()
    assert f"工单 {number}" in notice.text and "整个厂区，变压器坏了" in notice.text
    assert "\n" not in notice.text and "13812345678" not in notice.text, "one line, not the whole card again"
    assert [[label for label, _ in row] for row in notice.buttons] == [[OPEN_CARD]]
    assert "反映人已补充" in first.text, "the card was brought up to date meanwhile"

    out = await butler.press(notice, text=OPEN_CARD)
    card = out.replies[-1]
    assert "停电三天了" in card.text and "+8613812345678" in card.text
    assert [b[0] for b in card.buttons[0]] == ["需补充", "办结"]
    assert first in out.edited and not first.buttons and number in first.text, "the old card keeps no buttons"
    assert ticket_cards(butler, number) == [card]
    assert notice.buttons, "the notice can bring the card again"


async def test_a_press_on_an_older_card_still_works_and_it_becomes_the_live_one(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    old = card_of(butler, number)
    out = await butler.send(f"/t {number}")
    newer = out.replies[-1]
    assert ticket_cards(butler, number) == [newer] and not old.buttons

    out = await butler.forge_press(stale_button(old, "接单"), message=old)
    assert "您已接收工单" in out.texts[-1], "authorized in the database: the press works"
    assert old in out.edited and [b[0] for b in old.buttons[0]] == ["需补充", "办结"]
    assert ticket_cards(butler, number) == [old], "the pressed card is the live one now"
    out = await butler.forge_press(stale_button(old, "接单"), message=old)
    assert "当前状态为“已接单”" in out.answer.text, "a press that no longer applies is refused"


async def test_a_card_the_cadre_deleted_comes_back_as_a_new_one_when_the_ticket_moves(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    old = card_of(butler, number)
    await butler.press(old, text="需补充")
    butler.delete(old)
    out = await butler.send("停电范围多大？")
    [card] = [m for m in out.replies if m.buttons]
    assert number in card.text and [b[0] for b in card.buttons[0]] == ["接单", "需补充", "办结"]
    await botapi.user(BOSS).send("整个厂区")
    assert card.edits and "反映人已补充" in card.text, "the new card is the live one"


async def test_an_escalation_reaches_the_leader_as_escalated_by_whom_and_why(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    leader = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    number = await report_power_cut(botapi, database_url)
    await butler.press("上报")
    await butler.send("需协调供电公司，超出管家权限")
    offer = leader.last_message().text
    assert f"陈晓明将工单 {number} 上报给您" in offer and "需协调供电公司，超出管家权限" in offer
    assert "交办给您" not in offer


async def test_partly_solved_reaches_the_cadre_as_partly_solved(botapi, lianxin, database_url):
    butler, boss, number = await resolved_power_cut(botapi, database_url)
    await boss.press("部分解决")
    await boss.send("东区还没来电")
    told = butler.last_message().text
    assert f"工单 {number}" in told and "部分解决" in told and "东区还没来电" in told
    assert "未解决" not in told

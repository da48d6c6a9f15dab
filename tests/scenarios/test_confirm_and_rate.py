"""After 办结 the reporter decides: solved → 销号 and a rating; not solved → 重办 with a reason."""

from __future__ import annotations

from tests.scenarios.story import OPEN_CARD, bound_cadre, card_of
from tests.scenarios.test_report_to_resolution import report_power_cut


async def resolved_power_cut(botapi, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    await butler.press("接单")
    await butler.press("办结")
    await butler.send("已协调供电公司抢修")
    return butler, botapi.user(1001), number


async def test_solved_closes_the_ticket_and_the_rating_reaches_the_owner(botapi, lianxin, database_url):
    butler, boss, number = await resolved_power_cut(botapi, database_url)
    assert "您的问题解决了吗" in boss.last_message().text
    out = await boss.press("已解决")
    assert f"工单 {number} 已办结" in out.texts[-1] and len(out.replies[-1].buttons[0]) == 5
    assert "销号" not in out.texts[-1], "the reporter hears plain words, not the office's 销号"
    assert f"反映人确认工单 {number}（停电三天了，生产线全部停工）已解决" in butler.last_message().text
    out = await boss.press("★★★★")
    assert "感谢您对工单" in out.texts[-1]
    assert "4 分" in butler.last_message().text
    out = await boss.send("抢修很及时")
    assert "意见已转达" in out.texts[-1]
    assert "抢修很及时" in butler.last_message().text
    out = await boss.press("★★★★★")
    assert out.answer.text == "该按钮已失效。", "a ticket is rated once"


async def test_not_solved_reopens_to_the_same_owner_and_tells_the_supervisor(botapi, lianxin, database_url):
    butler, boss, number = await resolved_power_cut(botapi, database_url)
    supervisor = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    await boss.press("未解决")
    out = await boss.send("下午又停了")
    assert "将按您的说明重新办理" in out.texts[-1]
    reopened = butler.last_message()
    assert "下午又停了" in reopened.text and [b[0] for b in reopened.buttons[0]] == [OPEN_CARD]
    assert [b[0] for b in card_of(butler, number).buttons[0]] == ["需补充", "办结"], "its card, edited in place"
    assert "下午又停了" in supervisor.last_message().text
    out = await boss.press("已解决")
    assert out.answer.text == "该工单当前状态下无法进行此操作。", "the old verdict buttons are stale now"

    await butler.press("办结")
    await butler.send("已更换变压器，恢复供电")
    out = await boss.press("已解决")
    assert "已办结" in out.texts[-1]


async def test_no_verdict_in_seven_days_closes_it_automatically_without_a_rating(botapi, lianxin, database_url):
    from datetime import timedelta

    from storage.uow import uow_factory

    butler, boss, number = await resolved_power_cut(botapi, database_url)
    lianxin.clock.move(timedelta(days=6, hours=23))
    assert await lianxin.sweep() == 0, "not yet: the reporter still has an hour"
    lianxin.clock.move(timedelta(hours=2))
    assert await lianxin.sweep() == 3, "the reporter told, the owner told, and the owner's card edited"
    assert f"工单 {number} 已按已解决办结" in boss.last_message().text
    assert "反映人未答复" in butler.last_message().text
    assert await lianxin.sweep() == 0, "closed once"
    factory = uow_factory(database_url)
    with factory() as uow:
        kinds = [e.kind for e in uow.tickets.by_number(number).events]
    factory.dispose()
    assert kinds[-1] == "auto_confirmed" and "rated" not in kinds
    out = await boss.press("已解决")
    assert out.answer.text == "该工单当前状态下无法进行此操作。"

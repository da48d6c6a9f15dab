"""/mydata over the real Bot API on both frameworks: a reporter sees their phone, their ticket and
their 举报; asks for erasure, goes back once, then erases; the handler's card loses the phone,
and their next /start is a new person's."""

from __future__ import annotations

from tests.scenarios.story import bound_cadre, is_card
from tests.scenarios.test_confirm_and_rate import resolved_power_cut
from tests.scenarios.test_report_to_resolution import POWER_CUT

PHONE = "+8613812345678"


async def test_a_reporter_sees_their_data_and_erases_it(botapi, lianxin, database_url):
    butler, boss, number = await resolved_power_cut(botapi, database_url)
    await bound_cadre(botapi, database_url, "孙立平", user_id=2010)  # the supervisor a 举报 goes to
    await boss.press("已解决")
    await boss.press("★★★★")
    await boss.send("抢修很及时")
    await boss.send(f"/t {number}")
    await boss.press("举报")
    await boss.send("三天没人联系我")

    out = await boss.send("/mydata")
    shown = "\n".join(out.texts)
    assert PHONE in shown and "王老板" in shown and "润弘制药" in shown, "account and reporter details"
    assert number in shown and POWER_CUT in shown and "4 分" in shown and "抢修很及时" in shown, "the ticket"
    assert "三天没人联系我" in shown, "the 举报"

    out = await boss.press("删除我的个人信息…")
    assert out.texts[-1].startswith("确定删除您的个人信息吗？") and "1 件工单" in out.texts[-1]
    out = await boss.press("不删除")
    assert out.texts[-1] == "未删除任何信息。"

    await boss.send("/mydata")
    await boss.press("删除我的个人信息…")
    out = await boss.press("确定删除")
    assert out.texts[-1].startswith("您的个人信息已删除")
    [card] = [m for m in butler.messages(include_deleted=False) if is_card(m, number)]
    assert PHONE not in card.text and POWER_CUT not in card.text and "已应反映人要求删除" in card.text

    out = await boss.send("/mine")
    assert out.texts[-1] == "暂无记录。", "the old tickets are no longer this chat's"
    out = await boss.send("/start")
    assert out.texts[0].startswith("欢迎使用连心桥")
    out = await boss.send("/mydata")
    shown = "\n".join(out.texts)
    assert "您反映的问题：0 件" in shown and PHONE not in shown, "a new person, who has told us nothing yet"

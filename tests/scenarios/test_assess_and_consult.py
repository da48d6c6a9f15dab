"""研判 and 会商: the owner classifies a ticket and asks two departments for their view;
they reply, the owner still answers for it (首问负责)."""

from __future__ import annotations

from tests.scenarios.story import bound_cadre
from tests.scenarios.test_report_to_resolution import report_power_cut


async def test_the_owner_classifies_a_ticket_and_its_card_shows_the_class(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    out = await butler.press("研判")
    assert [row[0][0] for row in out.replies[-1].buttons] == ["A类·当场办", "B类·部门办", "C类·领导办",
                                                               "D类·政策性/长期"]
    await butler.press("B类·部门办")
    prompt = butler.last_message()
    out = await butler.press("疑难问题")
    assert f"工单 {number} 已研判为 B类·部门办，疑难问题" in out.texts[-1]
    out = await butler.send(f"/t {number}")
    assert "研判：B类·部门办，疑难问题" in out.texts[-1] and "已研判" in out.texts[-1]

    boss = botapi.user(1001)
    forged = await boss.press(data="c:difficulty:general", message=prompt)
    assert forged.answer.text == "该按钮已失效。", "a 研判 choice outside the owner's dialog does nothing"
    stale = await butler.press(data="c:difficulty:general", message=prompt)
    assert stale.answer.text == "该按钮已失效。", "nor a second press on an answered question"


async def ask_department(owner, search: str, label: str, question: str):
    await owner.press("会商")
    out = await owner.send(search)
    assert [row[0][0] for row in out.replies[-1].buttons] == [label]
    await owner.press(label)
    return await owner.send(question)


async def test_consultation_with_two_departments_each_replying_to_the_owner(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    land = await bound_cadre(botapi, database_url, "吴海燕", user_id=2101)
    power = await bound_cadre(botapi, database_url, "冯志远", user_id=2102)
    number = await report_power_cut(botapi, database_url)

    out = await ask_department(butler, "自然资源", "吴海燕 · 新郑市自然资源局", "新建线路是否占用基本农田？")
    assert "仍由您负责" in out.texts[-1]
    await ask_department(butler, "供电", "冯志远 · 国网新郑市供电公司", "变压器何时能更换？")
    request = power.last_message()
    assert "变压器何时能更换" in request.text and "停电三天了" in request.text
    assert "13812345678" not in request.text, "a co-handler advises; the reporter's phone stays with the owner"

    await land.press("回复意见")
    out = await land.send("不占用基本农田，可走临时用地手续")
    assert "已送达承办干部" in out.texts[-1]
    assert "不占用基本农田" in butler.last_message().text and "另有 1 个单位尚未回复" in butler.last_message().text
    await power.press("回复意见")
    await power.send("明天上午更换")
    assert "明天上午更换" in butler.last_message().text and "会商意见已全部收到" in butler.last_message().text

    again = await land.press("回复意见")
    assert again.answer.text == "该按钮已失效。", "each department replies once"
    card = next(m for m in butler.messages() if number in (m.text or "") and m.buttons)
    forged = await power.press(data=f"t:resolve:{_ticket_id(request)}", message=card)
    assert forged.answer.text == "只有该工单的承办干部才能进行此操作。", "co-handlers do not own the ticket"
    out = await power.send(f"/t {number}")
    assert "会商单位已回复" in out.texts[-1] and "13812345678" not in out.texts[-1]
    out = await butler.send("/my")
    assert number in out.texts[-1], "the owner still answers for it"


async def test_consulting_the_same_department_twice_is_refused(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    await report_power_cut(botapi, database_url)
    await ask_department(butler, "郑伟", "郑伟 · 新郑市人力资源和社会保障局", "能否协调临时用工？")
    out = await ask_department(butler, "郑伟", "郑伟 · 新郑市人力资源和社会保障局", "再问一次")
    assert "已就工单" in out.texts[-1] and "征求过郑伟的意见" in out.texts[-1]


def _ticket_id(message) -> str:
    return message.buttons[0][0][1].rsplit(":", 1)[1]  # the id at the end of a ticket button's payload

"""Issue 13, "no dead ends", through the real bot: each dead end found by walking the demo in
Chinese now has a way on, and nothing typed is lost."""

from __future__ import annotations

from handlers.domain.credit_code import check_character
from storage.uow import uow_factory
from tests.scenarios.story import BOSS, bound_cadre
from tests.scenarios.test_bad_input import CODE_QUESTION, PHONE_QUESTION, at_description, start_as_enterprise
from tests.scenarios.test_report_to_resolution import report_power_cut

UNREGISTERED = "91410184MA9Y8X7W6" + check_character("91410184MA9Y8X7W6")


async def test_an_enterprise_not_in_the_register_reports_and_its_township_registers_it(botapi, lianxin,
                                                                                       database_url):
    """Regression: a valid credit code not in the register looped for ever on 请改用企业名称搜索."""
    duty = await bound_cadre(botapi, database_url, "赵主任")
    boss = await start_as_enterprise(botapi)
    out = await boss.send(UNREGISTERED)
    assert "未找到统一社会信用代码" in out.texts[-1] and "仍可继续反映" in out.texts[-1]
    await boss.press("按此代码继续反映")
    out = await boss.send("新郑市恒信新材料有限公司")
    assert "请选择问题类别" in out.texts[-1]  # the demo has one township: nothing to choose
    await boss.press("安全隐患")
    await boss.send("仓库屋顶漏雨，电线受潮")
    await boss.press("完成")
    out = await boss.send("13812345678")
    assert f"新郑市恒信新材料有限公司 · {UNREGISTERED} · 新村镇" in out.texts[-1]
    out = await boss.press("确认提交")
    assert "赵主任" in out.texts[-1]
    card = duty.last_message()
    assert f"新郑市恒信新材料有限公司 · {UNREGISTERED}" in card.text and "仓库屋顶漏雨" in card.text
    out = await duty.press("登记企业")
    assert "已登记入企业库" in out.texts[-1]
    assert "新郑市恒信新材料有限公司已完成登记" in boss.last_message().text
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            enterprise = uow.directory.enterprise_by_code(UNREGISTERED)
            assert enterprise is not None and enterprise.name == "新郑市恒信新材料有限公司"
            assert uow.tickets.get(1).enterprise_id == enterprise.id
            assert uow.reporter_profiles.contact_of(enterprise.id).account_id is not None
    finally:
        factory.dispose()


async def test_a_reporter_adds_a_message_to_their_open_ticket(botapi, lianxin, database_url):
    """Regression: '今天又停电了…' after the report got 发送 /start 反映问题; the text was lost."""
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    boss = botapi.user(BOSS)
    out = await boss.send("今天又停电了，冷库温度在升")
    assert "补充到办理中的工单" in out.texts[-1]
    out = await boss.press(f"补充到 {number}")
    assert f"已补充到工单 {number}" in out.texts[-1]
    assert "反映人补充：今天又停电了，冷库温度在升" in butler.last_message().text


async def test_typing_the_share_buttons_label_asks_to_press_it(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    await boss.send("工人返岗难，缺 30 人")
    await boss.press("完成")
    out = await boss.send("分享我的手机号")
    assert "请点击下方“分享我的手机号”按钮" in out.texts[0] and "电话号码无效" not in out.texts[0]
    assert PHONE_QUESTION in out.texts[-1] and boss.last_message().reply_keyboard


async def test_a_huge_name_search_is_answered_in_one_short_message(botapi, lianxin, database_url):
    """Regression: 4,096 '<' came back as 6 messages, 12,000 characters as 11 over 11.6 s."""
    boss = await start_as_enterprise(botapi)
    for query in ("<" * 4096, "润" * 4096):
        out = await boss.send(query)
        assert len(out.texts) == 2 and "名称搜索内容过长" in out.texts[0] and CODE_QUESTION in out.texts[-1]
        assert all(len(text) < 200 for text in out.texts)


async def test_help_and_an_unknown_command_say_what_one_can_do(botapi, lianxin, database_url):
    boss = await start_as_enterprise(botapi)
    out = await boss.send("/help")
    assert "/start 反映问题" in out.texts[-1] and "/mine" in out.texts[-1]
    out = await boss.send("/foo")
    assert "发送 /help 查看可用功能" in out.texts[0] and CODE_QUESTION in out.texts[-1]
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    out = await butler.send("/help")
    assert "/my 我承办的工单" in out.texts[-1] and "/start 反映问题" in out.texts[-1]

"""Bad input at each step gets a reason and the same question again; nothing given is lost."""

from __future__ import annotations

from sandbox.botapi.testing import png_bytes
from storage.admin import seed_demo
from tests.scenarios.story import BOSS

CODE_QUESTION = "统一社会信用代码"
CATEGORY_QUESTION = "请选择问题类别"
DESCRIBE_QUESTION = "请用文字描述问题"
PHONE_QUESTION = "请留下联系电话"


async def start_as_enterprise(botapi):
    boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
    await boss.send("/start")
    await boss.press("企业")
    return boss


async def at_description(botapi, database_url):
    boss = await start_as_enterprise(botapi)
    await boss.send("润弘")
    await boss.press("润弘制药股份有限公司")
    await boss.press("用工")
    return boss


async def test_a_wrong_check_character_is_explained_and_the_code_asked_again(botapi, lianxin, database_url):
    code = seed_demo(database_url).credit_codes["润弘制药股份有限公司"]
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    boss = await start_as_enterprise(botapi)
    out = await boss.send(wrong)
    assert "校验位不符" in out.texts[0] and CODE_QUESTION in out.texts[-1]
    out = await boss.send("12345678901234567")
    assert "18 位数字和大写字母" in out.texts[0] and CODE_QUESTION in out.texts[-1]
    out = await boss.send(code)
    assert CATEGORY_QUESTION in out.texts[-1]


async def test_an_unknown_name_is_refused_and_a_partial_name_offers_choices(botapi, lianxin, database_url):
    boss = await start_as_enterprise(botapi)
    out = await boss.send("不存在的公司")
    assert "没有与“不存在的公司”匹配" in out.texts[0] and CODE_QUESTION in out.texts[-1]
    out = await boss.send("新郑市")
    names = {b[0] for row in out.replies[-1].buttons for b in row}
    assert names == {"新郑市宏达机械制造有限公司", "新郑市佳美服装厂"}


async def test_text_where_a_button_is_asked_repeats_the_buttons(botapi, lianxin, database_url):
    boss = await start_as_enterprise(botapi)
    await boss.send("润弘")
    await boss.press("润弘制药股份有限公司")
    out = await boss.send("水电问题")
    assert "请点击下方按钮" in out.texts[0] and CATEGORY_QUESTION in out.texts[-1]
    assert len(out.replies[-1].buttons) == 7  # 12 classes and 其他, two a row


async def test_empty_huge_or_photo_descriptions_are_refused(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    out = await boss.send("x" * 5000)
    assert "最多 2000 字" in out.texts[0] and DESCRIBE_QUESTION in out.texts[-1]
    out = await boss.send("   ")
    assert "不能为空" in out.texts[0] and DESCRIBE_QUESTION in out.texts[-1]
    out = await boss.send_photo(png_bytes(8, 8))
    assert "请先用文字描述问题" in out.texts[0] and DESCRIBE_QUESTION in out.texts[-1]


async def test_an_invalid_phone_or_someone_elses_contact_is_refused(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    await boss.send("工人返岗难，缺 30 人")
    await boss.press("完成")
    out = await boss.send("12345")
    assert "电话号码无效" in out.texts[0] and PHONE_QUESTION in out.texts[-1]
    out = await boss.share_contact("+8613900000000", user_id=4242)
    assert "请分享您本人的手机号" in out.texts[0]
    out = await boss.share_contact("+8613912345678")
    assert "+8613912345678" in out.texts[-1] and "工人返岗难" in out.texts[-1]


async def test_an_unknown_command_is_explained_and_the_question_repeated(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    out = await boss.send("/foo")
    assert "无法识别的命令" in out.texts[0] and DESCRIBE_QUESTION in out.texts[-1]


async def test_cancel_works_at_any_step_and_a_new_start_begins_afresh(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    out = await boss.send("/cancel")
    assert "已取消" in out.texts[-1]
    out = await boss.send("随便说点什么")
    assert "/start" in out.texts[-1]
    out = await boss.send("/start")
    assert "企业" in [b[0] for b in out.replies[-1].buttons[0]]


async def test_a_restart_mid_conversation_resumes_with_what_was_given(botapi, lianxin, database_url, restart):
    boss = await at_description(botapi, database_url)
    await boss.send("用工缺口 30 人，急需技工")
    await restart()
    out = await boss.press("完成")
    assert PHONE_QUESTION in out.texts[-1]
    out = await boss.send("13812345678")
    assert "用工缺口 30 人，急需技工" in out.texts[-1] and "润弘制药" in out.texts[-1]
    assert lianxin.starts == 2


async def test_lang_switches_to_english_and_asks_the_same_question(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    await boss.send("/lang")
    out = await boss.press("English")
    assert out.texts[0] == "Language set to English."
    assert out.texts[-1].startswith("Describe the problem in your own words")


async def test_edit_from_the_summary_changes_one_field_and_keeps_the_rest(botapi, lianxin, database_url):
    boss = await at_description(botapi, database_url)
    await boss.send("缺少熟练工")
    await boss.send_location(34.39, 113.74)
    await boss.press("完成")
    await boss.send("13812345678")
    await boss.press("修改")
    await boss.press("问题描述")
    out = await boss.send("缺少熟练焊工 20 名")
    summary = out.texts[-1]
    assert "缺少熟练焊工 20 名" in summary and "位置：已提供" in summary and "+8613812345678" in summary
    out = await boss.press("确认提交")
    assert "工单号 LX-" in out.texts[-1]


async def test_a_nul_typed_into_the_description_does_not_stop_the_report(botapi, lianxin, database_url):
    """Regression: on PostgreSQL a NUL (U+0000) in typed text crashed the ticket insert at 确认提交."""
    from storage.uow import uow_factory

    boss = await at_description(botapi, database_url)
    await boss.send("招工难\x00，缺二十个人")
    await boss.press("完成")
    await boss.send("13812345678")
    out = await boss.press("确认提交")
    assert "工单号" in out.texts[-1]
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            assert uow.tickets.get(1).description == "招工难，缺二十个人"
    finally:
        factory.dispose()


async def test_a_description_of_ampersands_is_one_message_not_four(botapi, lianxin, database_url):
    """Telegram counts a message's length after entity parsing: 2,000 "&" are 2,000 characters, not 10,000."""
    boss = await at_description(botapi, database_url)
    await boss.send("&" * 2000)
    await boss.press("完成")
    out = await boss.share_contact("+8613912345678")
    summaries = [text for text in out.texts if "&" in text]
    assert len(summaries) == 1 and "&" * 2000 in summaries[0]

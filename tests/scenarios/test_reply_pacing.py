"""With Telegram's limits on (the sandbox enforces them, the bot paces by them), the person talking
to the bot is answered at once: within Telegram's burst, and ahead of a morning's reminders."""

from __future__ import annotations

from sandbox.botapi import LocalBotApi, SimUser
from storage.admin import seed_demo
from tests.scenarios.conftest import LianxinRunner
from tests.support.outbox import owe, reminder

CADRES = range(300_001, 300_061)


async def replies(person: SimUser, count: int) -> None:
    """Until the bot's `count`-th message lands in the person's chat (not waiting for all it owes)."""
    while len(person.messages()) < count:
        await person.chat.changed(timeout=30)


async def paced(botapi: LocalBotApi, lianxin: LianxinRunner) -> None:
    """Telegram's limits on in the sandbox, and the bot restarted to pace by them."""
    botapi.rate_limits = True
    await lianxin.restart()


async def test_a_person_walking_the_report_dialog_is_never_held_back_nor_earns_a_429(botapi, lianxin,
                                                                                       database_url):
    await paced(botapi, lianxin)
    code = seed_demo(database_url).credit_codes["润弘制药股份有限公司"]
    person = botapi.user(1001, first_name="王老板", language_code="zh-hans")
    assert len((await person.send("/start")).replies) == 2
    await person.press("企业")  # the third message within a second: Telegram's burst takes it
    assert lianxin.runtime.dispatcher.stats.answers_held_back == 0
    await person.send(code)
    await person.press("水电气暖")
    await person.send("停电三天了")
    await person.press("完成")
    await person.send("13812345678")
    out = await person.press("确认提交")  # at full speed from the 4th step on: paced to 1/s, as Telegram needs
    assert "工单号" in out.texts[-1]
    assert not [c for c in botapi.calls if c.status == 429]


async def test_a_person_writing_during_the_mornings_reminders_is_answered_before_they_are_all_out(
        botapi, lianxin, database_url):
    await paced(botapi, lianxin)
    for cadre in CADRES:
        botapi.user(cadre).open_chat()
    owe(database_url, [reminder(cadre, 1) for cadre in CADRES])  # 60 reminders: 2 s at Telegram's 30/s
    lianxin.runtime.dispatcher.poke()
    person = botapi.user(1001, first_name="王老板", language_code="zh-hans")
    await person.send("/start", wait=False)
    await replies(person, 2)
    reminded = sum(1 for cadre in CADRES if botapi.user(cadre).messages())
    assert reminded < len(CADRES), "answered while reminders are still going out"
    assert lianxin.runtime.dispatcher.stats.answers_held_back == 0, "not queued behind them"
    await lianxin.drain()
    assert all(len(botapi.user(cadre).messages()) == 1 for cadre in CADRES)
    assert not [c for c in botapi.calls if c.status == 429]

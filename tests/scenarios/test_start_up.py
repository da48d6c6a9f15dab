"""Starting the bot: answering people comes first, the command menus are published beside it."""

from __future__ import annotations

import httpx

from storage.admin import seed_demo
from tests.scenarios.conftest import BOT_TOKEN, LianxinRunner
from tests.scenarios.story import BOSS

SLOW_ANSWER = 1.0  # seconds Telegram takes to answer each setMyCommands here


async def test_slow_set_my_commands_do_not_hold_back_the_first_answer(botapi, database_url, framework):
    seed_demo(database_url)
    botapi.faults.add("setMyCommands", delay_after=SLOW_ANSWER, times=4)  # the four menus, each answered late
    lianxin = LianxinRunner(botapi, database_url, framework)
    await lianxin.start()
    try:
        boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
        out = await boss.send("/start")
        assert "企业" in str(out.replies[-1].buttons)
        answered = [call.method for call in botapi.calls if call.method in ("sendMessage", "setMyCommands")]
        assert answered[0] == "sendMessage", "the answer waited for the command menus"

        await lianxin.adapter.menus  # the menus are still published
        async with httpx.AsyncClient(base_url=f"{botapi.url}/bot{BOT_TOKEN}") as api:
            menu = (await api.post("/getMyCommands", json={})).json()["result"]
        assert "start" in [command["command"] for command in menu]
    finally:
        await lianxin.stop()
    assert not lianxin.errors

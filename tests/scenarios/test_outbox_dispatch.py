"""The outbox dispatcher against the local Bot API server: real HTTP, a real database.

Each test owes some messages (committed to the outbox), runs a dispatcher, and reads
what every chat received from the sandbox's own record of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapters.telegram_ptb import ptb_platform
from bot.i18n import Translator
from bot.outbox import Dispatcher, close, make_dispatcher
from handlers.messages import plain
from handlers.ports import Lane
from handlers.seam import Address, Reply
from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import TOKEN, free_port
from storage.outbox import FAILED, SENT
from tests.scenarios.story import bound_cadre
from tests.scenarios.test_report_to_resolution import report_power_cut
from tests.support.outbox import counts, fast_policy, owe, ptb_bot, received, reminder

Start = Callable[..., Any]


@pytest.fixture
async def dispatch(botapi: LocalBotApi, database_url: str) -> AsyncIterator[Start]:
    """`await dispatch(**policy changes)` -> a started Dispatcher on this test's database and sandbox."""
    started: list[tuple[Dispatcher, Any]] = []

    async def start(api_url: str | None = None, read_timeout: float = 5.0, **changes: Any) -> Dispatcher:
        bot = await ptb_bot(api_url or botapi.url, read_timeout=read_timeout)
        dispatcher = make_dispatcher(database_url, [ptb_platform(bot, Translator())], policy=fast_policy(**changes))
        dispatcher.start()
        started.append((dispatcher, bot))
        return dispatcher

    yield start
    for dispatcher, bot in started:
        await close(dispatcher)
        await bot.shutdown()


def people(botapi: LocalBotApi, *ids: int) -> list[Any]:
    users = [botapi.user(i) for i in ids]
    for user in users:
        user.open_chat()
    return users


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def texts(user: Any) -> list[str]:
    return [m.text for m in user.messages()]


async def test_owed_messages_arrive_once_each_in_order_per_chat(botapi, database_url, dispatch):
    boss, butler = people(botapi, 1001, 2001)
    owe(database_url, [reminder(1001, 1), reminder(2001, 1), reminder(1001, 2), reminder(1001, 3)])
    dispatcher = await dispatch()
    await dispatcher.drain()
    assert texts(boss) == ["提醒 1001-1", "提醒 1001-2", "提醒 1001-3"] and texts(butler) == ["提醒 2001-1"]
    assert counts(database_url) == {SENT: 4}


async def test_a_429_is_obeyed_then_the_message_delivered_in_order(botapi, database_url, dispatch):
    (boss,) = people(botapi, 1001)
    botapi.faults.add("sendMessage", status=429, retry_after=1)
    owe(database_url, [reminder(1001, 1), reminder(1001, 2)])
    dispatcher = await dispatch()
    await until(lambda: len(boss.messages()) == 2)
    assert texts(boss) == ["提醒 1001-1", "提醒 1001-2"]
    assert dispatcher.stats.rate_limited == 1
    refused, accepted = [c for c in botapi.calls_to("sendMessage")][:2]
    assert refused.status == 429 and accepted.at - refused.at >= 0.9, "waited retry_after"


async def test_server_errors_are_retried_with_backoff_then_delivered(botapi, database_url, dispatch):
    (boss,) = people(botapi, 1001)
    botapi.faults.add("sendMessage", status=502, times=2)
    botapi.faults.add("sendMessage", status=500)
    owe(database_url, [reminder(1001, 1)])
    dispatcher = await dispatch()
    await until(lambda: counts(database_url) == {SENT: 1})
    assert dispatcher.stats.retried == 3 and texts(boss) == ["提醒 1001-1"]
    statuses = [c.status for c in botapi.calls_to("sendMessage")]
    assert statuses == [502, 502, 500, 200]


async def test_a_bot_api_server_that_is_down_is_retried_until_it_is_up(database_url, dispatch):
    port = free_port()
    server = sandbox_on(port)
    await server.start()
    dispatcher = await dispatch(api_url=server.url)
    await server.stop()  # down: connections are refused
    owe(database_url, [reminder(1001, 1)])
    dispatcher.poke()
    await until(lambda: dispatcher.stats.retried >= 2)
    server = sandbox_on(port)
    (boss,) = people(server, 1001)
    await server.start()
    try:
        await until(lambda: counts(database_url) == {SENT: 1})  # marked sent once its answer is back
    finally:
        await server.stop()
    assert texts(boss) == ["提醒 1001-1"]


def sandbox_on(port: int) -> LocalBotApi:
    server = LocalBotApi(port=port)
    server.add_bot(TOKEN, "lianxin_bot")
    return server


async def test_a_user_who_blocked_the_bot_is_recorded_on_the_ticket_not_retried(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    number = await report_power_cut(botapi, database_url)
    boss = botapi.user(1001)
    boss.block()
    from storage.uow import uow_factory

    factory = uow_factory(database_url)
    with factory() as uow:
        ticket = uow.tickets.by_number(number)
        uow.outbox.put([Reply(Address("telegram", "1001"), "zh_CN", plain("您的工单已受理"), ticket_id=ticket.id)], Lane.NOTICE)
        uow.commit()
    factory.dispose()
    await lianxin.drain()
    assert counts(database_url).get(FAILED) == 1
    out = await butler.send(f"/t {number}")
    assert "消息未能送达：用户已屏蔽机器人" in out.texts[-1]
    await lianxin.drain()
    blocked_sends = [c for c in botapi.calls_to("sendMessage") if c.status == 403]
    assert len(blocked_sends) == 1, "given up at once, not retried"


async def test_a_bad_request_is_given_up_and_the_chat_goes_on(botapi, database_url, dispatch):
    (boss,) = people(botapi, 1001)
    owe(database_url, [Reply(Address("telegram", "1001"), "zh_CN", plain("x"), edit_message_id="999"),
                       reminder(1001, 2)])
    dispatcher = await dispatch()
    await dispatcher.drain()
    assert counts(database_url) == {FAILED: 1, SENT: 1} and texts(boss) == ["提醒 1001-2"]


async def test_after_a_read_timeout_the_message_is_resent_once_flagged(botapi, database_url, dispatch):
    (boss,) = people(botapi, 1001)
    botapi.faults.add("sendMessage", delay_after=1.0)  # delivered, but answered too late
    owe(database_url, [reminder(1001, 1)])
    dispatcher = await dispatch(read_timeout=0.3)
    await until(lambda: counts(database_url) == {SENT: 1})
    assert texts(boss) == ["提醒 1001-1", "提醒 1001-1"], "the one duplicate a timeout allows"
    assert dispatcher.stats.timed_out == 1


async def test_a_second_read_timeout_gives_up_instead_of_looping(botapi, database_url, dispatch):
    (boss,) = people(botapi, 1001)
    botapi.faults.add("sendMessage", delay_after=1.0, times=5)
    owe(database_url, [reminder(1001, 1)])
    dispatcher = await dispatch(read_timeout=0.3)
    await until(lambda: counts(database_url) == {FAILED: 1})
    await until(lambda: len(botapi.calls_to("sendMessage")) == 2)  # the server logs a call once it answers
    await dispatcher.drain()  # a whole look at the outbox after the failure: nothing left to send
    assert len(botapi.calls_to("sendMessage")) == 2 and dispatcher.stats.timed_out == 2


async def test_with_telegrams_limits_on_a_chats_messages_arrive_in_order_without_429s(botapi, database_url,
                                                                                      dispatch):
    botapi.rate_limits = True
    boss, butler = people(botapi, 1001, 2001)
    group = botapi.group(-100777, "街道群")
    owe(database_url, [reminder(1001, n) for n in range(1, 7)] + [reminder(2001, n) for n in range(1, 4)]
        + [reminder(-100777, n) for n in range(1, 23)])
    dispatcher = await dispatch(paced=True)  # by Telegram's limits
    await until(lambda: len(boss.messages()) == 6 and len(butler.messages()) == 3, timeout=20)
    assert texts(boss) == [f"提醒 1001-{n}" for n in range(1, 7)]
    assert not [c for c in botapi.calls if c.status == 429]
    first, last = botapi.calls_to("sendMessage")[0].at, max(
        c.at for c in botapi.calls_to("sendMessage") if c.params.get("chat_id") in (1001, "1001"))
    assert last - first >= 4.5, "reminders go one a second, the burst is left to someone acting"
    assert 18 <= len(group.messages()) <= 21, "a group gets 18 at once (2 left to an answer), then one every 3 s"
    assert [m.text for m in group.messages()][:18] == [f"提醒 -100777-{n}" for n in range(1, 19)]
    assert dispatcher.stats.rate_limited == 0 and received(boss.messages()).most_common(1)[0][1] == 1


async def test_a_message_held_for_quiet_hours_goes_out_when_due_and_holds_nobody_up(botapi, database_url, dispatch):
    (boss,) = people(botapi, 1001)
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    owe(database_url, [Reply(Address("telegram", "1001"), "zh_CN", plain("早上再说"), not_before=due),
                       reminder(1001, 2)])
    dispatcher = await dispatch()
    await dispatcher.drain()
    assert texts(boss) == ["提醒 1001-2"], "held back, and not holding up what follows"
    await until(lambda: len(boss.messages()) == 2)
    assert texts(boss)[-1] == "早上再说" and datetime.now(UTC) >= due

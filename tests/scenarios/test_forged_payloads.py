"""Forged button data, sent by a modified client on a message in its own chat, over the whole
stack: the pop-up says the button is out of date, no handler fails, nothing changes.

Regression: each of these crashed a handler with a traceback (`"²".isdigit()` is True; ids past
the id columns overflowed on PostgreSQL; `c:enterprise:abc` went straight to int())."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest

from sandbox.botapi import LocalBotApi, SimUser
from storage.uow import uow_factory
from tests.scenarios.story import BOSS, bound_cadre, report

OUT_OF_DATE = "该按钮已失效。"
RESIDENT = 1002


async def on_the_owners_card(botapi: LocalBotApi, database_url: str) -> SimUser:
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    await report(botapi, database_url, BOSS, "润弘制药股份有限公司", "水电气暖", "停电三天了", "13812345678")
    return butler


async def at_the_area_question(botapi: LocalBotApi, database_url: str) -> SimUser:
    resident = botapi.user(RESIDENT, first_name="李大妈", language_code="zh-hans")
    await resident.send("/start")
    await resident.press("居民")
    return resident


async def at_the_enterprise_question(botapi: LocalBotApi, database_url: str) -> SimUser:
    boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
    await boss.send("/start")
    await boss.press("企业")
    return boss


Setup = Callable[[LocalBotApi, str], Awaitable[SimUser]]
FORGERIES: list[tuple[str, Setup]] = [
    ("t:accept:²", on_the_owners_card),
    ("t:accept:999999999999999", on_the_owners_card),
    ("c:area:99999999999", at_the_area_question),
    ("c:enterprise:abc", at_the_enterprise_question),
]


def what_is_stored(database_url: str, chat_id: int) -> tuple:
    """Every ticket with its status and history length, and the forger's dialog state."""
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            tickets = []
            number = 1
            while (ticket := uow.tickets.get(number)) is not None:
                tickets.append((ticket.number, ticket.status, len(ticket.events), ticket.owner_cadre_id))
                number += 1
            state = uow.conversations.load("telegram", chat_id)
            return tickets, (state.dialog, state.step, state.data)
    finally:
        factory.dispose()


@pytest.mark.parametrize(("data", "setup"), FORGERIES, ids=[data for data, _ in FORGERIES])
async def test_a_forged_button_gets_the_out_of_date_pop_up_and_changes_nothing(
        botapi, lianxin, database_url, data, setup, caplog):
    forger = await setup(botapi, database_url)
    before = what_is_stored(database_url, forger.id)
    with caplog.at_level(logging.INFO, logger="handlers"):
        out = await forger.forge_press(data)
    assert out.answer is not None and out.answer.text == OUT_OF_DATE and out.answer.show_alert
    assert out.replies == [] and out.elsewhere == []
    assert what_is_stored(database_url, forger.id) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.name == "handlers.router" and r.levelno == logging.INFO for r in caplog.records)

"""/ledger for a big unit: the workbook is written aside (bot/ledger_process.py), and the bot
keeps answering everyone else while it is."""

from __future__ import annotations

import asyncio
import os

import sqlalchemy as sa

from benchmarks.ledger import fill
from storage.db import make_engine
from storage.outbox import SENDING
from storage.tables import AccountRow, CadreRow, OutboxRow
from tests.scenarios.test_outbox_dispatch import until

PROBLEMS = 2_000  # each ledger: long enough to be under way when the other person writes
# As many leaders as the event loop's default executor has threads: ledgers written on those
# threads used to take them all, and then no turn and no send could run until one was done.
LEADERS = min(32, (os.cpu_count() or 1) + 4)


def leaders_of_a_big_township(database_url: str) -> list[int]:
    """城关街道 with PROBLEMS problems, and LEADERS township leaders bound to chats 3000…; their user ids."""
    engine = make_engine(database_url)
    try:
        township = fill(engine, PROBLEMS, events=1)
        with engine.begin() as conn:
            for user_id in range(3000, 3000 + LEADERS):
                account = conn.execute(sa.insert(AccountRow).values(
                    platform="telegram", user_id=str(user_id), chat_id=str(user_id), locale="zh_CN",
                    display_name=f"领导{user_id}").returning(AccountRow.id)).scalar_one()
                conn.execute(sa.insert(CadreRow).values(name=f"领导{user_id}", role="township_leader",
                                                        org_unit_id=township, account_id=account))
    finally:
        engine.dispose()
    return list(range(3000, 3000 + LEADERS))


def ledgers_being_written(database_url: str, chats: list[int]) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(OutboxRow).where(
                OutboxRow.status == SENDING, OutboxRow.chat_id.in_([str(chat) for chat in chats])))
    finally:
        engine.dispose()


async def test_while_leaders_ledgers_are_written_someone_else_is_answered_first(botapi, lianxin, database_url):
    ids = leaders_of_a_big_township(database_url)
    leaders = [botapi.user(user_id, first_name=f"领导{user_id}", language_code="zh-hans") for user_id in ids]
    asking = [asyncio.create_task(leader.send("/ledger")) for leader in leaders]
    await until(lambda: ledgers_being_written(database_url, ids) == LEADERS, timeout=60)

    boss = botapi.user(1500, first_name="王老板", language_code="zh-hans")
    boss.open_chat()
    greeting = asyncio.create_task(boss.send("/start"))
    await until(lambda: bool(boss.messages()), timeout=60)
    assert not [leader for leader in leaders if leader.last_message() is not None], \
        "the boss's answer waited for a ledger"

    await asyncio.gather(greeting, *asking)
    for leader in leaders:  # and every ledger still came, in full
        sent = leader.last_message()
        assert sent.document is not None and sent.document["file_name"].startswith("台账-城关街道-")

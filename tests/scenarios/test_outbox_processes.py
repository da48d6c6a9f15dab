"""The outbox across OS processes: one dispatcher sends, a killed one loses nothing.

The dispatchers run in subprocesses (`python -m tests.support.outbox`); the sandbox,
in this process, records what every chat received, so duplicates are counted there.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import pytest

from sandbox.botapi import LocalBotApi
from storage.outbox import SENT
from tests.support.outbox import counts, finished, owe, reminder, spawn_dispatcher


def open_chats(botapi: LocalBotApi, ids: range) -> None:
    for user_id in ids:
        botapi.user(user_id).open_chat()


def arrivals(botapi: LocalBotApi, ids: range) -> Counter[str]:
    return Counter(m.text for user_id in ids for m in botapi.user(user_id).messages())


async def run(database_url: str, botapi: LocalBotApi, **options) -> dict:
    process = spawn_dispatcher(database_url, botapi.url, **options)
    return await asyncio.to_thread(finished, process)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_dispatchers_on_one_postgresql_send_each_message_once(botapi, database_url):
    chats = range(5001, 5051)
    open_chats(botapi, chats)
    owe(database_url, [reminder(chat, n) for n in range(1, 4) for chat in chats])
    first = spawn_dispatcher(database_url, botapi.url, limits=True)
    second = spawn_dispatcher(database_url, botapi.url, limits=True)
    results = await asyncio.gather(asyncio.to_thread(finished, first), asyncio.to_thread(finished, second))
    assert sorted(r["sent"] for r in results) == [0, 150], "one leader sent everything, the other idled"
    received = arrivals(botapi, chats)
    assert len(received) == 150 and set(received.values()) == {1}
    assert counts(database_url) == {SENT: 150}
    for chat in (5001, 5050):
        assert [m.text for m in botapi.user(chat).messages()] == [f"提醒 {chat}-{n}" for n in range(1, 4)]


async def test_killed_between_claim_and_send_everything_arrives_exactly_once(botapi, database_url):
    chats = range(6001, 6011)
    open_chats(botapi, chats)
    owe(database_url, [reminder(chat, n) for chat in chats for n in (1, 2)])
    assert await run(database_url, botapi, fault="after_claim") == {"killed": signal.SIGKILL}
    assert not arrivals(botapi, chats) and counts(database_url).get("sending")

    stats = await run(database_url, botapi)
    received = arrivals(botapi, chats)
    assert len(received) == 20 and set(received.values()) == {1}, "nothing lost, nothing twice"
    assert stats["sent"] == 20 and counts(database_url) == {SENT: 20}


async def test_killed_between_send_and_mark_only_that_message_is_duplicated(botapi, database_url):
    chat = 7001
    botapi.user(chat).open_chat()
    owe(database_url, [reminder(chat, n) for n in range(1, 6)])
    assert await run(database_url, botapi, fault="after_send") == {"killed": signal.SIGKILL}
    assert [m.text for m in botapi.user(chat).messages()] == ["提醒 7001-1"]

    await run(database_url, botapi)
    texts = [m.text for m in botapi.user(chat).messages()]
    duplicates = sum(n - 1 for n in Counter(texts).values())
    assert duplicates == 1 and texts == ["提醒 7001-1", "提醒 7001-1"] + [f"提醒 7001-{n}" for n in range(2, 6)]
    assert counts(database_url) == {SENT: 5}



async def test_killed_while_sent_messages_wait_for_their_batched_mark_each_chat_repeats_at_most_one(
        botapi, database_url):
    """Sent rows are marked together, in the next claim's transaction (bot/outbox.py); a chat's
    next message waits for its mark, so a crash still repeats only the one message per chat that
    was in flight (LIANXIN_OUTBOX_FAULT=before_mark: killed as a batch of marks is about to be
    written, at the moment every chat being sent waits for its mark)."""
    chats = range(8001, 8006)
    open_chats(botapi, chats)
    owe(database_url, [reminder(chat, n) for chat in chats for n in (1, 2, 3)])
    assert await run(database_url, botapi, fault="before_mark") == {"killed": signal.SIGKILL}
    assert arrivals(botapi, chats), "killed with sent messages waiting for their mark"

    await run(database_url, botapi)
    for chat in chats:
        texts = [m.text for m in botapi.user(chat).messages()]
        in_order = [text for i, text in enumerate(texts) if i == 0 or text != texts[i - 1]]
        assert in_order == [f"提醒 {chat}-{n}" for n in (1, 2, 3)], "nothing lost, in order"
        assert len(texts) - len(in_order) <= 1, f"chat {chat} got more than its one in-flight message twice: {texts}"
    assert counts(database_url) == {SENT: 15}

"""Outbox throughput: one morning's reminders to N cadres through the dispatcher, against the
local Bot API server with Telegram's limits switched on.

    .venv/bin/python -m benchmarks.outbox_throughput --messages 10000 --db sqlite
    .venv/bin/python -m benchmarks.outbox_throughput --messages 10000 --db postgres   # a throw-away cluster

Each cadre is a user who has written to the bot (no 403s) and is owed one reminder,
committed to the outbox before the clock starts. Reported: time until the sandbox
has received every message, messages/s against the 30/s limit, 429s the sandbox
answered, messages lost (owed but never received: must be 0) and duplicates.
The last line is the result as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from handlers.messages import plain
from handlers.seam import Address, Reply

FIRST_CADRE = 100_000  # user ids of the simulated cadres
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def morning_reminders(n: int) -> list[Reply]:
    return [Reply(Address("telegram", str(FIRST_CADRE + i)), "zh_CN",
                  plain(f"早上好：您有 3 件工单今天到期（第 {i + 1} 号提醒）")) for i in range(n)]


async def measure(database_url: str, n: int, timeout: float) -> dict[str, Any]:
    from bot.adapters.telegram_ptb import ptb_platform
    from bot.i18n import Translator
    from bot.outbox import Policy, close, make_dispatcher
    from sandbox.botapi import LocalBotApi
    from tests.support.outbox import owe, ptb_bot

    server = LocalBotApi(rate_limits=True)
    bot_state = server.add_bot(TOKEN, "lianxin_bot")
    chats = [server.user(FIRST_CADRE + i) for i in range(n)]
    for chat in chats:
        chat.open_chat()
    await server.start()
    owe(database_url, morning_reminders(n))
    bot = await ptb_bot(server.url)
    dispatcher = make_dispatcher(database_url, [ptb_platform(bot, Translator())], policy=Policy())
    began = time.monotonic()
    dispatcher.start()
    try:
        delivered_at = await _until_delivered(bot_state, n, began, timeout)
        await dispatcher.drain(timeout=60)
    finally:
        await close(dispatcher)
        await bot.shutdown()
        await server.stop()
    received = Counter(m.text for chat in chats for m in chat.messages())
    owed = {r.text.params["text"] for r in morning_reminders(n)}
    sends = server.calls_to("sendMessage")
    seconds = delivered_at - began
    return {"messages": n, "seconds": round(seconds, 1), "messages_per_second": round(n / seconds, 2),
            "limit_per_second": 30, "http_429": sum(1 for c in sends if c.status == 429),
            "lost": len(owed - set(received)), "duplicates": sum(k - 1 for k in received.values()),
            "dispatcher": dispatcher.stats.__dict__}


async def _until_delivered(bot_state: Any, n: int, began: float, timeout: float) -> float:
    last_report = began
    while True:
        delivered = sum(1 for chat in bot_state.chats.values() for m in chat.messages if m.from_bot)
        now = time.monotonic()
        if delivered >= n:
            return now
        if now - began > timeout:
            raise TimeoutError(f"only {delivered} of {n} delivered after {timeout:.0f}s")
        if now - last_report >= 30:
            print(f"  {delivered}/{n} delivered after {now - began:.0f}s", file=sys.stderr, flush=True)
            last_report = now
        await asyncio.sleep(0.25)


def run(db: str, n: int, timeout: float) -> dict[str, Any]:
    from storage.db import upgrade

    if db == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            return asyncio.run(measure(url, n, timeout))
    from tests.support.pg_cluster import ThrowawayCluster

    with ThrowawayCluster() as cluster:
        url = cluster.create_database("outbox_bench")
        upgrade(url)
        return asyncio.run(measure(url, n, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    args = parser.parse_args()
    result = run(args.db, args.messages, args.timeout)
    result |= {"db": args.db, "cpus": os.cpu_count(), "python": platform.python_version()}
    print(f"{result['messages']} reminders on {args.db}: {result['seconds']} s, {result['messages_per_second']} msg/s "
          f"(limit 30), {result['http_429']} x 429, {result['lost']} lost, {result['duplicates']} duplicates")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

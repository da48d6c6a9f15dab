"""Helpers for outbox tests and the throughput benchmark: owe messages, build a bot, run a
dispatcher in another OS process.

    owe(database_url, [reminder(chat_id, 1), ...])      # committed to the outbox
    bot = await ptb_bot(botapi.url)                      # a PTB Bot on the sandbox, initialized
    dispatcher = make_dispatcher(database_url, [ptb_platform(bot, Translator())], policy=fast_policy())
    process = spawn_dispatcher(database_url, botapi.url, fault="after_send")   # python -m tests.support.outbox
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from handlers.messages import plain
from handlers.ports import Lane
from handlers.seam import Address, Reply

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # sandbox.botapi.testing.TOKEN


def reminder(chat_id: int, n: int, *, ticket_id: int | None = None) -> Reply:
    """A message to the sandbox's Telegram chat `chat_id` whose text says who it is for and
    which one it is (the core's ids are strings, as the adapters make them)."""
    return Reply(Address("telegram", str(chat_id)), "zh_CN", plain(f"提醒 {chat_id}-{n}"), ticket_id=ticket_id)


def owe(database_url: str, replies: list[Reply], batch: int = 1000) -> None:
    """Commit `replies` to the outbox, `batch` per transaction."""
    from storage.uow import uow_factory

    factory = uow_factory(database_url)
    try:
        for start in range(0, len(replies), batch):
            with factory() as uow:
                uow.outbox.put(replies[start:start + batch], Lane.BULK)
                uow.commit()
    finally:
        factory.dispose()


def counts(database_url: str) -> dict[str, int]:
    from storage.db import make_engine
    from storage.outbox import OutboxStore

    engine = make_engine(database_url)
    try:
        return OutboxStore(engine).counts()
    finally:
        engine.dispose()


async def ptb_bot(api_url: str, token: str = TOKEN, read_timeout: float = 5.0) -> Any:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connection_pool_size=64, read_timeout=read_timeout, connect_timeout=2.0)
    bot = Bot(token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot", request=request)
    await bot.initialize()
    return bot


def fast_policy(**changes: Any) -> Any:
    """A policy for tests: no pacing unless asked, short backoffs and lease."""
    from bot.outbox import Policy

    options: dict[str, Any] = {"paced": False, "backoff_base": 0.1, "timeout_pause": 0.5,
                               "lease": timedelta(seconds=1), "leader_check_every": 0.5, "poll_every": 0.1}
    return Policy(**{**options, **changes})


def received(messages: list[Any]) -> Counter[str]:
    """How often each text arrived."""
    return Counter(m.text for m in messages)


# -- a dispatcher in its own process -------------------------------------------------

def spawn_dispatcher(database_url: str, api_url: str, *, fault: str | None = None, seconds: float = 60,
                     limits: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LIANXIN_OUTBOX_FAULT", None)
    if fault:
        env["LIANXIN_OUTBOX_FAULT"] = fault
    args = [sys.executable, "-m", "tests.support.outbox", database_url, api_url, "--seconds", str(seconds)]
    if limits:
        args.append("--limits")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str], timeout: float = 90) -> dict[str, Any]:
    """Wait for a spawned dispatcher; its stats (or {"killed": signal} if it died)."""
    out, err = process.communicate(timeout=timeout)
    if process.returncode < 0:
        return {"killed": -process.returncode}
    if process.returncode != 0:
        raise AssertionError(f"dispatcher process failed ({process.returncode}):\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


async def _serve(database_url: str, api_url: str, seconds: float, limits: bool) -> dict[str, Any]:
    """Run a dispatcher until the outbox holds nothing unsent (or `seconds` pass); its stats."""
    from bot.adapters.telegram_ptb import ptb_platform
    from bot.i18n import Translator
    from bot.outbox import close, make_dispatcher

    bot = await ptb_bot(api_url)
    dispatcher = make_dispatcher(database_url, [ptb_platform(bot, Translator())], policy=fast_policy(paced=limits))
    dispatcher.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        while loop.time() < deadline:
            await asyncio.sleep(0.2)
            left = await asyncio.to_thread(counts, database_url)
            if not left.get("pending") and not left.get("sending"):
                break
    finally:
        await close(dispatcher)
        await bot.shutdown()
    return {**dispatcher.stats.__dict__, "led": dispatcher.stats.sent > 0}


def main() -> None:
    parser = argparse.ArgumentParser(description="run one outbox dispatcher (for the multi-process tests)")
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--limits", action="store_true")
    args = parser.parse_args()
    stats = asyncio.run(_serve(args.database_url, args.api_url, args.seconds, args.limits))
    print(json.dumps(stats))


if __name__ == "__main__":
    main()

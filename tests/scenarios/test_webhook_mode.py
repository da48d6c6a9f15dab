"""The same bot receiving updates by webhook: the Bot API server POSTs them to it, on each framework.

The webhook answers 200 only once the update is recorded (storage/inbox.py), refuses a
request without the secret token, handles a resent update once, and on start takes up
updates a stopped process had acknowledged but not handled.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx

from bot.bootstrap import build_adapter, build_runtime
from bot.i18n import Translator
from bot.runtime import Runtime, WhenDone
from bot.settings import Settings
from bot.webhook import SECRET_HEADER
from handlers.app import Lianxin, SystemClock
from sandbox.botapi.testing import free_port
from storage.admin import seed_demo
from storage.db import make_engine
from storage.inbox import InboxStore
from storage.uow import uow_factory
from tests.scenarios.conftest import BOT_TOKEN
from tests.scenarios.story import BOSS

SECRET = "s3cret-token"
WELCOME = "欢迎使用连心桥"


@asynccontextmanager
async def webhook_bot(botapi, database_url: str, framework: str) -> AsyncIterator[tuple[str, Runtime]]:
    """Lianxin on a webhook at the yielded URL, the sandbox told when it is done with an update."""
    seed_demo(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN, bot_api_url=botapi.url, database_url=database_url,
                        webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port, webhook_secret=SECRET,
                        framework=framework)
    factory = uow_factory(database_url)
    runtime = build_runtime(settings, Lianxin(factory, SystemClock()), Translator())
    botapi.bot(BOT_TOKEN).done = WhenDone(runtime)
    adapter = build_adapter(settings, runtime)
    await adapter.start()
    try:
        yield url, runtime
    finally:
        await adapter.stop()
        factory.dispose()
    assert not botapi.errors and not runtime.errors


def start_update(update_id: int) -> dict:
    """/start from the owner, as Telegram posts it."""
    person = {"id": BOSS, "is_bot": False, "first_name": "王老板", "language_code": "zh-hans"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(datetime.now(UTC).timestamp()), "from": person,
        "chat": {"id": BOSS, "type": "private", "first_name": "王老板"}, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def inbox_rows(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM inbox").scalar_one()
    finally:
        engine.dispose()


async def test_a_report_starts_over_a_webhook_with_its_secret(botapi, database_url, framework):
    async with webhook_bot(botapi, database_url, framework):
        boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
        out = await boss.send("/start")
        assert WELCOME in out.texts[0]
        out = await boss.press("企业")
        assert "统一社会信用代码" in out.texts[-1]
        assert not botapi.calls_to("getUpdates"), "no polling while the webhook is set"
        (set_webhook,) = botapi.calls_to("setWebhook")
        assert set_webhook.params["secret_token"] == SECRET


async def test_without_the_secret_token_nothing_is_recorded(botapi, database_url, framework):
    async with webhook_bot(botapi, database_url, framework) as (url, runtime):
        botapi.user(BOSS).open_chat()
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=start_update(900001))
            wrong = await client.post(url, json=start_update(900001), headers={SECRET_HEADER: "guessed"})
            garbage = await client.post(url, content=b"{not json", headers={SECRET_HEADER: SECRET})
        assert (missing.status_code, wrong.status_code, garbage.status_code) == (401, 401, 400)
        assert inbox_rows(database_url) == 0, "answered only after recording, and nothing was recorded"
        await runtime.drain()
        assert not botapi.user(BOSS).messages()


async def test_an_update_posted_three_times_at_once_is_answered_once(botapi, database_url, framework):
    async with webhook_bot(botapi, database_url, framework) as (url, runtime):
        boss = botapi.user(BOSS)
        boss.open_chat()
        update = start_update(900002)
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(*(client.post(url, json=update, headers={SECRET_HEADER: SECRET})
                                             for _ in range(3)))
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert inbox_rows(database_url) == 1
        await runtime.handled.wait("900002")
        await runtime.drain()
        said = [m.text for m in boss.messages()]
        assert len(said) == 2 and WELCOME in said[0], said


async def test_an_update_acknowledged_before_a_crash_is_handled_after_the_restart(botapi, database_url, framework):
    # What a process killed right after answering 200 leaves behind: a recorded, unclaimed update.
    engine = make_engine(database_url)
    try:
        update = start_update(900003)
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        assert InboxStore(engine).record("telegram", 900003, f"telegram:chat:{BOSS}", json.dumps(update),
                                         an_hour_ago)
    finally:
        engine.dispose()
    boss = botapi.user(BOSS)
    boss.open_chat()
    async with webhook_bot(botapi, database_url, framework) as (url, runtime):
        await runtime.handled.wait("900003")
        await runtime.drain()
        assert WELCOME in boss.messages()[0].text

"""The harness for scenario tests: the whole bot (core, storage, runtime, adapter) against the
local Bot API server, with simulated users, on each database `database_url` gives and on
each framework `framework` gives.

Fixtures:
    botapi   a started LocalBotApi with the bot account `BOT_TOKEN` / @lianxin_bot
    lianxin  a running Lianxin (`LianxinRunner`): demo data seeded, long-polling botapi on each
             framework (PTB and aiogram), its outbox dispatcher sending (`await lianxin.drain()`)
    restart  `await restart()`: stop the bot and start a fresh one on the same database
    demo     the demo's composition instead of `lianxin` (history seeded, personas known, time moved
             by POST /_sim/clock)

    async def test_report(botapi, lianxin, restart):
        boss = botapi.user(1001, first_name="王老板", language_code="zh-hans")
        out = await boss.send("/start")
        assert out.texts and out.replies[0].buttons
        await restart()                      # mid-conversation: state lives in the database
        out = await boss.press(index=1)

Every simulated action returns once the bot is done with it, by the bot's own word
(`bot.runtime.WhenDone`): the adapter has handled the update, and the outbox dispatcher
has sent every message due now (messages held for office hours stay held). Nothing waits for
a quiet spell, so a busy machine slows the suite down but cannot fail it.

Handler exceptions fail the test at teardown (see `LianxinRunner.errors`).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
if "sandbox" in sys.modules and getattr(sys.modules["sandbox"], "__file__", None) is None:
    del sys.modules["sandbox"]  # a namespace package (tests/sandbox) shadowing the real one

import pytest  # noqa: E402

from bot.bootstrap import build_adapter, build_rules, build_runtime  # noqa: E402
from bot.clock import MovableClock  # noqa: E402
from bot.handled import HandledUpdates  # noqa: E402
from bot.runtime import WhenDone  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.outbox import Policy  # noqa: E402
from bot.settings import Settings  # noqa: E402
from sandbox.botapi import LocalBotApi  # noqa: E402
from sandbox.botapi.testing import TOKEN  # noqa: E402

BOT_TOKEN = TOKEN
BOT_USERNAME = "lianxin_bot"
FRAMEWORKS = ["ptb", "aiogram"]
DONE_TIMEOUT = 120.0  # seconds a simulated action may wait for the bot: only a bug gets near it


# Scenarios start on a Tuesday at 10:00 in Shanghai, whenever they run: office hours, so
# 无事不扰 holds nothing back unless a test moves the clock out of them.
SCENARIO_START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class LianxinRunner:
    """One bot process's worth of Lianxin on one framework, started and stopped inside the test's loop."""

    def __init__(self, botapi: LocalBotApi, database_url: str, framework: str = "ptb", *, demo: bool = False) -> None:
        self.botapi = botapi
        self.database_url = database_url
        # demo: composed as `lianxin run` without a token does (bot/cli.py): quiet hours off, no APScheduler,
        # the timed jobs run by the clock's moves (bot/demo_time.py, the server's /_sim/clock)
        self.demo = demo
        self.settings = Settings(_env_file=None, bot_token=BOT_TOKEN, bot_api_url=botapi.url,
                                 database_url=database_url, webhook_url=None, framework=framework,
                                 **({"quiet_hours": False} if demo else {}))
        self.time: Any = None  # the demo's DemoTime
        self.translator = Translator(default_locale=self.settings.default_locale)
        self.errors: list[BaseException | None] = []
        self.clock = MovableClock(SCENARIO_START)  # time moved by tests: deadlines tested without sleeping
        self.starts = 0
        self.adapter: Any = None
        self.runtime: Any = None
        self.core: Any = None
        self._uow_factory: Any = None
        self.handled = HandledUpdates()  # kept across restarts: an update may be answered by the next bot

    async def start(self) -> None:
        from bot.sheets import StoredSheets
        from handlers.app import Lianxin
        from storage.uow import uow_factory

        self._uow_factory = uow_factory(self.database_url)
        with self._uow_factory.engine.connect():  # warm the pool: the first update is not slowed
            pass
        rules = {"rules": build_rules(self.settings)} if self.demo else {}
        self.core = Lianxin(self._uow_factory, clock=self.clock, default_locale=self.settings.default_locale,
                            sheets=StoredSheets(self.database_url), **rules)  # as bot.bootstrap.build_core
        # Pace like the sandbox limits: none unless a test switches them on before starting.
        policy = Policy(paced=self.botapi.rate_limits)
        self.runtime = build_runtime(self.settings, self.core, self.translator, outbox_policy=policy, clock=self.clock,
                                     scheduled=not self.demo)
        self.runtime.handled = self.handled
        self.botapi.bot(BOT_TOKEN).done = WhenDone(self.runtime, DONE_TIMEOUT)
        self.adapter = build_adapter(self.settings, self.runtime)
        await self.adapter.start()
        if self.demo:
            from bot.demo_time import DemoTime

            self.time = DemoTime(self.clock, self.runtime, drain_timeout=DONE_TIMEOUT)
            await self.time.start(tick_every=24 * 3600)  # tests move time themselves
            self.botapi.clock = self.time
        self.starts += 1

    async def stop(self) -> None:
        if self.time is not None:
            self.botapi.clock = None
            await self.time.stop()
            self.time = None
        if self.adapter is not None:
            await self.adapter.stop()
            self.errors += self.runtime.errors
            self.adapter = None
        if self._uow_factory is not None:
            self._uow_factory.dispose()
            self._uow_factory = None

    async def sweep(self) -> int:
        """Run the scheduler's sweep now (what its interval job does) and send what it queued.
        Returns how many messages the sweep queued."""
        from bot import scheduler

        queued = await scheduler.sweep(self.core, self.runtime.deliver)
        await self.drain()
        return queued

    async def drain(self) -> None:
        """Until the outbox dispatcher has sent everything due (generously timed: only a bug waits it out)."""
        await self.runtime.drain(timeout=DONE_TIMEOUT)

    async def restart(self) -> None:
        """Stop the running bot and start a new one (new core, new adapter) on the same database."""
        await self.stop()
        await self.start()


@pytest.fixture
async def botapi() -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi(host="127.0.0.1", port=0, done_timeout=DONE_TIMEOUT)
    server.add_bot(BOT_TOKEN, BOT_USERNAME, "连心桥")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    """"ptb" or "aiogram": every scenario runs on both adapters (a difference is a bug in one)."""
    return request.param


@asynccontextmanager
async def running(runner: LianxinRunner) -> AsyncIterator[LianxinRunner]:
    """The bot started, then stopped; none of its handlers may have raised meanwhile."""
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
    assert not runner.errors, f"the bot's handlers raised: {runner.errors!r}"


@pytest.fixture
async def lianxin(botapi: LocalBotApi, database_url: str, framework: str) -> AsyncIterator[LianxinRunner]:
    from storage.admin import seed_demo

    seed_demo(database_url)
    runner = LianxinRunner(botapi, database_url, framework)
    async with running(runner):
        yield runner


@pytest.fixture
async def demo(botapi: LocalBotApi, database_url: str, framework: str) -> AsyncIterator[LianxinRunner]:
    """The demo as `lianxin run` without a token starts it (bot/cli.py): the district with six weeks
    of history up to SCENARIO_START, its people known to the sandbox, the leader group bound, and
    time moved through the server's POST /_sim/clock."""
    from bot.cli import _meet_the_district, _seed_demo

    runner = LianxinRunner(botapi, database_url, framework, demo=True)
    _seed_demo(runner.settings, runner.clock.now())
    _meet_the_district(botapi)
    async with running(runner):
        yield runner


@pytest.fixture
def restart(lianxin: LianxinRunner) -> Callable[[], Awaitable[None]]:
    return lianxin.restart

"""The same bot receiving updates by webhook: the Bot API server POSTs them to it, on each framework."""

from __future__ import annotations

from bot.bootstrap import build_adapter, build_runtime
from bot.i18n import Translator
from bot.runtime import WhenDone
from bot.settings import Settings
from handlers.app import Lianxin, SystemClock
from sandbox.botapi.testing import free_port
from storage.admin import seed_demo
from storage.uow import uow_factory
from tests.scenarios.conftest import BOT_TOKEN
from tests.scenarios.story import BOSS


async def test_a_report_starts_over_a_webhook_with_its_secret(botapi, database_url, framework):
    seed_demo(database_url)
    port = free_port()
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN, bot_api_url=botapi.url, database_url=database_url,
                        webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_listen="127.0.0.1",
                        webhook_port=port, webhook_secret="s3cret-token", framework=framework)
    factory = uow_factory(database_url)
    runtime = build_runtime(settings, Lianxin(factory, SystemClock()), Translator())
    botapi.bot(BOT_TOKEN).done = WhenDone(runtime)
    adapter = build_adapter(settings, runtime)
    await adapter.start()
    try:
        boss = botapi.user(BOSS, first_name="王老板", language_code="zh-hans")
        out = await boss.send("/start")
        assert "欢迎使用连心桥" in out.texts[0]
        out = await boss.press("企业")
        assert "统一社会信用代码" in out.texts[-1]
        assert not botapi.calls_to("getUpdates"), "no polling while the webhook is set"
        (set_webhook,) = botapi.calls_to("setWebhook")
        assert set_webhook.params["secret_token"] == "s3cret-token"
    finally:
        await adapter.stop()
        factory.dispose()
    assert not botapi.errors and not runtime.errors

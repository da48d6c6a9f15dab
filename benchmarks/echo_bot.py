"""A bare echo bot on python-telegram-bot or aiogram: the yardstick the benchmarks measure Lianxin
against (same framework, same local Bot API server).

    .venv/bin/python -m benchmarks.echo_bot --framework ptb --url http://127.0.0.1:8081 --token 123:ABC
    .venv/bin/python -m benchmarks.echo_bot --framework aiogram --url … --token … \\
        --webhook-url http://127.0.0.1:9000/telegram --webhook-port 9001 --secret s3cret

It answers every text with the same text and every button press with an empty answer:
no database, no outbox, no pacing. Long polling, like Lianxin's default; with
`--webhook-url`, a webhook on an aiohttp server that answers at once and handles the
update after (what the frameworks' own webhook servers do), registered at that URL.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any


def ptb_app(url: str, token: str, aiohttp: bool = False) -> Any:
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "?")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    builder = Application.builder().token(token).base_url(f"{url}/bot").base_file_url(f"{url}/file/bot")
    if aiohttp:  # Lianxin's transport under PTB (bot/adapters/ptb_request.py), for a like-for-like yardstick
        from bot.adapters.ptb_request import AiohttpRequest
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connections=1))
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(answer))
    return app


def run_ptb(url: str, token: str, hook: argparse.Namespace) -> None:
    app = ptb_app(url, token, hook.aiohttp)
    if not hook.webhook_url:
        app.run_polling(poll_interval=0.0, timeout=10)
        return
    from aiohttp import web
    from telegram import Update

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != hook.secret:
            return web.Response(status=401)
        update = Update.de_json(await request.json(), app.bot)
        asyncio.create_task(app.process_update(update))
        return web.Response()

    async def serve() -> None:
        await app.initialize()
        await app.start()
        await app.bot.set_webhook(hook.webhook_url, secret_token=hook.secret)
        await until_stopped(receive, hook)
        await app.stop()
        await app.shutdown()

    asyncio.run(serve())


def run_aiogram(url: str, token: str, hook: argparse.Namespace) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def answer(query: CallbackQuery) -> None:
        await query.answer()

    async def main() -> None:
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
        if not hook.webhook_url:
            await dispatcher.start_polling(bot, polling_timeout=10, handle_signals=True)
            return
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler

        handler = SimpleRequestHandler(dispatcher, bot, secret_token=hook.secret)  # handles in the background
        await bot.set_webhook(hook.webhook_url, secret_token=hook.secret)
        await until_stopped(handler.handle, hook)
        await bot.session.close()

    asyncio.run(main())


async def until_stopped(receive: Any, hook: argparse.Namespace) -> None:
    """Serve `receive` at the webhook URL's path on --webhook-port until SIGINT/SIGTERM."""
    from urllib.parse import urlsplit

    from aiohttp import web

    app = web.Application()
    app.router.add_post(urlsplit(hook.webhook_url).path, receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", hook.webhook_port).start()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    await stopping.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=["ptb", "aiogram"], default="ptb")
    parser.add_argument("--url", required=True, help="the Bot API server, e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", required=True)
    parser.add_argument("--webhook-url", help="register this webhook URL instead of polling")
    parser.add_argument("--webhook-port", type=int, default=8443, help="listen here (127.0.0.1) for the webhook")
    parser.add_argument("--secret", default="echo-secret", help="the webhook's secret token")
    parser.add_argument("--aiohttp", action="store_true", help="ptb: send over aiohttp as Lianxin does, not httpx")
    args = parser.parse_args()
    (run_aiogram if args.framework == "aiogram" else run_ptb)(args.url.rstrip("/"), args.token, args)


if __name__ == "__main__":
    main()

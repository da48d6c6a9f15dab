"""A bare echo bot on python-telegram-bot or aiogram: the yardstick benchmarks/latency.py
measures Lianxin against (same framework, same local Bot API server).

    .venv/bin/python -m benchmarks.echo_bot --framework ptb --url http://127.0.0.1:8081 --token 123:ABC

It answers every text with the same text and every button press with an empty answer:
no database, no outbox, no pacing. Long polling, like Lianxin's default.
"""

from __future__ import annotations

import argparse
import asyncio


def run_ptb(url: str, token: str) -> None:
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "?")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    app = Application.builder().token(token).base_url(f"{url}/bot").base_file_url(f"{url}/file/bot").build()
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(answer))
    app.run_polling(poll_interval=0.0, timeout=10)


def run_aiogram(url: str, token: str) -> None:
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
        await dispatcher.start_polling(bot, polling_timeout=10, handle_signals=True)

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=["ptb", "aiogram"], default="ptb")
    parser.add_argument("--url", required=True, help="the Bot API server, e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    (run_aiogram if args.framework == "aiogram" else run_ptb)(args.url.rstrip("/"), args.token)


if __name__ == "__main__":
    main()

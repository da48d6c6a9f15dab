"""Unmodified python-telegram-bot 22 against the sandbox: polling and webhook."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                      ReplyKeyboardRemove, Update)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler,
                          filters)

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import free_port, png_bytes, ptb_application

TAKE = InlineKeyboardMarkup([[InlineKeyboardButton("接单", callback_data="take:7"),
                              InlineKeyboardButton("转办", callback_data="forward:7")]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("分享手机号", request_contact=True)]], resize_keyboard=True)
    await update.message.reply_text(f"欢迎！参数：{' '.join(context.args)}", reply_markup=keyboard)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = f"<b>已收到</b>：{html.escape(update.message.text)}"
    await update.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=TAKE)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("已接单" if query.data.startswith("take") else "已转办", show_alert=True)
    await query.edit_message_text(f"{query.message.text}\n状态：{query.data}")


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    contact = update.message.contact
    await update.message.reply_text(f"手机号 {contact.phone_number}", reply_markup=ReplyKeyboardRemove())


def add_handlers(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button))


async def test_text_command_button_and_edit(server: LocalBotApi, ptb: Application) -> None:
    add_handlers(ptb)
    user = server.user(1001, "王老板", language_code="zh-hans")

    started = await user.send("/start report_42")
    assert started.texts == ["欢迎！参数：report_42"]
    assert user.keyboard == [["分享手机号"]]

    reply = await user.send("停电三天了 <急>")
    assert reply.texts == ["已收到：停电三天了 <急>"]
    message = reply.replies[0]
    assert message.html == "<b>已收到</b>：停电三天了 &lt;急&gt;"
    assert message.entities == [{"type": "bold", "offset": 0, "length": 3}]
    assert message.buttons == [[("接单", "take:7"), ("转办", "forward:7")]]

    pressed = await user.press("接单")
    assert pressed.answer is not None and (pressed.answer.text, pressed.answer.show_alert) == ("已接单", True)
    assert pressed.edited == [message]
    assert message.text == "已收到：停电三天了 <急>\n状态：take:7" and message.buttons == []
    assert message.edits[0]["text"] == "已收到：停电三天了 <急>"

    shared = await user.share_contact("+8613812345678")
    assert shared.texts == ["手机号 +8613812345678"] and user.keyboard is None
    assert [m.text for m in user.messages()][0] == "欢迎！参数：report_42"
    assert server.errors == []


async def test_photo_round_trip(server: LocalBotApi, ptb: Application) -> None:
    received: list[bytes] = []

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        file = await update.message.photo[-1].get_file()
        data = bytes(await file.download_as_bytearray())
        received.append(data)
        await update.message.reply_photo(data, caption=f"{len(data)} 字节")

    ptb.add_handler(MessageHandler(filters.PHOTO, on_photo))
    image = png_bytes(1024, 768)
    outcome = await server.user(1001, "王老板").send_photo(image, caption="现场")
    assert received == [image]
    assert outcome.replies[0].caption == f"{len(image)} 字节" and outcome.replies[0].photo_bytes == image


async def test_telegram_errors_reach_ptb_as_its_exceptions(server: LocalBotApi, ptb: Application) -> None:
    caught: list[Exception] = []

    async def careless(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for attempt in (lambda: update.message.reply_text("a < b", parse_mode=ParseMode.HTML),
                        lambda: context.bot.send_message(1002, "hi")):
            try:
                await attempt()
            except (BadRequest, Forbidden) as error:
                caught.append(error)

    ptb.add_handler(MessageHandler(filters.TEXT, careless))
    server.user(1002, "李主任")
    await server.user(1001, "王老板").send("x")
    assert [type(e) for e in caught] == [BadRequest, Forbidden]
    assert str(caught[0]).startswith("Can't parse entities: unsupported start tag")
    assert str(caught[1]) == "Forbidden: bot can't initiate conversation with a user"


@pytest.fixture
async def ptb_webhook(server: LocalBotApi) -> AsyncIterator[Application]:
    app = ptb_application(server)
    add_handlers(app)
    port = free_port()
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="tg-hook",
                                    webhook_url=f"http://127.0.0.1:{port}/tg-hook", secret_token="hook-secret")
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_webhook_mode(server: LocalBotApi, ptb_webhook: Application, api: Any) -> None:
    hook = server.webhook_of(server.bot())
    assert hook is not None and hook.secret_token == "hook-secret"
    user = server.user(1001, "王老板")
    assert (await user.send("/start")).texts == ["欢迎！参数："]
    assert (await user.send("水管爆了")).texts == ["已收到：水管爆了"]
    assert (await user.press(data="forward:7")).answer.text == "已转办"
    assert user.last_message().text.endswith("状态：forward:7")
    assert server.errors == []


async def test_report_routed_to_a_cadre_and_back(server: LocalBotApi, ptb: Application) -> None:
    cadre_id = 3001

    async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = await context.bot.get_chat(update.effective_user.id)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("接单", callback_data=f"take:{chat.id}")]])
        await context.bot.send_message(cadre_id, f"来自 {chat.first_name} 的问题：{update.message.text}",
                                       reply_markup=markup)
        await update.message.reply_text("已转交负责同志")

    async def on_take(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        await query.edit_message_reply_markup(None)
        await context.bot.send_message(int(query.data.split(":")[1]), "李主任已接单")

    ptb.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_report))
    ptb.add_handler(CallbackQueryHandler(on_take))
    cadre = server.user(cadre_id, "李主任")
    await cadre.send("/start")  # a cadre must have written to the bot before it can notify them
    resident = server.user(1001, "王老板")

    reported = await resident.send("停电三天了")
    assert reported.texts == ["已转交负责同志"]
    assert [(m.chat.id, m.text) for m in reported.elsewhere] == [(cadre_id, "来自 王老板 的问题：停电三天了")]

    taken = await cadre.press("接单")
    assert taken.answer is not None and taken.answer.text is None
    assert cadre.last_message().buttons == [] and [m.text for m in taken.elsewhere] == ["李主任已接单"]
    assert resident.last_message().text == "李主任已接单"
    assert server.errors == []


async def test_slow_handler_and_bot_initiated_message(server: LocalBotApi, ptb: Application) -> None:
    import asyncio

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await asyncio.sleep(0.3)  # e.g. database work before the first Bot API call
        await update.message.reply_text("查好了")
        context.application.create_task(remind(context, update.effective_chat.id))

    async def remind(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        await asyncio.sleep(0.4)  # a reminder sent later, not in reply to anything
        await context.bot.send_message(chat_id, "提醒：请评价")

    ptb.add_handler(MessageHandler(filters.TEXT, slow))
    user = server.user(1001, "王老板")
    assert (await user.send("查询进度")).texts == ["查好了"]
    assert (await user.next_message()).text == "提醒：请评价"

"""Unmodified aiogram 3 against the sandbox, polling."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import aiogram_bot, png_bytes


def build_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"欢迎 {message.from_user.first_name}，参数 {command.args}")

    @dp.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        buffer = io.BytesIO()
        await bot.download(message.photo[-1], destination=buffer)
        await message.answer(f"照片 {len(buffer.getvalue())} 字节")

    @dp.message(F.location)
    async def location(message: Message) -> None:
        await message.answer(f"位置 {message.location.latitude},{message.location.longitude}")

    @dp.message(F.text)
    async def text(message: Message) -> None:
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="接单", callback_data="take")]])
        await message.answer(f"<i>收到</i> {len(message.text)} 字", parse_mode="HTML", reply_markup=markup)

    @dp.callback_query(F.data == "take")
    async def take(query: CallbackQuery) -> None:
        await query.answer("好的")
        await query.message.edit_text("已接单")

    return dp


@pytest.fixture
async def aiogram_polling(server: LocalBotApi) -> AsyncIterator[Bot]:
    bot = aiogram_bot(server)
    dp = build_dispatcher()
    task = asyncio.ensure_future(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    yield bot
    await dp.stop_polling()
    await asyncio.wait_for(task, 5)
    await bot.session.close()


async def test_aiogram_answers_a_simulated_user(server: LocalBotApi, aiogram_polling: Bot) -> None:
    user = server.user(2001, "张书记", language_code="zh-hans")
    assert (await user.send("/start abc")).texts == ["欢迎 张书记，参数 abc"]
    reply = await user.send("路灯坏了")
    assert reply.texts == ["收到 4 字"] and reply.replies[0].entities == [{"type": "italic", "offset": 0, "length": 2}]
    pressed = await user.press("接单")
    assert pressed.answer.text == "好的" and user.last_message().text == "已接单"
    assert (await user.send_location(34.75, 113.62)).texts == ["位置 34.75,113.62"]
    image = png_bytes(400, 300)
    assert (await user.send_photo(image)).texts == [f"照片 {len(image)} 字节"]
    assert server.errors == []

"""aiogram's answer models outlive a garbage collection (bot/adapters/telegram_aiogram.py).

aiogram asks pydantic for `Response[Message]` on every call and pydantic holds it weakly: without
`KeepResponseModels` a full collection drops it and the next call builds it again (milliseconds of
the event loop's time, per call, once collections are frequent)."""

from __future__ import annotations

import gc
import weakref

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import Response
from aiogram.types import Message
from aiohttp import web

from bot.adapters.telegram_aiogram import KeepResponseModels
from sandbox.botapi.testing import listening

SENT = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "好"}


async def answer_sent(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "result": SENT})


async def answer_model_alive_after_a_collection(keep: bool) -> bool:
    """Whether the class of sendMessage's answer survives a full collection after a call."""
    async with listening("/bot{token}/{method}", answer_sent) as url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(url))
        if keep:
            session.middleware(KeepResponseModels())
        bot = Bot("123:ABC", session=session)
        try:
            sent = await bot.send_message(42, "好")
            assert sent.message_id == 7
            model = weakref.ref(Response[Message])  # the class that call used, while it is still there
            gc.collect()
            return model() is not None
        finally:
            await session.close()


async def test_the_answer_model_survives_a_full_collection() -> None:
    assert await answer_model_alive_after_a_collection(keep=True)


async def test_without_it_pydantic_drops_the_model() -> None:
    """The reason for the middleware: if this starts failing, aiogram or pydantic keep the class
    themselves and `KeepResponseModels` can go."""
    assert not await answer_model_alive_after_a_collection(keep=False)

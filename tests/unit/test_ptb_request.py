"""PTB's calls over aiohttp (bot/adapters/ptb_request.py): what a timeout means for the outbox.
A call that timed out waiting to be sent is sent again; one whose answer never came may have been
delivered, so a resend is marked as a possible duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, TimedOut

from bot.adapters.ptb_request import AiohttpRequest
from bot.adapters.telegram_ptb import _classified
from bot.delivery import Failure
from sandbox.botapi.testing import listening

TOKEN = "123:ABC"
ME = {"id": 123, "is_bot": True, "first_name": "连心桥", "username": "lianxin_bot"}


@pytest.fixture
async def silent_server() -> AsyncIterator[tuple[str, asyncio.Event, asyncio.Event]]:
    """A Bot API server that answers getMe and holds every other call until released."""
    release, holding = asyncio.Event(), asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": ME})
        holding.set()
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async with listening("/bot{token}/{method}", hold) as url:
        yield f"{url}/bot", release, holding
        release.set()


async def test_an_unanswered_call_may_have_been_delivered(silent_server) -> None:
    url, _, _ = silent_server
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest(read_timeout=0.2)) as bot:
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(1001, "停电三天了")
    assert _classified(raised.value, calls_made=0).failure is Failure.MAYBE_DELIVERED


async def test_a_call_that_never_got_a_connection_was_not_sent(silent_server) -> None:
    url, release, holding = silent_server
    request = AiohttpRequest(connections=1, read_timeout=None, connect_timeout=0.1, pool_timeout=0.1)
    async with Bot(TOKEN, base_url=url, request=request) as bot:
        first = asyncio.ensure_future(bot.send_message(1001, "第一条"))
        await holding.wait()  # the first call holds the only connection
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(1002, "第二条")
        release.set()
        await first
    assert _classified(raised.value, calls_made=0).failure is Failure.TRANSIENT


async def test_a_file_keeps_its_chinese_name() -> None:
    """multipart as httpx sent it: Telegram shows the name as given, not %-escaped."""
    names: list[str] = []

    async def upload(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": ME})
        form = await request.post()
        names.append(form["document"].filename)
        return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: seen"}, status=400)

    async with listening("/bot{token}/{method}", upload) as url:
        async with Bot(TOKEN, base_url=f"{url}/bot", request=AiohttpRequest()) as bot:
            with pytest.raises(BadRequest):  # the stand-in's answer, once it has read the upload
                await bot.send_document(1001, b"PK\x03\x04", filename="台账-新村镇.xlsx")
    assert names == ["台账-新村镇.xlsx"]

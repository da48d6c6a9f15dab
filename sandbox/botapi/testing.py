"""Helpers for tests that run a bot against LocalBotApi (no pytest dependency).

    server = LocalBotApi(); server.add_bot(TOKEN, "lianxin_bot"); await server.start()
    app = ptb_application(server, TOKEN)          # unmodified PTB, pointed at the sandbox
    bot = aiogram_bot(server, TOKEN)              # unmodified aiogram, likewise
"""

from __future__ import annotations

import socket
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot
    from telegram.ext import Application

    from .server import LocalBotApi

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # the format Telegram issues; any digits:chars work


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (for a webhook receiver)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def listening(path: str, handle: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """An HTTP server on a free loopback port answering POSTs to `path` with `handle` (a webhook
    receiver, a stand-in Bot API server), while the block runs; its base URL."""
    app = web.Application()
    app.router.add_post(path, handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def ptb_application(server: LocalBotApi, token: str = TOKEN, **builder_options: Any) -> Application:
    """A python-telegram-bot Application using the sandbox as its Bot API server."""
    from telegram.ext import Application

    builder = Application.builder().token(token).base_url(f"{server.url}/bot").base_file_url(f"{server.url}/file/bot")
    for name, value in builder_options.items():
        builder = getattr(builder, name)(value)
    return builder.build()


def aiogram_bot(server: LocalBotApi, token: str = TOKEN, **bot_options: Any) -> Bot:
    """An aiogram Bot using the sandbox as its Bot API server."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
    return Bot(token, session=session, **bot_options)


def png_bytes(width: int = 640, height: int = 480) -> bytes:
    """A small, valid PNG of the given size (a photo Telegram would accept)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress((b"\x00" + b"\x80" * width) * height)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")

"""Fixtures for the sandbox Bot API tests: a started server, raw HTTP, and bots on top of it.

This folder is named like the package it tests. Should tests/ ever be put on
sys.path (pytest does that for a tests/conftest.py), "import sandbox" would find
this folder as a namespace package instead of the project's package; putting the
project root on sys.path makes the regular package win again.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
if "sandbox" in sys.modules and getattr(sys.modules["sandbox"], "__file__", None) is None:
    del sys.modules["sandbox"]  # a namespace package shadowing the real one

import httpx  # noqa: E402
import pytest  # noqa: E402
from telegram.ext import Application  # noqa: E402

from sandbox.botapi import LocalBotApi  # noqa: E402
from sandbox.botapi.testing import TOKEN, ptb_application  # noqa: E402

ApiCall = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi(host="127.0.0.1", port=0)
    server.add_bot(TOKEN, "lianxin_bot", "连心桥")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http(server: LocalBotApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> ApiCall:
    """await api("sendMessage", chat_id=1, text="x") -> httpx.Response (JSON body)."""

    async def call(method: str, **params: Any) -> httpx.Response:
        return await http.post(f"/bot{TOKEN}/{method}", json=params)

    return call


@pytest.fixture
def poll(api: ApiCall) -> Callable[..., Awaitable[list[dict]]]:
    """Long-poll once as the bot and confirm what came back."""

    async def fetch(timeout: int = 5) -> list[dict]:
        updates = (await api("getUpdates", timeout=timeout)).json()["result"]
        if updates:
            await api("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
        return updates

    return fetch


@pytest.fixture
def as_bot(server: LocalBotApi, poll: Callable[..., Awaitable[list[dict]]]
           ) -> Callable[[Awaitable[Any]], Awaitable[dict]]:
    """await as_bot(user.send("x")): run a user's action while polling as the bot; return the update."""

    async def run(action: Awaitable[Any]) -> dict:
        # This test is the bot, and it makes no calls while the user waits: skip the
        # grace period a real bot gets for its first reaction.
        server.first_call_grace = 0
        task = asyncio.ensure_future(action)
        updates = await poll()
        await task
        assert len(updates) == 1, updates
        return updates[0]

    return run


@pytest.fixture
async def ptb(server: LocalBotApi) -> AsyncIterator[Application]:
    """A polling PTB application; tests add handlers. Handler exceptions fail the test."""
    app = ptb_application(server)
    errors: list[BaseException] = []

    async def record_error(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(record_error)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    assert not errors, f"PTB handlers raised: {errors!r}"

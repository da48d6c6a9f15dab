"""Outgoing webhook delivery: POST each update, in order, until the bot says 2xx.

Like Telegram: the secret goes in X-Telegram-Bot-Api-Secret-Token, failures
are retried with back-off and reported by getWebhookInfo, and a JSON answer
naming a "method" is executed as a Bot API call.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Awaitable, Callable

import aiohttp

from .state import BotState
from .updates import mark_reached

ReplyHandler = Callable[[BotState, str, dict], Awaitable[None]]
FIRST_RETRY = 0.05
MAX_RETRY = 2.0


class WebhookDelivery:
    """The delivery loop of one bot whose webhook is set."""

    def __init__(self, bot: BotState, url: str, secret_token: str | None,
                 max_connections: int, on_reply: ReplyHandler) -> None:
        self.bot = bot
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.on_reply = on_reply
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"webhook {self.url}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        queue = self.bot.queue
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            delay = FIRST_RETRY
            while True:
                if not queue.pending:
                    await queue.changed(None)
                    continue
                update = queue.pending[0]
                if update.offered_at is None:
                    update.offered_at = asyncio.get_running_loop().time()
                if await self._deliver(session, update):
                    queue.confirm(update.update_id + 1)
                    mark_reached(update)
                    delay = FIRST_RETRY
                else:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_RETRY)

    async def _deliver(self, session: aiohttp.ClientSession, update) -> bool:
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        body = json.dumps(update.to_api(), ensure_ascii=False).encode("utf-8")
        try:
            async with session.post(self.url, data=body, headers=headers) as response:
                reply = await response.read()
                if not 200 <= response.status < 300:
                    self._error(f"Wrong response from the webhook: {response.status} {response.reason}")
                    return False
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            self._error(f"Connection error: {error.__class__.__name__}: {error}")
            return False
        await self._run_reply(reply, response.content_type)
        return True

    def _error(self, message: str) -> None:
        self.last_error_date = int(time.time())
        self.last_error_message = message

    async def _run_reply(self, reply: bytes, content_type: str) -> None:
        """A webhook may answer with {"method": ..., params}: Telegram executes it."""
        if content_type != "application/json" or not reply.strip():
            return
        try:
            body = json.loads(reply)
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            params = {k: v for k, v in body.items() if k != "method"}
            await self.on_reply(self.bot, body["method"], params)

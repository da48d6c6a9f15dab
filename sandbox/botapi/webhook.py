"""Outgoing webhook delivery: POST each update until the bot says 2xx, over up to
`max_connections` connections, each chat's updates in order.

Like Telegram: the secret goes in X-Telegram-Bot-Api-Secret-Token, failures
are retried with back-off and reported by getWebhookInfo, and a JSON answer
naming a "method" is executed as a Bot API call.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable

import aiohttp

from .state import BotState
from .updates import PendingUpdate, mark_reached

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
        self._retry_at: dict[int, float] = {}  # update_id -> when its next POST may start (loop time)
        self._delay: dict[int, float] = {}  # update_id -> the back-off after its next failure

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"webhook {self.url}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        """Up to `max_connections` POSTs at once, as Telegram makes them; a chat's updates one at a
        time and in order (the next waits for the 2xx to the one before, retries included)."""
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=self.max_connections)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            in_flight: dict[asyncio.Task[bool], PendingUpdate] = {}
            try:
                while True:
                    for update in self._ready(in_flight.values()):
                        if update.offered_at is None:
                            update.offered_at = asyncio.get_running_loop().time()
                        in_flight[asyncio.create_task(self._deliver(session, update))] = update
                    await self._next_change(in_flight)
            finally:
                for task in in_flight:
                    task.cancel()
                await asyncio.gather(*in_flight, return_exceptions=True)

    def _ready(self, in_flight: Iterable[PendingUpdate]) -> list[PendingUpdate]:
        """Pending updates that may be posted now: the first of their chat, not already on their
        way, past their back-off, as many as free connections allow."""
        busy = {id(update) for update in in_flight}
        room = self.max_connections - len(busy)
        now = asyncio.get_running_loop().time()
        chats_seen: set[object] = set()
        ready = []
        for update in self.bot.queue.pending:
            chat = chat_key(update)
            if chat in chats_seen:
                continue
            chats_seen.add(chat)
            if len(ready) < room and id(update) not in busy and self._retry_at.get(update.update_id, 0) <= now:
                ready.append(update)
        return ready

    async def _next_change(self, in_flight: dict[asyncio.Task[bool], PendingUpdate]) -> None:
        """Until a POST ends (its update confirmed, or put back with a longer back-off), new updates
        come, or a back-off ends."""
        waits = [when - asyncio.get_running_loop().time() for when in self._retry_at.values()]
        changed = asyncio.create_task(self.bot.queue.changed(max(min(waits), 0) if waits else None))
        done, _ = await asyncio.wait({changed, *in_flight}, return_when=asyncio.FIRST_COMPLETED)
        changed.cancel()
        for task in done - {changed}:
            self._settle(in_flight.pop(task), task.result())

    def _settle(self, update: PendingUpdate, delivered: bool) -> None:
        if delivered:
            self.bot.queue.remove(update)
            self._retry_at.pop(update.update_id, None)
            self._delay.pop(update.update_id, None)
            mark_reached(update)
            return
        delay = self._delay.get(update.update_id, FIRST_RETRY)
        self._retry_at[update.update_id] = asyncio.get_running_loop().time() + delay
        self._delay[update.update_id] = min(delay * 2, MAX_RETRY)

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


def chat_key(update: PendingUpdate) -> object:
    """The chat an update belongs to: its updates are delivered one after another."""
    payload = update.payload
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return chat["id"]
    sender = payload.get("from")
    if isinstance(sender, dict) and "id" in sender:
        return sender["id"]
    return update.kind  # nothing names a chat: that kind's updates keep their order among themselves

"""Updates handled per chat: one chat's in the order they came, different chats' at once.

Long polling hands an adapter one update at a time. Awaiting each in turn let one slow update (a
sheet being imported, a photo downloading, a commit's disk sync, a long database query) hold up
every other chat. An adapter `put`s each update's work under its chat's key instead: the work is
queued synchronously, in arrival order, and a task per busy chat runs that chat's work one piece
after another. The webhook (bot/webhook.py) keeps the same order through its inbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[None]]

WAITING_LIMIT = 256  # updates queued or under way; beyond it the adapter's polling waits for room


class ChatQueues:
    """Per-chat queues of work, each drained by a task of its own while it has work."""

    def __init__(self, limit: int = WAITING_LIMIT) -> None:
        self._queues: dict[str, deque[Work]] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}
        # A flood slows the polling down instead of filling memory with updates already fetched.
        self._room = asyncio.Semaphore(limit)

    async def put(self, chat: str, work: Work) -> None:
        """Queue `work` behind the chat's earlier work; returns once it is queued, not done."""
        await self._room.acquire()
        self._queues.setdefault(chat, deque()).append(work)
        if chat not in self._drains:
            self._drains[chat] = asyncio.create_task(self._drain(chat), name=f"chat {chat}")

    async def _drain(self, chat: str) -> None:
        queue = self._queues[chat]
        try:
            while queue:  # no await between the last check and the clean-up: a new put starts a new drain
                work = queue.popleft()
                try:
                    await work()
                except Exception:  # the work reports its own failures; this one it did not expect
                    log.exception("handling an update of chat %s failed", chat)
                finally:
                    self._room.release()
        finally:
            del self._queues[chat], self._drains[chat]

    @property
    def busy(self) -> int:
        """Chats with work queued or under way."""
        return len(self._drains)

    async def join(self) -> None:
        """Until every queued piece of work is done (at a stop: updates fetched are not dropped)."""
        while self._drains:
            await asyncio.gather(*self._drains.values(), return_exceptions=True)

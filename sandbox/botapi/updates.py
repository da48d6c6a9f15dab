"""A bot's pending updates: long polling, offset confirmation, delivery tracking.

Telegram keeps an update until the bot confirms it (getUpdates with a higher
offset, or a 2xx answer to the webhook POST). For synchronisation we also note
when each update first *reached* the bot, which is what `user.send()` waits for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from .errors import TERMINATED, conflict

# Telegram's default when allowed_updates was never set: everything but these.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class PendingUpdate:
    """One update plus the moment it reached the bot (None until then)."""

    update_id: int
    kind: str  # "message", "callback_query", …
    payload: dict
    label: str  # human description for timeout errors
    offered_at: float | None = None  # first handed to the bot (webhook POST started)
    delivered_at: float | None = None
    dropped: bool = False  # filtered out by allowed_updates: never delivered
    reached: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def to_api(self) -> dict:
        return {"update_id": self.update_id, self.kind: self.payload}


class UpdateQueue:
    """Updates of one bot, in order, with long-poll waiters."""

    def __init__(self, first_update_id: int = 100_000) -> None:
        self.pending: list[PendingUpdate] = []
        self.next_update_id = first_update_id
        self.allowed_updates: list[str] | None = None
        self.closed = False
        self._wakeup = asyncio.Event()
        self._poller_ticket = 0
        self.polled_at: float | None = None
        self.polls_waiting = 0  # long polls holding for updates right now
        self._poll_holds = asyncio.Event()  # set while one does

    def notify(self) -> None:
        """Wake every long poll and delivery loop so they re-check the queue."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def changed(self, timeout: float | None) -> Coroutine[Any, Any, None]:
        """Wait until the queue changes (or timeout), counting changes from this call on, not from
        when the wait is first awaited (a task made of it misses nothing in between)."""
        return _wait(self._wakeup, timeout)

    def push(self, kind: str, payload: dict, label: str) -> PendingUpdate:
        update = PendingUpdate(self.next_update_id, kind, payload, label)
        self.next_update_id += 1
        if not self._allowed(kind):
            update.dropped = True
            update.reached.set()
            return update
        self.pending.append(update)
        self.notify()
        return update

    def _allowed(self, kind: str) -> bool:
        if not self.allowed_updates:  # never set, or [] which Telegram treats as "default"
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def confirm(self, offset: int | None) -> None:
        """Forget updates below `offset`; a negative offset keeps only the last -offset."""
        if offset is None:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u.update_id >= offset]

    def remove(self, update: PendingUpdate) -> None:
        """A webhook delivered this one (others before it may still be on their way)."""
        self.pending = [u for u in self.pending if u is not update]

    def drop_all(self) -> None:
        for update in self.pending:
            update.dropped = True  # waiters stop waiting; the bot never sees it
            update.reached.set()
        self.pending.clear()

    def close(self) -> None:
        """Server stopping: release long polls at once with an empty result."""
        self.closed = True
        self.notify()

    def new_poller(self) -> int:
        """A getUpdates arrived: it supersedes any still-waiting one (409 for that one)."""
        self.polled_at = time.time()  # when the latest getUpdates arrived (a long poll is logged when it ends)
        self._poller_ticket += 1
        self.notify()
        return self._poller_ticket

    async def poll(self, ticket: int, limit: int, timeout: float) -> list[PendingUpdate]:
        """Hold until updates exist, timeout passes, the server stops, or another poll supersedes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0)
        while True:
            if self.closed:
                return []
            if ticket != self._poller_ticket:
                raise conflict(TERMINATED)
            if self.pending:
                return self.pending[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            self.polls_waiting += 1
            self._poll_holds.set()
            try:
                await self.changed(remaining)
            finally:
                self.polls_waiting -= 1
                if not self.polls_waiting:
                    self._poll_holds.clear()

    async def until_polled(self) -> None:
        """Until a long poll is holding for updates (a test that is the bot knows its poll arrived)."""
        await self._poll_holds.wait()

    def undelivered(self) -> list[PendingUpdate]:
        return [u for u in self.pending if u.delivered_at is None]


async def _wait(event: asyncio.Event, timeout: float | None) -> None:
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        pass


def mark_reached(update: PendingUpdate) -> None:
    """Record that the bot has received this update (first time only)."""
    if update.delivered_at is None:
        update.delivered_at = asyncio.get_running_loop().time()
    update.reached.set()

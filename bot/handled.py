"""Which updates this process has finished with, for whoever must wait for one.

The scenario harness and the demo's web chat wait for "the bot is done with my
update" instead of guessing from a quiet spell: an adapter marks each update once
it has been handled (its turn committed, its press answered, its messages handed
to the outbox dispatcher), whatever the outcome.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict


class HandledUpdates:
    """Update ids marked handled (the latest `keep` of them) and the waiters for them; the
    platform's ids as the core spells them (strings, handlers.seam)."""

    def __init__(self, keep: int = 10_000) -> None:
        self._keep = keep
        self._handled: OrderedDict[str, None] = OrderedDict()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}

    def mark(self, update_id: str) -> None:
        self._handled[update_id] = None
        while len(self._handled) > self._keep:
            self._handled.popitem(last=False)
        for waiter in self._waiters.pop(update_id, []):
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, update_id: str) -> None:
        """Return once `update_id` has been handled (at once if it already was)."""
        if update_id in self._handled:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(update_id, []).append(waiter)
        try:
            await waiter
        finally:
            waiting = self._waiters.get(update_id, [])
            if waiter in waiting:
                waiting.remove(waiter)

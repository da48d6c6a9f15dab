"""When is a bot done reacting? Tracks each bot's Bot API calls in flight.

A bot gives no signal that it finished handling an update, so "done" means: it
has no call in progress and has made none for a short settle window. A bot that
first does slow work (database, HTTP) before its first call gets a longer grace
period to make that first call. Long polls (getUpdates) are not activity — a
polling bot always has one open.
"""

from __future__ import annotations

import asyncio

POLL_STEP = 0.005


class Activity:
    """In-flight counter and times of the latest call start and change for one bot."""

    def __init__(self) -> None:
        self.inflight = 0
        self.last_begin = float("-inf")
        self.last_change = float("-inf")

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def begin(self) -> None:
        self.inflight += 1
        self.last_begin = self.last_change = self._now()

    def end(self) -> None:
        self.inflight -= 1
        self.last_change = self._now()

    def _settled(self, now: float, since: float, window: float, grace: float, calls_since: float) -> bool:
        if self.inflight:
            return False
        if self.last_begin < calls_since:  # no call yet: the bot may still be working on it
            return now - since >= max(window, grace)
        return now - max(since, self.last_change) >= window

    async def settle(self, since: float, window: float, deadline: float, grace: float = 0.0,
                     calls_since: float | None = None) -> bool:
        """Wait until the bot is idle (see module doc) counting from loop time `since`.

        `calls_since` is when the bot could first have reacted (a webhook bot may
        call the API before its webhook answer completes delivery). Returns False
        if `deadline` (loop time) passes first.
        """
        first = since if calls_since is None else calls_since
        while True:
            now = self._now()
            if self._settled(now, since, window, grace, first):
                return True
            if now >= deadline:
                return False
            await asyncio.sleep(min(POLL_STEP * 4, max(deadline - now, 0)))

"""When is a bot done reacting? Tracks each bot's Bot API calls in flight.

A bot gives no signal that it finished handling an update, so "done" means: it
has no call in progress and has made none for a short settle window. Long polls
(getUpdates) are not activity — a polling bot always has one open.
"""

from __future__ import annotations

import asyncio


class Activity:
    """In-flight counter and time of last change for one bot."""

    def __init__(self) -> None:
        self.inflight = 0
        self.last_change = 0.0

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def begin(self) -> None:
        self.inflight += 1
        self.last_change = self._now()

    def end(self) -> None:
        self.inflight -= 1
        self.last_change = self._now()

    async def settle(self, since: float, window: float, deadline: float) -> bool:
        """Wait until idle for `window` seconds counted from max(since, last call).

        Returns False if `deadline` (loop time) passes first.
        """
        while True:
            now = self._now()
            quiet_since = max(since, self.last_change)
            if self.inflight == 0 and now - quiet_since >= window:
                return True
            if now >= deadline:
                return False
            wait = window - (now - quiet_since) if self.inflight == 0 else window / 4
            await asyncio.sleep(min(max(wait, 0.005), deadline - now))

"""Which chats changed, for watchers in another process (the web page): a long poll.

Every change to a chat (a message added, edited or deleted, the reply keyboard shown)
takes the next number of a counter and is remembered with its chat for a while. A
watcher asks "what changed after N?" (`GET /_sim/events?since=N`): it gets the chats
at once if anything did, else when the next change comes or its timeout runs out. A
long poll rather than server-sent events: plain JSON like the rest of /_sim, readable
with curl, and nothing held open once the answer is given.
"""

from __future__ import annotations

import asyncio
from collections import deque

KEPT = 2000  # changes remembered; a watcher further behind is told to re-read everything


class ChangeFeed:
    """A counter of chat changes, with the chat of each recent one."""

    def __init__(self, kept: int = KEPT) -> None:
        self.seq = 0
        self._recent: deque[tuple[int, int]] = deque(maxlen=kept)  # (seq, chat id)
        self._waiters: list[asyncio.Future[None]] = []
        self.closed = False

    def note(self, chat_id: int) -> None:
        """Chat `chat_id` changed: wake whoever waits."""
        self.seq += 1
        self._recent.append((self.seq, chat_id))
        self._wake()

    def since(self, seq: int) -> list[int] | None:
        """Chats changed after `seq`, oldest change first, each once; None: too far back (or from
        before a restart), so re-read them all."""
        if seq > self.seq or (seq < self.seq and (not self._recent or self._recent[0][0] > seq + 1)):
            return None
        chats: dict[int, None] = {}
        for number, chat_id in self._recent:
            if number > seq:
                chats[chat_id] = None
        return list(chats)

    async def wait(self, seq: int, timeout: float) -> tuple[int, list[int] | None]:
        """(the counter now, the chats changed after `seq`), waiting up to `timeout` s for a change."""
        if self.seq == seq and not self.closed:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, timeout)
            except asyncio.TimeoutError:
                pass
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self.seq, self.since(seq)

    def close(self) -> None:
        """The server stops: answer every watcher now."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

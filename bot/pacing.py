"""How fast the outbox may send: each platform's limits as token buckets, the person acting first.

Telegram publishes: about 30 messages a second per bot, about one a second in a private chat
with short bursts tolerated, 20 a minute in a group; beyond that, 429 (sandbox/botapi enforces
the same with buckets of 30, 3 and 20). Two ideas make the bot answer at once within them:

- **A chat's bucket counts a message when its call came back.** A chat's calls are made one
  after another, and a call has surely reached the server by the time its answer is back, so
  counting each message then (not when it left) can only make our bucket emptier than the
  server's for that chat, whatever the network's delays: a token bucket holds less when the same
  messages are counted later. So it can use the server's own burst and rate, no margin: nothing
  is held back that Telegram would take, and no 429 is earned. (The overall bucket cannot be
  dated so: many chats' calls are in flight at once. It counts from when a call leaves, a margin
  below Telegram's.)
- **The person acting comes first** (`handlers.ports.Lane`). An answer to the person whose
  message or press caused it may use a chat's whole burst; notices and the sweeps' bulk leave
  `SendLimits.chat_answer_reserve` of it for such an answer (in a private chat, burst 3: they
  take a token only while the bucket is full, so a chat's backlog goes at the sustained rate and
  the person who writes meanwhile is answered at once) and `SendLimits.answer_reserve` of the
  overall bucket. Whoever waits for the overall bucket is served answers first, then notices, then
  bulk, each in the order they came.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Mapping

from bot.delivery import Platform, SendLimits
from handlers.ports import Lane

Chat = tuple[str, str]  # (platform, chat id)


def now() -> float:
    return time.monotonic()


async def sleep(seconds: float) -> None:  # tests replace `now` and `sleep` by a fake clock's
    await asyncio.sleep(seconds)


class ChatBucket:
    """One chat's token bucket, each message counted when its call came back (see the module doc).
    Used by one sender at a time: a chat's rows are sent one after another."""

    def __init__(self, burst: int, per_second: float, reserve: int) -> None:
        self.burst = burst
        self.per_second = per_second
        self.reserve = min(reserve, burst - 1)  # tokens left to an answer by notices and bulk
        self.tokens = float(burst)
        self.stamp = now()
        self.in_flight = False

    async def take(self, lane: Lane) -> bool:
        """Wait until a call may go (leaving the reserve to the person acting unless this is their
        answer); it is counted once it came back: at `landed()` or the next `take()`. True if it
        had to wait."""
        self.landed()  # the chat's previous call (if any) has come back: its sender calls again
        keep = 0 if lane == Lane.ANSWER else self.reserve
        waited = False
        while (missing := 1 + keep - self._refill()) > 0:
            waited = True
            await sleep(missing / self.per_second)
        self.in_flight = True
        return waited

    def landed(self) -> None:
        """The chat's call came back, so the server has counted it by now: count it now."""
        if self.in_flight:
            self.tokens = self._refill() - 1
            self.in_flight = False

    @property
    def idle_since(self) -> float | None:
        """When it was last used, if it is full again and nothing is in flight (it can be dropped)."""
        return None if self.in_flight or self._refill() < self.burst else self.stamp

    def _refill(self) -> float:
        moment = now()
        self.tokens = min(float(self.burst), self.tokens + (moment - self.stamp) * self.per_second)
        self.stamp = moment
        return self.tokens


class OverallBucket:
    """A platform's bucket for all its chats, at `margin` of its rate, dated when a call leaves.
    Waiters are served by lane (answers first), then in the order they came; notices and bulk
    leave `reserve` tokens to answers."""

    def __init__(self, burst: int, per_second: float, reserve: int) -> None:
        self.burst = burst
        self.per_second = per_second
        self.reserve = min(reserve, burst - 1)
        self.tokens = float(burst)
        self.stamp = now()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # (lane, arrival, woken) heap
        self._arrivals = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    async def take(self, lane: Lane) -> bool:
        """Wait for a token; True if it had to wait."""
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(lane), next(self._arrivals), woken))
        self._serve()
        if woken.done():
            return False
        try:
            await woken
        except asyncio.CancelledError:
            if woken.done() and not woken.cancelled():
                self.tokens += 1  # taken for us, never used: give it back
            self._waiting = [w for w in self._waiting if w[2] is not woken]
            heapq.heapify(self._waiting)
            raise
        return True

    def _serve(self) -> None:
        """Hand out tokens to the waiters in turn; once the first cannot have one, wake up when it can."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting:
            lane, _, woken = self._waiting[0]
            if woken.done():  # cancelled while waiting
                heapq.heappop(self._waiting)
                continue
            missing = 1 + (0 if lane == Lane.ANSWER else self.reserve) - self._refill()
            if missing > 0:
                self._timer = asyncio.get_running_loop().call_later(missing / self.per_second, self._serve)
                return
            heapq.heappop(self._waiting)
            self.tokens -= 1
            woken.set_result(None)

    def _refill(self) -> float:
        moment = now()
        self.tokens = min(float(self.burst), self.tokens + (moment - self.stamp) * self.per_second)
        self.stamp = moment
        return self.tokens


class Limiters:
    """The buckets by each platform's limits: one overall per platform, one per chat (dropped once
    idle and full again), and the pauses 429s impose."""

    IDLE_EVICT_SECONDS = 120

    def __init__(self, platforms: Mapping[str, Platform], *, paced: bool = True) -> None:
        self.platforms = platforms
        self.paced = paced
        self._overall = {name: _overall_bucket(platform.limits) for name, platform in platforms.items()}
        self._chats: dict[Chat, ChatBucket] = {}
        self._paused_until = 0.0  # monotonic: everything waits (a global 429)
        self._chat_paused: dict[Chat, float] = {}

    async def acquire(self, chat: Chat, lane: Lane = Lane.ANSWER) -> bool:
        """Before one of the chat's calls: wait until the chat and its platform may take it.
        True if the pacing held it back (a 429's pause is not pacing)."""
        await self._wait_pauses(chat)
        if not self.paced:
            return False
        held_in_chat = await self.chat_bucket(chat).take(lane)
        held_overall = await self._overall[chat[0]].take(lane)
        return held_in_chat or held_overall

    def landed(self, chat: Chat) -> None:
        """The chat's last call came back (its row is sent, or failed): its bucket refills from now."""
        bucket = self._chats.get(chat)
        if bucket is not None:
            bucket.landed()

    def pause(self, chat: Chat | None, seconds: float) -> None:
        until = now() + seconds
        if chat is None:
            self._paused_until = max(self._paused_until, until)
        else:
            self._chat_paused[chat] = max(self._chat_paused.get(chat, 0.0), until)

    def evict_idle(self) -> None:
        cutoff = now() - self.IDLE_EVICT_SECONDS
        for chat in [c for c, bucket in self._chats.items() if (idle := bucket.idle_since) is not None
                     and idle < cutoff]:
            del self._chats[chat]
        for chat in [c for c, until in self._chat_paused.items() if until < now()]:
            del self._chat_paused[chat]

    def __len__(self) -> int:
        return len(self._chats)

    def chat_bucket(self, chat: Chat) -> ChatBucket:
        """The chat's bucket: a group's or a private chat's, as its platform tells them apart."""
        bucket = self._chats.get(chat)
        if bucket is None:
            name, chat_id = chat
            platform = self.platforms[name]
            limits = platform.limits
            if platform.is_group(chat_id):
                bucket = ChatBucket(limits.group_burst, limits.group_per_minute / 60, limits.chat_answer_reserve)
            else:
                bucket = ChatBucket(limits.private_burst, limits.private_per_second, limits.chat_answer_reserve)
            self._chats[chat] = bucket
        return bucket

    async def _wait_pauses(self, chat: Chat) -> None:
        while (wait := max(self._paused_until, self._chat_paused.get(chat, 0.0)) - now()) > 0:
            await asyncio.sleep(wait)


def _overall_bucket(limits: SendLimits) -> OverallBucket:
    return OverallBucket(limits.overall_burst, limits.overall_per_second * limits.margin, limits.answer_reserve)

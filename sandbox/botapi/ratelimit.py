"""Telegram's flood limits, as token buckets (off unless switched on).

Telegram's published guidance: about 30 messages per second overall, one per
second in a private chat (short bursts tolerated), 20 per minute in a group.
Exceeding them yields 429 "Too Many Requests: retry after N".
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from .errors import too_many_requests


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def wait(self, now: float) -> float:
        """Refill; return 0 if a token is available, else the seconds until there is one."""
        if self.tokens < 0:
            self.tokens = self.capacity
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


@dataclass
class RateLimits:
    """Limits per bot; the burst sizes are guesses at what Telegram tolerates."""

    overall_per_second: float = 30
    overall_burst: float = 30
    private_per_second: float = 1
    private_burst: float = 3
    group_per_minute: float = 20


class RateLimiter:
    """Checks one outgoing message against the bot-wide and per-chat buckets."""

    def __init__(self, limits: RateLimits | None = None, enabled: bool = False) -> None:
        self.limits = limits or RateLimits()
        self.enabled = enabled
        self._buckets: dict[tuple[str, int | None], Bucket] = {}

    def check(self, token: str, chat_id: int, chat_type: str) -> None:
        """Raise 429 if this message would exceed a limit."""
        if not self.enabled:
            return
        now = time.monotonic()
        buckets = [self._bucket(token, None, "overall"), self._bucket(token, chat_id, chat_type)]
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:  # a refused message costs nothing, so retrying after retry_after works
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1

    def _bucket(self, token: str, chat_id: int | None, kind: str) -> Bucket:
        key = (token, chat_id)
        if key not in self._buckets:
            lim = self.limits
            if kind == "overall":
                bucket = Bucket(lim.overall_burst, lim.overall_per_second)
            elif kind == "private":
                bucket = Bucket(lim.private_burst, lim.private_per_second)
            else:
                bucket = Bucket(lim.group_per_minute, lim.group_per_minute / 60)
            self._buckets[key] = bucket
        return self._buckets[key]

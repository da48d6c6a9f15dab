"""What can go wrong sending one reply, as the dispatcher needs to know it.

An adapter turns its framework's errors into `DeliveryFailed` with one `Failure`;
the dispatcher (bot/outbox.py) decides from that alone whether to wait, retry or
give up, so it knows nothing about PTB or aiogram exception classes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

from handlers.seam import Reply


class Failure(StrEnum):
    STOPPED = "stopped"  # the dispatcher stops: this call was not made (raised by `pace`)
    RATE_LIMITED = "rate_limited"  # 429: wait retry_after; not the message's fault
    TRANSIENT = "transient"  # 5xx, connection refused/reset, connect timeout: surely not delivered
    MAYBE_DELIVERED = "maybe_delivered"  # read timeout: Telegram may have sent it
    UNREACHABLE = "unreachable"  # 403: blocked the bot, or never started it
    REJECTED = "rejected"  # 400 and the like: this message will never be accepted


class DeliveryFailed(Exception):
    def __init__(self, failure: Failure, detail: str, *, calls_made: int, retry_after: float | None = None) -> None:
        super().__init__(f"{failure}: {detail}")
        self.failure = failure
        self.detail = detail
        self.calls_made = calls_made  # Bot API calls of this reply that succeeded, in all
        self.retry_after = retry_after


Pace = Callable[[], Awaitable[None]]


class Sender(Protocol):
    async def send(self, reply: Reply, *, skip: int = 0, pace: Pace | None = None) -> int:
        """Make the reply's Bot API calls after the first `skip` (made before), awaiting
        `pace()` before each; return how many calls the reply took in all, or raise
        DeliveryFailed with the number of calls made (`pace` may raise it, STOPPED)."""

"""Sending, as the outbox dispatcher sees it: each platform's sender and limits, and what
can go wrong sending one reply.

A platform declares itself once as a `Platform` (Telegram's is in bot/telegram_out.py):
its sender, how fast it takes messages, and which of its chats are groups. The dispatcher
(bot/outbox.py) sends each outbox row with its own platform's sender, paced by that
platform's limits, so it knows no platform's rules itself.

A sender turns its framework's errors into `DeliveryFailed` with one `Failure`; the
dispatcher decides from that alone whether to wait, retry or give up, so it knows
nothing about PTB or aiogram exception classes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Sent:
    """What sending one reply did: how many calls it took in all, and which message carries
    its text and buttons (its last text part), when this send made or edited it."""

    calls: int
    message_id: str | None = None


class Sender(Protocol):
    async def send(self, reply: Reply, *, skip: int = 0, pace: Pace | None = None) -> Sent:
        """Make the reply's Bot API calls after the first `skip` (made before), awaiting
        `pace()` before each; return how many calls the reply took in all (and the message it
        made), or raise DeliveryFailed with the number of calls made (`pace` may raise it,
        STOPPED). A card reply (`Reply.card`) whose edit is refused (the message is gone) is
        sent as a new message instead."""


@dataclass(frozen=True)
class SendLimits:
    """How fast one platform takes messages: overall, in a private chat, in a group (bot/pacing.py).
    A chat's limits are the platform's own: its bucket is dated as the server sees it. The overall
    rate is applied at `margin` of itself, its burst kept below the platform's, so that network
    jitter does not earn a 429; `answer_reserve` of its burst is kept for answers to the person acting."""

    overall_per_second: float
    overall_burst: int
    private_per_second: float
    private_burst: int
    group_per_minute: float
    group_burst: int
    margin: float = 0.95  # the overall rate at 95 %
    answer_reserve: int = 5  # overall tokens notices and bulk leave to answers
    chat_answer_reserve: int = 2  # a chat's tokens they leave to an answer there (a turn's 1–2 messages)


@dataclass(frozen=True)
class Platform:
    """One messaging platform as the outbox sends to it: the rows whose `Reply.to.platform`
    is `name` go out through `sender`, paced by `limits`."""

    name: str  # as in handlers.seam.Address.platform: "telegram"
    sender: Sender
    limits: SendLimits
    is_group: Callable[[str], bool]  # a chat id -> a group chat, paced by the group limits


def by_name(platforms: Iterable[Platform]) -> dict[str, Platform]:
    """The platforms keyed by name; one name twice is a wiring mistake, not a choice."""
    named: dict[str, Platform] = {}
    for platform in platforms:
        if platform.name in named:
            raise ValueError(f"two senders for the platform {platform.name!r}")
        named[platform.name] = platform
    return named

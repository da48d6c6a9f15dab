"""The one AsyncIOScheduler: timed sweeps that ask the core what is due and deliver the replies.

Jobs hold no state of their own: what is due is found in the database each time,
so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from handlers.app import Lianxin
from handlers.seam import Reply

log = logging.getLogger(__name__)
Deliver = Callable[[list[Reply]], Awaitable[None]]
SWEEP_EVERY_SECONDS = 60


async def sweep(core: Lianxin, deliver: Deliver) -> int:
    """One pass over everything time makes due; returns how many replies it queued in the
    outbox (`deliver` wakes the dispatcher that sends them)."""
    replies = await asyncio.to_thread(core.sweep)
    await deliver(replies)
    return len(replies)


def start_jobs(core: Lianxin, deliver: Deliver, timezone: str) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)
    # coalesce + one instance: a slow sweep is never run twice at once nor caught up in bursts
    scheduler.add_job(sweep, "interval", seconds=SWEEP_EVERY_SECONDS, args=(core, deliver), id="sweep",
                      coalesce=True, max_instances=1)
    scheduler.start()
    return scheduler

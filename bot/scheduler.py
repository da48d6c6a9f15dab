"""The one AsyncIOScheduler: timed sweeps that ask the core what is due, and the digest
pushes on the calendar (周通报 Monday 09:00, 月报告 on the 1st, local time) to bound groups
and to the units' group robots.

Jobs hold no state of their own: what is due is found in the database each time, and
each digest is claimed there before it is queued, so a restart, or a second bot process
running the same job, sends nothing twice; and at start the last push due is run again
for its own period, so a bot that was down on Monday morning still sends that week's.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.i18n import Translator
from handlers.app import Lianxin
from handlers.seam import Reply

if TYPE_CHECKING:  # imported when a robot posts: most offices have none, and the start need not load them
    from bot.adapters.robots import Delivery, Pacing, Robot

log = logging.getLogger(__name__)
Deliver = Callable[[list[Reply]], Awaitable[None]]
SWEEP_EVERY_SECONDS = 60
WEEKLY, MONTHLY = "0 9 * * mon", "0 9 1 * *"  # crontab, in the office's time zone
MISFIRE_GRACE_SECONDS = 6 * 3600  # a digest a few hours late (a busy loop, a slow start) still goes
CATCH_UP = timedelta(days=32)  # at start, the last push due within this is made up for if missed


@dataclass(frozen=True)
class Timetable:
    timezone: str = "Asia/Shanghai"
    weekly_digest: str = WEEKLY  # crontab; "" = no weekly push
    monthly_digest: str = MONTHLY  # crontab; "" = no monthly push


async def sweep(core: Lianxin, deliver: Deliver) -> int:
    """One pass over everything time makes due; returns how many replies it queued in the
    outbox (`deliver` wakes the dispatcher that sends them)."""
    replies = await asyncio.to_thread(core.sweep)
    await deliver(replies)
    return len(replies)


@dataclass(frozen=True)
class RobotPost:
    """Where digests go besides chat groups: each org unit's WeCom / DingTalk / Feishu robots."""

    robots: dict[str, list[Robot]]  # org unit name -> its robots (LIANXIN_ROBOTS); those set in chat replace a unit's
    translator: Translator
    locale: str
    # a fresh one per run (default: robots.Pacing): a robot shared by two units is paced across both
    pacing: Callable[[], Pacing] | None = None


async def push_digests(core: Lianxin, deliver: Deliver, monthly: bool = False,
                       robots: RobotPost | None = None, due: datetime | None = None) -> int:
    """Every bound group's digest for the period before `due` (the push's scheduled moment;
    default now), then the robots'; returns how many group messages were queued."""
    replies = await asyncio.to_thread(core.push_digests, monthly, due)
    log.info("%s digests queued for %d groups", "monthly" if monthly else "weekly", len(replies))
    await deliver(replies)
    if robots is not None:
        await post_to_robots(core, robots, monthly, due)
    return len(replies)


async def post_to_robots(core: Lianxin, post: RobotPost, monthly: bool = False,
                         due: datetime | None = None) -> list[Delivery]:
    """Each configured unit's digest, rendered as plain lines, to its robots; failures are logged
    (the digest was claimed first: a failing robot is not retried by a second process). A unit's
    robots set by an admin in chat (/admin robot) replace those LIANXIN_ROBOTS names for it."""
    stored = await asyncio.to_thread(core.stored_robots)
    if not post.robots and not stored:
        return []  # most offices: the robots' models and senders are never imported
    from bot.adapters.robots import Pacing, post_digest

    robots = {unit: list(found) for unit, found in (post.robots | stored_robots(stored)).items() if found}
    digests = await asyncio.to_thread(core.robot_digests, list(robots), monthly, due)
    pacing, deliveries = (post.pacing or Pacing)(), []
    for unit, digest in digests.items():
        title, *lines = post.translator.render(digest, post.locale).split("\n")
        for delivery in await post_digest(robots[unit], title, lines, pacing=pacing):
            if not delivery.ok:
                log.warning("%s's digest not delivered to %s: %s (%d of %d parts sent)", unit, delivery.robot.name,
                            delivery.error, delivery.sent, delivery.parts)
            deliveries.append(delivery)
    return deliveries


def stored_robots(stored: dict[str, list[dict[str, str]]]) -> dict[str, list[Robot]]:
    """The robots admins set in chat, by unit name; one the shell cannot use is logged by its
    name (never its URL) and left out (handlers.admin checks the same shapes before storing)."""
    from pydantic import ValidationError

    from bot.adapters.robots import Robot
    from handlers.domain.webhooks import robot_name

    robots: dict[str, list[Robot]] = {}
    for unit, entries in stored.items():
        robots[unit] = []
        for entry in entries:
            try:
                robots[unit].append(Robot.model_validate(entry))
            except ValidationError:
                log.warning("%s: stored robot %s left out: not a usable webhook", unit,
                            robot_name(entry.get("platform", "?"), entry.get("url", "")))
    return robots


def digest_triggers(timetable: Timetable) -> dict[str, CronTrigger]:
    """job id -> cron trigger in the office's time zone (ValueError for a bad crontab)."""
    crontabs = {"weekly_digest": timetable.weekly_digest, "monthly_digest": timetable.monthly_digest}
    return {job: CronTrigger.from_crontab(crontab, timezone=timetable.timezone)
            for job, crontab in crontabs.items() if crontab.strip()}


def last_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest moment ≤ `now` the trigger fired (or would have), within CATCH_UP."""
    fire, last = trigger.get_next_fire_time(None, now - CATCH_UP), None
    while fire is not None and fire <= now:
        last, fire = fire, trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def fires_between(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """The moments in (start, end] the trigger fires at: what a clock moved from `start` to `end`
    crossed (the demo's, bot/demo_time.py)."""
    fires, fire = [], trigger.get_next_fire_time(None, start + timedelta(microseconds=1))
    while fire is not None and fire <= end:
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return fires


class Running:
    """The job runs under way, so that a stop lets them finish: APScheduler's asyncio executor
    cancels running jobs at shutdown, which leaves a sweep's thread writing on its own and logs
    the cancellation as the job's failure."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[object]] = set()

    def track(self, job: Callable[..., Awaitable[int]]) -> Callable[..., Awaitable[int]]:
        @functools.wraps(job)
        async def run(*args: object, **kwargs: object) -> int:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                return await job(*args, **kwargs)
            finally:
                self.tasks.discard(task)
        return run

    async def finish(self, timeout: float) -> None:
        """Until the runs under way have ended (or `timeout` seconds: then they are cancelled)."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)


async def stop_jobs(scheduler: AsyncIOScheduler, running: Running, timeout: float = 60.0) -> None:
    """No new runs; the ones under way finish; then the scheduler stops."""
    scheduler.pause()
    await running.finish(timeout)
    scheduler.shutdown(wait=False)


def start_jobs(core: Lianxin, deliver: Deliver, timetable: Timetable,
               robots: RobotPost | None = None, running: Running | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timetable.timezone)
    running = running or Running()
    sweep_job, push_job = running.track(sweep), running.track(push_digests)
    # coalesce + one instance: a slow sweep is never run twice at once nor caught up in bursts
    scheduler.add_job(sweep_job, "interval", seconds=SWEEP_EVERY_SECONDS, args=(core, deliver), id="sweep",
                      coalesce=True, max_instances=1)
    now = datetime.now(UTC)
    for job, trigger in digest_triggers(timetable).items():
        monthly = job == "monthly_digest"
        scheduler.add_job(push_job, trigger, args=(core, deliver, monthly, robots), id=job,
                          coalesce=True, max_instances=1, misfire_grace_time=MISFIRE_GRACE_SECONDS)
        # A push missed while the bot was down: groups that have not had it get it now, once.
        if (missed := last_fire(trigger, now)) is not None:
            scheduler.add_job(push_job, "date", args=(core, deliver, monthly, robots, missed),
                              id=f"{job}_catch_up")
    scheduler.start()
    return scheduler

"""The demo's time, under the visitor's hand (issue 15): the hook behind the local Bot API
server's `/_sim/clock` (`server.clock`). Only the demo's clock moves; `lianxin run` with a
token runs on real time and APScheduler (bot/scheduler.py).

    POST /_sim/clock {"advance": "1h" | "1wd" | "next_monday_0900"}

A move walks the clock through the time it skips and, at the moments the scheduler's jobs
would have run, runs those same jobs: the sweep at every whole hour crossed (auto-confirmation,
回头看, the 催办 / 督办 / 黑旗 ladder, whose rungs fall at office opening), and the 周通报 / 月报告
push at each of their cron times crossed, with that time as its `due`. It answers once the
outbox has sent what they queued. Why not APScheduler on the moved clock: it reads the wall
clock and cannot be told that a day went by in a second; calling its jobs at the moments it
would have is the same work, in the same order, and nothing else to keep in step. Between
moves time runs on, and a tick every minute does the same up to now.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import scheduler
from bot.clock import MovableClock

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from handlers.domain.calendar import WorkCalendar

log = logging.getLogger(__name__)

STEP_HELP = 'use "1h", "1wd" (the same time on the next working day) or "next_monday_0900"'
SWEEP_STRIDE = timedelta(hours=1)  # a move sweeps at every whole hour it crosses: rungs fall at office opening
MONDAY_0900 = time(9, 0)
_HOURS, _WORKING_DAYS = re.compile(r"(\d{1,3})h"), re.compile(r"(\d{1,2})wd")


def target_of(step: str, now: datetime, calendar: WorkCalendar, tz: ZoneInfo) -> datetime:
    """Where `step` moves the clock from `now`: "Nh" hours on, "Nwd" to the same local time N
    working days on (the office's calendar: holidays and 调休 working weekends), or
    "next_monday_0900" (the next Monday 09:00 local after now). ValueError for anything else."""
    local = now.astimezone(tz)
    if match := _HOURS.fullmatch(step):
        return now + timedelta(hours=int(match[1]))
    if match := _WORKING_DAYS.fullmatch(step):
        day = calendar.add_working_days(local.date(), int(match[1])) if int(match[1]) else local.date()
        return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)
    if step == "next_monday_0900":
        monday = datetime.combine(local.date() + timedelta(days=(7 - local.weekday()) % 7), MONDAY_0900, tzinfo=tz)
        return (monday if monday > local else monday + timedelta(days=7)).astimezone(UTC)
    raise ValueError(f"cannot move the clock by {step!r}: {STEP_HELP}")


def whole_hours(since: datetime, until: datetime) -> list[datetime]:
    """The whole hours in (since, until]."""
    hour = since.replace(minute=0, second=0, microsecond=0) + SWEEP_STRIDE
    hours = []
    while hour <= until:
        hours.append(hour)
        hour += SWEEP_STRIDE
    return hours


class DemoTime:
    """The demo's clock as the sandbox sees it (`now`, `advance`), and the jobs the clock makes due."""

    def __init__(self, clock: MovableClock, runtime: Runtime, *, keep: Path | None = None,
                 drain_timeout: float = 120.0) -> None:
        self.clock = clock
        self.runtime = runtime
        self.keep = keep  # where the clock's offset is kept across restarts (None: not kept)
        self.drain_timeout = drain_timeout
        settings = runtime.settings
        self.triggers = scheduler.digest_triggers(scheduler.Timetable(
            settings.timezone, settings.weekly_digest_cron, settings.monthly_digest_cron))
        self.robots = scheduler.RobotPost(runtime.robots, runtime.translator, settings.default_locale)
        self.caught_up_to = clock.now()  # the jobs have run for every moment up to here
        self._lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None

    @property
    def time_zone(self) -> ZoneInfo:
        return self.runtime.core.rules.time_zone

    async def now(self) -> datetime:
        return self.clock.now().astimezone(self.time_zone)

    async def advance(self, step: str) -> datetime:
        """Move the clock by `step`, run what became due and wait until its messages are sent."""
        rules = self.runtime.core.rules
        async with self._lock:
            target = target_of(step, self.clock.now(), rules.calendar, rules.time_zone)
            await self._run_until(target)
            self._keep()
            await self.runtime.drain(self.drain_timeout)
        log.info("demo clock moved by %s to %s", step, (await self.now()).isoformat(timespec="minutes"))
        return await self.now()

    async def start(self, tick_every: float = scheduler.SWEEP_EVERY_SECONDS) -> None:
        """What the scheduler does at start (a digest missed while the demo was down, a sweep),
        then a tick every `tick_every` seconds as real time runs on."""
        async with self._lock:
            now = self.clock.now()
            for job, trigger in self.triggers.items():
                if (missed := scheduler.last_fire(trigger, now)) is not None:
                    await scheduler.push_digests(self.runtime.core, self.runtime.deliver, job == "monthly_digest",
                                                 self.robots, missed)
            await scheduler.sweep(self.runtime.core, self.runtime.deliver)
            self.caught_up_to = now
        self._ticker = asyncio.create_task(self._tick(tick_every), name="demo-time")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None

    async def _tick(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                async with self._lock:
                    await self._run_until(self.clock.now())
            except Exception:  # the next tick tries again, as APScheduler's next run would
                log.exception("the demo's timed jobs failed")

    async def _run_until(self, until: datetime) -> None:
        """The clock walked to `until`, the jobs run at each moment they would have on the way."""
        core, deliver = self.runtime.core, self.runtime.deliver
        digests: dict[datetime, list[bool]] = defaultdict(list)  # moment -> monthly? for each push due then
        for job, trigger in self.triggers.items():
            for fire in scheduler.fires_between(trigger, self.caught_up_to, until):
                digests[fire.astimezone(UTC)].append(job == "monthly_digest")
        for moment in sorted({*whole_hours(self.caught_up_to, until), *digests, until}):
            if moment > self.clock.now():
                self.clock.set(moment)
            await scheduler.sweep(core, deliver)  # type: ignore[arg-type]
            for monthly in digests.get(moment, []):
                await scheduler.push_digests(core, deliver, monthly, self.robots, moment)  # type: ignore[arg-type]
            self.caught_up_to = moment

    def _keep(self) -> None:
        if self.keep is not None:
            save_offset(self.keep, self.clock)


def load_clock(path: Path) -> MovableClock:
    """The demo's clock where a previous run left it (real time if it never moved)."""
    try:
        offset = float(json.loads(path.read_text(encoding="utf-8"))["offset_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return MovableClock()
    return MovableClock(offset=timedelta(seconds=offset))


def save_offset(path: Path, clock: MovableClock) -> None:
    path.write_text(json.dumps({"offset_seconds": clock.offset.total_seconds()}), encoding="utf-8")

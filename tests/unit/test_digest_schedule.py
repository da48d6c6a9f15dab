"""The digest pushes fire at 09:00 Shanghai time: on Monday for the 周通报, on the 1st for the
月报告 — also when the UTC date is still the day before, and across week, month and year ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job

from bot.scheduler import Timetable, digest_triggers, last_fire, start_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_fire(job: str, after: datetime, timetable: Timetable = Timetable()) -> datetime:
    return digest_triggers(timetable)[job].get_next_fire_time(None, after)


@pytest.mark.parametrize(("now", "fires"), [
    # Sunday night local: the week ends at midnight, the digest comes at 09:00 Monday
    (datetime(2026, 11, 29, 23, 59, tzinfo=SHANGHAI), datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)),
    # Sunday 20:00 UTC is already Monday 04:00 in Shanghai: same Monday, not the next
    (datetime(2026, 11, 29, 20, 0, tzinfo=UTC), datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)),
    # Monday 01:00 UTC is exactly 09:00 local
    (datetime(2026, 11, 30, 0, 59, tzinfo=UTC), datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)),
    # just after: a week later
    (datetime(2026, 11, 30, 9, 0, 1, tzinfo=SHANGHAI), datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)),
    # across the year end (Monday 4 January 2027)
    (datetime(2026, 12, 31, 12, 0, tzinfo=SHANGHAI), datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)),
])
def test_the_weekly_digest_fires_monday_nine_local(now, fires):
    fire = next_fire("weekly_digest", now)
    assert fire == fires and fire.utcoffset() == timedelta(hours=8), "Shanghai keeps +08:00 all year"


@pytest.mark.parametrize(("now", "fires"), [
    (datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)),
    (datetime(2026, 11, 30, 23, 0, tzinfo=UTC), datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)),  # 07:00 local
    (datetime(2026, 12, 1, 9, 0, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)),
])
def test_the_monthly_report_fires_on_the_first_nine_local(now, fires):
    assert next_fire("monthly_digest", now) == fires


def test_the_times_are_settings_and_empty_turns_a_push_off():
    timetable = Timetable(weekly_digest="30 8 * * fri", monthly_digest="")
    assert set(digest_triggers(timetable)) == {"weekly_digest"}
    assert next_fire("weekly_digest", datetime(2026, 11, 24, tzinfo=SHANGHAI), timetable) == \
        datetime(2026, 11, 27, 8, 30, tzinfo=SHANGHAI)
    with pytest.raises(ValueError):
        digest_triggers(Timetable(weekly_digest="9 mon"))


def scheduled_jobs() -> dict[str, Job]:
    """The jobs a starting bot's scheduler holds (started inside a loop, as the bot does, then shut)."""
    async def started() -> dict[str, Job]:
        async def deliver(replies):
            pass

        scheduler = start_jobs(core=None, deliver=deliver, timetable=Timetable())  # type: ignore[arg-type]
        try:
            return {job.id: job for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)

    return asyncio.run(started())


def test_the_running_scheduler_has_the_jobs_due_at_the_next_monday_and_first():
    jobs = scheduled_jobs()
    weekly = jobs["weekly_digest"].next_run_time.astimezone(SHANGHAI)
    monthly = jobs["monthly_digest"].next_run_time.astimezone(SHANGHAI)
    now = datetime.now(SHANGHAI)
    assert (weekly.weekday(), weekly.hour, weekly.minute) == (0, 9, 0) and now < weekly <= now + timedelta(days=7)
    assert (monthly.day, monthly.hour) == (1, 9) and now < monthly <= now + timedelta(days=31)
    assert "sweep" in jobs


@pytest.mark.parametrize(("now", "last"), [
    (datetime(2026, 12, 3, 15, 0, tzinfo=SHANGHAI), datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)),  # Thursday
    (datetime(2026, 11, 30, 8, 59, tzinfo=SHANGHAI), datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)),  # not yet
    (datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI), datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)),  # exactly
])
def test_the_push_a_starting_bot_catches_up_on_is_the_last_one_due(now, last):
    assert last_fire(digest_triggers(Timetable())["weekly_digest"], now) == last


def test_a_starting_bot_schedules_the_missed_pushes_for_their_own_moments():
    jobs = scheduled_jobs()
    weekly, monthly = jobs["weekly_digest_catch_up"].args[-1], jobs["monthly_digest_catch_up"].args[-1]
    assert (weekly.astimezone(SHANGHAI).weekday(), weekly.astimezone(SHANGHAI).hour) == (0, 9)
    assert weekly <= datetime.now(UTC) < weekly + timedelta(days=7)
    assert (monthly.astimezone(SHANGHAI).day, monthly.astimezone(SHANGHAI).hour) == (1, 9)


def test_a_stop_lets_a_sweep_under_way_finish_and_deliver_what_it_found():
    """APScheduler's shutdown cancels running jobs: a sweep stopped mid-way would have left its
    thread writing alone and its replies undelivered, with a traceback in the log."""
    import threading

    from bot.scheduler import Running, stop_jobs

    entered, release = threading.Event(), threading.Event()
    delivered: list[list] = []

    class SlowCore:
        def sweep(self) -> list[str]:
            entered.set()
            release.wait(60)
            return ["催办"]

    async def scenario() -> None:
        async def deliver(replies):
            delivered.append(replies)

        running = Running()
        scheduler = start_jobs(core=SlowCore(), deliver=deliver, timetable=Timetable(weekly_digest="",  # type: ignore[arg-type]
                                                                                        monthly_digest=""),
                               running=running)
        scheduler.get_job("sweep").modify(next_run_time=datetime.now(SHANGHAI))
        await asyncio.to_thread(entered.wait, 60)
        stopping = asyncio.create_task(stop_jobs(scheduler, running))
        release.set()
        await stopping

    asyncio.run(scenario())
    assert delivered == [["催办"]]

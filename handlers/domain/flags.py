"""红绿黑旗: the flag a ticket carries on the ledger, from its deadline and the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.domain.calendar import WorkCalendar


class Flag(StrEnum):
    GREEN = "green"  # 绿旗: on time
    RED = "red"  # 红旗: on its last working day(s), or late within the hard limit
    BLACK = "black"  # 黑旗: overdue past the hard limit


DEFAULT_WARNING_DAYS = 1  # red on the due day itself
DEFAULT_HARD_LIMIT_DAYS = 5  # black once more than a working week late
# 临期 for a stage due the day the problem came in (交办不过夜): red from 15:00 local, three office
# hours before closing (18:00), not from the moment it arrives — red means "act now".
SAME_DAY_RED_FROM = time(15, 0)


def flag_for(
    now: datetime,
    due: datetime,
    *,
    warning_days: int,
    hard_limit_days: int,
    calendar: WorkCalendar,
    tz: ZoneInfo,
    received: datetime | None = None,
) -> Flag:
    """The one flag rule. Days are local days in `tz`; counts are working days.

    Before `due`: RED when fewer than `warning_days` working days lie after today up to
    the due day (warning_days=1: red on the due day; 2: also the working day before,
    and any rest day between them); otherwise GREEN. warning_days=0: never red early.
    A same-day stage (due the local day it was `received`, as 交办不过夜) is instead red
    only from SAME_DAY_RED_FROM on that day: a ticket reported in the morning is green.

    From `due` on: RED, until BLACK from the start (00:00) of the (hard_limit_days + 1)-th
    working day after the due day, i.e. once it is late by more than `hard_limit_days`
    whole working days (hard limit 5, due Friday 6 Nov 2026: black from Monday 16 Nov).
    """
    today = now.astimezone(tz).date()
    if now < due:
        if received is not None and is_same_day(received, due, tz):
            return Flag.RED if warning_days and now >= same_day_red_at(due, tz) else Flag.GREEN
        early = calendar.working_days_between(today, due_day(due, tz)) < warning_days
        return Flag.RED if early else Flag.GREEN
    late = calendar.working_days_between(due_day(due, tz), today) > hard_limit_days
    return Flag.BLACK if late else Flag.RED


def flag_when_closed(
    closed_at: datetime,
    due: datetime,
    *,
    hard_limit_days: int,
    calendar: WorkCalendar,
    tz: ZoneInfo,
) -> Flag:
    """A settled ticket keeps the flag it had when settled: GREEN on time, else RED or BLACK."""
    return flag_for(closed_at, due, warning_days=0, hard_limit_days=hard_limit_days, calendar=calendar, tz=tz)


def is_same_day(received: datetime, due: datetime, tz: ZoneInfo) -> bool:
    """Whether a stage is due on the local day its ticket was received (交办不过夜)."""
    return received.astimezone(tz).date() == due_day(due, tz)


def same_day_red_at(due: datetime, tz: ZoneInfo) -> datetime:
    """When a same-day stage turns red: SAME_DAY_RED_FROM on its due day."""
    return datetime.combine(due_day(due, tz), SAME_DAY_RED_FROM, tzinfo=tz)


@dataclass(frozen=True)
class FlagLines:
    """`flag_for` at one moment as instants a query can compare deadlines with: GREEN when
    due > green_after, BLACK when due <= black_by, RED in between — except a same-day stage
    still green (received at or after `same_day_since`, due in (now, same_day_until]; before
    SAME_DAY_RED_FROM only, else `same_day_since` is None)."""

    green_after: datetime
    black_by: datetime
    now: datetime
    same_day_since: datetime | None
    same_day_until: datetime

    def flag(self, due: datetime, received: datetime | None = None) -> Flag:
        if due > self.green_after or (received is not None and self.same_day_green(due, received)):
            return Flag.GREEN
        return Flag.BLACK if due <= self.black_by else Flag.RED

    def same_day_green(self, due: datetime, received: datetime) -> bool:
        since = self.same_day_since
        return since is not None and received >= since and self.now < due <= self.same_day_until


def flag_lines(now: datetime, *, warning_days: int, hard_limit_days: int, calendar: WorkCalendar,
               tz: ZoneInfo) -> FlagLines:
    """The same rule as `flag_for`, solved for the deadline. Green needs the due day to be at
    least `warning_days` working days after today (so: after the start of that day), or a
    same-day stage received today before SAME_DAY_RED_FROM; black needs more than
    `hard_limit_days` working days from the due day to today."""
    today = now.astimezone(tz).date()
    if warning_days == 0:
        green_after = now
    else:
        green_after = datetime.combine(calendar.add_working_days(today, warning_days), time(0), tzinfo=tz)
    day, counted = today, 0
    while counted <= hard_limit_days:  # walk back over hard_limit_days + 1 working days
        counted += calendar.is_working_day(day)
        day -= timedelta(days=1)
    black_by = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    today_starts = datetime.combine(today, time(0), tzinfo=tz)
    red_from = datetime.combine(today, SAME_DAY_RED_FROM, tzinfo=tz)
    same_day_since = today_starts.astimezone(UTC) if warning_days and now < red_from else None
    tomorrow_starts = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    return FlagLines(green_after.astimezone(UTC), black_by.astimezone(UTC), now.astimezone(UTC), same_day_since,
                     tomorrow_starts.astimezone(UTC))


def due_day(due: datetime, tz: ZoneInfo) -> date:
    """The local working day a deadline closes. A 24:00 deadline is 00:00 of the next
    day, so take the day of the last instant before it."""
    return (due - timedelta(microseconds=1)).astimezone(tz).date()

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


def flag_for(
    now: datetime,
    due: datetime,
    *,
    warning_days: int,
    hard_limit_days: int,
    calendar: WorkCalendar,
    tz: ZoneInfo,
) -> Flag:
    """The one flag rule. Days are local days in `tz`; counts are working days.

    Before `due`: RED when fewer than `warning_days` working days lie after today up to
    the due day (warning_days=1: red on the due day; 2: also the working day before,
    and any rest day between them); otherwise GREEN. warning_days=0: never red early.

    From `due` on: RED, until BLACK from the start (00:00) of the (hard_limit_days + 1)-th
    working day after the due day, i.e. once it is late by more than `hard_limit_days`
    whole working days (hard limit 5, due Friday 6 Nov 2026: black from Monday 16 Nov).
    """
    today = now.astimezone(tz).date()
    if now < due:
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


@dataclass(frozen=True)
class FlagLines:
    """`flag_for` at one moment as two instants a query can compare deadlines with:
    GREEN when due > green_after, BLACK when due <= black_by, RED in between."""

    green_after: datetime
    black_by: datetime

    def flag(self, due: datetime) -> Flag:
        return Flag.GREEN if due > self.green_after else Flag.BLACK if due <= self.black_by else Flag.RED


def flag_lines(now: datetime, *, warning_days: int, hard_limit_days: int, calendar: WorkCalendar,
               tz: ZoneInfo) -> FlagLines:
    """The same rule as `flag_for`, solved for the deadline. Green needs the due day to be at
    least `warning_days` working days after today (so: after the start of that day); black
    needs more than `hard_limit_days` working days from the due day to today."""
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
    return FlagLines(green_after.astimezone(UTC), black_by.astimezone(UTC))


def due_day(due: datetime, tz: ZoneInfo) -> date:
    """The local working day a deadline closes. A 24:00 deadline is 00:00 of the next
    day, so take the day of the last instant before it."""
    return (due - timedelta(microseconds=1)).astimezone(tz).date()

"""红绿黑旗 as a ledger reader sees them, moving the clock across weekends, holidays and midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.domain.calendar import WorkCalendar
from handlers.domain.flags import (
    DEFAULT_HARD_LIMIT_DAYS,
    DEFAULT_WARNING_DAYS,
    Flag,
    flag_for,
    flag_when_closed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
GREEN, RED, BLACK = Flag.GREEN, Flag.RED, Flag.BLACK


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(UTC)


def end_of(y: int, m: int, d: int) -> datetime:
    """24:00 local: how due_at expresses a deadline."""
    return datetime.combine(date(y, m, d) + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)


def flag(now: datetime, due: datetime, warning_days: int = DEFAULT_WARNING_DAYS,
         hard_limit_days: int = DEFAULT_HARD_LIMIT_DAYS) -> Flag:
    return flag_for(now, due, warning_days=warning_days, hard_limit_days=hard_limit_days, calendar=CAL, tz=SHANGHAI)


DUE_FRIDAY = end_of(2026, 11, 6)


@pytest.mark.parametrize("story, now, expected", [
    ("the day before", local(2026, 11, 5, 12), GREEN),
    ("the due day's first minute", local(2026, 11, 6, 0, 0), RED),
    ("one minute to midnight on the due day", local(2026, 11, 6, 23, 59), RED),
    ("midnight: late", local(2026, 11, 7, 0, 0), RED),
    ("five working days late, Friday evening", local(2026, 11, 13, 23, 59), RED),
    ("the weekend after does not add lateness", local(2026, 11, 15, 12), RED),
    ("the sixth working day late begins", local(2026, 11, 16, 0, 0), BLACK),
])
def test_a_ticket_due_friday_6_nov(story: str, now: datetime, expected: Flag) -> None:
    assert flag(now, DUE_FRIDAY) is expected, story


@pytest.mark.parametrize("now_utc, expected", [
    (datetime(2026, 11, 6, 15, 59, tzinfo=UTC), RED),  # 23:59 Friday local: still on time
    (datetime(2026, 11, 5, 15, 59, tzinfo=UTC), GREEN),  # 23:59 Thursday local
    (datetime(2026, 11, 5, 16, 0, tzinfo=UTC), RED),  # 00:00 Friday local, still Thursday in UTC
    (datetime(2026, 11, 15, 15, 59, tzinfo=UTC), RED),  # 23:59 Sunday local
    (datetime(2026, 11, 15, 16, 0, tzinfo=UTC), BLACK),  # 00:00 Monday local, still Sunday in UTC
])
def test_days_turn_at_local_midnight_not_utc_midnight(now_utc: datetime, expected: Flag) -> None:
    assert flag(now_utc, DUE_FRIDAY) is expected


@pytest.mark.parametrize("story, now, expected", [
    ("Thursday: two working days left", local(2026, 11, 5, 12), GREEN),
    ("Friday: the working day before", local(2026, 11, 6, 12), RED),
    ("the weekend between", local(2026, 11, 8, 12), RED),
])
def test_a_two_day_warning_on_a_ticket_due_monday(story: str, now: datetime, expected: Flag) -> None:
    assert flag(now, end_of(2026, 11, 9), warning_days=2) is expected, story


@pytest.mark.parametrize("story, now, expected", [
    ("Friday 13 Feb: two working days left (Sat 14, Tue 24)", local(2026, 2, 13, 12), GREEN),
    ("the 调休 Saturday is the working day before", local(2026, 2, 14, 12), RED),
    ("mid Spring Festival", local(2026, 2, 19, 12), RED),
])
def test_a_two_day_warning_before_spring_festival(story: str, now: datetime, expected: Flag) -> None:
    assert flag(now, end_of(2026, 2, 24), warning_days=2) is expected, story


@pytest.mark.parametrize("story, now, expected", [
    ("National Day itself is no lateness", local(2026, 10, 7, 12), RED),
    ("the 调休 Saturday 10 Oct is the third late day", local(2026, 10, 10, 12), RED),
    ("Tuesday 13 Oct, the fifth", local(2026, 10, 13, 23, 59), RED),
    ("Wednesday 14 Oct, the sixth", local(2026, 10, 14, 0, 0), BLACK),
])
def test_lateness_across_national_day_for_a_ticket_due_30_sep(story: str, now: datetime, expected: Flag) -> None:
    assert flag(now, end_of(2026, 9, 30)) is expected, story


def test_no_warning_means_green_until_due() -> None:
    assert flag(local(2026, 11, 6, 23, 59), DUE_FRIDAY, warning_days=0) is GREEN


def test_an_office_close_deadline_is_late_the_same_evening() -> None:
    due = local(2026, 11, 6, 17, 30)
    assert flag(local(2026, 11, 6, 17, 29), due) is RED
    assert flag(local(2026, 11, 6, 18, 0), due) is RED
    assert flag(local(2026, 11, 13, 23, 0), due) is RED
    assert flag(local(2026, 11, 16, 9, 0), due) is BLACK


@pytest.mark.parametrize("story, closed_at, expected", [
    ("settled on the due day", local(2026, 11, 6, 16), GREEN),
    ("settled on the day before", local(2026, 11, 5, 16), GREEN),
    ("settled the next Monday", local(2026, 11, 9, 10), RED),
    ("settled two weeks late", local(2026, 11, 20, 10), BLACK),
])
def test_a_closed_ticket_keeps_the_flag_it_closed_with(story: str, closed_at: datetime, expected: Flag) -> None:
    got = flag_when_closed(closed_at, DUE_FRIDAY, hard_limit_days=DEFAULT_HARD_LIMIT_DAYS, calendar=CAL, tz=SHANGHAI)
    assert got is expected, story


def test_lateness_into_an_uncovered_year_is_counted_on_its_statutory_holidays() -> None:
    # Due Wed 30 Dec 2026; late Thu 31 Dec, (1 Jan off) Mon 4 – Thu 7 Jan: five days, black on Friday 8 Jan.
    assert flag(local(2027, 1, 7, 23, 59), end_of(2026, 12, 30)) is RED
    assert flag(local(2027, 1, 8, 0, 0), end_of(2026, 12, 30)) is BLACK


MONDAY_10AM = local(2026, 11, 23, 10, 0)  # a problem comes in; 交办不过夜: due by 24:00 tonight


@pytest.mark.parametrize("story, now, expected", [
    ("just reported in the morning: nothing to act on yet", MONDAY_10AM, GREEN),
    ("at lunchtime", local(2026, 11, 23, 14, 59), GREEN),
    ("three office hours before closing: act now", local(2026, 11, 23, 15, 0), RED),
    ("in the evening, still before midnight", local(2026, 11, 23, 23, 59), RED),
    ("the morning after: late", local(2026, 11, 24, 9, 0), RED),
    ("late by more than five working days", local(2026, 12, 1, 0, 0), BLACK),
])
def test_a_ticket_is_not_born_red_it_turns_red_as_the_hours_run_out(story: str, now: datetime,
                                                                     expected: Flag) -> None:
    """Issue 13: every new ticket showed 🔴 at once, so red meant nothing."""
    got = flag_for(now, end_of(2026, 11, 23), warning_days=DEFAULT_WARNING_DAYS,
                   hard_limit_days=DEFAULT_HARD_LIMIT_DAYS, calendar=CAL, tz=SHANGHAI, received=MONDAY_10AM)
    assert got is expected, story


def test_a_same_day_stage_reported_after_three_is_red_at_once_and_a_weekend_one_red_on_monday() -> None:
    late_afternoon = local(2026, 11, 23, 16, 30)
    assert flag_for(late_afternoon, end_of(2026, 11, 23), warning_days=1, hard_limit_days=5, calendar=CAL,
                    tz=SHANGHAI, received=late_afternoon) is RED, "it must still be assigned tonight"
    saturday = local(2026, 11, 21, 10, 0)  # due at the end of Monday: not a same-day stage
    assert flag_for(local(2026, 11, 23, 9, 0), end_of(2026, 11, 23), warning_days=1, hard_limit_days=5,
                    calendar=CAL, tz=SHANGHAI, received=saturday) is RED


def test_flag_lines_give_the_same_flag_as_the_rule_for_every_deadline_around_the_national_day():
    """The instants SQL counts flags with agree with flag_for, minute by minute at the edges."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from handlers.domain.flags import flag_for, flag_lines
    from handlers.rules import official_calendar

    tz, calendar = ZoneInfo("Asia/Shanghai"), official_calendar()
    nows = [datetime(2026, 10, day, hour, tzinfo=tz) for day in (1, 8, 9, 10, 12) for hour in (0, 9, 15, 23)]
    nows += [datetime(2026, 10, 9, 14, 59, 59, tzinfo=tz)]
    dues = [datetime(2026, 9, 20, tzinfo=tz).astimezone(UTC) + timedelta(hours=7 * k) for k in range(160)]
    dues += [d + delta for d in dues[::8] for delta in (timedelta(microseconds=-1), timedelta(microseconds=1))]
    for warning, hard in ((0, 0), (1, 5), (2, 3)):
        for now in nows:
            lines = flag_lines(now, warning_days=warning, hard_limit_days=hard, calendar=calendar, tz=tz)
            for due in dues:
                for received in (None, now - timedelta(hours=1), now - timedelta(hours=10), now - timedelta(days=1)):
                    expected = flag_for(now, due, warning_days=warning, hard_limit_days=hard, calendar=calendar,
                                        tz=tz, received=received)
                    assert lines.flag(due, received) is expected, (now, due, received, warning, hard)

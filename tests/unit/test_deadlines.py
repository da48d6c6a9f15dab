"""When a ticket is due under 三不过 and 13710, told as the dates a reporter would see."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.domain.calendar import WorkCalendar, YearList
from handlers.domain.deadlines import POLICIES, Difficulty, Policy, Stage, due_at, policy_from_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
G, D = Difficulty.GENERAL, Difficulty.DIFFICULT
SANBUGUO, R13710 = POLICIES["sanbuguo"], POLICIES["13710"]


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A moment in Shanghai, stored the way the ticket stores it: UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(UTC)


def end_of(y: int, m: int, d: int) -> datetime:
    """24:00 local of that day, i.e. 00:00 local of the next, in UTC."""
    return datetime.combine(date(y, m, d) + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)


def due(policy: Policy, stage: Stage, difficulty: Difficulty, start: datetime,
        calendar: WorkCalendar = CAL) -> datetime | None:
    return due_at(policy, stage, difficulty, start, SHANGHAI, calendar)


@pytest.mark.parametrize("story, start, expected", [
    ("reported Wednesday morning: assigned by midnight", local(2026, 11, 4, 10), end_of(2026, 11, 4)),
    ("reported 23:30 local (15:30 UTC): half an hour left", local(2026, 11, 4, 23, 30), end_of(2026, 11, 4)),
    ("reported 00:30 Thursday local, still Wednesday in UTC: Thursday counts", local(2026, 11, 5, 0, 30),
     end_of(2026, 11, 5)),
    ("reported on Saturday: by the end of Monday", local(2026, 11, 7, 10), end_of(2026, 11, 9)),
    ("reported on the 调休 Saturday 14 Feb: that Saturday", local(2026, 2, 14, 10), end_of(2026, 2, 14)),
    ("reported on Spring Festival's eve: the Tuesday after the break", local(2026, 2, 16, 10), end_of(2026, 2, 24)),
    ("reported on National Day: Thursday 8 Oct", local(2026, 10, 1, 10), end_of(2026, 10, 8)),
])
def test_sanbuguo_assignment_does_not_pass_the_night(story: str, start: datetime, expected: datetime) -> None:
    assert due(SANBUGUO, Stage.ASSIGN, G, start) == expected, story


def test_the_23_30_intake_is_due_at_16_00_utc_the_same_utc_day() -> None:
    start = local(2026, 11, 4, 23, 30)
    assert start == datetime(2026, 11, 4, 15, 30, tzinfo=UTC)
    assert due(SANBUGUO, Stage.ASSIGN, G, start) == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("story, start, difficulty, expected", [
    ("general, Monday 2 Nov: the next Monday", local(2026, 11, 2, 9), G, end_of(2026, 11, 9)),
    ("general, Friday 6 Nov: the next Friday", local(2026, 11, 6, 9), G, end_of(2026, 11, 13)),
    ("general, Wednesday 30 Sep: National Day week does not count, Tue 13 Oct",
     local(2026, 9, 30, 9), G, end_of(2026, 10, 13)),
    ("general, Friday 13 Feb: 调休 Saturday counts, Spring Festival does not, Fri 27 Feb",
     local(2026, 2, 13, 9), G, end_of(2026, 2, 27)),
    ("difficult, Monday 2 Nov: Wednesday 2 Dec", local(2026, 11, 2, 9), D, end_of(2026, 12, 2)),
    ("difficult, Monday 1 Jun: Dragon Boat Friday skipped, Thursday 2 Jul",
     local(2026, 6, 1, 9), D, end_of(2026, 7, 2)),
])
def test_sanbuguo_week_and_month_are_working_days(story: str, start: datetime, difficulty: Difficulty,
                                                  expected: datetime) -> None:
    assert due(SANBUGUO, Stage.SETTLE, difficulty, start) == expected, story


def test_sanbuguo_sets_no_first_answer_limit() -> None:
    assert due(SANBUGUO, Stage.FIRST_ANSWER, G, local(2026, 11, 4, 10)) is None


@pytest.mark.parametrize("stage, difficulty, expected", [
    (Stage.ASSIGN, G, end_of(2026, 11, 9)),  # 1: Monday
    (Stage.ASSIGN, D, end_of(2026, 11, 9)),  # assignment ignores difficulty
    (Stage.FIRST_ANSWER, G, end_of(2026, 11, 11)),  # 3: Wednesday
    (Stage.SETTLE, G, end_of(2026, 11, 17)),  # 7: Tuesday week
    (Stage.SETTLE, D, end_of(2026, 11, 20)),  # 10: Friday week
])
def test_13710_for_a_problem_reported_on_friday_6_nov(stage: Stage, difficulty: Difficulty, expected: datetime) -> None:
    assert due(R13710, stage, difficulty, local(2026, 11, 6, 15)) == expected


def test_13710_first_answer_over_national_day_lands_on_friday_9_oct() -> None:
    # Tuesday 29 Sep: Wed 30 Sep, Thu 8 Oct, Fri 9 Oct.
    assert due(R13710, Stage.FIRST_ANSWER, G, local(2026, 9, 29, 10)) == end_of(2026, 10, 9)


def test_a_december_month_limit_crossing_into_2027_counts_provisionally_without_the_2027_list() -> None:
    # Tue 15 Dec: 12 working days to 31 Dec, 1 Jan (statutory) off, 10 more to Friday 15 Jan.
    assert due(SANBUGUO, Stage.SETTLE, D, local(2026, 12, 15, 10)) == end_of(2027, 1, 15)


def test_a_december_month_limit_crossing_into_2027_counts_once_the_list_is_loaded() -> None:
    # Illustrative 2027 list (元旦 only), not the official notice.
    cal = WorkCalendar(extra_years={2027: YearList(frozenset({date(2027, 1, 1)}), frozenset())})
    # Tue 15 Dec: 12 working days to 31 Dec, 1 Jan off, 10 more to Friday 15 Jan.
    assert due(SANBUGUO, Stage.SETTLE, D, local(2026, 12, 15, 10), cal) == end_of(2027, 1, 15)


def test_a_general_problem_of_30_december_is_due_provisionally_in_2027() -> None:
    # Wed 30 Dec: Thu 31 Dec, (Fri 1 Jan off, weekend), Mon 4 – Thu 7 Jan.
    assert due(SANBUGUO, Stage.SETTLE, G, local(2026, 12, 30, 10)) == end_of(2027, 1, 7)


CLOSING = policy_from_settings("office", assign_days=0, first_answer_days=None, general_days=5, difficult_days=22,
                               office_close=time(17, 30))


@pytest.mark.parametrize("story, start, expected", [
    ("before closing: by 17:30 that day", local(2026, 11, 4, 10), local(2026, 11, 4, 17, 30)),
    ("after closing: by 17:30 the next day", local(2026, 11, 4, 18), local(2026, 11, 5, 17, 30)),
    ("Friday after closing: Monday 17:30", local(2026, 11, 6, 17, 30), local(2026, 11, 9, 17, 30)),
])
def test_an_office_close_ends_the_day_earlier(story: str, start: datetime, expected: datetime) -> None:
    assert due(CLOSING, Stage.ASSIGN, G, start) == expected, story


def test_due_times_are_utc() -> None:
    assert due(CLOSING, Stage.ASSIGN, G, local(2026, 11, 4, 10)) == datetime(2026, 11, 4, 9, 30, tzinfo=UTC)


def test_settings_override_the_13710_days() -> None:
    faster = policy_from_settings("13710", assign_days=1, first_answer_days=2, general_days=5, difficult_days=10)
    assert due(faster, Stage.SETTLE, G, local(2026, 11, 6, 15)) == end_of(2026, 11, 13)
    assert due(faster, Stage.FIRST_ANSWER, G, local(2026, 11, 6, 15)) == end_of(2026, 11, 10)


@pytest.mark.parametrize("numbers", [
    dict(assign_days=-1, first_answer_days=None, general_days=5, difficult_days=22),
    dict(assign_days=0, first_answer_days=None, general_days=5, difficult_days=None),
])
def test_settings_that_make_no_sense_are_refused(numbers: dict[str, int | None]) -> None:
    with pytest.raises(ValueError):
        policy_from_settings("bad", **numbers)  # type: ignore[arg-type]


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due(R13710, Stage.ASSIGN, G, datetime(2026, 11, 4, 10))

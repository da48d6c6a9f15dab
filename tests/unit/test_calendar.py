"""China's working days, 调休 included, and the provisional count for a year nobody transcribed."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.domain.calendar import (
    WorkCalendar,
    YearList,
    YearListInvalid,
    parse_year_lists,
)

CAL = WorkCalendar()

# Illustrative only, NOT the State Council's 2027 notice: just enough to show a loaded list working.
MADE_UP_2027 = YearList(holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 2, 20)}))


@pytest.mark.parametrize("day", [
    date(2026, 1, 4),  # Sunday, made up for 2 Jan (元旦)
    date(2026, 2, 14),  # Saturday before Spring Festival
    date(2026, 2, 28),  # Saturday after it
    date(2026, 5, 9),  # Saturday after Labour Day
    date(2026, 9, 20),  # Sunday before National Day
    date(2026, 10, 10),  # Saturday after it
])
def test_the_2026_working_weekends_are_working_days(day: date) -> None:
    assert day.weekday() >= 5 and CAL.is_working_day(day)


@pytest.mark.parametrize("day, working", [
    (date(2026, 11, 6), True),  # an ordinary Friday
    (date(2026, 11, 7), False),  # an ordinary Saturday
    (date(2026, 11, 8), False),
    (date(2026, 1, 2), False),  # Friday off for 元旦
    (date(2026, 2, 13), True),  # last Friday before Spring Festival
    *((date(2026, 2, d), False) for d in range(15, 24)),  # 春节 15–23 Feb, nine days
    (date(2026, 2, 24), True),
    *((date(2026, 10, d), False) for d in range(1, 8)),  # 国庆 1–7 Oct, weekdays included
    (date(2026, 10, 8), True),
])
def test_holidays_and_ordinary_days_of_2026(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("start, n, expected", [
    (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday + 1 skips the weekend
    (date(2026, 2, 13), 1, date(2026, 2, 14)),  # ...but not a 调休 Saturday
    (date(2026, 2, 14), 1, date(2026, 2, 24)),  # Spring Festival is skipped whole
    (date(2026, 9, 30), 1, date(2026, 10, 8)),  # so is National Day week
    (date(2026, 10, 9), 1, date(2026, 10, 10)),  # Friday + 1 is the 调休 Saturday
    (date(2026, 10, 3), 0, date(2026, 10, 8)),  # 0 on a holiday rolls to the next working day
    (date(2026, 11, 4), 0, date(2026, 11, 4)),  # 0 on a working day is that day
    (date(2026, 11, 2), 22, date(2026, 12, 2)),  # 22 working days: a month with no holiday
])
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize("start", [date(2026, 2, 10), date(2026, 9, 25), date(2026, 12, 1)])
@pytest.mark.parametrize("n", [1, 2, 5, 10, 20])
def test_working_days_between_undoes_add_working_days(start: date, n: int) -> None:
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


def test_working_days_between_counts_the_end_not_the_start_and_turns_negative() -> None:
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert CAL.working_days_between(date(2026, 10, 8), date(2026, 10, 8)) == 0
    assert CAL.working_days_between(date(2026, 10, 8), date(2026, 9, 30)) == -1


def test_a_negative_count_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 11, 4), -1)


@pytest.mark.parametrize("year, covered", [(2000, False), (2001, True), (2026, True), (2027, False), (2040, False)])
def test_the_library_covers_only_years_whose_notice_it_transcribed(year: int, covered: bool) -> None:
    # 2027 is False in holidays 0.109: it guesses 2027's statutory days but has no 调休.
    # If an upgrade transcribes the 2027 notice, this case should flip to True.
    assert CAL.covers(year) is covered


@pytest.mark.parametrize("day, working", [
    (date(2027, 1, 1), False),  # 元旦, statutory
    (date(2027, 1, 4), True),  # an ordinary Monday
    (date(2027, 1, 9), False),  # an ordinary Saturday: no 调休 is known
    (date(2027, 2, 8), False),  # Spring Festival by the library's rule (5–10 Feb)
    (date(2027, 10, 4), False),  # National Day by rule (1–5 Oct)
])
def test_a_day_in_an_uncovered_year_counts_on_its_statutory_holidays_and_weekends(day: date, working: bool) -> None:
    """Issue 13: a deadline must never go blank at the turn of the year."""
    assert CAL.is_working_day(day) is working
    assert CAL.is_provisional(day)


def test_counting_across_new_year_into_an_uncovered_year_is_provisional() -> None:
    assert CAL.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 1 Jan is a statutory holiday
    assert not CAL.is_provisional(date(2026, 12, 31)) and CAL.is_provisional(date(2027, 1, 4))


def test_a_loaded_list_covers_its_year() -> None:
    cal = WorkCalendar(extra_years={2027: MADE_UP_2027})
    assert cal.covers(2027) and not cal.is_provisional(date(2027, 1, 4))
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 1 Jan listed as holiday
    assert cal.is_working_day(date(2027, 2, 20))  # a listed Saturday works
    assert not cal.is_working_day(date(2027, 2, 21))  # an unlisted Sunday rests


def test_a_loaded_list_replaces_the_library_for_its_year() -> None:
    # As in 2020, when the State Council extended Spring Festival after the notice.
    extended = YearList(holidays=frozenset({date(2026, 2, 24), date(2026, 2, 25)}), workdays=frozenset())
    cal = WorkCalendar(extra_years={2026: extended})
    assert not cal.is_working_day(date(2026, 2, 24))
    assert cal.is_working_day(date(2026, 2, 17))  # the replaced year knows only what was loaded


def test_a_loaded_list_may_reach_back_into_the_previous_december() -> None:
    # 2002's notice made Saturday 29 Dec 2001 a working day for the New Year break.
    assert CAL.is_working_day(date(2001, 12, 29))
    cal = WorkCalendar(extra_years={2027: YearList(frozenset({date(2027, 1, 1)}), frozenset({date(2026, 12, 26)}))})
    assert cal.is_working_day(date(2026, 12, 26))


def test_an_admin_list_parses_with_ranges_and_a_source() -> None:
    text = """{"2027": {"source": "国务院办公厅关于2027年部分节假日安排的通知",
                        "holidays": ["2027-01-01", "2027-02-06..2027-02-09"],
                        "workdays": ["2027-02-20"]}}"""
    assert parse_year_lists(text) == {2027: YearList(
        holidays=frozenset({date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8), date(2027, 2, 9)}),
        workdays=frozenset({date(2027, 2, 20)}),
    )}


@pytest.mark.parametrize("text, says", [
    ("2027: [2027-01-01]", "not JSON"),
    ('["2027-01-01"]', "keyed by year"),
    ('{"27": {"holidays": ["2027-01-01"]}}', "not a year"),
    ('{"2027": {"holiday": ["2027-01-01"]}}', "expected"),
    ('{"2027": {"holidays": "2027-01-01"}}', "list of strings"),
    ('{"2027": {"holidays": ["2027-02-30"]}}', "not a date"),
    ('{"2027": {"holidays": ["2027-02-09..2027-02-06"]}}', "ends before"),
    ('{"2027": {"holidays": ["2028-01-01"]}}', "outside 2027"),
    ('{"2027": {"holidays": [], "workdays": ["2027-02-20"]}}', "no holidays"),
    ('{"2027": {"holidays": ["2027-02-20"], "workdays": ["2027-02-20"]}}', "both"),
    ('{"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-22"]}}', "weekday"),
])
def test_a_mistyped_admin_list_is_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(YearListInvalid, match=says):
        parse_year_lists(text)


def test_a_list_passed_in_code_is_checked_too() -> None:
    with pytest.raises(YearListInvalid, match="weekday"):
        WorkCalendar(extra_years={2027: YearList(frozenset({date(2027, 1, 1)}), frozenset({date(2027, 1, 4)}))})

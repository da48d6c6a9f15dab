"""China's working-day calendar: weekends, statutory holidays and 调休 (swapped days).

Every year the State Council's General Office publishes a notice (国务院办公厅关于 N 年
部分节假日安排的通知) that moves some weekend days into holiday breaks and makes them
up on other weekend days (调休: e.g. Saturday 14 Feb 2026 was a working day). Those
swaps follow no rule, so a year is only *covered* once its notice has been transcribed:
either by the `holidays` library (its table of notices, 2001 onwards) or by an admin
who loads the official list (see `parse_year_lists` and docs/deadlines.md).

A deadline must never be unknown, so for any other year we count on what the library
computes by rule — the statutory holidays and the weekends, no 调休 — and call the dates
*provisional* (`is_provisional`): they are shown as such and recounted once the year's
official list is loaded.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any


def _china_alone() -> ModuleType:
    """holidays' China module alone. `from holidays.countries.china import China` would first run
    the package holidays.countries, which imports every one of its ~250 countries at each start."""
    name = "holidays.countries.china"
    if name in sys.modules:
        return sys.modules[name]
    import holidays  # the package itself loads its countries lazily

    path = Path(holidays.__file__).parent / "countries" / "china.py"
    spec = importlib.util.spec_from_file_location(name, path) if path.is_file() else None
    if spec is None or spec.loader is None:  # laid out otherwise: the usual import, all countries
        return importlib.import_module(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_CHINA = _china_alone()
China, ChinaStaticHolidays = _CHINA.China, _CHINA.ChinaStaticHolidays

# Years whose State Council notice the library has transcribed (2001–2026 in 0.109).
# The library's own year range (1950–2100) is *not* coverage: outside this table it
# guesses with a Saturday/Sunday-to-Monday rule and knows no 调休.
LIBRARY_YEARS: frozenset[int] = frozenset(ChinaStaticHolidays.special_public_holidays)

SATURDAY = 5  # date.weekday(): Monday is 0


class YearListInvalid(ValueError):
    """An admin's year list does not read as an official list; the message says where."""


@dataclass(frozen=True)
class YearList:
    """One year's official list: every rest day of the breaks, and the 调休 working weekends."""

    holidays: frozenset[date]
    workdays: frozenset[date]


class WorkCalendar:
    """Working days on China's official calendar; provisional for years nobody has transcribed."""

    def __init__(self, extra_years: Mapping[int, YearList] | None = None) -> None:
        extra = dict(extra_years or {})
        for year, year_list in extra.items():
            check_year_list(year, year_list)
        self._loaded_years = frozenset(extra)
        self._loaded_holidays = frozenset(d for y in extra.values() for d in y.holidays)
        self._loaded_workdays = frozenset(d for y in extra.values() for d in y.workdays)
        self._china: Any = None  # the library's calendar, built when first asked (see _library)
        # The calendar never changes once built, and asking the library is slow (a morning's
        # sweep asks about the same few days for every ticket): each day is worked out once.
        self._working: dict[date, bool] = {}

    def covers(self, year: int) -> bool:
        return year in LIBRARY_YEARS or year in self._loaded_years

    def is_working_day(self, d: date) -> bool:
        known = self._working.get(d)
        if known is None:
            known = self._working[d] = self._work_out(d)
        return known

    def _work_out(self, d: date) -> bool:
        # A loaded list wins over the library: it is the admin's copy of the notice.
        if d in self._loaded_workdays:
            return True
        if d in self._loaded_holidays:
            return False
        if d.year in self._loaded_years:
            return d.weekday() < SATURDAY
        # A covered year: the notice as transcribed. Any other: the statutory days by rule (provisional).
        return bool(self._library().is_working_day(d))

    def _library(self) -> Any:
        # Every covered year populated at once: a notice may make a working day of the previous
        # December (2002's made 29 Dec 2001 one), which lazy per-year filling misses. Built on
        # the first question, not at start-up: answering /start needs no working days.
        if self._china is None:
            self._china = China(years=LIBRARY_YEARS)
        return self._china

    def is_provisional(self, d: date) -> bool:
        """Whether `d` is counted without its year's official notice (no 调休 known yet)."""
        return not self.covers(d.year)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (`d` itself not counted, as 民法典 art. 201 counts
        periods). n = 0 is `d` if it is a working day, else the next one: a time limit
        that ends on a rest day ends on the next working day (民法典 art. 203)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = d
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        while n > 0:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: the inverse of `add_working_days` for n >= 1.
        Negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


# How far ahead deadlines can reach: a month to settle, a month's 延期, a week to black.
DEADLINE_HORIZON = timedelta(days=90)


def uncovered_years(calendar: WorkCalendar, today: date, horizon: timedelta = DEADLINE_HORIZON) -> list[int]:
    """Years deadlines set from today may reach that the calendar counts only provisionally:
    an admin should load them before a ticket needs them (the shell warns at start-up)."""
    return [year for year in range(today.year, (today + horizon).year + 1) if not calendar.covers(year)]


def check_year_list(year: int, year_list: YearList) -> None:
    """Catch an admin's typos before they move deadlines. Raises YearListInvalid."""
    allowed = (date(year - 1, 12, 1), date(year, 12, 31))  # a notice may reach back into December
    for d in sorted(year_list.holidays | year_list.workdays):
        if not allowed[0] <= d <= allowed[1]:
            raise YearListInvalid(f"{year}: {d} is outside {year} (and its preceding December)")
    if not year_list.holidays:
        raise YearListInvalid(f"{year}: no holidays listed (元旦, 1 January, is always one)")
    if both := sorted(year_list.holidays & year_list.workdays):
        raise YearListInvalid(f"{year}: {both[0]} is listed both as a holiday and as a working day")
    if weekdays := sorted(d for d in year_list.workdays if d.weekday() < SATURDAY):
        raise YearListInvalid(f"{year}: {weekdays[0]} is a weekday; 调休 working days are weekends")


def parse_year_lists(text: str) -> dict[int, YearList]:
    """Read the JSON an admin writes from a State Council notice, e.g.
    {"2028": {"holidays": ["2028-01-01", "2028-01-25..2028-01-31"], "workdays": ["2028-02-05"]}}.
    "A..B" is an inclusive range; an optional "source" names the notice. Raises YearListInvalid."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise YearListInvalid(f"not JSON: {e}") from None
    if not isinstance(raw, dict):
        raise YearListInvalid('expected an object keyed by year, e.g. {"2028": {...}}')
    lists = {_year(key): _year_list(key, entry) for key, entry in raw.items()}
    for year, year_list in lists.items():
        check_year_list(year, year_list)
    return lists


def _year(key: str) -> int:
    if not (key.isascii() and key.isdigit() and len(key) == 4):
        raise YearListInvalid(f"{key!r} is not a year like \"2028\"")
    return int(key)


def _year_list(key: str, entry: Any) -> YearList:
    if not isinstance(entry, dict) or set(entry) - {"holidays", "workdays", "source"}:
        raise YearListInvalid(f'{key}: expected {{"holidays": [...], "workdays": [...], "source": "..."}}')
    return YearList(
        holidays=frozenset(_dates(key, entry.get("holidays", []))),
        workdays=frozenset(_dates(key, entry.get("workdays", []))),
    )


def _dates(key: str, items: Any) -> Iterable[date]:
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise YearListInvalid(f"{key}: dates must be a list of strings like \"2028-01-01\"")
    for item in items:
        first, _, last = item.partition("..")
        start, end = _date(key, first), _date(key, last or first)
        if end < start:
            raise YearListInvalid(f"{key}: range {item!r} ends before it starts")
        yield from (start + timedelta(days=i) for i in range((end - start).days + 1))


def _date(key: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise YearListInvalid(f"{key}: {text!r} is not a date like \"2028-01-01\"") from None

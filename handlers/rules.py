"""The time rules an office sets in settings, handed to every use case through `Work`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, cached_property
from zoneinfo import ZoneInfo

from handlers.domain.calendar import WorkCalendar
from handlers.domain.deadlines import POLICIES, Policy, running_due
from handlers.domain.flags import DEFAULT_HARD_LIMIT_DAYS, DEFAULT_WARNING_DAYS, Flag, FlagLines, flag_for, flag_lines
from handlers.domain.ladder import Clockwork, Ladder
from handlers.domain.model import OrgUnit, Ticket
from handlers.domain.quiet import QuietHours
from handlers.domain.ranking import DEFAULT_WEIGHTS


@cache
def official_calendar() -> WorkCalendar:
    """The library's calendar, built once: it holds every covered year's days."""
    return WorkCalendar()


@dataclass(frozen=True)
class Rules:
    auto_confirm_after: timedelta = timedelta(days=7)  # no verdict on 办结 by then: closed as confirmed
    revisit_after: timedelta = timedelta(days=30)  # 回头看: ask whether a confirmed problem stayed solved
    policy: Policy = POLICIES["sanbuguo"]  # 限时办结: when each stage is due
    unit_policies: Mapping[str, Policy] = field(default_factory=dict)  # by org unit name, for it and below
    time_zone: ZoneInfo = ZoneInfo("Asia/Shanghai")  # where working days are counted
    calendar: WorkCalendar = field(default_factory=official_calendar)
    warning_days: int = DEFAULT_WARNING_DAYS  # red this many working days before the due day
    hard_limit_days: int = DEFAULT_HARD_LIMIT_DAYS  # black this many working days after it
    max_extension_days: int = 22  # the most working days one 延期 may ask for (a month)
    ladder: Ladder = Ladder()  # 催办 → 督办 → 黑旗 escalation
    quiet: QuietHours = QuietHours()  # 无事不扰: office hours for cadres, nights for reporters
    ranking_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))  # 红黑榜
    ranking_list_size: int = 3  # units on each of the red and black lists

    @cached_property  # one per Rules: it remembers the rung times it has worked out
    def clockwork(self) -> Clockwork:
        return Clockwork(self.ladder, self.quiet, self.calendar, self.time_zone, self.warning_days,
                         self.hard_limit_days)

    def policy_for(self, units_upward: Iterable[OrgUnit]) -> Policy:
        """The policy of the nearest unit (the ticket's own, then up) that has one, else the default."""
        return next((self.unit_policies[unit.name] for unit in units_upward if unit.name in self.unit_policies),
                    self.policy)

    def flag(self, ticket: Ticket, now: datetime) -> Flag | None:
        """红绿黑旗 of an open ticket, against the stage it is working on; None if untimed."""
        running = running_due(ticket)
        if running is None:
            return None
        return flag_for(now, running[1], warning_days=self.warning_days, hard_limit_days=self.hard_limit_days,
                        calendar=self.calendar, tz=self.time_zone, received=ticket.created_at)

    def flag_lines(self, now: datetime) -> FlagLines:
        """The same rule at `now` as two instants a query compares deadlines with (reports, ledgers)."""
        return flag_lines(now, warning_days=self.warning_days, hard_limit_days=self.hard_limit_days,
                          calendar=self.calendar, tz=self.time_zone)

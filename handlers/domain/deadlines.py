"""Time limits (限时办结): when each stage of a ticket is due under a named policy.

Every limit is a count of working days on the official calendar, counted from the day
the problem was received (that day not counted) and ending at the end of the local
working day. 0 means "by the end of the day it was received" (交办不过夜). A limit that
would end on a rest day ends on the next working day. docs/deadlines.md gives the
reasons and sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.domain.calendar import WorkCalendar
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import is_open
from handlers.domain.model import Difficulty, Ticket, TicketStatus


class Stage(StrEnum):
    ASSIGN = "assign"  # 交办: handed to the cadre or department who will solve it
    FIRST_ANSWER = "first_answer"  # 首次答复: the reporter hears back from the owner
    SETTLE = "settle"  # 办结: solved and reported back


@dataclass(frozen=True)
class StageLimit:
    """Working days allowed for one stage, by difficulty."""

    general: int
    difficult: int

    @classmethod
    def same(cls, days: int) -> StageLimit:
        return cls(days, days)

    def days(self, difficulty: Difficulty) -> int:
        return self.difficult if difficulty is Difficulty.DIFFICULT else self.general


@dataclass(frozen=True)
class Policy:
    """A named set of time limits. A stage set to None is one the policy does not time."""

    name: str
    assign: StageLimit | None
    first_answer: StageLimit | None
    settle: StageLimit | None
    # None: a working day ends at 24:00 local. A time: it ends when the office closes,
    # and a problem received after closing counts as received the next day.
    office_close: time | None = None

    def limit(self, stage: Stage) -> StageLimit | None:
        return {Stage.ASSIGN: self.assign, Stage.FIRST_ANSWER: self.first_answer, Stage.SETTLE: self.settle}[stage]


WEEK_IN_WORKING_DAYS = 5  # 不过周: the working days in a calendar week no holiday interrupts
MONTH_IN_WORKING_DAYS = 22  # 不过月: the working days in a calendar month no holiday interrupts


def policy_from_settings(
    name: str,
    *,
    assign_days: int | None,
    first_answer_days: int | None,
    general_days: int | None,
    difficult_days: int | None,
    office_close: time | None = None,
) -> Policy:
    """Build a policy from plain numbers of working days (None: the stage is not timed)."""
    days = (assign_days, first_answer_days, general_days, difficult_days)
    if any(d is not None and d < 0 for d in days):
        raise ValueError(f"{name}: a time limit cannot be negative: {days}")
    if (general_days is None) != (difficult_days is None):
        raise ValueError(f"{name}: give both settle limits (general and difficult) or neither")
    settle = None if general_days is None or difficult_days is None else StageLimit(general_days, difficult_days)
    return Policy(
        name=name,
        assign=None if assign_days is None else StageLimit.same(assign_days),
        first_answer=None if first_answer_days is None else StageLimit.same(first_answer_days),
        settle=settle,
        office_close=office_close,
    )


POLICIES: dict[str, Policy] = {
    # 三不过: 交办不过夜、一般问题不过周、疑难问题不过月 (seed 004, 莲湖街道).
    "sanbuguo": policy_from_settings(
        "sanbuguo", assign_days=0, first_answer_days=None,
        general_days=WEEK_IN_WORKING_DAYS, difficult_days=MONTH_IN_WORKING_DAYS,
    ),
    # 13710: assign in 1, first answer in 3, general settled in 7, complex in 10 working days.
    "13710": policy_from_settings(
        "13710", assign_days=1, first_answer_days=3, general_days=7, difficult_days=10,
    ),
}


def due_at(
    policy: Policy,
    stage: Stage,
    difficulty: Difficulty,
    start: datetime,
    tz: ZoneInfo,
    calendar: WorkCalendar,
) -> datetime | None:
    """When `stage` is due for a ticket received at `start` (aware), as an aware UTC
    datetime; None when the policy does not time that stage. A count reaching a year without
    an official list is provisional (`provisional_years`)."""
    limit = policy.limit(stage)
    if limit is None:
        return None
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime (stored times are UTC)")
    received = received_day(start, tz, policy.office_close)
    due_day = calendar.add_working_days(received, limit.days(difficulty))
    return end_of_working_day(due_day, tz, policy.office_close)


def received_day(start: datetime, tz: ZoneInfo, office_close: time | None) -> date:
    """The local day a problem counts as received: after closing time, the next day."""
    local = start.astimezone(tz)
    if office_close is not None and local.time() >= office_close:
        return local.date() + timedelta(days=1)
    return local.date()


def end_of_working_day(day: date, tz: ZoneInfo, office_close: time | None) -> datetime:
    """The instant `day` ends in `tz` (24:00, or office close), in UTC."""
    if office_close is None:
        local_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    else:
        local_end = datetime.combine(day, office_close, tzinfo=tz)
    return local_end.astimezone(UTC)


# -- a ticket's deadlines ------------------------------------------------------

DUE_FIELDS: dict[Stage, str] = {
    Stage.ASSIGN: "assign_due_at", Stage.FIRST_ANSWER: "answer_due_at", Stage.SETTLE: "settle_due_at",
}
ANSWERS = frozenset({EventKind.INFO_REQUESTED, EventKind.RESOLVED})  # what counts as the owner answering the reporter


def stage_met(ticket: Ticket, stage: Stage) -> bool:
    """Whether the ticket has done what `stage` asks. 交办: an owner has taken it up (a 退单
    undoes that); 首次答复: the owner has asked or answered the reporter; 办结: it is closed."""
    if stage is Stage.ASSIGN:
        return ticket.status is not TicketStatus.ASSIGNED
    if stage is Stage.FIRST_ANSWER:
        return any(event.kind in ANSWERS for event in ticket.events)
    return not is_open(ticket.status)


def running_due(ticket: Ticket) -> tuple[Stage, datetime] | None:
    """The deadline the ticket works against now: its earliest timed stage not yet met."""
    if not is_open(ticket.status):
        return None
    pending = [(due, stage) for stage, name in DUE_FIELDS.items()
               if (due := getattr(ticket, name)) is not None and not stage_met(ticket, stage)]
    if not pending:
        return None
    due, stage = min(pending)
    return stage, due


def extension_days(ticket: Ticket) -> int:
    """Working days added to 办结 by approved 延期 requests."""
    return sum(int(event.data["days"]) for event in ticket.events if event.kind == EventKind.EXTENSION_GRANTED)


def stamp_due_times(ticket: Ticket, policy: Policy, tz: ZoneInfo, calendar: WorkCalendar) -> None:
    """Set every stage's due time from the intake time, the difficulty and any approved 延期.
    Called at intake and on the explicit events that move deadlines (研判, 延期, a year's
    official list loaded)."""
    dues = {stage: due_at(policy, stage, ticket.difficulty, ticket.created_at, tz, calendar) for stage in Stage}
    if (settle := dues[Stage.SETTLE]) is not None and (extra := extension_days(ticket)):
        dues[Stage.SETTLE] = extend(settle, extra, tz, calendar, policy.office_close)
    for stage, due in dues.items():
        setattr(ticket, DUE_FIELDS[stage], due)


def extend(due: datetime, days: int, tz: ZoneInfo, calendar: WorkCalendar, office_close: time | None) -> datetime:
    """A deadline moved `days` working days later, still ending at the end of a working day."""
    last_day = (due - timedelta(microseconds=1)).astimezone(tz).date()  # a 24:00 deadline is its day's
    return end_of_working_day(calendar.add_working_days(last_day, days), tz, office_close)


def provisional_years(ticket: Ticket, tz: ZoneInfo, calendar: WorkCalendar) -> list[int]:
    """The years without an official list that the ticket's deadlines were counted into: its
    due days there are provisional (statutory holidays only, no 调休 known yet)."""
    dues = [due for name in DUE_FIELDS.values() if (due := getattr(ticket, name)) is not None]
    if not dues:
        return []
    last_day = (max(dues) - timedelta(microseconds=1)).astimezone(tz).date()  # a 24:00 deadline is its day's
    first_year = ticket.created_at.astimezone(tz).year
    return [year for year in range(first_year, last_day.year + 1) if not calendar.covers(year)]

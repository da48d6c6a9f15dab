"""催办 / 督办 / 黑旗 escalation: the ladder a late ticket climbs, one rung at a time.

Rungs belong to the deadline the ticket runs against now (its stage and due time):
when that stage is met, or a 延期 moves the due time, the ladder starts again from
the bottom. Each rung climbed is an event in the history (`LADDER_EVENT`), so the
next rung is always known from the ticket itself and a restart loses nothing.

    REMIND     催办   the owner, on the first red day (at office opening, but not
                      sooner than `remind_after` after intake); skipped if that is
                      not before the due time
    SUPERVISE  督办   a formal notice to the owner, the leader in charge in copy, at
                      office opening on the first working day after the due day
    ESCALATE   黑旗   the leader of the next level up, at office opening on the day the
                      ticket turns black; the ticket is marked for the weekly 通报
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.domain.calendar import WorkCalendar
from handlers.domain.deadlines import Stage, running_due
from handlers.domain.events import EventKind
from handlers.domain.flags import due_day
from handlers.domain.model import Ticket
from handlers.domain.quiet import QuietHours

LADDER_EVENT = EventKind.LADDER  # data: rung, stage, due (ISO): which deadline it was climbed for


OPENINGS_KEPT = 10_000  # rung times remembered (Clockwork.opening_after), so the memo stays small


class Rung(StrEnum):
    REMIND = "remind"  # 催办
    SUPERVISE = "supervise"  # 督办
    ESCALATE = "escalate"  # 黑旗: up a level, into the weekly 通报


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[Rung, ...] = (Rung.REMIND, Rung.SUPERVISE, Rung.ESCALATE)
    remind_after: timedelta = timedelta(hours=2)  # a new ticket is not chased at once


@dataclass(frozen=True)
class Clockwork:
    """What the ladder needs to place a rung in time."""

    ladder: Ladder
    hours: QuietHours  # 无事不扰: rungs fall in office hours
    calendar: WorkCalendar
    tz: ZoneInfo
    warning_days: int
    hard_limit_days: int
    # A morning's sweep asks the same few due times for every ticket: each is worked out once.
    _openings: dict[tuple[datetime, int], datetime] = field(default_factory=dict, compare=False, repr=False)

    def opening_after(self, due: datetime, working_days: int) -> datetime:
        """Office opening on the `working_days`-th working day after the day `due` closes."""
        known = self._openings.get((due, working_days))
        if known is None:
            if len(self._openings) >= OPENINGS_KEPT:
                self._openings.clear()
            day = self.calendar.add_working_days(due_day(due, self.tz), working_days)
            known = self._openings[(due, working_days)] = datetime.combine(day, self.hours.office_open, tzinfo=self.tz)
        return known

    def rung_time(self, rung: Rung, due: datetime, created: datetime) -> datetime | None:
        """When `rung` is due for a deadline `due` on a ticket received at `created`; None: skipped."""
        if rung is Rung.SUPERVISE:
            return self.opening_after(due, 1)
        if rung is Rung.ESCALATE:
            return self.opening_after(due, self.hard_limit_days + 1)
        first_red_day = self._first_red_day(due)
        at = max(datetime.combine(first_red_day, self.hours.office_open, tzinfo=self.tz),
                 created + self.ladder.remind_after)
        in_hours = at.astimezone(self.tz).time() < self.hours.office_close
        return at if at < due and in_hours else None

    def _first_red_day(self, due: datetime) -> date:
        """The earliest day the flag is red before `due` (flags.flag_for's warning window)."""
        day = due_day(due, self.tz)
        for _ in range(max(self.warning_days - 1, 0)):
            day -= timedelta(days=1)
            while not self.calendar.is_working_day(day):
                day -= timedelta(days=1)
        return day


def climbed(ticket: Ticket, stage: Stage, due: datetime) -> set[Rung]:
    """The rungs already climbed for this stage's current due time."""
    return {Rung(event.data["rung"]) for event in ticket.events
            if event.kind == LADDER_EVENT and event.data.get("stage") == stage.value
            and event.data.get("due") == due.isoformat()}


@dataclass(frozen=True)
class Step:
    rung: Rung
    stage: Stage
    due: datetime  # the deadline it is climbed for
    at: datetime  # when it is to be climbed


def upcoming(ticket: Ticket, clockwork: Clockwork) -> list[Step]:
    """The rungs still to climb for the running deadline, in order (skipped rungs left out)."""
    running = running_due(ticket)
    if running is None:
        return []
    return _to_climb(ticket, clockwork, *running, climbed(ticket, *running))


def _to_climb(ticket: Ticket, clockwork: Clockwork, stage: Stage, due: datetime, done: set[Rung]) -> list[Step]:
    return [Step(rung, stage, due, at) for rung in clockwork.ladder.rungs
            if rung not in done and (at := clockwork.rung_time(rung, due, ticket.created_at)) is not None]


def due_now(ticket: Ticket, clockwork: Clockwork, now: datetime) -> list[Step]:
    """The rungs whose time has come. After downtime several may have; only the last is
    worth a message (a 催办 is moot once 督办 is due), the others are recorded as passed."""
    return [step for step in upcoming(ticket, clockwork) if step.at <= now]


def schedule(ticket: Ticket, clockwork: Clockwork) -> None:
    """Set `next_action_at` (the sweep's index), `ladder_step` and `due_at` from the history."""
    running = running_due(ticket)
    ticket.due_at = running[1] if running else None
    ticket.ladder_step = len(climbed(ticket, *running)) if running else 0
    steps = upcoming(ticket, clockwork)
    ticket.next_action_at = steps[0].at if steps else None


def climb(ticket: Ticket, clockwork: Clockwork, now: datetime) -> list[Step]:
    """`due_now`, then `schedule` as it will stand once the caller has recorded those rungs, from
    one reading of the history: the sweep's hot path, run for every ticket due. (A rung recorded
    moves neither the running deadline nor the other rungs' times, so the plan is the rest.)"""
    running = running_due(ticket)
    if running is None:
        ticket.due_at, ticket.ladder_step, ticket.next_action_at = None, 0, None
        return []
    done = climbed(ticket, *running)
    steps = _to_climb(ticket, clockwork, *running, done)
    now_due, later = [step for step in steps if step.at <= now], [step for step in steps if step.at > now]
    ticket.due_at, ticket.ladder_step = running[1], len(done) + len(now_due)
    ticket.next_action_at = later[0].at if later else None
    return now_due

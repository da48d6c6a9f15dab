"""A ticket's own deadlines: which stage it runs against, how 研判 and 延期 move them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.domain.deadlines import POLICIES, Stage, extend, provisional_years, running_due, stamp_due_times
from handlers.domain.flags import Flag
from handlers.domain.model import Difficulty, ReporterKind, Ticket, TicketStatus
from handlers.rules import Rules, official_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = official_calendar()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ticket_at(created: datetime, status: TicketStatus = TicketStatus.ASSIGNED) -> Ticket:
    return Ticket(id=1, number="LX-2026-000001", category="utilities", description="停电", reporter_account_id=1,
                  reporter_kind=ReporterKind.ENTERPRISE, reporter_phone="", org_unit_id=1, owner_cadre_id=1,
                  status=status, created_at=created.astimezone(UTC))


def stamped(created: datetime, policy: str = "sanbuguo") -> Ticket:
    ticket = ticket_at(created)
    stamp_due_times(ticket, POLICIES[policy], SHANGHAI, CALENDAR)
    return ticket


def test_sanbuguo_gives_the_day_of_intake_to_assign_and_a_working_week_to_settle():
    ticket = stamped(local(2026, 11, 23, 10, 0))  # a Monday
    assert ticket.assign_due_at == local(2026, 11, 24, 0, 0)  # 交办不过夜: by 24:00 that day
    assert ticket.answer_due_at is None  # 三不过 does not time a first answer
    assert ticket.settle_due_at == local(2026, 12, 1, 0, 0)  # end of Monday 30 Nov


def test_a_new_ticket_runs_against_assignment_then_settling_once_taken_up():
    ticket = stamped(local(2026, 11, 23, 10, 0))
    assert running_due(ticket) == (Stage.ASSIGN, ticket.assign_due_at)
    ticket.status = TicketStatus.ACCEPTED
    assert running_due(ticket) == (Stage.SETTLE, ticket.settle_due_at)
    ticket.status = TicketStatus.ASSIGNED  # 退单: to be taken up again, against the original deadline
    assert running_due(ticket) == (Stage.ASSIGN, ticket.assign_due_at)


def test_under_13710_the_first_answer_is_due_until_the_owner_asks_or_answers():
    ticket = stamped(local(2026, 11, 23, 10, 0), "13710")
    ticket.status = TicketStatus.ACCEPTED
    assert running_due(ticket) == (Stage.FIRST_ANSWER, local(2026, 11, 27, 0, 0))  # 3 working days: Thu
    ticket.record("info_requested", local(2026, 11, 24, 9, 0), 1, question="几号线路？")
    assert running_due(ticket) == (Stage.SETTLE, local(2026, 12, 3, 0, 0))  # 7 working days: Wed 2 Dec


@pytest.mark.parametrize("status", [TicketStatus.RESOLVED, TicketStatus.CONFIRMED, TicketStatus.WITHDRAWN])
def test_a_closed_ticket_runs_against_nothing(status):
    ticket = stamped(local(2026, 11, 23, 10, 0))
    ticket.status = status
    assert running_due(ticket) is None
    assert Rules().flag(ticket, local(2027, 6, 1, 0, 0)) is None


def test_an_untimed_ticket_has_no_flag():
    assert Rules().flag(ticket_at(local(2026, 11, 23, 10, 0)), local(2026, 11, 23, 11, 0)) is None


def test_an_extension_skips_the_national_day_break():
    due = local(2026, 10, 1, 0, 0)  # end of Wednesday 30 Sep
    assert extend(due, 1, SHANGHAI, CALENDAR, None) == local(2026, 10, 9, 0, 0)  # Thursday 8 Oct
    assert extend(due, 2, SHANGHAI, CALENDAR, None) == local(2026, 10, 10, 0, 0)  # Friday 9 Oct
    assert extend(due, 3, SHANGHAI, CALENDAR, None) == local(2026, 10, 11, 0, 0)  # Saturday 10 Oct: 调休


def test_reclassifying_keeps_the_days_an_extension_granted():
    ticket = stamped(local(2026, 11, 23, 10, 0))
    ticket.record("extension_granted", local(2026, 11, 25, 9, 0), 1, days=3)
    ticket.difficulty = Difficulty.DIFFICULT
    stamp_due_times(ticket, POLICIES["sanbuguo"], SHANGHAI, CALENDAR)
    # 22 working days after 23 Nov: Wed 23 Dec; and 3 more: Mon 28 Dec.
    assert ticket.settle_due_at == local(2026, 12, 29, 0, 0)


def test_a_deadline_reaching_an_uncovered_year_is_counted_and_known_to_be_provisional():
    ticket = stamped(local(2026, 12, 15, 10, 0))
    assert provisional_years(ticket, SHANGHAI, CALENDAR) == []  # settled by 22 Dec: all in 2026
    ticket.difficulty = Difficulty.DIFFICULT
    stamp_due_times(ticket, POLICIES["sanbuguo"], SHANGHAI, CALENDAR)
    assert ticket.settle_due_at == local(2027, 1, 16, 0, 0)  # to the end of Friday 15 Jan 2027
    assert provisional_years(ticket, SHANGHAI, CALENDAR) == [2027]


def test_the_flag_follows_the_running_stage():
    ticket = stamped(local(2026, 11, 23, 10, 0))
    rules = Rules()
    assert rules.flag(ticket, local(2026, 11, 23, 11, 0)) is Flag.GREEN  # assignment is due today, by tonight
    assert rules.flag(ticket, local(2026, 11, 23, 15, 0)) is Flag.RED  # ...and three office hours are left
    ticket.status = TicketStatus.ACCEPTED
    assert rules.flag(ticket, local(2026, 11, 23, 11, 0)) is Flag.GREEN
    assert rules.flag(ticket, local(2026, 12, 8, 0, 1)) is Flag.BLACK  # late past 5 working days

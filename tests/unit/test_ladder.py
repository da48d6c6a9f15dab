"""The 催办 → 督办 → 黑旗 ladder in time: weekends, a 调休 Saturday, the National Day week, midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.domain.deadlines import POLICIES, Stage, stamp_due_times
from handlers.domain.ladder import LADDER_EVENT, Rung, due_now, schedule, upcoming
from handlers.domain.model import ReporterKind, Ticket, TicketStatus
from handlers.rules import Rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCKWORK = Rules().clockwork  # warning 1, hard limit 5 working days, office 09:00–18:00


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ticket(created: datetime, status: TicketStatus = TicketStatus.ASSIGNED) -> Ticket:
    made = Ticket(id=1, number="LX-2026-000001", category="utilities", description="停电", reporter_account_id=1,
                  reporter_kind=ReporterKind.ENTERPRISE, reporter_phone="", org_unit_id=1, owner_cadre_id=1,
                  status=status, created_at=created.astimezone(UTC))
    stamp_due_times(made, POLICIES["sanbuguo"], SHANGHAI, CLOCKWORK.calendar)
    return made


def plan(made: Ticket) -> list[tuple[Rung, datetime]]:
    return [(step.rung, step.at) for step in upcoming(made, CLOCKWORK)]


def test_a_ticket_not_taken_up_is_chased_the_same_day_and_escalated_on_its_black_day():
    made = ticket(local(2026, 11, 23, 10, 0))  # Monday; 交办 due by 24:00
    assert plan(made) == [
        (Rung.REMIND, local(2026, 11, 23, 12, 0)),  # two hours after intake, still that day
        (Rung.SUPERVISE, local(2026, 11, 24, 9, 0)),  # the working day after
        (Rung.ESCALATE, local(2026, 12, 1, 9, 0)),  # the 6th working day after: black
    ]


def test_an_accepted_ticket_is_chased_on_its_due_day():
    made = ticket(local(2026, 11, 23, 10, 0), TicketStatus.ACCEPTED)  # 办结 due end of Monday 30 Nov
    assert plan(made) == [
        (Rung.REMIND, local(2026, 11, 30, 9, 0)),
        (Rung.SUPERVISE, local(2026, 12, 1, 9, 0)),
        (Rung.ESCALATE, local(2026, 12, 8, 9, 0)),
    ]


def test_a_late_night_intake_is_not_chased_at_night_but_supervised_next_morning():
    made = ticket(local(2026, 11, 23, 23, 30))  # due at midnight, 30 minutes later
    assert plan(made)[0] == (Rung.SUPERVISE, local(2026, 11, 24, 9, 0))


def test_just_after_midnight_belongs_to_the_new_day():
    made = ticket(local(2026, 11, 24, 0, 30))  # Tuesday, 16:30 UTC on Monday
    assert plan(made)[0] == (Rung.REMIND, local(2026, 11, 24, 9, 0))


def test_a_friday_deadline_is_supervised_on_monday_not_saturday():
    made = ticket(local(2026, 11, 27, 10, 0))  # Friday
    assert plan(made)[1] == (Rung.SUPERVISE, local(2026, 11, 30, 9, 0))


def test_the_national_day_week_holds_the_ladder_and_the_调休_saturday_moves_it():
    made = ticket(local(2026, 9, 30, 10, 0))  # Wednesday before the break (1–7 Oct)
    assert plan(made)[1] == (Rung.SUPERVISE, local(2026, 10, 8, 9, 0))
    made = ticket(local(2026, 10, 9, 10, 0))  # Friday; Saturday 10 Oct is a working day
    assert plan(made)[1] == (Rung.SUPERVISE, local(2026, 10, 10, 9, 0))


def test_after_downtime_every_passed_rung_is_due_at_once_and_then_nothing():
    made = ticket(local(2026, 11, 23, 10, 0))
    late = local(2026, 12, 2, 10, 0)
    steps = due_now(made, CLOCKWORK, late)
    assert [step.rung for step in steps] == [Rung.REMIND, Rung.SUPERVISE, Rung.ESCALATE]
    for step in steps:
        made.record(LADDER_EVENT, late, None, rung=step.rung.value, stage=step.stage.value, due=step.due.isoformat())
    schedule(made, CLOCKWORK)
    assert made.next_action_at is None and made.ladder_step == 3
    assert due_now(made, CLOCKWORK, late + timedelta(days=30)) == []


def test_taking_it_up_starts_the_ladder_again_for_the_next_deadline():
    made = ticket(local(2026, 11, 23, 10, 0))
    made.record(LADDER_EVENT, local(2026, 11, 23, 12, 0), None, rung="remind", stage=Stage.ASSIGN.value,
                due=made.assign_due_at.isoformat())
    schedule(made, CLOCKWORK)
    assert made.ladder_step == 1 and made.next_action_at == local(2026, 11, 24, 9, 0)
    made.status = TicketStatus.ACCEPTED
    schedule(made, CLOCKWORK)
    assert made.ladder_step == 0 and made.next_action_at == local(2026, 11, 30, 9, 0)


def test_a_moved_deadline_starts_the_ladder_again():
    made = ticket(local(2026, 11, 23, 10, 0), TicketStatus.ACCEPTED)
    made.record(LADDER_EVENT, local(2026, 11, 30, 9, 0), None, rung="remind", stage=Stage.SETTLE.value,
                due=made.settle_due_at.isoformat())
    made.settle_due_at = local(2026, 12, 8, 0, 0)  # 延期 approved: 5 more working days
    schedule(made, CLOCKWORK)
    assert made.ladder_step == 0 and made.next_action_at == local(2026, 12, 7, 9, 0)


def test_a_closed_ticket_has_no_next_action():
    made = ticket(local(2026, 11, 23, 10, 0), TicketStatus.RESOLVED)
    schedule(made, CLOCKWORK)
    assert made.next_action_at is None

"""The deadline sweep is set-based: each person hears once per pass however many batches their
tickets fall into, and its SQL statements grow with the batches, not with the tickets due.

Clock moved, never slept: problems reported to 陈晓明 on Monday 23 Nov 2026 at 10:00 (Shanghai)
and not taken up; 催办 is due at 12:00, 督办 (赵主任 in copy) on Tuesday 09:00.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from handlers import reminders
from handlers.app import Lianxin
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import ReporterKind
from handlers.rules import Rules
from handlers.services import new_ticket
from handlers.turn import Work
from storage.tables import TicketEventRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
REMINDED = datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI)  # 催办 due, 督办 not yet
SUPERVISED = datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)  # 督办 due: the owner, the leader in copy


class Fixed:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def test_a_cadre_with_tickets_in_three_batches_gets_one_reminder_listing_all(uow_factory, demo):
    butler, _ = _bind_cadres(uow_factory, demo)
    numbers = _open_tickets(uow_factory, demo, 25)
    replies = Lianxin(uow_factory, Fixed(REMINDED)).sweep(batch=10)  # batches of 10, 10 and 5
    assert [reply.to.chat_id for reply in replies] == [butler], "one message for the pass, not one per batch"
    assert replies[0].text.params["heading"].params["count"] == 25
    assert sorted(replies[0].text.params[f"i{n}"].key for n in range(25)) == ["催办: {what} is due today ({day})"] * 25
    assert all(number in replies[0].text.key for number in numbers)
    assert _ladder_events(uow_factory) == 25, "each ticket's rung recorded once"
    assert Lianxin(uow_factory, Fixed(REMINDED)).sweep(batch=10) == [], "nothing held back for a second message"


def test_a_leader_in_copy_of_many_batches_gets_one_supervision_notice(uow_factory, demo):
    butler, leader = _bind_cadres(uow_factory, demo)
    _open_tickets(uow_factory, demo, 12)
    replies = Lianxin(uow_factory, Fixed(SUPERVISED)).sweep(batch=5)
    assert sorted(reply.to.chat_id for reply in replies) == sorted([butler, leader])
    for reply in replies:
        assert reply.text.params["heading"].params["count"] == 12


def test_lines_held_by_a_pass_that_died_before_bundling_are_sent_by_the_next(uow_factory, demo):
    butler, _ = _bind_cadres(uow_factory, demo)
    numbers = _open_tickets(uow_factory, demo, 3)
    with uow_factory() as uow:  # a pass's first batch commits, then the process dies
        work = Work(uow=uow, now=REMINDED.astimezone(UTC), rules=Rules())
        reminders.climb_due(work, uow.tickets.claim_actions_due(work.now, 200), reminders.People())
        uow.commit()
    replies = Lianxin(uow_factory, Fixed(REMINDED)).sweep()
    assert [reply.to.chat_id for reply in replies] == [butler]
    assert all(number in replies[0].text.key for number in numbers), "the climbs recorded are told of, once"


def test_statements_grow_with_batches_not_with_tickets_due(uow_factory, demo, database_url):
    _bind_cadres(uow_factory, demo)
    _open_tickets(uow_factory, demo, 10)
    with _counting(uow_factory) as few:
        Lianxin(uow_factory, Fixed(REMINDED)).sweep(batch=200)
    _open_tickets(uow_factory, demo, 100)
    with _counting(uow_factory) as many:
        Lianxin(uow_factory, Fixed(REMINDED)).sweep(batch=200)
    assert _ladder_events(uow_factory) == 110
    assert len(many) == len(few), "ten times the tickets due, in one batch: the same statements"


def _bind_cadres(uow_factory, demo) -> tuple[str, str]:
    """陈晓明 (the butler) and 赵主任 (the township's duty cadre) use the bot; their chat ids."""
    with uow_factory() as uow:
        for chat, cadre_id in (("2001", demo.butler_id), ("2009", demo.duty_cadre_id)):
            account = uow.accounts.get_or_create("telegram", chat, chat, "zh_CN", "")
            uow.session.execute(sa.text("UPDATE cadre SET account_id = :a WHERE id = :c"),
                                {"a": account.id, "c": cadre_id})
        uow.commit()
    return "2001", "2009"


def _open_tickets(uow_factory, demo, count: int) -> list[str]:
    with uow_factory() as uow:
        reporter = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "王老板")
        work = Work(uow=uow, now=CREATED.astimezone(UTC), rules=Rules())
        owner = uow.directory.cadre(demo.butler_id)
        numbers = [work.add(new_ticket(work, owner=owner, category="utilities", description="停电",
                                       reporter_account_id=reporter.id, reporter_kind=ReporterKind.ENTERPRISE,
                                       reporter_phone="13800138000",
                                       org_unit_id=demo.org_units["裴李岗村第一网格"])).number
                   for _ in range(count)]
        uow.commit()
    return numbers


def _ladder_events(uow_factory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(TicketEventRow)
                                  .where(TicketEventRow.kind == LADDER_EVENT))


@contextmanager
def _counting(uow_factory):
    """Every statement sent to the database (an executemany counts once: one round of the driver)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(uow_factory.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(uow_factory.engine, "before_cursor_execute", count)

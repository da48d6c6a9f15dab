"""Issue 13: deadlines never go blank at the turn of the year. A count reaching a year whose
official holiday list is not loaded is provisional: the ticket gets a due date all the same,
its history says so, the admins hear of it once per year, and loading the list recounts it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers import provisional
from handlers.app import Lianxin
from handlers.domain.calendar import WorkCalendar, YearList
from handlers.domain.events import EventKind
from handlers.domain.model import Role
from handlers.rules import Rules
from tests.unit.chat import Chat, Core, FixedClock, demo_store, keys
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.test_cadre_dialogs import LEADER_CHAT, Desk

SHANGHAI = ZoneInfo("Asia/Shanghai")
DECEMBER_15 = datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)
WARNING = ("The official holiday list for {year} is not loaded. Deadlines reaching {year} are counted on the "
           "statutory holidays and weekends alone, without 调休 swaps, and shown as provisional. Load the State "
           "Council's notice with “lianxin calendar load FILE” (docs/deadlines.md); open tickets are then recounted.")
# Illustrative only, NOT the State Council's 2027 notice: 元旦 and a made-up Monday–Tuesday off.
LIST_2027 = {2027: YearList(holidays=frozenset({date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 5)}),
                            workdays=frozenset())}


@pytest.fixture
def december(monkeypatch) -> Desk:
    """Ticket 1 reported on Tuesday 15 Dec 2026; 赵主任 (the leader above) is also an admin."""
    monkeypatch.setattr(FixedClock, "now", lambda self: DECEMBER_15.astimezone(UTC))
    store = demo_store()
    store.grant(3, Role.ADMIN)
    return Desk(store)


def classify_difficult(chat: Chat) -> None:
    chat.presses("Classify")
    chat.presses("B · department (部门办)")
    chat.presses("difficult (疑难)")


def report_again(desk: Desk) -> None:
    r = desk.boss.says("/start")
    r = desk.boss.presses("Enterprise", r)
    r = desk.boss.says(desk.store.enterprises[1].credit_code)
    r = desk.boss.presses("Labour & hiring", r)
    r = desk.boss.says("缺普工三十人")
    r = desk.boss.presses("Done", r)
    r = desk.boss.says("13812345678")
    desk.boss.presses("Confirm", r)


def test_a_december_difficult_ticket_gets_a_provisional_due_date_not_none(december: Desk) -> None:
    classify_difficult(december.owner)
    ticket = december.ticket
    # 22 working days after Tue 15 Dec: 12 to 31 Dec, 1 Jan (statutory) off, 10 more to Friday 15 Jan 2027.
    assert ticket.settle_due_at == datetime(2027, 1, 16, 0, 0, tzinfo=SHANGHAI)
    assert provisional.is_provisional(ticket)
    marked = [e for e in ticket.events if e.kind == EventKind.DEADLINES_PROVISIONAL]
    assert [e.data["years"] for e in marked] == [[2027]]
    assert ticket.next_action_at is not None, "reminders are planned across the year"


def test_the_admins_are_warned_once_per_year_not_per_ticket(december: Desk) -> None:
    classify_difficult(december.owner)
    report_again(december)
    r = december.owner.presses("Classify", december.owner.received())  # the newest card: ticket 2
    december.owner.presses("B · department (部门办)", r)
    december.owner.presses("difficult (疑难)")
    assert provisional.is_provisional(december.store.tickets[2])
    warnings = [reply for reply in december.leader.received() if reply.text.key == WARNING]
    assert len(warnings) == 1 and warnings[0].text.params["year"].params["text"] == "2027"
    assert warnings[0].to.chat_id == LEADER_CHAT


def test_a_refused_more_time_request_across_the_year_is_asked_and_approved(december: Desk) -> None:
    """The stuck 延期 of issue 13: now the leader is asked, with both dates marked provisional."""
    classify_difficult(december.owner)
    december.owner.presses("More time (延期)")
    december.owner.says("3")
    r = december.owner.says("需协调供电公司检修")
    assert "Your request for {days} more working days on {number} went to {name}." in keys(r)
    asked = december.leader.received()[-1]
    assert asked.text.params["due"].params["day"].params["text"] == "2027-01-15"
    assert asked.text.params["extended"].key == "{day} (provisional)"
    december.leader.presses("Approve")
    assert december.ticket.settle_due_at == datetime(2027, 1, 21, 0, 0, tzinfo=SHANGHAI)  # Mon 18 – Wed 20 Jan


def test_loading_the_official_list_recounts_provisional_deadlines_once_and_records_why(december: Desk) -> None:
    classify_difficult(december.owner)
    store = december.store
    loaded = Lianxin(lambda: FakeUnitOfWork(store), FixedClock(), rules=Rules(calendar=WorkCalendar(LIST_2027)))

    assert loaded.recount_deadlines() == [december.ticket.number]
    ticket = store.tickets[1]
    # 4 and 5 Jan off too on the (made-up) list: two working days later, Tuesday 19 Jan.
    assert ticket.settle_due_at == datetime(2027, 1, 20, 0, 0, tzinfo=SHANGHAI)
    assert not provisional.is_provisional(ticket)
    recounted = ticket.events[-1]
    assert recounted.kind == EventKind.DEADLINES_RECOUNTED
    assert (recounted.data["before"]["settle"], recounted.data["after"]["settle"]) == (
        "2027-01-15T16:00:00+00:00", "2027-01-19T16:00:00+00:00")
    told = december.owner.received()[-1]
    assert told.text.params["due"].params["text"] == "2027-01-19", "shown plainly: no longer provisional"
    assert loaded.recount_deadlines() == [], "nothing is recounted twice"


def test_a_list_that_still_leaves_the_year_uncovered_recounts_nothing(december: Desk) -> None:
    classify_difficult(december.owner)
    store = december.store
    before = list(store.tickets[1].events)
    assert Core(store).lianxin.recount_deadlines() == []
    assert store.tickets[1].events == before

"""The owner's lifecycle called as a CLI, the scheduler or a web page would: a frozen command
and a unit of work, no chat turn. What happened is the changed ticket and the notices queued."""

from __future__ import annotations

import pytest

from handlers import services
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.domain.model import TicketStatus
from handlers.turn import Work
from tests.unit.chat import FixedClock, demo_store, is_card_edit
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.test_cadre_dialogs import Desk

BUTLER_ACCOUNT_CHAT, REPORTER_CHAT = "500", "1001"


def account_id(store, chat_id: str) -> int:
    return next(a.id for a in store.accounts.values() if a.chat_id == chat_id)


def run(store, use_case, command):
    """One transaction, as any caller would run it; returns (result, messages queued)."""
    with FakeUnitOfWork(store) as uow:
        work = Work(uow=uow, now=FixedClock().now())
        result = use_case(command, work)
        uow.commit()
    return result, work.replies


def test_accept_then_resolve_without_a_chat_tells_the_reporter_each_time() -> None:
    store = Desk(demo_store()).store
    butler, reporter = account_id(store, BUTLER_ACCOUNT_CHAT), account_id(store, REPORTER_CHAT)

    ticket, told = run(store, services.accept, services.Accept(1, by=butler))
    assert ticket.status is TicketStatus.ACCEPTED
    accepted = "Ticket {number} was accepted by {name} ({role})."
    assert [(r.to.chat_id, r.text.key) for r in told if not is_card_edit(r)] == [(REPORTER_CHAT, accepted)]
    assert [r.to.chat_id for r in told if is_card_edit(r)] == [BUTLER_ACCOUNT_CHAT], "the owner's card is edited"

    ticket, told = run(store, services.resolve, services.Resolve(1, by=butler, note="已恢复供电"))
    assert store.tickets[1].status is TicketStatus.RESOLVED
    assert [e.kind for e in store.tickets[1].events][-2:] == [EventKind.ACCEPTED, EventKind.RESOLVED]
    [verdict] = [r for r in told if not is_card_edit(r)]
    assert verdict.to.chat_id == REPORTER_CHAT and verdict.text.params["note"] == "已恢复供电"
    assert [b.label.key for b in verdict.buttons[0]] == ["Solved", "Partly solved", "Not solved"]
    assert reporter == store.tickets[1].reporter_account_id


def test_a_command_from_someone_who_does_not_own_the_ticket_is_refused_and_changes_nothing() -> None:
    store = Desk(demo_store()).store
    reporter = account_id(store, REPORTER_CHAT)
    with pytest.raises(DomainError):
        run(store, services.resolve, services.Resolve(1, by=reporter, note="我自己说解决了"))
    assert store.tickets[1].status is TicketStatus.ASSIGNED
    assert EventKind.RESOLVED not in [e.kind for e in store.tickets[1].events]

"""Tickets the office moves: a new 包联 takes the enterprise's open tickets, recorded in each history."""

from __future__ import annotations

import pytest

from handlers import reassign
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.domain.model import TicketStatus
from tests.unit.chat import demo_store
from tests.unit.test_cadre_dialogs import GRID_CHAT, OWNER_CHAT, REPORTER_CHAT, Desk
from tests.unit.test_use_cases_without_a_chat import run

BUTLER, GRID_WORKER, LEADER = 1, 2, 3  # demo_store's cadres
ENTERPRISE = 1  # 润弘制药, 包联 by the butler; ticket 1 is its power cut


def test_a_new_baolian_takes_the_enterprises_open_ticket_with_the_move_in_its_history() -> None:
    store = Desk(demo_store()).store

    moved, told = run(store, reassign.move_baolian, reassign.MoveBaolian(ENTERPRISE, to=GRID_WORKER, by=None))

    assert [t.number for t in moved] == [store.tickets[1].number]
    assert store.enterprises[ENTERPRISE].assigned_cadre_id == GRID_WORKER
    ticket = store.tickets[1]
    assert ticket.owner_cadre_id == GRID_WORKER and ticket.status is TicketStatus.ASSIGNED
    last = ticket.events[-1]
    assert (last.kind, last.data["previous_owner"], last.data["reason"]) == (EventKind.REASSIGNED, BUTLER,
                                                                              "baolian_moved")
    heard = {r.to.chat_id: r.text.key for r in told}
    assert heard[GRID_CHAT] == "The office moved ticket {number} ({title}) to you: {why}."
    assert heard[REPORTER_CHAT] == "Ticket {number} is now handled by {name} ({role})."
    assert heard[OWNER_CHAT] == "Ticket {number} ({title}) is now handled by {name}.", "the old card says where"


def test_a_closed_ticket_stays_with_whoever_handled_it() -> None:
    store = Desk(demo_store()).store
    store.tickets[1].status = TicketStatus.CONFIRMED

    moved, _ = run(store, reassign.move_baolian, reassign.MoveBaolian(ENTERPRISE, to=GRID_WORKER, by=None))

    assert moved == [] and store.tickets[1].owner_cadre_id == BUTLER
    assert store.enterprises[ENTERPRISE].assigned_cadre_id == GRID_WORKER


def test_moving_to_an_unknown_cadre_changes_nothing() -> None:
    store = Desk(demo_store()).store
    with pytest.raises(DomainError):
        run(store, reassign.move_baolian, reassign.MoveBaolian(ENTERPRISE, to=99, by=None))
    assert store.enterprises[ENTERPRISE].assigned_cadre_id == BUTLER
    assert store.tickets[1].owner_cadre_id == BUTLER

"""问题台账: the rows of a unit's problem ledger and their history, streamed from SQL.

`ledger_rows` and `history_rows` are generators over one query each: the database hands
rows over `BATCH` at a time (a server-side cursor on PostgreSQL), so a 500,000-problem
ledger never sits in Python's memory. Every ticket of the unit's whole subtree counts,
tickets filed on the unit itself included. Reporters' phones are never selected: the
ledger goes to leaders, and personal data goes only to the handling cadre.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from handlers.domain.events import EventKind
from handlers.domain.flags import Flag, FlagLines
from storage.reports import OPEN, flag_case, subtrees
from storage.repositories import from_db
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow, TicketEventRow, TicketRow

BATCH = 1000  # rows fetched per round trip; what the ledger holds in memory at most
CLOSED_OFF = (EventKind.CONFIRMED, EventKind.AUTO_CONFIRMED)  # 销号: by the reporter, or by the timeout
COMPLAINT = EventKind.COMPLAINT_FILED  # 举报 stays with the supervisors, out of the ledger


class LedgerRow(NamedTuple):
    """One problem, as stored (UTC instants, raw enum values); the writer translates. A named
    tuple: a ledger builds hundreds of thousands, and a frozen dataclass, which sets each field
    through object.__setattr__, took about 1.5 times as long to build (docs/ledger.md)."""

    number: str
    received_at: datetime
    reporter_kind: str
    enterprise: str | None
    category: str
    tier: str | None
    difficulty: str
    owner: str
    owner_unit: str
    status: str
    taken_up_at: datetime | None  # the first 接单, take-over or 办结
    resolved_at: datetime | None  # the last 办结
    closed_at: datetime | None  # the last 销号 (confirmed or auto-confirmed)
    assign_due_at: datetime | None
    answer_due_at: datetime | None
    settle_due_at: datetime | None
    flag: Flag | None  # now, for open tickets with a running deadline
    rating: int | None  # the latest 1–5 rating

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"


class HistoryRow(NamedTuple):
    number: str
    at: datetime
    kind: str
    actor_account_id: int | None  # None: the system (a timer)
    cadre: str | None  # the actor's name when the actor is a cadre
    data: dict[str, Any]


def find_units(session: Session, name_or_id: str) -> list[tuple[int, str]]:
    """(id, name) of the org units with this id or exact name: names can repeat (a 新村社区
    in two townships), ids cannot."""
    where = OrgUnitRow.id == int(name_or_id) if name_or_id.isdigit() else OrgUnitRow.name == name_or_id
    query = sa.select(OrgUnitRow.id, OrgUnitRow.name).where(where).order_by(OrgUnitRow.id)
    return [(unit_id, name) for unit_id, name in session.execute(query)]


def ledger_rows(session: Session, unit_id: int, lines: FlagLines, batch: int = BATCH) -> Iterator[LedgerRow]:
    """Every problem under `unit_id`, in the order received, with its flag at the moment of `lines`."""
    for row in _stream(session, _ledger_query(unit_id, lines), batch):
        yield LedgerRow(number=row.number, received_at=from_db(row.created_at), reporter_kind=row.reporter_kind,
                        enterprise=row.enterprise, category=row.category, tier=row.tier,
                        difficulty=row.difficulty, owner=row.owner, owner_unit=row.owner_unit, status=row.status,
                        taken_up_at=from_db(row.taken_up_at), resolved_at=from_db(row.resolved_at),
                        closed_at=from_db(row.closed_at), assign_due_at=from_db(row.assign_due_at),
                        answer_due_at=from_db(row.answer_due_at), settle_due_at=from_db(row.settle_due_at),
                        flag=Flag(row.flag) if row.flag else None,
                        rating=int(row.rating) if row.rating is not None else None)


def history_rows(session: Session, unit_id: int, batch: int = BATCH) -> Iterator[HistoryRow]:
    """The events of every problem under `unit_id`, problem by problem, each in its own order;
    举报 left out (its complainant and content are for the supervisors only)."""
    subtree = subtrees(unit_id, itself=True)
    query = (sa.select(TicketRow.number, TicketEventRow.at, TicketEventRow.kind, TicketEventRow.actor_account_id,
                       CadreRow.name.label("cadre"), TicketEventRow.data)
             .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id)
             .join(TicketEventRow, TicketEventRow.ticket_id == TicketRow.id)
             .outerjoin(CadreRow, CadreRow.account_id == TicketEventRow.actor_account_id)
             .where(TicketEventRow.kind != COMPLAINT)
             .order_by(TicketRow.id, TicketEventRow.seq))
    for row in _stream(session, query, batch):
        yield HistoryRow(number=row.number, at=from_db(row.at), kind=row.kind,
                         actor_account_id=row.actor_account_id, cadre=row.cadre, data=row.data or {})


def cadre_names(session: Session) -> dict[int, str]:
    """Every cadre's name by id, for naming the cadres events refer to (hand-overs, 会商).
    Cadres are bounded by the office (10,000 in a city), unlike problems."""
    return {cadre_id: name for cadre_id, name in session.execute(sa.select(CadreRow.id, CadreRow.name))}


def _stream(session: Session, query: sa.Select, batch: int) -> Iterator[sa.Row]:
    # yield_per: rows come `batch` at a time, on PostgreSQL from a server-side cursor. On the
    # session's connection, not the session: plain rows, without the ORM's loading layer.
    result = session.connection().execute(query, execution_options={"yield_per": batch})
    try:
        yield from result
    finally:
        result.close()  # a consumer stopping early must not leave the cursor open


def _ledger_query(unit_id: int, lines: FlagLines) -> sa.Select:
    subtree = subtrees(unit_id, itself=True)
    owner_unit = aliased(OrgUnitRow)
    # Correlated per ticket, by the (ticket_id, seq) index: rows can flow out as soon as the
    # first tickets are read, instead of after grouping the whole event table.
    closed = (sa.select(sa.func.max(TicketEventRow.at))
              .where(TicketEventRow.ticket_id == TicketRow.id, TicketEventRow.kind.in_(CLOSED_OFF)))
    rating = (sa.select(TicketEventRow.data["stars"].as_integer())
              .where(TicketEventRow.ticket_id == TicketRow.id, TicketEventRow.kind == EventKind.RATED)
              .order_by(TicketEventRow.seq.desc()).limit(1))
    flag = sa.case((sa.and_(TicketRow.status.in_(OPEN), TicketRow.due_at.is_not(None)), flag_case(lines)))
    return (sa.select(TicketRow.number, TicketRow.created_at, TicketRow.reporter_kind,
                      EnterpriseRow.name.label("enterprise"), TicketRow.category, TicketRow.tier,
                      TicketRow.difficulty, CadreRow.name.label("owner"), owner_unit.name.label("owner_unit"),
                      TicketRow.status, TicketRow.taken_up_at, TicketRow.resolved_at,
                      closed.scalar_subquery().label("closed_at"), TicketRow.assign_due_at,
                      TicketRow.answer_due_at, TicketRow.settle_due_at, flag.label("flag"),
                      rating.scalar_subquery().label("rating"))
            .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id)
            .outerjoin(EnterpriseRow, EnterpriseRow.id == TicketRow.enterprise_id)
            .join(CadreRow, CadreRow.id == TicketRow.owner_cadre_id)
            .join(owner_unit, owner_unit.id == CadreRow.org_unit_id)
            .order_by(TicketRow.id))

"""The counts digests and the 红黑榜 are built from, aggregated in SQL.

`child_periods` gives, for each child unit of a parent (the townships of a district),
its `UnitPeriod` for [start, end): every ticket of the child's whole subtree counts for
the child. The figures come from five grouped queries (enterprises; tickets; the period's
history events; first take-ups; 举报), each figure a conditional count within its query;
nothing loops over tickets in Python. benchmarks/city.py times them on a city of 500,000
tickets (docs/digest-benchmark.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.events import EventKind
from handlers.domain.flags import Flag, FlagLines
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import OrgLevel
from handlers.domain.ranking import UnitPeriod
from storage.repositories import from_db, to_db
from storage.tables import CadreRow, ComplaintRow, EnterpriseRow, OrgUnitRow, TicketEventRow, TicketRow

CLOSED = ("resolved", "confirmed")
REVISITS = (EventKind.REVISIT_PASSED, EventKind.REVISIT_FAILED)
UPHELD = "upheld"  # a supervisor's finding on a 举报
OPEN = ("assigned", "accepted", "reopened")

Counts = dict[int, int]


def child_periods(session: Session, parent_id: int, start: datetime, end: datetime) -> list[UnitPeriod]:
    """One UnitPeriod per child of `parent_id` (departments left out: they are not ranked with places)."""
    children = session.execute(sa.select(OrgUnitRow.id, OrgUnitRow.name).where(
        OrgUnitRow.parent_id == parent_id, OrgUnitRow.level != OrgLevel.DEPARTMENT.value)
        .order_by(OrgUnitRow.id)).all()
    return _periods(session, subtrees(parent_id), children, start, end)


def unit_period(session: Session, unit_id: int, start: datetime, end: datetime) -> UnitPeriod:
    """The same counts for one unit's own subtree (itself included): a digest's totals."""
    name = session.scalar(sa.select(OrgUnitRow.name).where(OrgUnitRow.id == unit_id)) or ""
    return _periods(session, subtrees(unit_id, itself=True), [(unit_id, name)], start, end)[0]


def _periods(session: Session, subtree: sa.CTE, units: Sequence[tuple[int, str]], start: datetime,
             end: datetime) -> list[UnitPeriod]:
    """Each (unit id, name) of `units` with the counts of the subtree rows whose top_id it is."""
    if not units:
        return []
    figures = _Figures(session, subtree, to_db(start), to_db(end)).all()
    hours = figures.pop("response_hours")
    return [UnitPeriod(unit_id=unit_id, name=name, **{key: by_unit.get(unit_id, 0) for key, by_unit in figures.items()},
                       response_hours=hours.get(unit_id)) for unit_id, name in units]


def received_by(session: Session, unit_id: int, start: datetime, end: datetime,
                column: str) -> dict[str | None, int]:
    """Problems received in the period under a unit, by "tier" (研判 class, None: not yet
    classified) or by "category"."""
    subtree = subtrees(unit_id, itself=True)
    key = getattr(TicketRow, {"tier": "tier", "category": "category"}[column])
    query = (sa.select(key, sa.func.count(TicketRow.id))
             .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id)
             .where(TicketRow.created_at >= to_db(start), TicketRow.created_at < to_db(end)).group_by(key))
    return {value: count for value, count in session.execute(query)}


def open_count(session: Session, unit_id: int) -> int:
    """Problems open now under a unit, with a deadline or without."""
    subtree = subtrees(unit_id, itself=True)
    return session.scalar(sa.select(sa.func.count()).select_from(TicketRow)
                          .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id)
                          .where(TicketRow.status.in_(OPEN))) or 0


def oldest_open(session: Session, unit_id: int, limit: int) -> list[tuple[str, datetime, str]]:
    """The longest-open problems under a unit: (number, received at, owner's name), oldest first."""
    subtree = subtrees(unit_id, itself=True)
    query = (sa.select(TicketRow.number, TicketRow.created_at, CadreRow.name)
             .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id)
             .join(CadreRow, CadreRow.id == TicketRow.owner_cadre_id)
             .where(TicketRow.status.in_(OPEN)).order_by(TicketRow.created_at, TicketRow.id).limit(limit))
    return [(number, from_db(created), name) for number, created, name in session.execute(query)]


def flag_counts(session: Session, parent_id: int, lines: FlagLines,
                itself: bool = False) -> dict[int, dict[Flag, int]]:
    """Open tickets under each child of `parent_id` (with `itself`: under the unit itself), by
    the flag their running deadline gives at the moment `lines` were drawn for (untimed left out)."""
    subtree = subtrees(parent_id, itself=itself)
    flag = flag_case(lines)
    query = (sa.select(subtree.c.top_id, flag, sa.func.count(TicketRow.id))
             .join(TicketRow, TicketRow.org_unit_id == subtree.c.unit_id)
             .where(TicketRow.status.in_(OPEN), TicketRow.due_at.is_not(None))
             .group_by(subtree.c.top_id, flag))
    counts: dict[int, dict[Flag, int]] = {}
    for top_id, name, count in session.execute(query):
        counts.setdefault(top_id, dict.fromkeys(Flag, 0))[Flag(name)] = count
    return counts


def trend(session: Session, unit_id: int, bounds: Sequence[datetime]) -> list[tuple[int, int]]:
    """(received, resolved) under a unit for each period between consecutive `bounds`: one
    query per figure, each row put in its period by a CASE on its time."""
    subtree = subtrees(unit_id, itself=True)
    edges = [to_db(bound) for bound in bounds]

    def per_period(at: sa.ColumnElement, query: sa.Select) -> dict[int, int]:
        period = sa.case(*[(at < edge, index) for index, edge in enumerate(edges[1:])]).label("period")
        rows = session.execute(query.add_columns(period).where(at >= edges[0], at < edges[-1]).group_by(period))
        return {index: count for count, index in rows}

    # count(*): the (org_unit_id, created_at…) and (kind, at, ticket_id) indexes answer alone
    received = per_period(TicketRow.created_at, sa.select(sa.func.count()).select_from(TicketRow)
                          .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id))
    resolved = per_period(TicketEventRow.at, sa.select(sa.func.count()).select_from(TicketEventRow)
                          .join(TicketRow, TicketRow.id == TicketEventRow.ticket_id)
                          .join(subtree, TicketRow.org_unit_id == subtree.c.unit_id)
                          .where(TicketEventRow.kind == EventKind.RESOLVED))
    return [(received.get(index, 0), resolved.get(index, 0)) for index in range(len(edges) - 1)]


def flag_case(lines: FlagLines) -> sa.ColumnElement[str]:
    """The Flag value `lines` give a ticket's running deadline (due_at), as SQL; only
    meaningful for open tickets with a due_at. FlagLines.flag is the same in Python."""
    green = TicketRow.due_at > to_db(lines.green_after)
    if lines.same_day_since is not None:  # 交办不过夜 stages received today, before they turn red
        green = sa.or_(green, sa.and_(TicketRow.created_at >= to_db(lines.same_day_since),
                                      TicketRow.due_at > to_db(lines.now),
                                      TicketRow.due_at <= to_db(lines.same_day_until)))
    return sa.case((green, Flag.GREEN.value),
                   (TicketRow.due_at <= to_db(lines.black_by), Flag.BLACK.value), else_=Flag.RED.value)


def subtrees(unit_id: int, itself: bool = False) -> sa.CTE:
    """(unit_id, top_id): every unit below `unit_id`, with the child of `unit_id` it lies under;
    with `itself`, the unit and everything below it, all under `unit_id`."""
    tops = OrgUnitRow.id == unit_id if itself else OrgUnitRow.parent_id == unit_id
    top = (sa.select(OrgUnitRow.id.label("unit_id"), OrgUnitRow.id.label("top_id"))
           .where(tops).cte("subtree", recursive=True))
    below = sa.select(OrgUnitRow.id, top.c.top_id).join(top, OrgUnitRow.parent_id == top.c.unit_id)
    return top.union_all(below)


class _Figures:
    """The counts of a period in five grouped queries (enterprises, tickets, events, first take-ups, 举报),
    each figure a conditional count: one pass over the period's rows per kind of row, not one per figure."""

    def __init__(self, session: Session, subtree: sa.CTE, start: datetime, end: datetime) -> None:
        self.session, self.subtree, self.start, self.end = session, subtree, start, end

    def all(self) -> dict[str, dict[int, Any]]:
        """Every UnitPeriod figure by name, each {top_id: value}; "response_hours" {top_id: mean}."""
        figures: dict[str, dict[int, Any]] = {"enterprises": self.enterprises(),
                                              "complaints_upheld": self.complaints_upheld()}
        for query in (self.tickets, self.events, self.take_ups):
            figures.update(query())
        return figures

    def _in_period(self, column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        return sa.and_(column >= self.start, column < self.end)

    def _columns(self, query: sa.Select, names: Sequence[str]) -> dict[str, dict[int, Any]]:
        """{name: {top_id: value}} from a query selecting top_id, then one column per name."""
        columns: dict[str, dict[int, Any]] = {name: {} for name in names}
        for top_id, *values in self.session.execute(query.group_by(self.subtree.c.top_id)):
            for name, value in zip(names, values, strict=True):
                columns[name][top_id] = value
        return columns

    def enterprises(self) -> Counts:
        return self._columns(sa.select(self.subtree.c.top_id, sa.func.count())
                             .join(EnterpriseRow, EnterpriseRow.grid_id == self.subtree.c.unit_id),
                             ["enterprises"])["enterprises"]

    def complaints_upheld(self) -> Counts:
        """举报 about cadres of the subtree that a supervisor upheld in the period."""
        complaint = ComplaintRow
        return self._columns(sa.select(self.subtree.c.top_id, sa.func.count(complaint.id))
                             .join(complaint, complaint.org_unit_id == self.subtree.c.unit_id)
                             .where(complaint.finding == UPHELD, self._in_period(complaint.found_at)),
                             ["complaints_upheld"])["complaints_upheld"]

    def tickets(self) -> dict[str, Counts]:
        """received (in the period), solved (… and closed by its end), handled (created before
        its end and open, or resolved at or after its start)."""
        ticket = TicketRow
        received = self._in_period(ticket.created_at)
        handled = sa.or_(ticket.status.in_(OPEN), ticket.resolved_at >= self.start)
        counts = {"received": received,
                  "solved": sa.and_(received, ticket.status.in_(CLOSED), ticket.resolved_at < self.end),
                  "handled": handled}
        query = (sa.select(self.subtree.c.top_id, *(_count_if(when) for when in counts.values()))
                 .join(ticket, ticket.org_unit_id == self.subtree.c.unit_id)
                 .where(ticket.created_at < self.end, sa.or_(ticket.created_at >= self.start, handled)))
        return self._columns(query, list(counts))

    def events(self) -> dict[str, Counts]:
        """History events in the period: 办结 (on time), ratings (4–5 stars), 黑旗, 重办, 回头看 (passed)."""
        event, kind = TicketEventRow, TicketEventRow.kind
        resolved = kind == EventKind.RESOLVED
        on_time = sa.and_(resolved, sa.or_(TicketRow.settle_due_at.is_(None), event.at <= TicketRow.settle_due_at))
        # 办结 counts tickets, not resolutions: one reopened (重办) and resolved again is still one ticket.
        tickets = {"settled": resolved, "settled_on_time": on_time}
        counts = {
            "ratings": kind == EventKind.RATED,
            "satisfied": sa.and_(kind == EventKind.RATED, event.data["stars"].as_integer() >= 4),
            "black_flags": sa.and_(kind == LADDER_EVENT, event.data["rung"].as_string() == "escalate"),
            "reopened": kind == EventKind.REOPENED,
            "revisits": kind.in_(REVISITS),
            "revisits_passed": kind == EventKind.REVISIT_PASSED,
        }
        query = (sa.select(self.subtree.c.top_id, *(_count_tickets_if(when, event.ticket_id) for when in tickets.values()),
                           *(_count_if(when) for when in counts.values()))
                 .join(TicketRow, TicketRow.org_unit_id == self.subtree.c.unit_id)
                 .join(event, event.ticket_id == TicketRow.id)
                 .where(self._in_period(event.at), kind.in_((EventKind.RESOLVED, EventKind.RATED, LADDER_EVENT, EventKind.REOPENED,
                                                             *REVISITS))))
        return self._columns(query, [*tickets, *counts])

    def take_ups(self) -> dict[str, dict[int, Any]]:
        """assigned (first taken up in the period), … by the 交办 deadline, and the mean hours from
        intake; by the ticket's stored first take-up (Ticket.taken_up_at), a range on its index."""
        ticket = TicketRow
        on_time = sa.or_(ticket.assign_due_at.is_(None), ticket.taken_up_at <= ticket.assign_due_at)
        query = (sa.select(self.subtree.c.top_id, sa.func.count(), _count_if(on_time),
                           sa.func.avg(_hours_between(self.session, ticket.created_at, ticket.taken_up_at)))
                 .join(ticket, ticket.org_unit_id == self.subtree.c.unit_id)
                 .where(self._in_period(ticket.taken_up_at)))
        figures = self._columns(query, ["assigned", "assigned_on_time", "response_hours"])
        figures["response_hours"] = {top_id: float(mean) for top_id, mean in figures["response_hours"].items()
                                     if mean is not None}
        return figures


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """Rows meeting `condition`, within a group (sum of a CASE: both databases, unlike FILTER)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _count_tickets_if(condition: sa.ColumnElement[bool], ticket_id: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """Distinct tickets with a row meeting `condition`, within a group."""
    return sa.func.count(sa.distinct(sa.case((condition, ticket_id), else_=None)))


def _hours_between(session: Session, earlier: sa.ColumnElement, later: sa.ColumnElement) -> sa.ColumnElement:
    if session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier) / 3600.0
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 24.0


class SqlReports:
    """handlers.ports.Reports on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def unit_period(self, unit_id: int, start: datetime, end: datetime) -> UnitPeriod:
        return unit_period(self.session, unit_id, start, end)

    def child_periods(self, unit_id: int, start: datetime, end: datetime) -> list[UnitPeriod]:
        return child_periods(self.session, unit_id, start, end)

    def received_by(self, unit_id: int, start: datetime, end: datetime, column: str) -> dict[str | None, int]:
        return received_by(self.session, unit_id, start, end, column)

    def oldest_open(self, unit_id: int, limit: int) -> list[tuple[str, datetime, str]]:
        return oldest_open(self.session, unit_id, limit)

    def open_count(self, unit_id: int) -> int:
        return open_count(self.session, unit_id)

    def flags(self, unit_id: int, lines: FlagLines) -> dict[Flag, int]:
        return flag_counts(self.session, unit_id, lines, itself=True).get(unit_id, dict.fromkeys(Flag, 0))

    def child_flags(self, unit_id: int, lines: FlagLines) -> dict[int, dict[Flag, int]]:
        return flag_counts(self.session, unit_id, lines)

    def trend(self, unit_id: int, bounds: Sequence[datetime]) -> list[tuple[int, int]]:
        return trend(self.session, unit_id, bounds)

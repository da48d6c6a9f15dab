"""Deadline-sweep benchmark (issues 5 and 14): what the per-minute sweep costs as the ticket table
and the due set grow: time, SQL statements and messages per sweep.

    .venv/bin/python -m benchmarks.sweep --db sqlite --tickets 10000 100000 1000000 --due 1000 --runs 5
    .venv/bin/python -m benchmarks.sweep --db postgres --tickets 10000 100000 1000000 --due 100 1000 --runs 5
    # issue 14's morning: 10,000 due tickets of 1,000 cadres
    .venv/bin/python -m benchmarks.sweep --db sqlite --tickets 100000 --due 10000 --runs 3

For each size a database is built once, with rows written by SQL (INSERT … SELECT over a
number series: generate_series on PostgreSQL, a recursive CTE on SQLite) from ticket
"slots" that the domain itself computed: due times stamped by the 三不过 policy, past
ladder rungs recorded as history, `next_action_at` planned by `handlers.domain.ladder`.
Owners are spread over 1,000 cadres with accounts (100 grids in 20 communities), reporters
over 10,000 accounts, intake over four weeks; 2–6 events per ticket; 5% of the tickets are
resolved and wait for the reporter's verdict. Exactly `max(--due)` tickets are due at the
fixed clock (Monday 2026-11-23 12:30 Asia/Shanghai, their 催办); every other one is due
later or never. SQLite files are cached under --cache-dir, so re-runs skip the load;
PostgreSQL runs on a throw-away cluster (tests/support/pg_cluster.py) and is rebuilt; it runs
without autovacuum, so the tables a sweep writes are vacuumed before every run.

Measured per size, `--runs` times after `--warmup` uncounted runs (median and min):
  claim  `claim_actions_due` alone for the whole due set (rolled back);
  sweep  a whole `Lianxin.sweep()` over a due set of each `--due` size (the due set is
         restored, and the sweep's ladder events deleted, between runs);
  idle   a sweep a minute later, when nothing is due (the per-minute idle cost), and each
         of its three queries alone;
and the plan of every query the idle sweep runs and of the claim with a due set
(EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). The clock is injected.
A sweep's statements are counted by an SQLAlchemy event listener (an executemany counts once)
and its messages are the replies it queued (one per person per pass). The command, the machine
and the date are printed first; the results go to stdout, as JSON to --out, and as one JSON
line last.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handlers.app import Lianxin
from handlers.domain.categories import Category
from handlers.domain.deadlines import stamp_due_times
from handlers.domain.ladder import LADDER_EVENT, Rung, due_now, schedule
from handlers.domain.model import CadreRole, Difficulty, OrgLevel, ReporterKind, Ticket, TicketStatus
from handlers.rules import Rules
from storage.admin import seed_into
from storage.db import make_engine, upgrade
from storage.repositories import to_db
from storage.uow import UowFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI).astimezone(UTC)  # a Monday, in office hours
IDLE_NOW = NOW + timedelta(minutes=1)  # the next minute's sweep: nothing left to do
PARKED_AT = NOW + timedelta(days=20)  # where due tickets wait when a run wants a smaller due set
COMMUNITIES, GRIDS_PER_COMMUNITY, CADRES_PER_GRID = 20, 5, 10  # 1,000 cadres
REPORTERS = 10_000
RESOLVED_SHARE = 20  # one waiting slot in 20 is a resolved ticket awaiting the verdict
CHUNK = 100_000  # rows per INSERT … SELECT while loading
BUILD = "2"  # bump when the generated data changes: names the cached SQLite files
REPORTER, OWNER = -1, -2  # event actors in the slots, replaced by real accounts when loading

bench = sa.MetaData()
SLOT = sa.Table(
    "bench_slot", bench,
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("category", sa.String(50)), sa.Column("description", sa.Text),
    sa.Column("status", sa.String(20)), sa.Column("difficulty", sa.String(20)),
    *(sa.Column(name, sa.DateTime(timezone=True)) for name in (
        "created_at", "updated_at", "assign_due_at", "answer_due_at", "settle_due_at", "next_action_at",
        "resolved_at")),
    sa.Column("ladder_step", sa.Integer),
)  # fmt: skip
SLOT_EVENT = sa.Table(
    "bench_slot_event", bench,
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(30)), sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("actor", sa.String(1)), sa.Column("data", sa.Text),
)  # fmt: skip
DUE = sa.Table(
    "bench_due", bench,
    sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_action_at", sa.DateTime(timezone=True)), sa.Column("ladder_step", sa.Integer),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)  # fmt: skip
META = sa.Table("bench_meta", bench, sa.Column("key", sa.String(40), primary_key=True), sa.Column("value", sa.Text))


@dataclass(frozen=True)
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


# -- slots: ticket shapes the domain computed ----------------------------------------------


def _new(created: datetime, status: TicketStatus, difficulty: Difficulty, category: str) -> Ticket:
    ticket = Ticket(id=None, number="", category=category, description=f"{category}: 企业反映的问题，请尽快处理",
                    reporter_account_id=REPORTER, reporter_kind=ReporterKind.RESIDENT, reporter_phone="13800138000",
                    org_unit_id=0, owner_cadre_id=0, status=status, created_at=created, difficulty=difficulty)
    ticket.record("submitted", created, REPORTER)
    ticket.record("assigned", created, None, cadre_id=0, reason="grid")
    return ticket


def _climb_past(ticket: Ticket, rules: Rules) -> None:
    """Record the rungs an earlier sweep would have climbed by NOW, then plan the next one."""
    clockwork = rules.clockwork
    for step in due_now(ticket, clockwork, NOW):
        flag = rules.flag(ticket, step.at)
        ticket.record(LADDER_EVENT, step.at, None, rung=step.rung.value, stage=step.stage.value,
                      due=step.due.isoformat(), flag=flag.value if flag else None, passed=False,
                      weekly_report=step.rung is Rung.ESCALATE)
    schedule(ticket, clockwork)


def waiting_slots(rules: Rules) -> list[Ticket]:
    """Tickets received over the four weeks before NOW, none due at NOW or a minute later."""
    rng, slots = random.Random(5), []
    categories = list(Category)
    for days_back in range(28):
        for hour in range(8, 20):
            created = (NOW.astimezone(SHANGHAI).replace(hour=hour, minute=rng.randrange(60))
                       - timedelta(days=days_back)).astimezone(UTC)
            for difficulty in (Difficulty.GENERAL, Difficulty.DIFFICULT):
                slot = _waiting(created, difficulty, categories[len(slots) % len(categories)], len(slots), rules)
                if slot is not None:
                    slots.append(slot)
    return slots


def _waiting(created: datetime, difficulty: Difficulty, category: str, n: int, rules: Rules) -> Ticket | None:
    accepted_at = created + timedelta(hours=1)
    if accepted_at >= NOW:
        return None
    resolved = (n // 2) % RESOLVED_SHARE == RESOLVED_SHARE - 1  # both difficulties
    ticket = _new(created, TicketStatus.RESOLVED if resolved else TicketStatus.ACCEPTED, difficulty, category)
    stamp_due_times(ticket, rules.policy, rules.time_zone, rules.calendar)
    ticket.record("accepted", accepted_at, OWNER)
    if resolved:
        resolved_at = max(accepted_at, NOW - timedelta(days=1 + n % 6, hours=n % 5))
        ticket.record("resolved", resolved_at, OWNER, note="已协调解决")
        ticket.resolved_at = resolved_at
    _climb_past(ticket, rules)
    if ticket.next_action_at is not None and ticket.next_action_at <= IDLE_NOW:
        return None
    return ticket


def due_slots(rules: Rules) -> list[Ticket]:
    """Tickets received this morning 09:00–10:30, not yet taken up: their 催办 (two hours after
    intake) is due at NOW."""
    slots = []
    morning = NOW.astimezone(SHANGHAI).replace(hour=9, minute=0)
    for minute in range(0, 91, 3):
        ticket = _new((morning + timedelta(minutes=minute)).astimezone(UTC), TicketStatus.ASSIGNED,
                      Difficulty.GENERAL, list(Category)[minute % len(Category)])
        stamp_due_times(ticket, rules.policy, rules.time_zone, rules.calendar)
        schedule(ticket, rules.clockwork)
        assert ticket.next_action_at is not None and ticket.next_action_at <= NOW, ticket
        slots.append(ticket)
    return slots


def _slot_rows(slots: list[Ticket]) -> tuple[list[dict], list[dict]]:
    rows, events = [], []
    for n, ticket in enumerate(slots):
        times = {name: to_db(value) if value else None for name, value in (
            ("created_at", ticket.created_at), ("updated_at", max(e.at for e in ticket.events)),
            ("assign_due_at", ticket.assign_due_at), ("answer_due_at", ticket.answer_due_at),
            ("settle_due_at", ticket.settle_due_at), ("next_action_at", ticket.next_action_at),
            ("resolved_at", ticket.resolved_at))}
        rows.append({"slot": n, "category": ticket.category, "description": ticket.description,
                     "status": str(ticket.status), "difficulty": str(ticket.difficulty),
                     "ladder_step": ticket.ladder_step, **times})
        actors = {REPORTER: "r", OWNER: "o", None: None}
        events += [{"slot": n, "seq": seq, "kind": e.kind, "at": to_db(e.at), "actor": actors[e.actor_account_id],
                    "data": json.dumps(e.data)} for seq, e in enumerate(ticket.events, start=1)]
    return rows, events


# -- loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """How ticket number n maps to a slot and an owner, as SQL over an integer column."""

    tickets: int
    due: int
    waiting: int  # waiting slots 0..waiting-1, then the due slots
    due_slots: int
    cadre0: int
    reporter0: int

    def slot(self, n: str) -> str:
        stride = self.tickets // self.due
        return (f"CASE WHEN {n} % {stride} = 0 AND {n} / {stride} <= {self.due} "
                f"THEN {self.waiting} + ({n} / {stride}) % {self.due_slots} ELSE {n} % {self.waiting} END")

    def owner(self, n: str) -> str:
        cadres = COMMUNITIES * GRIDS_PER_COMMUNITY * CADRES_PER_GRID
        return f"{self.cadre0} + ({n} + {n} / 1000) % {cadres}"  # the due set spreads over owners too


class Dialect:
    def __init__(self, name: str) -> None:
        self.name = name

    def series(self, lo: int, hi: int) -> str:
        if self.name == "postgresql":
            return f"generate_series({lo}, {hi}) AS g(n)"
        return (f"(WITH RECURSIVE s(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM s WHERE n < {hi}) "
                "SELECT n FROM s) AS g")

    def number(self, n: str) -> str:
        if self.name == "postgresql":
            return f"'LX-2026-' || CASE WHEN {n} < 1000000 THEN lpad({n}::text, 6, '0') ELSE {n}::text END"
        return f"printf('LX-2026-%06d', {n})"

    def json(self, text: str) -> str:
        return f"CAST({text} AS JSON)" if self.name == "postgresql" else text


def build(url: str, tickets: int, due: int, log: Callable[[str], None]) -> float:
    """Migrate, seed the organisation, load `tickets` tickets of which `due` are due; seconds taken."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    try:
        cadre0, reporter0 = _seed_people(engine)
        rules = Rules()
        waiting, due_set = waiting_slots(rules), due_slots(rules)
        shape = Shape(tickets, due, len(waiting), len(due_set), cadre0, reporter0)
        _load_slots(engine, waiting + due_set)
        _load_tickets(engine, shape, log)
        _finish(engine, tickets, due, started)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _seed_people(engine: Engine) -> tuple[int, int]:
    """The demo township plus 20 communities × 5 grids × 10 cadres, every cadre with an account,
    and 10,000 reporters. Returns the first bench cadre's id and the first reporter's account id."""
    with engine.begin() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            demo = seed_into(session)
            session.flush()
        accounts = sa.table("account", sa.column("id"), sa.column("platform"), sa.column("user_id"),
                            sa.column("chat_id"), sa.column("locale"), sa.column("display_name"))
        cadre_count = COMMUNITIES * GRIDS_PER_COMMUNITY * CADRES_PER_GRID
        conn.execute(accounts.insert(), [
            {"platform": "telegram", "user_id": str(5_000_000 + i), "chat_id": str(5_000_000 + i), "locale": "zh_CN",
             "display_name": f"干部{i}"} for i in range(cadre_count + 1)])
        conn.execute(accounts.insert(), [
            {"platform": "telegram", "user_id": str(1_000_000 + i), "chat_id": str(1_000_000 + i), "locale": "zh_CN",
             "display_name": f"群众{i}"} for i in range(REPORTERS)])
        # ids are text; all of these have seven digits, so text order is number order
        cadre_accounts = _contiguous(conn, "account", "user_id BETWEEN '5000000' AND '5999999'", cadre_count + 1)
        reporter0 = _contiguous(conn, "account", "user_id BETWEEN '1000000' AND '1999999'", REPORTERS)
        conn.execute(sa.text("UPDATE cadre SET account_id = :a WHERE id = :c"),
                     {"a": cadre_accounts + cadre_count, "c": demo.duty_cadre_id})
        cadre0 = _org(conn, demo.township_id, cadre_accounts)
    return cadre0, reporter0


def _org(conn: sa.Connection, township_id: int, account0: int) -> int:
    units = sa.table("org_unit", sa.column("id"), sa.column("name"), sa.column("level"), sa.column("parent_id"),
                     sa.column("duty_cadre_id"))
    cadres = sa.table("cadre", sa.column("id"), sa.column("name"), sa.column("role"), sa.column("org_unit_id"),
                      sa.column("phone"), sa.column("account_id"))
    n, first = 0, None
    for c in range(COMMUNITIES):
        community = conn.execute(units.insert().values(name=f"社区{c}", level=OrgLevel.COMMUNITY.value,
                                                       parent_id=township_id).returning(units.c.id)).scalar_one()
        for g in range(GRIDS_PER_COMMUNITY):
            grid = conn.execute(units.insert().values(name=f"社区{c}第{g}网格", level=OrgLevel.GRID.value,
                                                      parent_id=community).returning(units.c.id)).scalar_one()
            for k in range(CADRES_PER_GRID):
                role = CadreRole.GRID_WORKER if k == 0 else CadreRole.BUTLER
                cadre = conn.execute(cadres.insert().values(
                    name=f"干部{n}", role=role.value, org_unit_id=grid, phone=f"139{n:08d}",
                    account_id=account0 + n).returning(cadres.c.id)).scalar_one()
                first = cadre if first is None else first
                if g == 0 and k == 0:  # the community's secretary is its duty cadre (督办 copies them)
                    conn.execute(units.update().where(units.c.id == community).values(duty_cadre_id=cadre))
                n += 1
    assert first is not None and first + n - 1 == conn.scalar(sa.text("SELECT max(id) FROM cadre"))
    return first


def _contiguous(conn: sa.Connection, table: str, where: str, count: int) -> int:
    low, high, rows = conn.execute(sa.text(f"SELECT min(id), max(id), count(*) FROM {table} WHERE {where}")).one()
    assert rows == count and high - low + 1 == count, (table, low, high, rows)
    return low


def _load_slots(engine: Engine, slots: list[Ticket]) -> None:
    rows, events = _slot_rows(slots)
    bench.create_all(engine)
    with engine.begin() as conn:
        conn.execute(SLOT.insert(), rows)
        conn.execute(SLOT_EVENT.insert(), events)


def _load_tickets(engine: Engine, shape: Shape, log: Callable[[str], None]) -> None:
    dialect = Dialect(engine.dialect.name)
    for lo in range(1, shape.tickets + 1, CHUNK):
        hi = min(lo + CHUNK - 1, shape.tickets)
        with engine.begin() as conn:
            conn.execute(sa.text(_tickets_sql(dialect, shape, lo, hi)))
            conn.execute(sa.text(_events_sql(dialect, shape, lo, hi)))
        log(f"  loaded tickets {lo}..{hi}")


def _tickets_sql(dialect: Dialect, shape: Shape, lo: int, hi: int) -> str:
    return f"""
        INSERT INTO ticket (id, number, category, description, photo_file_ids, reporter_account_id,
            reporter_kind, reporter_phone, org_unit_id, owner_cadre_id, status, difficulty, assign_due_at,
            answer_due_at, settle_due_at, next_action_at, ladder_step, resolved_at, created_at, updated_at)
        SELECT x.n, {dialect.number('x.n')}, s.category, s.description, {dialect.json("'[]'")},
            {shape.reporter0} + x.n % {REPORTERS}, 'resident', '13800138000', c.org_unit_id, c.id, s.status,
            s.difficulty, s.assign_due_at, s.answer_due_at, s.settle_due_at, s.next_action_at, s.ladder_step,
            s.resolved_at, s.created_at, s.updated_at
        FROM (SELECT g.n AS n, {shape.slot('g.n')} AS slot, {shape.owner('g.n')} AS owner
              FROM {dialect.series(lo, hi)}) AS x
        JOIN bench_slot s ON s.slot = x.slot JOIN cadre c ON c.id = x.owner
        ORDER BY x.n"""


def _events_sql(dialect: Dialect, shape: Shape, lo: int, hi: int) -> str:
    data = dialect.json("""replace(e.data, '"cadre_id": 0', '"cadre_id": ' || t.owner_cadre_id)""")
    return f"""
        INSERT INTO ticket_event (ticket_id, seq, kind, at, actor_account_id, data)
        SELECT t.id, e.seq, e.kind, e.at,
            CASE e.actor WHEN 'r' THEN t.reporter_account_id WHEN 'o' THEN c.account_id END, {data}
        FROM ticket t JOIN cadre c ON c.id = t.owner_cadre_id JOIN bench_slot_event e ON e.slot = {shape.slot('t.id')}
        WHERE t.id BETWEEN {lo} AND {hi}
        ORDER BY t.id, e.seq"""


def _finish(engine: Engine, tickets: int, due: int, started: float) -> None:
    """Number counter, the due set's starting state (for resets), statistics, and the meta row."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ticket_counter (year, last) VALUES (2026, :n)"), {"n": tickets})
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval('ticket_id_seq', :n)"), {"n": tickets})
        conn.execute(sa.text("INSERT INTO bench_due (ticket_id, next_action_at, ladder_step, updated_at) "
                             "SELECT id, next_action_at, ladder_step, updated_at FROM ticket "
                             "WHERE next_action_at <= :now")
                     .bindparams(sa.bindparam("now", to_db(NOW), sa.DateTime(timezone=True))))
        found = conn.scalar(sa.select(sa.func.count()).select_from(DUE))
        assert found == due, f"{found} tickets due at NOW, wanted {due}"
        events = conn.scalar(sa.text("SELECT max(id) FROM ticket_event"))
        conn.execute(META.insert(), [{"key": "events_max_id", "value": str(events)},
                                     {"key": "tickets", "value": str(tickets)}, {"key": "due", "value": str(due)}])
    if engine.dialect.name == "postgresql":  # autovacuum would do it on a real server; it is off here
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    with engine.begin() as conn:
        conn.execute(META.insert(), [{"key": "load_seconds", "value": f"{time.perf_counter() - started:.1f}"}])


def meta(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(META.c.key, META.c.value)).all())


# -- databases ----------------------------------------------------------------------------


class SqliteDatabases:
    """Built files cached in `cache_dir`, named by size and BUILD; a half-built one is never reused."""

    name = "sqlite"

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)

    def url(self, tickets: int, due: int, log: Callable[[str], None]) -> tuple[str, float | None]:
        from storage.db import schema_head  # a new migration makes a new file: the schema is part of the build

        path = self.cache_dir / f"sweep-b{BUILD}-s{schema_head()}-{tickets}-{due}.db"
        if path.exists():
            return f"sqlite:///{path}", None
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        seconds = build(f"sqlite:///{partial}", tickets, due, log)
        partial.rename(path)
        return f"sqlite:///{path}", seconds

    def close(self) -> None:
        pass


class PostgresDatabases:
    """One throw-away cluster for the whole run; a database per size."""

    name = "postgres"

    def __init__(self) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.support.pg_cluster import ThrowawayCluster

        self.cluster = ThrowawayCluster(settings={"shared_buffers": "256MB"}).start()

    def url(self, tickets: int, due: int, log: Callable[[str], None]) -> tuple[str, float | None]:
        url = self.cluster.create_database(f"sweep_{tickets}_{due}")
        return url, build(url, tickets, due, log)

    def server_version(self) -> str:
        with self.cluster.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def close(self) -> None:
        self.cluster.stop()


# -- measuring ----------------------------------------------------------------------------


@dataclass
class Figures:
    """Milliseconds per run, and what the runs did."""

    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    def summary(self) -> dict[str, float]:
        return {"median_ms": round(self.median, 2), "min_ms": round(self.min, 2),
                "max_ms": round(max(self.runs), 2), "runs": len(self.runs)}


class Bench:
    """One built database: resets, timed claims and sweeps, captured statements."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.factory = UowFactory(self.engine)
        info = meta(self.engine)
        self.events_max_id, self.due = int(info["events_max_id"]), int(info["due"])
        self.captured: list[tuple[str, Any]] | None = None
        sa.event.listen(self.engine, "before_cursor_execute", self._capture)

    def _capture(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.captured is not None:
            self.captured.append((statement, parameters))

    @contextmanager
    def capturing(self) -> Iterator[list[tuple[str, Any]]]:
        self.captured = []
        try:
            yield self.captured
        finally:
            self.captured = None

    def reset(self, due: int) -> None:
        """Undo every sweep: drop its events, put the due set back, then park all but `due` of it."""
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM ticket_event WHERE id > :m"), {"m": self.events_max_id})
            conn.execute(sa.text("UPDATE ticket SET next_action_at = b.next_action_at, ladder_step = b.ladder_step, "
                                 "updated_at = b.updated_at FROM bench_due b WHERE b.ticket_id = ticket.id"))
            if due < self.due:
                conn.execute(sa.text("UPDATE ticket SET next_action_at = :at WHERE id IN "
                                     "(SELECT ticket_id FROM bench_due ORDER BY ticket_id LIMIT :n)")
                             .bindparams(sa.bindparam("at", to_db(PARKED_AT), sa.DateTime(timezone=True))),
                             {"n": self.due - due})
        if self.engine.dialect.name == "postgresql":
            self._vacuum()

    def _vacuum(self) -> None:
        """What autovacuum does between two mornings (the cluster runs without it): without it every
        run leaves 10,000 dead ticket versions in twelve indexes, and the next run is slower."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("ticket", "ticket_event", "outbox"):
                conn.exec_driver_sql(f"VACUUM {table}")

    def claim(self, limit: int) -> tuple[float, int]:
        with self.factory() as uow:
            uow.session.connection()  # check a connection out before the clock starts
            started = time.perf_counter()
            claimed = uow.tickets.claim_actions_due(NOW, limit)
            elapsed = (time.perf_counter() - started) * 1000
            uow.rollback()
        return elapsed, len(claimed)

    def sweep(self, at: datetime) -> tuple[float, int]:
        core = Lianxin(self.factory, clock=FixedClock(at))
        started, cpu = time.perf_counter(), time.process_time()
        replies = core.sweep()
        self.last_cpu_ms = (time.process_time() - cpu) * 1000  # this process only (not PostgreSQL's server)
        return (time.perf_counter() - started) * 1000, len(replies)

    def ladder_events(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM ticket_event WHERE id > :m"), {"m": self.events_max_id})

    def explain(self, statement: str, parameters: Any) -> str:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if self.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            conn.rollback()
        if self.engine.dialect.name == "postgresql":
            return "\n".join(row[0] for row in rows)
        return "\n".join(f"{'  ' * _depth(rows, row)}{row[-1]}" for row in rows)

    def time_statement(self, statement: str, parameters: Any, runs: int) -> Figures:
        figures = Figures()
        with self.engine.connect() as conn:
            for _ in range(runs):
                started = time.perf_counter()
                conn.exec_driver_sql(statement, parameters).all()
                figures.runs.append((time.perf_counter() - started) * 1000)
                conn.rollback()
        return figures

    def close(self) -> None:
        self.engine.dispose()


def _depth(rows: list[Any], row: Any) -> int:
    """Nesting of an EXPLAIN QUERY PLAN row (id, parent, notused, detail)."""
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent:
        depth, parent = depth + 1, parents.get(parent, 0)
    return depth


def measure(bench_db: Bench, dues: list[int], runs: int, warmup: int, log: Callable[[str], None]) -> dict:
    result: dict[str, Any] = {"claim": {}, "sweep": {}, "sweep_cpu": {}, "idle": {}, "statements_per_sweep": {},
                              "messages_per_sweep": {}}
    for due in sorted(dues):
        claim, sweep, sweep_cpu, idle = Figures(), Figures(), Figures(), Figures()
        for run in range(warmup + runs):
            bench_db.reset(due)
            claim_ms, claimed = bench_db.claim(due)
            assert claimed == due, f"claimed {claimed}, {due} due"
            with bench_db.capturing() as statements:
                sweep_ms, replies = bench_db.sweep(NOW)
            cpu_ms = bench_db.last_cpu_ms
            climbed = bench_db.ladder_events()
            assert climbed == due and replies > 0, f"{climbed} ladder events, {replies} replies for {due} due"
            idle_ms, idle_replies = bench_db.sweep(IDLE_NOW)
            assert idle_replies == 0 and bench_db.ladder_events() == due, "the next minute had work to do"
            if run >= warmup:
                claim.runs.append(claim_ms)
                sweep.runs.append(sweep_ms)
                sweep_cpu.runs.append(cpu_ms)
                idle.runs.append(idle_ms)
            log(f"  due {due} run {run}{' (warm-up)' if run < warmup else ''}: claim {claim_ms:.1f} ms, "
                f"sweep {sweep_ms:.1f} ms (CPU {cpu_ms:.0f} ms; {replies} messages, {len(statements)} statements), idle {idle_ms:.1f} ms")
        for name, figures in (("claim", claim), ("sweep", sweep), ("sweep_cpu", sweep_cpu), ("idle", idle)):
            result[name][due] = figures.summary()
        result["statements_per_sweep"][due] = len(statements)
        result["messages_per_sweep"][due] = replies
    bench_db.reset(bench_db.due)
    return result


def plans(bench_db: Bench, runs: int) -> dict:
    """EXPLAIN of the claim with the due set there, and of each query of an idle sweep, each also timed alone."""
    bench_db.reset(bench_db.due)
    with bench_db.capturing() as claim_statements:
        with bench_db.factory() as uow:
            uow.tickets.claim_actions_due(NOW, 200)
    with bench_db.capturing() as idle_statements:
        bench_db.sweep(IDLE_NOW - timedelta(days=1))  # a day earlier: the due set is not due yet
    named = [("claim, due set present (LIMIT 200, as a sweep batch)", claim_statements[-1])]
    named += [(f"idle sweep query {i + 1}: {_what(s)}", (s, p)) for i, (s, p) in enumerate(idle_statements)]
    out = {}
    for name, (statement, parameters) in named:
        out[name] = {"sql": " ".join(statement.split()), "plan": bench_db.explain(statement, parameters),
                     **bench_db.time_statement(statement, parameters, runs).summary()}
    return out


def _what(statement: str) -> str:
    if "resolved_at" in statement:
        return "resolved_before (auto-confirm)"
    if "revisit_at" in statement:
        return "revisits_due (回头看)"
    return "claim_actions_due (ladder)" if "next_action_at" in statement else "other"


def table_sizes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in ("ticket", "ticket_event")}


def run(args: argparse.Namespace) -> list[dict]:
    log = _logger()
    databases = SqliteDatabases(args.cache_dir) if args.db == "sqlite" else PostgresDatabases()
    results = []
    try:
        for tickets in args.tickets:
            log(f"{args.db}: {tickets} tickets")
            url, seconds = databases.url(tickets, max(args.due), log)
            bench_db = Bench(url)
            try:
                loaded = meta(bench_db.engine)["load_seconds"]
                log(f"  load: {loaded} s" + (" (cached)" if seconds is None else ""))
                result = {"db": args.db, "tickets": tickets, "load_seconds": float(loaded), "cached": seconds is None,
                          "rows": table_sizes(bench_db.engine),
                          **measure(bench_db, args.due, args.runs, args.warmup, log),
                          "plans": plans(bench_db, args.runs)}
            finally:
                bench_db.close()
            results.append(result)
            _print(result)
            _save(args.out, results, databases)
    finally:
        databases.close()
    return results


def _logger() -> Callable[[str], None]:
    started = time.perf_counter()
    return lambda text: print(f"[{time.perf_counter() - started:7.1f}s] {text}", flush=True)


def _print(result: dict) -> None:
    print(f"\n== {result['db']} · {result['tickets']:,} tickets ({result['rows']['ticket_event']:,} events) · "
          f"load {result['load_seconds']} s")
    for due, claim in result["claim"].items():
        sweep, idle, cpu = result["sweep"][due], result["idle"][due], result["sweep_cpu"][due]
        print(f"  due {due}: claim {claim['median_ms']} ms (min {claim['min_ms']}), sweep {sweep['median_ms']} ms "
              f"(min {sweep['min_ms']}; the bot's CPU {cpu['median_ms']} ms), {result['statements_per_sweep'][due]} statements, "
              f"{result['messages_per_sweep'][due]} messages; "
              f"idle sweep after it {idle['median_ms']} ms (min {idle['min_ms']})")
    for name, plan in result["plans"].items():
        print(f"\n  -- {name}: {plan['median_ms']} ms (min {plan['min_ms']})\n  {plan['sql']}")
        print("\n".join("    " + line for line in plan["plan"].splitlines()))
    print(flush=True)


def _save(path: Path, results: list[dict], databases: Any) -> None:
    import sqlite3

    environment = {"python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version, "cores": os.cpu_count(),
                   "date": datetime.now(UTC).isoformat(timespec="seconds")}
    if isinstance(databases, PostgresDatabases):
        environment["postgresql"] = databases.server_version()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"environment": environment, "results": results}, ensure_ascii=False, indent=1,
                               default=str))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--due", type=int, nargs="+", default=[1000], help="due-set sizes to sweep (largest is loaded)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs before each measurement")
    default_cache = Path(tempfile.gettempdir()) / "lianxin-sweep-bench"
    parser.add_argument("--cache-dir", type=Path, default=default_cache, help="built SQLite databases")
    parser.add_argument("--out", type=Path, default=None, help="JSON results (default: in --cache-dir)")
    args = parser.parse_args(argv)
    args.out = args.out or args.cache_dir / f"results-{args.db}.json"
    if any(due * 2 > tickets for due in args.due for tickets in args.tickets):
        parser.error("--due must be at most half of every --tickets size")
    return args


def main(argv: list[str] | None = None) -> None:
    import platform

    print("$ " + " ".join([".venv/bin/python -m benchmarks.sweep", *(argv if argv is not None else sys.argv[1:])]))
    print(f"machine: {platform.node()} · {platform.platform()} · {os.cpu_count()} cores · Python "
          f"{platform.python_version()} · {datetime.now(UTC).isoformat(timespec='seconds')}", flush=True)
    results = run(parse(argv))
    print(json.dumps([{key: result[key] for key in ("db", "tickets", "sweep", "sweep_cpu", "statements_per_sweep",
                                                     "messages_per_sweep", "idle")} for result in results],
                     default=str))


if __name__ == "__main__":
    main()

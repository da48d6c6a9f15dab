"""City-scale digest and 红黑榜 benchmark (issue 6): what the weekly digest costs on a big database.

    .venv/bin/python -m benchmarks.city --db sqlite
    .venv/bin/python -m benchmarks.city --db postgres --enterprises 50000 --cadres 10000 --tickets 500000 --runs 5

Builds one city: 1 city → 6 districts → 10 townships each → 15 villages/communities each → 4
grids each (3,600 grids), with 8 departments per district and 10 at the city. Cadres fill
the posts a real roster has (a grid worker per grid, butlers in communities and townships,
leaders and a 营商环境监督员 per township and district, department handlers with the rest).
Enterprises lie in random grids (2% in none), 70% of them with a 包联 butler of their
township. Tickets are spread over the 182 days before a fixed clock (Monday 2026-11-23 10:00
Asia/Shanghai), more of them recently and on working days; 70% come from enterprises. Each
ticket lives a story drawn from per-township paces (so the 红黑榜 has something to rank):
taken up after a few hours (or not yet), resolved in days (研判 class D: months), answered
by the reporter (销号 with a rating, or 重办, or auto-confirmed after 7 days), 回头看 after
30 days, and 催办 / 督办 / 黑旗 ladder events where a deadline was missed. Due times are
stamped by the 三不过 policy on the official working-day calendar. Every event kind and
column storage/reports.py reads is there, at the selectivity such a history gives.

Rows are written in bulk (SQLite: executemany on one transaction; PostgreSQL: COPY), after
the Alembic migrations, then ANALYZE. The built database is cached under --cache-dir, keyed
by the sizes and BUILD: the SQLite file itself, and for PostgreSQL a pg_dump restored into
a fresh throw-away cluster (tests/support/pg_cluster.py) on the next run.

Timed with time.perf_counter, median (min) of --runs after one warm-up, through the real
unit of work as the bot would: the whole 周通报 (`handlers.digest.compose`) for the city,
one district and one township, and the data of a leader group's chart (`handlers.digest.chart`);
the 红黑榜 alone (`child_periods` + `rank`) of the city's
districts and of a district's townships; and each SQL figure of the city's digest alone.
--explain prints each figure's plan (EXPLAIN ANALYZE on PostgreSQL). Results go to stdout
and, as JSON, to --out. --once LEVEL builds one digest once and exits (--once none: only opens
the database), for timing the whole process from outside.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handlers.digest import chart, compose, last_week
from handlers.domain.categories import Category
from handlers.domain.deadlines import stamp_due_times
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import (TAKEN_UP, CadreRole, Difficulty, OrgLevel, ReporterKind, Ticket, TicketStatus,
                                   Tier)
from handlers.domain.ranking import rank
from handlers.rules import Rules
from handlers.turn import Work
from storage import reports
from storage.db import make_engine, upgrade
from storage.uow import UowFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)  # Monday: last week is 16–23 Nov
DAYS = 182
DISTRICTS, TOWNSHIPS, COMMUNITIES, GRIDS = 6, 10, 15, 4  # per parent
DEPARTMENTS, CITY_DEPARTMENTS = 8, 10
REPORTERS = 30_000  # accounts; enterprises' reports come from their contact's account
BUILD = "3"  # bump when the generated data or the schema it was built at changes: names the cached files
BATCH = 50_000  # tickets generated and written per batch
HOUR = timedelta(hours=1)


# -- the organisation ---------------------------------------------------------------------


@dataclass
class City:
    """Rows of the organisation (ids assigned here) and the lookups tickets are drawn from."""

    units: list[tuple] = field(default_factory=list)  # id, name, level, parent_id
    duty: dict[int, int] = field(default_factory=dict)  # unit id -> duty cadre id
    cadres: list[tuple] = field(default_factory=list)  # id, name, role, org_unit_id, phone
    enterprises: list[tuple] = field(default_factory=list)  # id, name, credit_code, address, grid_id, cadre, phone
    township_of: dict[int, int] = field(default_factory=dict)  # any unit at or below a township -> township
    grids: list[int] = field(default_factory=list)
    community_of: dict[int, int] = field(default_factory=dict)  # grid -> community
    grid_worker: dict[int, int] = field(default_factory=dict)
    butlers: dict[int, list[int]] = field(default_factory=dict)  # township -> butlers there and below
    departments: dict[int, list[int]] = field(default_factory=dict)  # township -> its district's handlers
    pace: dict[int, float] = field(default_factory=dict)  # township -> how slow it works (1: average)
    care: dict[int, float] = field(default_factory=dict)  # township -> how often reporters are satisfied
    root: int = 0

    def unit(self, name: str, level: OrgLevel, parent: int | None) -> int:
        uid = len(self.units) + 1
        self.units.append((uid, name, level.value, parent))
        return uid

    def cadre(self, name: str, role: CadreRole, unit: int) -> int:
        cid = len(self.cadres) + 1
        self.cadres.append((cid, name, role.value, unit, f"139{cid:08d}"))
        return cid


def make_city(enterprises: int, cadres: int, rng: random.Random) -> City:
    city = City()
    city.root = city.unit("示范市", OrgLevel.CITY, None)
    posts: list[tuple[CadreRole, int]] = []  # the roster's required posts, then extra places to fill
    city_departments = [city.unit(f"市局{k}", OrgLevel.DEPARTMENT, city.root) for k in range(CITY_DEPARTMENTS)]
    posts += [(CadreRole.DISTRICT_LEADER, city.root), (CadreRole.SUPERVISOR, city.root)]
    townships: list[int] = []
    district_departments: dict[int, list[int]] = {}
    for d in range(DISTRICTS):
        district = city.unit(f"第{d + 1}区", OrgLevel.DISTRICT, city.root)
        district_departments[district] = [city.unit(f"第{d + 1}区局{k}", OrgLevel.DEPARTMENT, district)
                                          for k in range(DEPARTMENTS)]
        posts += [(CadreRole.DISTRICT_LEADER, district)] * 5 + [(CadreRole.SUPERVISOR, district)] * 2
        for s in range(TOWNSHIPS):
            township = city.unit(f"第{d + 1}区{s + 1}镇", OrgLevel.TOWNSHIP, district)
            townships.append(township)
            city.township_of[township] = township
            city.pace[township] = rng.uniform(0.6, 1.8)
            city.care[township] = rng.uniform(0.75, 0.97)
            posts += [(CadreRole.TOWNSHIP_LEADER, township)] * 3 + [(CadreRole.SUPERVISOR, township)]
            posts += [(CadreRole.BUTLER, township)] * 20
            for c in range(COMMUNITIES):
                community = city.unit(f"第{d + 1}区{s + 1}镇{c + 1}村", OrgLevel.COMMUNITY, township)
                city.township_of[community] = township
                posts += [(CadreRole.BUTLER, community)] * 3
                for g in range(GRIDS):
                    grid = city.unit(f"第{d + 1}区{s + 1}镇{c + 1}村{g + 1}网格", OrgLevel.GRID, community)
                    city.township_of[grid] = township
                    city.community_of[grid] = community
                    city.grids.append(grid)
                    posts.append((CadreRole.GRID_WORKER, grid))
            city.departments[township] = []
    department_units = city_departments + [u for units in district_departments.values() for u in units]
    _staff(city, posts, department_units, cadres)
    district_of = {uid: parent for uid, _, level, parent in city.units if level == OrgLevel.TOWNSHIP.value}
    handlers: dict[int, list[int]] = {}
    for cid, _, role, unit, _ in city.cadres:
        if role == CadreRole.DEPARTMENT.value:
            handlers.setdefault(unit, []).append(cid)
    for township in townships:
        units = district_departments[district_of[township]] + city_departments
        city.departments[township] = [cid for u in units for cid in handlers.get(u, [])]
    _enterprises(city, enterprises, rng)
    return city


def _staff(city: City, posts: list[tuple[CadreRole, int]], department_units: list[int], cadres: int) -> None:
    """Fill the required posts first, then put the rest in departments; the first leader of a
    unit is its duty cadre (属地兜底), a grid's worker answers for its grid."""
    extra = max(0, cadres - len(posts))
    wanted = posts[:cadres] + [(CadreRole.DEPARTMENT, department_units[k % len(department_units)])
                               for k in range(extra)]
    for role, unit in wanted:
        cid = city.cadre(f"干部{len(city.cadres) + 1}", role, unit)
        if role in (CadreRole.TOWNSHIP_LEADER, CadreRole.DISTRICT_LEADER):
            city.duty.setdefault(unit, cid)
        elif role is CadreRole.GRID_WORKER:
            city.grid_worker[unit] = cid
            city.duty.setdefault(city.community_of[unit], cid)
        elif role is CadreRole.BUTLER:
            city.butlers.setdefault(city.township_of[unit], []).append(cid)


def _enterprises(city: City, count: int, rng: random.Random) -> None:
    for n in range(1, count + 1):
        grid = rng.choice(city.grids) if rng.random() > 0.02 else None
        township = city.township_of[grid] if grid else rng.choice(list(city.butlers))
        butlers = city.butlers.get(township, [])
        cadre = rng.choice(butlers) if butlers and rng.random() < 0.7 else None
        city.enterprises.append((n, f"示范企业{n}有限公司", f"91{410100 + n % 90:06d}{n:09d}X", f"工业路{n}号",
                                 grid, cadre, f"0371{n:08d}"))


# -- tickets: each one's story ---------------------------------------------------------------


CATEGORY_WEIGHTS = {Category.LABOR: 12, Category.FINANCING: 10, Category.LAND: 6, Category.UTILITIES: 14,
                    Category.APPROVALS: 12, Category.LOGISTICS: 8, Category.SUPPLIES: 5, Category.RENT: 6,
                    Category.ENVIRONMENT: 10, Category.SAFETY: 7, Category.POLICY: 6, Category.LEGAL: 4}
TIER_WEIGHTS = {Tier.A: 40, Tier.B: 30, Tier.C: 20, Tier.D: 10}
STARS = (5, 5, 5, 5, 5, 5, 4, 4, 4, 3)  # of satisfied reporters; the unsatisfied give 1–3
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 0, 1, 3, 8, 12, 12, 10, 6, 8, 11, 11, 10, 8, 5, 4, 3, 2, 2, 1]  # local hour of intake
TICKET_COLUMNS = ("id", "number", "category", "description", "photo_file_ids", "reporter_account_id",
                  "reporter_kind", "reporter_phone", "enterprise_id", "org_unit_id", "owner_cadre_id", "status",
                  "tier", "difficulty", "revisit_at", "assign_due_at", "answer_due_at", "settle_due_at",
                  "ladder_step", "resolved_at", "due_at", "created_at", "updated_at", "taken_up_at")
EVENT_COLUMNS = ("id", "ticket_id", "seq", "kind", "at", "actor_account_id", "data")


class DueTimes:
    """三不过 due times stamped by the domain, cached per (intake hour, difficulty): the policy
    works in whole days, so tickets received in the same hour share their deadlines."""

    def __init__(self, rules: Rules) -> None:
        self.rules, self.cache = rules, {}

    def __call__(self, created: datetime, difficulty: Difficulty) -> tuple[datetime | None, ...]:
        key = (created.replace(minute=0, second=0, microsecond=0), difficulty)
        if key not in self.cache:
            ticket = Ticket(id=None, number="", category="", description="", reporter_account_id=0,
                            reporter_kind=ReporterKind.ENTERPRISE, reporter_phone="", org_unit_id=0,
                            owner_cadre_id=0, status=TicketStatus.ASSIGNED, created_at=key[0], difficulty=difficulty)
            rules = self.rules
            stamp_due_times(ticket, rules.policy, rules.time_zone, rules.calendar)
            self.cache[key] = (ticket.assign_due_at, ticket.answer_due_at, ticket.settle_due_at)
        return self.cache[key]


class Story:
    """One ticket's history as it would have happened, cut off at NOW."""

    def __init__(self, rng: random.Random, created: datetime) -> None:
        self.rng, self.created = rng, created
        self.events: list[tuple[str, datetime, int | None, dict]] = []
        self.cut = False  # the story reached NOW

    def at(self, kind: str, when: datetime, actor: int | None = None, **data: Any) -> bool:
        """Record `kind` unless it lies in the future; False (and the story stops) if it does."""
        if self.cut or when > NOW:
            self.cut = True
            return False
        self.events.append((kind, when, actor, data))
        return True

    def hours(self, median: float, spread: float) -> timedelta:
        return timedelta(hours=self.rng.lognormvariate(math.log(median), spread))


def _created(rng: random.Random) -> datetime:
    """Intake time: more recent days weigh more (the bot is catching on), weekends less, office hours most."""
    today = NOW.astimezone(SHANGHAI).date()
    while True:
        back = int(DAYS * (rng.random() if rng.random() < 0.5 else 1 - math.sqrt(rng.random())))
        day = today - timedelta(days=back)
        if day.weekday() >= 5 and rng.random() < 0.6:
            continue
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=SHANGHAI)
        created = local.astimezone(UTC)
        if created < NOW - timedelta(minutes=5):
            return created


def _ladder(story: Story, stage: str, due: datetime | None, met: datetime | None) -> int:
    """催办 on the due day, 督办 the working day after, 黑旗 a week late: each only if the stage
    was still not met then. Returns the rungs climbed."""
    if due is None:
        return 0
    climbed = 0
    for rung, when in (("remind", due - timedelta(hours=14)), ("supervise", due + timedelta(hours=9)),
                       ("escalate", due + timedelta(days=7, hours=9))):
        if when <= story.created or (met is not None and met <= when):
            continue
        if not story.at(LADDER_EVENT, when, None, rung=rung, stage=stage, due=due.isoformat(), passed=False,
                        weekly_report=rung == "escalate"):
            story.cut = False  # a rung in the future only stops the ladder, not the story
            break
        climbed += 1
    return climbed


def ticket_story(n: int, city: City, dues: DueTimes, rng: random.Random) -> tuple[tuple, list[tuple]]:
    """Ticket n's row and its events (without ids)."""
    created = _created(rng)
    if rng.random() < 0.7:
        eid, _, _, _, grid, butler, _ = city.enterprises[int(len(city.enterprises) * rng.random() ** 1.3)]
        kind, reporter = ReporterKind.ENTERPRISE, 1 + eid % REPORTERS
        township = city.township_of[grid] if grid else rng.choice(list(city.butlers))
        unit = grid or township
        owner = butler or (city.grid_worker.get(grid) if grid else None) or city.duty.get(township)
    else:
        eid, kind, reporter = None, ReporterKind.RESIDENT, rng.randrange(1, REPORTERS + 1)
        grid = rng.choice(city.grids)
        township = city.township_of[grid]
        unit = grid if rng.random() < 0.9 else city.community_of[grid]
        owner = city.grid_worker.get(grid) or city.duty.get(township)
    owner = owner or 1
    pace, care = city.pace[township], city.care[township]
    category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
    difficulty = Difficulty.DIFFICULT if rng.random() < 0.2 else Difficulty.GENERAL
    assign_due, answer_due, settle_due = dues(created, difficulty)
    story = Story(rng, created)
    story.at("submitted", created, reporter)
    story.at("assigned", created, None, cadre_id=owner, reason="enterprise" if eid else "grid")
    status, tier, resolved_at, revisit_at = TicketStatus.ASSIGNED, None, None, None
    if rng.random() < 0.01:
        if story.at("withdrawn", created + story.hours(6, 1.0), reporter, reason="已自行解决"):
            status = TicketStatus.WITHDRAWN
        return _row(n, city, story, eid, kind, reporter, unit, owner, status, None, difficulty, category,
                    (assign_due, answer_due, settle_due), None, None), _events(story)
    taken = created + story.hours(3 * pace, 1.1)
    climbed = _ladder(story, "assign", assign_due, taken)
    if story.at("accepted", taken):
        status = TicketStatus.ACCEPTED
        tier = rng.choices(list(TIER_WEIGHTS), list(TIER_WEIGHTS.values()))[0] if rng.random() < 0.95 else None
        if tier is Tier.B and rng.random() < 0.5 and city.departments[township]:  # 交办 to a department
            handler = rng.choice(city.departments[township])
            if story.at("handover_accepted", taken + story.hours(5, 1.0), None, previous_owner=owner):
                owner = handler
        median = (48 if difficulty is Difficulty.GENERAL else 200) * pace * (4 if tier is Tier.D else 1)
        done = taken + story.hours(median, 0.9)
        for round_ in range(3):
            climbed += _ladder(story, "settle", settle_due, done) if round_ == 0 else 0
            if not story.at("resolved", done, None, note="已协调解决"):
                break
            status, resolved_at = TicketStatus.RESOLVED, done
            answer = done + story.hours(20, 1.2)
            if answer > done + timedelta(days=7):  # no verdict in time: closed, not rated
                if story.at("auto_confirmed", done + timedelta(days=7)):
                    status = TicketStatus.CONFIRMED
                break
            if rng.random() < care or round_ == 2:
                if story.at("confirmed", answer, reporter, verdict="solved"):
                    status = TicketStatus.CONFIRMED
                    if rng.random() < 0.8:
                        stars = rng.choice(STARS) if rng.random() < care else rng.randint(1, 3)
                        story.at("rated", answer + timedelta(minutes=1), reporter, stars=stars)
                    revisit_at = _revisit(story, answer, reporter, rng)
                break
            if not story.at("reopened", answer, reporter, verdict="not_solved", reason="问题仍未解决"):
                break
            status = TicketStatus.REOPENED
            done = answer + story.hours(72 * pace, 0.8)
    return _row(n, city, story, eid, kind, reporter, unit, owner, status, tier, difficulty, category,
                (assign_due, answer_due, settle_due), resolved_at, revisit_at, climbed), _events(story)


def _revisit(story: Story, confirmed: datetime, reporter: int, rng: random.Random) -> datetime | None:
    """回头看 30 days after 销号: answered by 60% (mostly "still solved"); the asked-and-pending keep revisit_at."""
    asked = confirmed + timedelta(days=30)
    if asked > NOW:
        return asked
    if rng.random() < 0.6:
        kind = "revisit_passed" if rng.random() < 0.92 else "revisit_failed"
        story.at(kind, asked + story.hours(10, 1.0), reporter)
    return None


def _row(n: int, city: City, story: Story, eid: int | None, kind: ReporterKind, reporter: int, unit: int,
         owner: int, status: TicketStatus, tier: Tier | None, difficulty: Difficulty, category: str,
         dues: tuple, resolved_at: datetime | None, revisit_at: datetime | None, climbed: int = 0) -> tuple:
    assign_due, answer_due, settle_due = dues
    running = {TicketStatus.ASSIGNED: assign_due, TicketStatus.ACCEPTED: settle_due,
               TicketStatus.REOPENED: settle_due}.get(status)  # the running stage's deadline (flags)
    return (n, f"LX-2026-{n:06d}", str(category), f"{category}: 企业反映的问题，请尽快协调处理", "[]", reporter,
            kind.value, "13800138000", eid, unit, owner, status.value, tier.value if tier else None,
            difficulty.value, revisit_at, assign_due, answer_due, settle_due, climbed, resolved_at, running,
            story.created, max(e[1] for e in story.events),
            min((at for kind, at, _, _ in story.events if kind in TAKEN_UP), default=None))


def _events(story: Story) -> list[tuple]:
    return [(seq, kind, at, actor, json.dumps(data)) for seq, (kind, at, actor, data) in
            enumerate(sorted(story.events, key=lambda e: e[1]), start=1)]


def tickets(city: City, count: int, rules: Rules, seed: int) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Batches of (ticket rows, event rows), ids assigned, in intake order within each batch."""
    rng, dues, event_id = random.Random(seed), DueTimes(rules), 0
    for lo in range(1, count + 1, BATCH):
        rows, events = [], []
        for n in range(lo, min(lo + BATCH, count + 1)):
            row, history = ticket_story(n, city, dues, rng)
            rows.append(row)
            for seq, kind, at, actor, data in history:
                event_id += 1
                events.append((event_id, n, seq, kind, at, actor, data))
        yield rows, events


# -- writing ---------------------------------------------------------------------------------


UNIT_COLUMNS = ("id", "name", "level", "parent_id")
CADRE_COLUMNS = ("id", "name", "role", "org_unit_id", "phone")
ENTERPRISE_COLUMNS = ("id", "name", "credit_code", "address", "grid_id", "assigned_cadre_id", "contact_phone")
ACCOUNT_COLUMNS = ("id", "platform", "user_id", "chat_id", "locale", "display_name")


COMPLAINT_COLUMNS = ("id", "complainant_account_id", "cadre_id", "org_unit_id", "text", "at", "finding",
                     "finding_reason", "found_by_cadre_id", "found_at")


def complaints(city: City, count: int, rng: random.Random) -> list[tuple]:
    """举报 about cadres over the same months, a third of them upheld by a supervisor days later
    (the 红黑榜's complaints_upheld), the rest not yet looked into or not upheld."""
    rows = []
    for n in range(1, count + 1):
        cid, _, _, unit, _ = rng.choice(city.cadres)
        at = _created(rng)
        found = at + timedelta(days=rng.uniform(1, 10))
        finding = rng.choice(("upheld", "not_upheld", None)) if found <= NOW else None
        rows.append((n, rng.randrange(1, REPORTERS + 1), cid, unit, "办事拖延", at, finding, "",
                     city.duty.get(city.root) if finding else None, found if finding else None))
    return rows


def _accounts() -> list[tuple]:
    return [(k, "telegram", str(1_000_000 + k), str(1_000_000 + k), "zh_CN", f"群众{k}")
            for k in range(1, REPORTERS + 1)]


class SqliteWriter:
    """Raw sqlite3 executemany in one transaction; datetimes as SQLAlchemy stores them (naive UTC text)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("BEGIN")

    @staticmethod
    def _value(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                              ([self._value(v) for v in row] for row in rows))

    def execute(self, sql: str, rows: list[tuple] = ()) -> None:
        self.conn.executemany(sql, rows) if rows else self.conn.execute(sql)

    def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.close()


class PostgresWriter:
    """COPY … FROM STDIN through psycopg, one transaction."""

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn)

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def execute(self, sql: str, rows: list[tuple] = ()) -> None:
        sql = sql.replace("?", "%s")
        with self.conn.cursor() as cursor:
            cursor.executemany(sql, rows) if rows else cursor.execute(sql)

    def finish(self) -> None:
        with self.conn.cursor() as cursor:
            for table in ("org_unit", "cadre", "enterprise", "account", "ticket", "ticket_event", "complaint"):
                cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")  # autovacuum is off on the throw-away cluster
        self.conn.close()


def load(writer: Any, sizes: Sizes, log: Callable[[str], None]) -> dict[str, int]:
    """Write the city and its tickets; row counts by table."""
    city = make_city(sizes.enterprises, sizes.cadres, random.Random(6))
    writer.write("org_unit", UNIT_COLUMNS, city.units)
    writer.write("cadre", CADRE_COLUMNS, city.cadres)
    writer.execute("UPDATE org_unit SET duty_cadre_id = ? WHERE id = ?", [(c, u) for u, c in city.duty.items()])
    writer.write("enterprise", ENTERPRISE_COLUMNS, city.enterprises)
    writer.write("account", ACCOUNT_COLUMNS, _accounts())
    counts = {"org_unit": len(city.units), "cadre": len(city.cadres), "enterprise": len(city.enterprises),
              "account": REPORTERS, "ticket": 0, "ticket_event": 0}
    for rows, events in tickets(city, sizes.tickets, Rules(), seed=sizes.tickets):
        writer.write("ticket", TICKET_COLUMNS, rows)
        writer.write("ticket_event", EVENT_COLUMNS, events)
        counts["ticket"] += len(rows)
        counts["ticket_event"] += len(events)
        log(f"  {counts['ticket']:,} tickets, {counts['ticket_event']:,} events")
    writer.write("complaint", COMPLAINT_COLUMNS, complaints(city, sizes.tickets // 250, random.Random(7)))
    writer.execute("INSERT INTO ticket_counter (year, last) VALUES (2026, ?)", [(sizes.tickets,)])
    writer.finish()
    return counts


# -- databases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    enterprises: int
    cadres: int
    tickets: int

    @property
    def key(self) -> str:
        return f"city-b{BUILD}-{self.enterprises}-{self.cadres}-{self.tickets}"


class SqliteDatabase:
    """The built file, cached in `cache_dir`; a half-built one is never reused."""

    name = "sqlite"

    def __init__(self, cache_dir: Path, sizes: Sizes, log: Callable[[str], None]) -> None:
        path = cache_dir / f"{sizes.key}.db"
        self.built_seconds: float | None = None
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            started = time.perf_counter()
            upgrade(f"sqlite:///{partial}")
            load(SqliteWriter(partial), sizes, log)
            self.built_seconds = time.perf_counter() - started
            partial.rename(path)
        self.url = f"sqlite:///{path}"
        schema = self._schema_version(path)
        upgrade(self.url)  # a file built before a newer migration gets it, as a deployment would
        if self._schema_version(path) != schema:
            with sqlite3.connect(path) as conn:
                conn.execute("ANALYZE")

    @staticmethod
    def _schema_version(path: Path) -> int:
        with sqlite3.connect(path) as conn:
            return conn.execute("PRAGMA schema_version").fetchone()[0]

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def close(self) -> None:
        pass


class PostgresDatabase:
    """A throw-away cluster; the database restored from a cached pg_dump, or built and then dumped."""

    name = "postgres"

    def __init__(self, cache_dir: Path, sizes: Sizes, log: Callable[[str], None]) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.support.pg_cluster import ThrowawayCluster

        self.cluster = ThrowawayCluster(settings={"shared_buffers": "256MB", "work_mem": "16MB"}).start()
        self.built_seconds = None
        name, dump = "city", cache_dir / f"{sizes.key}.pgdump"
        self.url = self.cluster.create_database(name)
        started = time.perf_counter()
        if dump.exists():
            self._tool("pg_restore", "--no-owner", "-j", "2", "-d", name, str(dump))
            upgrade(self.url)  # a dump made before a newer migration gets it, as a deployment would
            with self.cluster.connect(name) as conn:
                conn.execute("VACUUM ANALYZE")
            log(f"  restored {dump.name} in {time.perf_counter() - started:.1f} s")
            return
        upgrade(self.url)
        load(PostgresWriter(self.cluster.dsn(name)), sizes, log)
        self.built_seconds = time.perf_counter() - started
        partial = dump.with_suffix(".partial")
        self._tool("pg_dump", "-Fc", "-Z", "1", "-f", str(partial), name)
        partial.rename(dump)

    def _tool(self, tool: str, *args: str) -> None:
        cluster = self.cluster
        subprocess.run([str(cluster.bindir / tool), "-h", cluster.host, "-p", str(cluster.port), "-U", cluster.user,
                        *args], check=True)

    def version(self) -> str:
        with self.cluster.connect() as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]

    def close(self) -> None:
        self.cluster.stop()


# -- measuring -------------------------------------------------------------------------------


# the queries of storage.reports._Figures, each timed alone
FIGURE_QUERIES = ("enterprises", "tickets", "events", "take_ups", "complaints_upheld")


class Bench:
    def __init__(self, url: str, runs: int, log: Callable[[str], None]) -> None:
        self.engine = make_engine(url)
        self.factory = UowFactory(self.engine)
        self.rules, self.runs, self.log = Rules(), runs, log
        with self.factory() as uow:
            self.start, self.end = last_week(NOW, Work(uow=uow, now=NOW, rules=self.rules))
        self.statements: list[tuple[str, Any]] | None = None
        sa.event.listen(self.engine, "before_cursor_execute", self._capture)

    def _capture(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.statements is not None:
            self.statements.append((statement, parameters))

    def timed(self, what: Callable[[Any], Any]) -> dict[str, float]:
        """`what(uow)` run once uncounted, then `runs` times, each in a fresh unit of work; ms."""
        times = []
        for run in range(self.runs + 1):
            with self.factory() as uow:
                uow.session.connection()  # check a connection out before the clock starts
                started = time.perf_counter()
                what(uow)
                if run:
                    times.append((time.perf_counter() - started) * 1000)
        return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1)}

    def digest(self, unit_id: int) -> Callable[[Any], Any]:
        return lambda uow: compose(Work(uow=uow, now=NOW, rules=self.rules), unit_id, self.start, self.end)

    def chart(self, unit_id: int) -> Callable[[Any], Any]:
        return lambda uow: chart(Work(uow=uow, now=NOW, rules=self.rules), unit_id, self.end)

    def board(self, unit_id: int) -> Callable[[Any], Any]:
        rules = self.rules

        def ranked(uow: Any) -> Any:
            periods = uow.reports.child_periods(unit_id, self.start, self.end)
            return rank(periods, rules.ranking_weights, list_size=min(rules.ranking_list_size, len(periods) // 2))
        return ranked

    def figures(self, unit_id: int) -> dict[str, Callable[[Any], Any]]:
        """Each query of the unit's digest alone: its own totals, its children's (the 红黑榜), the rest."""
        rules, start, end = self.rules, self.start, self.end
        lines = rules.flag_lines(NOW)
        out: dict[str, Callable[[Any], Any]] = {}
        for scope, itself in (("unit", True), ("children", False)):
            for query in FIGURE_QUERIES:
                out[f"{scope}: {query}"] = self._figure(unit_id, itself, query)
        out["received_by tier"] = lambda uow: uow.reports.received_by(unit_id, start, end, "tier")
        out["received_by category"] = lambda uow: uow.reports.received_by(unit_id, start, end, "category")
        out["oldest_open"] = lambda uow: uow.reports.oldest_open(unit_id, 5)
        out["child_flags (chart)"] = lambda uow: uow.reports.child_flags(unit_id, lines)
        bounds = [end - timedelta(weeks=8 - n) for n in range(9)]
        out["trend, 8 weeks (chart)"] = lambda uow: uow.reports.trend(unit_id, bounds)
        out["flag_counts"] = lambda uow: uow.reports.flags(unit_id, lines)
        return out

    def _figure(self, unit_id: int, itself: bool, name: str) -> Callable[[Any], Any]:
        def one(uow: Any) -> Any:
            figures = reports._Figures(uow.session, reports.subtrees(unit_id, itself=itself), self.start, self.end)
            return getattr(figures, name)()
        return one

    def explain(self, what: Callable[[Any], Any]) -> list[str]:
        """The plan of every statement `what` runs."""
        self.statements = []
        with self.factory() as uow:
            what(uow)
        captured, self.statements = self.statements, None
        postgres = self.engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
        plans = []
        with self.engine.connect() as conn:
            for statement, parameters in captured:
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                plan = "\n".join(r[0] for r in rows) if postgres else "\n".join(str(r[-1]) for r in rows)
                plans.append(" ".join(statement.split()) + "\n" + plan)
        return plans

    def close(self) -> None:
        self.engine.dispose()


def units(engine: Engine) -> dict[str, int]:
    """The city, its first district, that district's first township (ids are in creation order)."""
    with engine.connect() as conn:
        def first(level: OrgLevel, parent: int | None = None) -> int:
            where = "level = :level" + ("" if parent is None else " AND parent_id = :parent")
            return conn.scalar(sa.text(f"SELECT min(id) FROM org_unit WHERE {where}"),
                               {"level": level.value, "parent": parent})
        city = first(OrgLevel.CITY)
        district = first(OrgLevel.DISTRICT, city)
        return {"city": city, "district": district, "township": first(OrgLevel.TOWNSHIP, district)}


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                for t in ("org_unit", "cadre", "enterprise", "ticket", "ticket_event", "complaint")}


def measure(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    ids, log = units(bench.engine), bench.log
    result: dict[str, Any] = {"digest": {}, "board": {}, "figures": {}}
    for level, unit_id in ids.items():
        result["digest"][level] = bench.timed(bench.digest(unit_id))
        log(f"  digest of the {level}: {result['digest'][level]}")
    result["chart"] = {}
    for level, unit_id in ids.items():
        result["chart"][level] = bench.timed(bench.chart(unit_id))
        log(f"  chart data of the {level}: {result['chart'][level]}")
    for level in ("city", "district"):
        result["board"][level] = bench.timed(bench.board(ids[level]))
        log(f"  红黑榜 of the {level}'s children: {result['board'][level]}")
    for name, what in bench.figures(ids["city"]).items():
        result["figures"][name] = bench.timed(what)
        log(f"  city {name}: {result['figures'][name]}")
    if args.explain:
        result["plans"] = {name: bench.explain(what) for name, what in bench.figures(ids["city"]).items()}
    return result


def _logger() -> Callable[[str], None]:
    started = time.perf_counter()
    return lambda text: print(f"[{time.perf_counter() - started:7.1f}s] {text}", flush=True)


def report(result: dict[str, Any]) -> str:
    lines = [f"{result['database']} · {result['rows']} · built in "
             f"{result['built_seconds'] or 'cache'} s · median (min) ms of {result['runs']} runs", "",
             "| what | median ms | min ms |", "| --- | ---: | ---: |"]
    for level, figures in result["digest"].items():
        lines.append(f"| 周通报 `compose`, {level} | {figures['median_ms']:,} | {figures['min_ms']:,} |")
    for level, figures in result["chart"].items():
        lines.append(f"| a group's chart data (`chart`: flags by sub-unit, 8-week trend), {level} | "
                     f"{figures['median_ms']:,} | {figures['min_ms']:,} |")
    for level, figures in result["board"].items():
        lines.append(f"| 红黑榜 (`child_periods` + `rank`), the {level}'s children | {figures['median_ms']:,} | "
                     f"{figures['min_ms']:,} |")
    for name, figures in result["figures"].items():
        lines.append(f"| city · {name} | {figures['median_ms']:,} | {figures['min_ms']:,} |")
    return "\n".join(lines)


def once(bench: Bench, level: str) -> dict[str, Any]:
    """One digest, no warm-up, for timing the whole process from outside ("none": everything else)."""
    try:
        if level != "none":
            with bench.factory() as uow:
                started = time.perf_counter()
                bench.digest(units(bench.engine)[level])(uow)
                bench.log(f"digest of the {level}: {(time.perf_counter() - started) * 1000:.0f} ms")
        return {}
    finally:
        bench.close()


def draw_chart(bench: Bench, path: Path) -> dict[str, Any]:
    """The first district's 周通报 chart as its leader group would get it (docs/digest-chart.png)."""
    from bot.charts import digest_chart
    from bot.i18n import Translator

    translator = Translator(default_locale="zh_CN")
    try:
        with bench.factory() as uow:
            data = bench.chart(units(bench.engine)["district"])(uow).data
        path.write_bytes(digest_chart(data, lambda msg: translator.render(msg, "zh_CN")))
        bench.log(f"chart written to {path}")
        return {}
    finally:
        bench.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    log = _logger()
    sizes = Sizes(args.enterprises, args.cadres, args.tickets)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    log(f"{args.db}: {sizes}")
    database = (SqliteDatabase if args.db == "sqlite" else PostgresDatabase)(args.cache_dir, sizes, log)
    try:
        bench = Bench(database.url, args.runs, log)
        if args.chart:
            return draw_chart(bench, args.chart)
        if args.once:
            return once(bench, args.once)
        try:
            result = {"database": database.version(), "python": sys.version.split()[0],
                      "sqlite": sqlite3.sqlite_version, "cores": os.cpu_count(),
                      "date": datetime.now(UTC).isoformat(timespec="seconds"), "runs": args.runs,
                      "built_seconds": round(database.built_seconds, 1) if database.built_seconds else None,
                      "rows": row_counts(bench.engine), **measure(bench, args)}
        finally:
            bench.close()
    finally:
        database.close()
    print("\n" + report(result))
    for name, plans in result.get("plans", {}).items():
        print(f"\n-- {name}\n" + "\n\n".join(plans))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return result


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.city", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--cadres", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--once", choices=("city", "district", "township", "none"),
                        help="only build one digest once (none: only open the database), for whole-process timing")
    parser.add_argument("--explain", action="store_true", help="print the plan of every figure's query")
    parser.add_argument("--chart", type=Path, help="only draw the first district's digest chart into this PNG")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "lianxin-city-bench")
    parser.add_argument("--out", type=Path, default=None, help="JSON results (default: in --cache-dir)")
    args = parser.parse_args(argv)
    args.out = args.out or args.cache_dir / f"results-{args.db}.json"
    return args


def main(argv: list[str] | None = None) -> None:
    run(parse(argv))


if __name__ == "__main__":
    main()

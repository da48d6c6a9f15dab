"""问题台账 benchmark: time and peak Python memory of writing a big unit's ledger.

    .venv/bin/python -m benchmarks.ledger --tickets 100000 500000
    .venv/bin/python -m benchmarks.ledger --db postgres --tickets 100000
    .venv/bin/python -m benchmarks.ledger --tickets 100000 --list-everything   # what streaming saves

A township with one grid, one cadre and one enterprise gets `--tickets` problems written
with Core executemany (`fill`), each with `--events` history rows; a sixth of them are
销号 and rated, a third open and flagged. The ledger is then written to a temporary file
with `bot.ledger.write_ledger`, under tracemalloc: the peak is what Python allocated at
most while writing, on top of what it held before. `--list-everything` loads all rows into
a list before writing, as a non-streaming ledger would. `fill` also serves the memory test
(tests/integration/test_ledger.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.tables import (AccountRow, CadreRow, EnterpriseRow, OrgUnitRow, TicketCounterRow, TicketEventRow,
                            TicketRow)

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai
CHUNK = 5000  # rows per executemany


def fill(engine: Engine, tickets: int, events: int = 2) -> int:
    """A township holding `tickets` problems with `events` history rows each; returns its id."""
    with engine.begin() as conn:
        township = _insert(conn, OrgUnitRow, name="城关街道", level="township")
        grid = _insert(conn, OrgUnitRow, name="城关第一网格", level="grid", parent_id=township)
        account = _insert(conn, AccountRow, platform="telegram", user_id=2001, chat_id=2001, locale="zh_CN")
        reporter = _insert(conn, AccountRow, platform="telegram", user_id=1001, chat_id=1001, locale="zh_CN")
        cadre = _insert(conn, CadreRow, name="陈晓明", role="butler", org_unit_id=township, account_id=account)
        enterprise = _insert(conn, EnterpriseRow, name="润弘制药股份有限公司", credit_code="91410000MA00000001",
                             grid_id=grid)
        first_id = (conn.scalar(sa.select(sa.func.max(TicketRow.id))) or 0) + 1
        for start in range(0, tickets, CHUNK):
            numbers = range(start, min(start + CHUNK, tickets))
            conn.execute(sa.insert(TicketRow), [_ticket(n, grid, cadre, enterprise, reporter) for n in numbers])
            conn.execute(sa.insert(TicketEventRow), [
                {"ticket_id": first_id + n, "seq": seq, "kind": kind, "at": NOW - timedelta(hours=n % 500 - seq),
                 "actor_account_id": reporter if seq == 0 else account, "data": data}
                for n in numbers for seq, (kind, data) in enumerate(_history(n, events))])
        conn.execute(sa.insert(TicketCounterRow), [{"year": 2026, "last": tickets}])
    return township


def _insert(conn: sa.Connection, table: type, **values: object) -> int:
    return conn.execute(sa.insert(table).values(**values).returning(table.id)).scalar_one()


def _ticket(n: int, grid: int, cadre: int, enterprise: int, reporter: int) -> dict:
    created = NOW - timedelta(hours=n % 500 + 1)
    status = ("confirmed", "accepted", "assigned", "resolved", "reopened", "accepted")[n % 6]
    due = created + timedelta(days=n % 9)
    return {"number": f"LX-2026-{n + 1:06d}", "category": "utilities", "description": "停电", "photo_file_ids": [],
            "reporter_account_id": reporter, "reporter_kind": "enterprise", "reporter_phone": "13800138000",
            "enterprise_id": enterprise, "org_unit_id": grid, "owner_cadre_id": cadre, "status": status,
            "tier": "ABCD"[n % 4], "difficulty": "general", "assign_due_at": created + timedelta(days=1),
            "settle_due_at": due, "due_at": due, "resolved_at": created + timedelta(hours=1) if n % 6 in (0, 3)
            else None, "created_at": created, "updated_at": created, "ladder_step": 0}


def _history(n: int, events: int) -> list[tuple[str, dict]]:
    kinds = [("submitted", {}), ("accepted", {}), ("resolved", {"note": f"第{n}号已办结"}),
             ("confirmed", {"verdict": "solved"}), ("rated", {"stars": 1 + n % 5})]
    return kinds[:events]


@contextmanager
def peak_memory() -> Iterator[list[float]]:
    """[peak MB] allocated by Python inside the block, above what was held when it started."""
    result: list[float] = []
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        yield result
        result.append((tracemalloc.get_traced_memory()[1] - base) / 2**20)
    finally:
        tracemalloc.stop()


def measure(url: str, tickets: int, events: int, list_everything: bool) -> dict[str, float]:
    from bot.i18n import Translator
    from bot.ledger import write_ledger
    from handlers.rules import Rules
    from storage.db import make_engine, upgrade

    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    township = fill(engine, tickets, events)
    loaded = time.perf_counter() - started
    rules, translator = Rules(), Translator()
    translator.render("", "zh_CN")  # the catalogs loaded before measuring
    with _listing(list_everything), tempfile.TemporaryDirectory() as tmp, peak_memory() as peak:
        started = time.perf_counter()
        summary = write_ledger(engine, township, NOW, rules, translator, "zh_CN", Path(tmp) / "ledger.xlsx")
        seconds = time.perf_counter() - started
        size = (Path(tmp) / "ledger.xlsx").stat().st_size / 2**20
    engine.dispose()
    return {"tickets": summary.rows, "events": summary.events, "load_s": loaded, "write_s": seconds,
            "peak_mb": peak[0], "file_mb": size}


@contextmanager
def _listing(enabled: bool) -> Iterator[None]:
    """With `enabled`, bot.ledger reads every row into a list first (the non-streaming way)."""
    import bot.ledger as ledger

    saved = ledger.ledger_rows, ledger.history_rows
    if enabled:
        ledger.ledger_rows = lambda *a, **k: iter(list(saved[0](*a, **k)))
        ledger.history_rows = lambda *a, **k: iter(list(saved[1](*a, **k)))
    try:
        yield
    finally:
        ledger.ledger_rows, ledger.history_rows = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, nargs="+", default=[100_000])
    parser.add_argument("--events", type=int, default=2, help="history rows per ticket (at most 5)")
    parser.add_argument("--list-everything", action="store_true", help="load all rows before writing")
    args = parser.parse_args()
    for tickets in args.tickets:
        with _database(args.db) as url:
            figures = measure(url, tickets, args.events, args.list_everything)
        print(f"{args.db}: {figures['tickets']:,} problems, {figures['events']:,} history rows: "
              f"written in {figures['write_s']:.1f} s, peak {figures['peak_mb']:.1f} MB, "
              f"file {figures['file_mb']:.1f} MB (loaded in {figures['load_s']:.1f} s)", flush=True)


@contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/ledger.db"
        return
    from tests.support.pg_cluster import ThrowawayCluster

    cluster = ThrowawayCluster().start()
    try:
        yield cluster.create_database("ledger_bench")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()

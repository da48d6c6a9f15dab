"""问题台账 benchmark: how fast, and in how much memory, each .xlsx writer writes a big unit's ledger.

    .venv/bin/pip install -e '.[bench]'        # openpyxl and pyexcelerate, to compare against
    .venv/bin/python -m benchmarks.ledger --tickets 100000
    .venv/bin/python -m benchmarks.ledger --db postgres --tickets 100000
    .venv/bin/python -m benchmarks.ledger --tickets 100000 --writers xlsxwriter --list-everything

A township with one grid, one cadre and one enterprise gets `--tickets` problems written
with Core executemany (`fill`), each with `--events` history rows; a sixth of them are
销号 and rated, a third open and flagged. The ledger is then written to a temporary file
with `bot.ledger.write_ledger`, once per writer and run (`--runs`, interleaved), each time in
a fresh process that reports how far its peak resident memory rose while writing, the
larger rise of the writing process and of the process it forks to read the rows
(`write_in_child`). The writers (benchmarks/ledger_writers.py) get the same rows, read and
formatted as in the bot: only the writing differs. `--list-everything` loads all rows into a
list before writing, as a non-streaming ledger would. Prints the command, the machine and
the date, a line per writer (medians), and a JSON line last. `fill` and `write_in_child`
also serve the memory test (tests/integration/test_ledger.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.tables import (AccountRow, CadreRow, EnterpriseRow, OrgUnitRow, TicketCounterRow, TicketEventRow,
                            TicketRow)

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai
CHUNK = 5000  # rows per executemany


def fill(engine: Engine, tickets: int, events: int = 2) -> int:
    """A township holding `tickets` problems with `events` history rows each; returns its id."""
    with engine.begin() as conn:
        township = _insert(conn, OrgUnitRow, name="城关街道", level="township")
        grid = _insert(conn, OrgUnitRow, name="城关第一网格", level="grid", parent_id=township)
        account = _insert(conn, AccountRow, platform="telegram", user_id="2001", chat_id="2001", locale="zh_CN")
        reporter = _insert(conn, AccountRow, platform="telegram", user_id="1001", chat_id="1001", locale="zh_CN")
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


def write_in_child(url: str, unit_id: int, list_everything: bool = False, writer: str = "xlsxwriter") -> dict:
    """Write the ledger in a fresh process and return its figures: `rss_growth_mb` is how far
    the process's peak resident memory rose above what it held once ready to write (imports,
    catalogs, the calendar), the honest figure for "does it run out of memory", C buffers of
    the database driver included."""
    command = [sys.executable, "-m", "benchmarks.ledger", "--child", url, str(unit_id), "--writers", writer]
    done = subprocess.run(command + (["--list-everything"] if list_everything else []), capture_output=True,
                          text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.splitlines()[-1])


def _child(url: str, unit_id: int, list_everything: bool, writer: str) -> None:
    from benchmarks.ledger_writers import WRITERS
    from bot.i18n import Translator
    from bot.ledger import write_ledger
    from handlers.rules import Rules
    from storage.db import make_engine

    engine, rules, translator, book = make_engine(url), Rules(), Translator(), WRITERS[writer]
    with tempfile.TemporaryDirectory() as tmp:
        # a first, empty ledger: what every later one needs is loaded before measuring
        write_ledger(engine, -1, NOW, rules, translator, "zh_CN", Path(tmp) / "warm.xlsx", book=book)
        before = _peak_rss_mb()
        with _listing(list_everything):
            started = time.perf_counter()
            summary = write_ledger(engine, unit_id, NOW, rules, translator, "zh_CN", Path(tmp) / "ledger.xlsx",
                                   book=book)
            seconds = time.perf_counter() - started
        size = (Path(tmp) / "ledger.xlsx").stat().st_size / 2**20
    writer_growth, reader_growth = _peak_rss_mb() - before, _peak_rss_mb(resource.RUSAGE_CHILDREN) - before
    print(json.dumps({"writer": writer, "tickets": summary.rows, "events": summary.events, "write_s": seconds,
                      "rss_growth_mb": max(writer_growth, reader_growth), "writer_rss_growth_mb": writer_growth,
                      "reader_rss_growth_mb": reader_growth, "file_mb": size}))


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process, or (RUSAGE_CHILDREN) of the largest of its ended
    children: the ledger's reading process, forked from this one once it was ready to write,
    so its peak above `before` is what the reading added (bot/aside.py)."""
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


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
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2, help="history rows per ticket (at most 5)")
    parser.add_argument("--writers", nargs="+", default=["xlsxwriter", "openpyxl", "pyexcelerate"],
                        choices=("xlsxwriter", "openpyxl", "pyexcelerate"))
    parser.add_argument("--runs", type=int, default=3, help="runs of each writer (medians are reported)")
    parser.add_argument("--list-everything", action="store_true", help="load all rows before writing")
    parser.add_argument("--child", nargs=2, metavar=("URL", "UNIT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]), args.list_everything, args.writers[0])
        return
    print(f"command: python -m benchmarks.ledger {' '.join(sys.argv[1:])}")
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}", flush=True)
    results = _measure(args)
    print(json.dumps({"db": args.db, "tickets": args.tickets, "events": args.events, "runs": args.runs,
                      "writers": results}))


def _measure(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    from storage.db import make_engine, upgrade

    with _database(args.db) as url:
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        township = fill(engine, args.tickets, args.events)
        print(f"{args.db}: {args.tickets:,} problems loaded in {time.perf_counter() - started:.1f} s", flush=True)
        engine.dispose()
        runs: dict[str, list[dict]] = {writer: [] for writer in args.writers}
        for _ in range(args.runs):  # interleaved: a busy spell on the machine hits every writer alike
            for writer in args.writers:
                runs[writer].append(write_in_child(url, township, args.list_everything, writer))
    return {writer: _medians(figures) for writer, figures in runs.items()}


def _medians(runs: list[dict]) -> dict[str, float]:
    seconds = statistics.median(run["write_s"] for run in runs)
    first = runs[0]
    result = {"write_s": round(seconds, 2), "problems_per_s": round(first["tickets"] / seconds),
              "rows_per_s": round((first["tickets"] + first["events"]) / seconds),
              "rss_growth_mb": round(statistics.median(run["rss_growth_mb"] for run in runs), 1),
              "file_mb": round(first["file_mb"], 1), "all_write_s": [round(run["write_s"], 2) for run in runs]}
    print(f"{first['writer']:>12}: {first['tickets']:,} problems + {first['events']:,} history rows in "
          f"{seconds:.1f} s (median of {len(runs)}: {result['all_write_s']}), {result['problems_per_s']:,} "
          f"problems/s, {result['rows_per_s']:,} sheet rows/s, peak memory +{result['rss_growth_mb']:.0f} MB, "
          f"file {result['file_mb']:.1f} MB", flush=True)
    return result


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

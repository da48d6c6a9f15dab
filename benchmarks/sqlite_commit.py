"""What a commit costs on SQLite, by journal mode and sync level (issue 14, docs/performance.md).

    .venv/bin/python -m benchmarks.sqlite_commit --commits 500 --runs 3

Each mode gets a fresh database file in `--dir` (default: a temporary folder, on the disk the bot's
database would be on if you point it there) and `--commits` transactions of one small INSERT each,
as a dialog step's commit is; the milliseconds per commit, median of `--runs`. The modes:
  delete/FULL   the rollback journal (SQLite's default; the bot before WAL)
  wal/FULL      write-ahead log, synced at every commit (what storage/db.py sets)
  wal/NORMAL    write-ahead log, synced at checkpoints only: the last commits may be lost on a
                power cut (never corrupted). Measured for the record; not used: the owner has not
                accepted that loss.
The last line is the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

MODES = (("delete", "FULL"), ("wal", "FULL"), ("wal", "NORMAL"))


def commit_ms(path: Path, journal: str, synchronous: str, commits: int) -> float:
    """Milliseconds per commit of a one-row INSERT in this mode."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(f"PRAGMA journal_mode={journal}")
        connection.execute(f"PRAGMA synchronous={synchronous}")
        connection.execute("CREATE TABLE step (id INTEGER PRIMARY KEY, chat TEXT, data TEXT)")
        began = time.perf_counter()
        for n in range(commits):
            connection.execute("BEGIN")
            connection.execute("INSERT INTO step (chat, data) VALUES (?, ?)", (str(n), '{"step": "text"}'))
            connection.execute("COMMIT")
        return 1000 * (time.perf_counter() - began) / commits
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sqlite_commit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where the database files go (default: a temporary folder)")
    args = parser.parse_args(argv)
    print(f"$ {shlex.join([Path(sys.executable).name, '-m', 'benchmarks.sqlite_commit', *sys.argv[1:]])}")
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}", flush=True)
    runs: dict[str, list[float]] = {f"{journal}/{sync}": [] for journal, sync in MODES}
    with tempfile.TemporaryDirectory(prefix="lianxin-commit-", dir=args.dir) as folder:
        for _ in range(args.runs):
            for journal, sync in MODES:  # interleaved, so a busy moment hits every mode alike
                runs[f"{journal}/{sync}"].append(commit_ms(Path(folder) / "commit.db", journal, sync, args.commits))
    medians = {mode: round(statistics.median(values), 3) for mode, values in runs.items()}
    for mode, ms in medians.items():
        print(f"{mode:12} {ms:7.3f} ms per commit")
    print(json.dumps({"command": sys.argv, "cores": os.cpu_count(), "sqlite": sqlite3.sqlite_version,
                      "date": datetime.now(UTC).isoformat(timespec="seconds"), "args": {
                          k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                      "median_ms_per_commit": medians, "runs": runs}))


if __name__ == "__main__":
    main()

"""What the benchmarks share: the header every run prints, quantiles, a process's CPU."""

from __future__ import annotations

import os
import platform
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def print_header(module: str) -> None:
    """The command that ran, the machine and the date: every figure in docs/ names them."""
    print(f"$ {shlex.join([Path(sys.executable).name, '-m', module, *sys.argv[1:]])}")
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine speed now: a fixed pure-Python loop takes {machine_speed_ms():.0f} ms of CPU "
          "(on the project's shared VM it moved between 70 and 116 ms within minutes: compare figures at like speeds)", flush=True)


def machine_speed_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop, the best of five: how fast this machine is
    today, so that figures measured on different days can be told apart from the code's changes."""
    def loop() -> float:
        started, total = time.process_time(), 0
        for number in range(1_000_000):
            total += number * number % 7
        return time.process_time() - started

    return 1000 * min(loop() for _ in range(5))


def quantile(ordered: list[float], q: float) -> float:
    """The `q` quantile of sorted values (the nearest rank)."""
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu_ticks(pid: int) -> list[int]:
    """utime, stime, cutime, cstime of a process (/proc/PID/stat, after the command's parentheses)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(value) for value in fields[11:15]]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc)."""
    return sum(_cpu_ticks(pid)[:2]) / TICKS


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of a server process and of every child it has had: those it has reaped
    (counted into its own figures) and those still running (PostgreSQL's postmaster and its
    backends)."""
    total = sum(_cpu_ticks(pid)) / TICKS
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        try:
            total += process_cpu_seconds(int(child))
        except (FileNotFoundError, ProcessLookupError):  # ended since: its time is in the parent's now
            pass
    return total


def py_spy_record(profile: Path, argv: list[str]) -> list[str]:
    """`argv` run under py-spy, its raw stacks written to `profile` (.venv/bin/pip install py-spy);
    LIANXIN_PY_SPY_FLAGS adds flags, e.g. "--gil": only what holds the GIL."""
    py_spy = str(Path(sys.executable).parent / "py-spy")
    flags = os.environ.get("LIANXIN_PY_SPY_FLAGS", "").split()
    return [py_spy, "record", "--format", "raw", "--rate", "200", *flags, "--output", str(profile), "--", *argv]

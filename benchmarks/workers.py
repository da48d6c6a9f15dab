"""Webhook workers on one PostgreSQL: updates/s and reply p50/p99 for 1, 2 and 4 worker processes,
beside a bare echo bot on a webhook, in one run (issue 14, docs/deploy.md).

    .venv/bin/python -m benchmarks.workers --framework ptb aiogram --workers 1 2 4 --runs 3 --users 100

The sandbox Bot API server (sandbox/botapi, limits off) runs in this process and posts
each update to a reverse proxy (tests/support/webhook_proxy.py, also here), which passes
the updates to the workers in turn, as nginx would. Each worker is the real `lianxin run`
with a webhook (LIANXIN_SEND_PACING=false), listening on a port of its own; one
throw-away PostgreSQL cluster holds the database. `--users` new people walk the report
dialog at full speed, all at once (benchmarks/latency.py's walk): updates/s over the whole
load, and each reply's latency from its update being queued at the server to the reply
landing there. The echo bot gets the same load through the same proxy (one process).
Each load also says what an update cost every part of the stack in CPU (the bots, PostgreSQL's
server, and this process: the Bot API server, the proxy and the people), and so the most the
machine's cores could carry: the ceiling any number of workers meets on this machine.
The last line is the result as JSON (medians over the runs, and every run's figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import print_header, process_cpu_seconds, py_spy_record, quantile, server_cpu_seconds
from benchmarks.latency import (ENTERPRISE, ROOT, TOKEN, CallLog, People, Step, calibrate, echo_dialog, report_dialog,
                                walk)
from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import free_port
from tests.support.webhook_proxy import WebhookProxy

SECRET = "benchmark-webhook-secret"
START_TIMEOUT = 60.0


class Workers:
    """`count` processes behind a proxy; started once each has registered its webhook."""

    def __init__(self, commands: list[tuple[list[str], dict[str, str]]], log_path: Path) -> None:
        self.commands, self.log_path = commands, log_path  # (argv, environment) of each process
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self, server: LocalBotApi) -> None:
        registered = len(server.calls_to("setWebhook"))
        with self.log_path.open("ab") as out:
            for argv, env in self.commands:
                self.processes.append(await asyncio.create_subprocess_exec(
                    *argv, env=env, cwd=ROOT, stdout=out, stderr=out))
        deadline = time.monotonic() + START_TIMEOUT
        while len(server.calls_to("setWebhook")) < registered + len(self.commands):
            if any(p.returncode is not None for p in self.processes) or time.monotonic() > deadline:
                raise RuntimeError(f"a worker did not start; see {self.log_path}")
            await asyncio.sleep(0.01)

    def cpu_seconds(self) -> float:
        """User + system CPU of these processes so far."""
        return sum(process_cpu_seconds(process.pid) for process in self.processes if process.returncode is None)

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
        await asyncio.gather(*(asyncio.wait_for(p.wait(), 30) for p in self.processes))


def lianxin_workers(server: LocalBotApi, proxy_url: str, ports: list[int], framework: str, database_url: str,
                    log_path: Path, profile: Path | None = None) -> Workers:
    env = {**os.environ, "LIANXIN_BOT_TOKEN": TOKEN, "LIANXIN_BOT_API_URL": server.url,
           "LIANXIN_DATABASE_URL": database_url, "LIANXIN_FRAMEWORK": framework, "LIANXIN_SEND_PACING": "false",
           "LIANXIN_QUIET_HOURS": "false", "LIANXIN_WEBHOOK_URL": proxy_url, "LIANXIN_WEBHOOK_SECRET": SECRET}
    run = [sys.executable, "-m", "bot.cli", "run"]
    commands = [(run, {**env, "LIANXIN_WEBHOOK_PORT": str(port)}) for port in ports]
    if profile is not None:  # the first worker under py-spy (its CPU figure is then py-spy's)
        argv, first_env = commands[0]
        commands[0] = (py_spy_record(profile, argv), first_env)
    return Workers(commands, log_path)


def echo_worker(server: LocalBotApi, proxy_url: str, port: int, framework: str, log_path: Path) -> Workers:
    argv = [sys.executable, "-m", "benchmarks.echo_bot", "--framework", framework, "--url", server.url,
            "--token", TOKEN, "--webhook-url", proxy_url, "--webhook-port", str(port), "--secret", SECRET]
    return Workers([(argv, dict(os.environ))], log_path)


async def load(server: LocalBotApi, people: People, steps: list[Step], expected: list[int], users: int,
               bots: Workers, postmaster: int) -> dict[str, float]:
    """`users` people walk at once: updates/s, reply p50/p99, how busy the whole machine was, and
    the CPU each update cost every part of the stack: the bots, PostgreSQL, and this process (the
    Bot API server, the proxy and the people). With those, the most the machine's cores could
    carry: updates/s if every core did nothing but this."""
    log: CallLog = server.calls  # type: ignore[assignment]
    began, machine = time.monotonic(), _machine_ticks()
    cpu = bots.cpu_seconds(), server_cpu_seconds(postmaster), time.process_time()
    walks = await asyncio.gather(*(walk(log, user, steps, expected, None) for user in people.new(users)))
    seconds = time.monotonic() - began
    bot, database, harness = (after - before for after, before in zip(
        (bots.cpu_seconds(), server_cpu_seconds(postmaster), time.process_time()), cpu))
    busy, total = (after - before for after, before in zip(_machine_ticks(), machine))
    latencies = sorted(ms for w in walks for ms in w.latencies)
    updates = users * len(steps)
    stack_ms = 1000 * (bot + database + harness) / updates
    return {"updates": updates, "updates_per_second": round(updates / seconds, 1),
            "p50_ms": round(1000 * quantile(latencies, 0.5), 1), "p99_ms": round(1000 * quantile(latencies, 0.99), 1),
            "bot_cpu_ms_per_update": round(1000 * bot / updates, 1),
            "postgres_cpu_ms_per_update": round(1000 * database / updates, 1),
            "harness_cpu_ms_per_update": round(1000 * harness / updates, 1),
            "machine_busy": round(busy / total, 2),
            "cores_ceiling_updates_per_second": round(1000 * (os.cpu_count() or 1) / stack_ms, 1)}


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def figures_so_far(expected: dict[str, list[int]]) -> bool:
    """Has a run measured anything yet (the first run's first phase is the one profiled)?"""
    return "lianxin" in expected


async def one_run(server: LocalBotApi, people: People, framework: str, database_url: str, credit_code: str,
                  args: argparse.Namespace, folder: Path, expected: dict[str, list[int]],
                  postmaster: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    steps = report_dialog(credit_code)
    for count in args.workers:
        ports = [free_port() for _ in range(count)]
        proxy = WebhookProxy([f"http://127.0.0.1:{port}/telegram" for port in ports])
        await proxy.start()
        profile = args.profile if args.profile and count == args.workers[0] and not figures_so_far(expected) else None
        workers = lianxin_workers(server, proxy.url, ports, framework, database_url, folder / "lianxin.log", profile)
        try:
            await workers.start(server)
            if "lianxin" not in expected:
                expected["lianxin"] = await calibrate(server, people, steps)
            figures[f"lianxin_{count}"] = await load(server, people, steps, expected["lianxin"], args.users, workers,
                                                         postmaster)
        finally:
            await workers.stop()
            await proxy.stop()
    port = free_port()
    proxy = WebhookProxy([f"http://127.0.0.1:{port}/telegram"])
    await proxy.start()
    echo = echo_worker(server, proxy.url, port, framework, folder / "echo.log")
    try:
        await echo.start(server)
        figures["echo"] = await load(server, people, echo_dialog(), [1] * len(echo_dialog()), args.users, echo,
                                   postmaster)
    finally:
        await echo.stop()
        await proxy.stop()
    one = figures[f"lianxin_{args.workers[0]}"]["updates_per_second"]
    for count in args.workers:
        measured = figures[f"lianxin_{count}"]
        measured["vs_first"] = round(measured["updates_per_second"] / one, 2)
        # the best N workers could do here: the machine's cores, at what an update cost with N running
        measured["ceiling_vs_first"] = round(measured["cores_ceiling_updates_per_second"] / one, 2)
    return figures


async def measure(framework: str, database_url: str, args: argparse.Namespace, folder: Path,
                  postmaster: int) -> dict[str, Any]:
    from storage.admin import seed_demo
    from storage.db import upgrade

    upgrade(database_url)
    credit_code = seed_demo(database_url).credit_codes[ENTERPRISE]
    server = LocalBotApi(rate_limits=False, timeout=60.0)
    server.calls = CallLog()
    server.add_bot(TOKEN, "lianxin_bot")
    await server.start()
    people, expected, runs = People(server), {}, []
    try:
        for number in range(args.runs):
            runs.append(await one_run(server, people, framework, database_url, credit_code, args, folder, expected,
                                      postmaster))
            print(f"  {framework} run {number + 1}: {summary(runs[-1])}", file=sys.stderr, flush=True)
    finally:
        await server.stop()
    median = {key: {k: round(statistics.median(run[key][k] for run in runs), 2) for k in runs[0][key]}
              for key in runs[0]}
    return {"replies_per_step": expected.get("lianxin"), "median": median, "runs": runs}


def summary(figures: dict[str, Any]) -> str:
    parts = [f"{key}: {f['updates_per_second']:.1f} updates/s, p50/p99 {f['p50_ms']:.0f}/{f['p99_ms']:.0f} ms, "
             f"CPU/update {f['bot_cpu_ms_per_update']:.1f} ms bot + {f['postgres_cpu_ms_per_update']:.1f} PostgreSQL + "
             f"{f['harness_cpu_ms_per_update']:.1f} server and proxy, machine {100 * f['machine_busy']:.0f} % busy, "
             f"cores' ceiling {f['cores_ceiling_updates_per_second']:.0f} updates/s"
             + (f" (x{f['vs_first']}, ceiling x{f['ceiling_vs_first']})" if "vs_first" in f else "")
             for key, f in figures.items()]
    return "; ".join(parts)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.support.pg_cluster import ThrowawayCluster

    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lianxin-workers-") as tmp, ThrowawayCluster() as cluster:
        for framework in args.framework:
            folder = Path(tmp) / framework
            folder.mkdir()
            print(f"{framework} on PostgreSQL (logs in {folder})", file=sys.stderr, flush=True)
            url = cluster.create_database(f"workers_{framework}")
            postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
            result[framework] = asyncio.run(measure(framework, url, args, folder, postmaster))
    return result


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", nargs="+", choices=("ptb", "aiogram"), default=["ptb", "aiogram"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=100, help="people walking the dialog at once")
    parser.add_argument("--profile", type=Path, help="py-spy raw output of the first worker of the first phase "
                                                     "(.venv/bin/pip install py-spy)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    print_header("benchmarks.workers")
    result = run(args)
    for framework, measured in result.items():
        print(f"{framework}, medians of {args.runs}: {summary(measured['median'])}")
    arguments = {name: str(value) if isinstance(value, Path) else value for name, value in vars(args).items()}
    print(json.dumps({"command": sys.argv, "cores": os.cpu_count(), "python": platform.python_version(),
                      "date": datetime.now(UTC).isoformat(timespec="seconds"), "args": arguments, **result},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Reply latency, start-up, throughput and CPU per update: Lianxin beside a bare echo bot of the
same framework (benchmarks/echo_bot.py), each a process of its own polling one local Bot API
server (sandbox/botapi) that runs in this process (issue 14).

    .venv/bin/python -m benchmarks.latency --framework ptb aiogram --db sqlite postgres --runs 3
    .venv/bin/python -m benchmarks.latency --framework ptb aiogram --startup-only --runs 5

Per framework and database, `--runs` times, in this order:
  throughput  the sandbox's limits off, Lianxin with LIANXIN_SEND_PACING=false: `--users` new
              people walk the report dialog (/start, 企业, credit code, category, text, 完成,
              phone, 确认提交) at full speed, all at once; updates/s and the bot process's CPU
              (user + system, from /proc) per update. Then the echo bot gets as many people
              sending as many texts the same way.
  latency     first with the limits off and Lianxin unpaced (what the bot itself takes), then
              the sandbox's Telegram limits on, Lianxin paced (its default): `--walkers` new
              people walk the dialog at human pace (a step every `--pace` s), then as many at
              full speed (the next step as soon as the step's last reply landed). A reply's
              latency runs from its update being queued to its message (or edit) landing at
              the server; p50/p99 over every reply, the 429s the server answered, and at full
              speed the messages per second one chat got (Telegram sustains 1). The echo bot
              walks the same steps as texts, one reply each.
  start-up    from spawning the process to its first getUpdates, for each process above (and,
              with --startup-only, the CPU seconds it had used by then).
Both bots read their own code as bytecode compiled beforehand, as an installed bot does (pip
compiles a package when it installs it, and the libraries both bots use are compiled): without
that, an environment with PYTHONDONTWRITEBYTECODE set compiles Lianxin's hundred-odd modules
from source at every start, and the echo bot's one. `--from-source` measures that case.
Each step waits for as many replies as a first walk, at rest, showed that step gets.
`--profile FILE` runs the first throughput phase of Lianxin under py-spy (raw folded stacks).
The last line is the result as JSON (medians over the runs, and every run's figures).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import print_header, process_cpu_seconds, py_spy_record, quantile
from sandbox.botapi import LocalBotApi, SimUser

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ENTERPRISE, CATEGORY = "润弘制药股份有限公司", "水电气暖"
ROOT = Path(__file__).resolve().parent.parent
STEP_TIMEOUT = 60.0

Step = tuple[str, str]  # ("send", text) or ("press", button label)


def report_dialog(credit_code: str) -> list[Step]:
    """The steps of tests/scenarios/story.report."""
    return [("send", "/start"), ("press", "企业"), ("send", credit_code), ("press", CATEGORY),
            ("send", "停电三天了，冷库告急"), ("press", "完成"), ("send", "13812345678"), ("press", "确认提交")]


def echo_dialog() -> list[Step]:
    """The same walk for the echo bot: texts, one echo each."""
    return [("send", text) for text in ("/start", "企业", "91410100MA3X", CATEGORY, "停电三天了，冷库告急", "完成",
                                        "13812345678", "确认提交")]


async def take(user: SimUser, step: Step, *, wait: bool) -> None:
    """Take one step; `wait=False`: only queue the update (the call log tells when it is answered)."""
    kind, argument = step
    await (user.send(argument, wait=wait) if kind == "send" else user.press(argument, wait=wait))


class CallLog(list):  # type: ignore[type-arg]
    """The server's call log (it appends to it), also filed by chat as messages land, so a
    walker waits for its own chat's replies without polling."""

    def __init__(self) -> None:
        super().__init__()
        self.landed: dict[int, list[float]] = defaultdict(list)  # chat -> when each message/edit landed
        self.too_many = 0  # 429s answered
        self._events: dict[int, asyncio.Event] = {}

    def append(self, call: Any) -> None:
        super().append(call)
        if call.status == 429:
            self.too_many += 1
        chat = call.params.get("chat_id")
        if chat is None or call.status != 200 or not call.method.startswith(("send", "edit")):
            return
        self.landed[int(chat)].append(call.at)
        if (event := self._events.get(int(chat))) is not None:
            event.set()

    async def until(self, chat: int, count: int, timeout: float = STEP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        event = self._events.setdefault(chat, asyncio.Event())
        while len(self.landed[chat]) < count:
            event.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat}: {len(self.landed[chat])} of {count} replies after {timeout:.0f}s")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass


@dataclass
class Walk:
    latencies: list[float] = field(default_factory=list)  # seconds, one per reply
    by_step: list[list[float]] = field(default_factory=list)  # the same, step by step
    seconds: float = 0.0  # the whole walk
    replies: int = 0


async def walk(log: CallLog, user: SimUser, steps: list[Step], expected: list[int], pace: float | None) -> Walk:
    """One person through `steps`; each waits for its expected replies; `pace`: a step every so many seconds."""
    result, began = Walk(), time.time()
    for step, count in zip(steps, expected, strict=True):
        before, queued = len(log.landed[user.id]), time.time()
        await take(user, step, wait=False)
        await log.until(user.id, before + count)
        result.by_step.append([at - queued for at in log.landed[user.id][before:before + count]])
        result.latencies += result.by_step[-1]
        if pace is not None:
            await asyncio.sleep(max(0.0, queued + pace - time.time()))
    result.seconds, result.replies = time.time() - began, sum(expected)
    return result


class People:
    """New people for every walk (a walk begins with someone the bot has never seen)."""

    def __init__(self, server: LocalBotApi) -> None:
        self.server = server
        self.next_id = 500_000

    def new(self, count: int) -> list[SimUser]:
        users = [self.server.user(self.next_id + i, first_name=f"用户{self.next_id + i}", language_code="zh-hans")
                 for i in range(count)]
        self.next_id += count
        return users


async def calibrate(server: LocalBotApi, people: People, steps: list[Step]) -> list[int]:
    """How many replies each step gets: one walk at rest, each step awaited until the bot has
    made no call for a second (the sandbox's own settling; generous, as nothing else runs)."""
    (user,) = people.new(1)
    log: CallLog = server.calls  # type: ignore[assignment]
    settle, grace = server.settle, server.first_call_grace
    server.settle, server.first_call_grace = 1.0, 2.0
    counts = []
    try:
        for step in steps:
            before = len(log.landed[user.id])
            await take(user, step, wait=True)
            counts.append(len(log.landed[user.id]) - before)
    finally:
        server.settle, server.first_call_grace = settle, grace
    if not all(counts):
        raise RuntimeError(f"a step of the walk got no reply: {counts}")
    return counts


# -- processes ---------------------------------------------------------------------

class BotProcess:
    """A bot in a process of its own; its start-up is the time to its first getUpdates."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.argv, self.env, self.log_path = argv, env, log_path
        self.process: asyncio.subprocess.Process | None = None
        self.startup = 0.0
        self.startup_cpu = 0.0  # CPU seconds at the first getUpdates: steadier than the wall time on a busy machine
        self.pid = 0

    async def start(self, server: LocalBotApi) -> None:
        spawned, queue = time.time(), server.bot(TOKEN).queue
        with self.log_path.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(*self.argv, env=self.env, cwd=ROOT, stdout=out,
                                                                stderr=out)
        self.pid = self.process.pid
        while (polled := queue.polled_at) is None or polled < spawned:
            if self.process.returncode is not None:
                raise RuntimeError(f"{shlex.join(self.argv)} exited; see {self.log_path}")
            await asyncio.sleep(0.005)
        self.startup = polled - spawned
        self.startup_cpu = self.cpu_seconds()  # the bot waits on its long poll now: what the start cost it

    def cpu_seconds(self, pid: int | None = None) -> float:
        """User + system CPU of the process (the bot's, when py-spy runs it as a child)."""
        return process_cpu_seconds(pid or self.bot_pid())

    def bot_pid(self) -> int:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        if self.argv[0].endswith("py-spy") and children.exists() and children.read_text().split():
            return int(children.read_text().split()[0])
        return self.pid

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def lianxin(server: LocalBotApi, framework: str, database_url: str, *, paced: bool, log_path: Path,
            profile: Path | None = None) -> BotProcess:
    env = {**os.environ, "LIANXIN_BOT_TOKEN": TOKEN, "LIANXIN_BOT_API_URL": server.url,
           "LIANXIN_DATABASE_URL": database_url, "LIANXIN_FRAMEWORK": framework,
           "LIANXIN_SEND_PACING": str(paced).lower(), "LIANXIN_QUIET_HOURS": "false", "LIANXIN_WEBHOOK_URL": ""}
    argv = [sys.executable, "-m", "bot.cli", "run"]
    if profile is not None:
        argv = py_spy_record(profile, argv)
    return BotProcess(argv, env, log_path)


def echo(server: LocalBotApi, framework: str, log_path: Path, aiohttp: bool = False) -> BotProcess:
    argv = [sys.executable, "-m", "benchmarks.echo_bot", "--framework", framework, "--url", server.url,
            "--token", TOKEN, *(["--aiohttp"] if aiohttp else [])]
    return BotProcess(argv, dict(os.environ), log_path)


# -- one run --------------------------------------------------------------------------

@dataclass
class Bench:
    server: LocalBotApi
    people: People
    framework: str
    database_url: str
    credit_code: str
    args: argparse.Namespace
    folder: Path
    expected: list[int] | None = None

    @property
    def log(self) -> CallLog:
        return self.server.calls  # type: ignore[return-value]


async def throughput(bench: Bench, bot: BotProcess, steps: list[Step], expected: list[int]) -> dict[str, float]:
    users = bench.people.new(bench.args.users)
    cpu, began = bot.cpu_seconds(), time.monotonic()
    await asyncio.gather(*(walk(bench.log, user, steps, expected, None) for user in users))
    seconds, cpu = time.monotonic() - began, bot.cpu_seconds() - cpu
    updates = len(users) * len(steps)
    return {"updates": updates, "updates_per_second": updates / seconds, "cpu_ms_per_update": 1000 * cpu / updates}


async def latency(bench: Bench, steps: list[Step], expected: list[int], pace: float | None) -> dict[str, float]:
    too_many = bench.log.too_many
    walks = await asyncio.gather(*(walk(bench.log, user, steps, expected, pace)
                                   for user in bench.people.new(bench.args.walkers)))
    latencies = sorted(ms for w in walks for ms in w.latencies)
    return {"p50_ms": 1000 * quantile(latencies, 0.5), "p99_ms": 1000 * quantile(latencies, 0.99),
            "max_ms": 1000 * latencies[-1], "http_429": bench.log.too_many - too_many,
            # which steps are slow: each step's median over everyone's replies to it
            "p50_ms_by_step": [round(1000 * statistics.median(ms for w in walks for ms in w.by_step[index]), 1)
                               for index in range(len(steps))],
            "replies_per_second_in_a_chat": statistics.median(w.replies / w.seconds for w in walks)}


async def one_run(bench: Bench, number: int) -> dict[str, Any]:
    server, fw, args = bench.server, bench.framework, bench.args
    steps, echo_steps = report_dialog(bench.credit_code), echo_dialog()
    figures: dict[str, Any] = {}

    server.rate_limits = False
    profile = args.profile if number == 0 and args.profile else None
    bot = lianxin(server, fw, bench.database_url, paced=False, log_path=bench.folder / "lianxin.log", profile=profile)
    await bot.start(server)
    try:
        if bench.expected is None:
            bench.expected = await calibrate(server, bench.people, steps)
        figures["lianxin_unpaced_startup_s"] = bot.startup
        figures["lianxin_unpaced_human"] = await latency(bench, steps, bench.expected, args.pace)
        figures["lianxin_throughput"] = await throughput(bench, bot, steps, bench.expected)
    finally:
        await bot.stop()

    yardstick = echo(server, fw, bench.folder / "echo.log", args.echo_aiohttp)
    await yardstick.start(server)
    try:
        figures["echo_startup_s"] = yardstick.startup
        figures["echo_throughput"] = await throughput(bench, yardstick, echo_steps, [1] * len(echo_steps))
        server.rate_limits = True
        figures["echo_human"] = await latency(bench, echo_steps, [1] * len(echo_steps), args.pace)
    finally:
        await yardstick.stop()

    server.rate_limits = True
    bot = lianxin(server, fw, bench.database_url, paced=True, log_path=bench.folder / "lianxin.log")
    await bot.start(server)
    try:
        figures["lianxin_startup_s"] = bot.startup
        figures["lianxin_human"] = await latency(bench, steps, bench.expected, args.pace)
        figures["lianxin_full_speed"] = await latency(bench, steps, bench.expected, None)
    finally:
        await bot.stop()
    return figures


async def startups(bench: Bench) -> dict[str, Any]:
    """Only start-up: each bot started and stopped `--runs` times, interleaved."""
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(bench.args.runs):
        for kind in ("lianxin", "echo"):
            process = (lianxin(bench.server, bench.framework, bench.database_url, paced=True,
                               log_path=bench.folder / "lianxin.log") if kind == "lianxin"
                       else echo(bench.server, bench.framework, bench.folder / "echo.log"))
            await process.start(bench.server)
            runs[f"{kind}_startup_s"].append(process.startup)
            runs[f"{kind}_startup_cpu_s"].append(process.startup_cpu)
            await process.stop()
    median = {name: round(statistics.median(figures), 3) for name, figures in runs.items()}
    median["startup_ratio"] = round(median["lianxin_startup_s"] / median["echo_startup_s"], 2)
    median["startup_cpu_ratio"] = round(median["lianxin_startup_cpu_s"] / median["echo_startup_cpu_s"], 2)
    return {"median": median, "runs": dict(runs)}


async def measure(framework: str, database_url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from storage.admin import seed_demo

    credit_code = seed_demo(database_url).credit_codes[ENTERPRISE]
    server = LocalBotApi(rate_limits=False, timeout=STEP_TIMEOUT)
    server.calls = CallLog()
    server.add_bot(TOKEN, "lianxin_bot")
    await server.start()
    bench = Bench(server, People(server), framework, database_url, credit_code, args, folder)
    runs = []
    if args.startup_only:
        try:
            return await startups(bench)
        finally:
            await server.stop()
    try:
        for number in range(args.runs):
            runs.append(await one_run(bench, number))
            print(f"  {framework} run {number + 1}: {summary(runs[-1])}", file=sys.stderr, flush=True)
    finally:
        await server.stop()
    return {"replies_per_step": bench.expected, "median": medians(runs), "runs": runs}


def _median_of(values: Iterable[Any]) -> Any:
    """The median of numbers, or of lists of numbers place by place."""
    values = list(values)
    if isinstance(values[0], list):
        return [_median_of(column) for column in zip(*values)]
    return round(statistics.median(values), 3)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key, first in runs[0].items():
        if isinstance(first, dict):
            merged[key] = {k: _median_of(r[key][k] for r in runs) for k in first}
        else:
            merged[key] = round(statistics.median(r[key] for r in runs), 3)
    m = merged
    m["throughput_ratio"] = round(m["lianxin_throughput"]["updates_per_second"]
                                  / m["echo_throughput"]["updates_per_second"], 3)
    m["cpu_ratio"] = round(m["lianxin_throughput"]["cpu_ms_per_update"] / m["echo_throughput"]["cpu_ms_per_update"], 2)
    m["startup_ratio"] = round(m["lianxin_startup_s"] / m["echo_startup_s"], 2)
    return merged


def summary(figures: dict[str, Any]) -> str:
    human, full = figures["lianxin_human"], figures["lianxin_full_speed"]
    ours, theirs = figures["lianxin_throughput"], figures["echo_throughput"]
    by_step = "/".join(f"{ms:.0f}" for ms in human["p50_ms_by_step"])
    return (f"human p50/p99 {human['p50_ms']:.0f}/{human['p99_ms']:.0f} ms ({human['http_429']} x 429; "
            f"p50 step by step {by_step} ms), "
            f"full speed p50/p99 {full['p50_ms']:.0f}/{full['p99_ms']:.0f} ms ({full['http_429']} x 429, "
            f"{full['replies_per_second_in_a_chat']:.2f} replies/s), echo p50 {figures['echo_human']['p50_ms']:.0f} ms; "
            f"{ours['updates_per_second']:.0f} vs {theirs['updates_per_second']:.0f} updates/s, "
            f"{ours['cpu_ms_per_update']:.1f} vs {theirs['cpu_ms_per_update']:.1f} ms CPU/update; start-up "
            f"{figures['lianxin_startup_s']:.2f} s vs {figures['echo_startup_s']:.2f} s")


@contextmanager
def database(kind: str, folder: Path, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    from tests.support.pg_cluster import ThrowawayCluster

    with ThrowawayCluster() as cluster:
        yield cluster.create_database(name)


OWN_CODE = ("bot", "handlers", "storage", "benchmarks")  # the two bots' own packages (not the libraries')


def bytecode(from_source: bool) -> str:
    """Both bots' own code compiled to bytecode now (their processes read it); with `from_source`
    its bytecode removed and none written: they compile it at every start. The libraries'
    bytecode is left as installed either way."""
    if from_source:
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # inherited by the bots' processes
        for package in OWN_CODE:
            for cache in (ROOT / package).rglob("__pycache__"):
                shutil.rmtree(cache)
        return "compiled from source at every start (--from-source)"
    for package in OWN_CODE:
        compileall.compile_dir(ROOT / package, quiet=1)
    return "compiled beforehand, as an installed package is"


def run(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lianxin-latency-") as tmp:
        result["bytecode"] = bytecode(args.from_source)
        print(f"the bots' own code: {result['bytecode']}", file=sys.stderr, flush=True)
        for db in args.db:
            for framework in args.framework:
                folder = Path(tmp) / f"{framework}-{db}"
                folder.mkdir()
                print(f"{framework} on {db} (logs in {folder})", file=sys.stderr, flush=True)
                with database(db, folder, f"latency_{framework}") as url:
                    result[f"{framework}/{db}"] = asyncio.run(measure(framework, url, args, folder))
    return result


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", nargs="+", choices=("ptb", "aiogram"), default=["ptb", "aiogram"])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgres"), default=["sqlite"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=100, help="people walking at once for throughput")
    parser.add_argument("--walkers", type=int, default=5, help="people walking at once for latency")
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between steps at human pace")
    parser.add_argument("--echo-aiohttp", action="store_true",
                        help="the ptb echo bot sends over aiohttp as Lianxin does (default: PTB's own httpx)")
    parser.add_argument("--startup-only", action="store_true", help="measure only start-up, --runs times each")
    parser.add_argument("--profile", type=Path, help="py-spy raw output of Lianxin's first throughput phase")
    parser.add_argument("--from-source", action="store_true",
                        help="the bots compile their own code at every start (no bytecode cache)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    print_header("benchmarks.latency")
    result = run(args)
    for name, measured in result.items():
        if name == "bytecode":
            continue
        m = measured["median"]
        if args.startup_only:
            print(f"{name}: start-up {m['lianxin_startup_s']} s vs echo {m['echo_startup_s']} s (x{m['startup_ratio']}); "
                  f"CPU {m['lianxin_startup_cpu_s']} s vs {m['echo_startup_cpu_s']} s (x{m['startup_cpu_ratio']})")
            continue
        print(f"{name}: {measured['replies_per_step']} replies per step")
        print(f"  medians of {args.runs}: unpaced human p50/p99 {m['lianxin_unpaced_human']['p50_ms']:.0f}/"
              f"{m['lianxin_unpaced_human']['p99_ms']:.0f} ms; paced human p50/p99 {m['lianxin_human']['p50_ms']:.0f}/"
              f"{m['lianxin_human']['p99_ms']:.0f} ms, full speed {m['lianxin_full_speed']['p50_ms']:.0f}/"
              f"{m['lianxin_full_speed']['p99_ms']:.0f} ms ({m['lianxin_full_speed']['http_429']} x 429); "
              f"throughput x{m['throughput_ratio']} of echo, CPU x{m['cpu_ratio']}, start-up x{m['startup_ratio']}")
    print(json.dumps({"command": sys.argv, "cores": os.cpu_count(), "python": platform.python_version(),
                      "date": datetime.now(UTC).isoformat(timespec="seconds"), "args": {
                          k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, **result},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()

"""The core's turn alone: people walk the report dialog straight through `Lianxin.handle`.

No Bot API, no adapter, no outbox dispatcher: what one update costs the core and its database
(the CPU of each step, and the mean), to tell the core's share from the framework's in the
figures of benchmarks/latency.py (docs/performance.md).

    .venv/bin/python -m benchmarks.turn --db sqlite --walks 200
    .venv/bin/python -m benchmarks.turn --db postgres --walks 200 --profile 30
    .venv/bin/python -m benchmarks.turn --db postgres --walks 20 --statements   # and one walk's SQL
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.common import print_header
from benchmarks.latency import ENTERPRISE, database, report_dialog
from bot.i18n import Translator
from handlers.app import Lianxin, SystemClock
from handlers.seam import Incoming
from storage.admin import seed_demo
from storage.outbox import reply_from_json
from storage.tables import OutboxRow
from storage.uow import UowFactory, uow_factory

_OUTBOX = OutboxRow.__table__


class Walker:
    """One person in a chat of their own; a press finds its button among the chat's last messages."""

    def __init__(self, factory: UowFactory, translator: Translator, chat: str, update_ids: Iterator[int]) -> None:
        self.factory, self.translator, self.chat, self.update_ids = factory, translator, chat, update_ids

    def incoming(self, kind: str, argument: str) -> Incoming:
        common = {"language_code": "zh-hans", "display_name": "企业主", "update_id": str(next(self.update_ids))}
        if kind == "send":
            command = argument[1:] if argument.startswith("/") else None
            return Incoming("telegram", self.chat, self.chat, text=argument, command=command, args="", **common)
        return Incoming("telegram", self.chat, self.chat, payload=self.payload(argument), pressed_message_id="1",
                        **common)

    def payload(self, label: str) -> str:
        with self.factory.engine.connect() as connection:
            rows = connection.execute(sa.select(_OUTBOX.c.payload).where(_OUTBOX.c.chat_id == self.chat)
                                      .order_by(_OUTBOX.c.id.desc()).limit(4)).all()
        for (payload,) in rows:
            reply = reply_from_json(payload)
            for button in (button for row in reply.buttons for button in row):
                if self.translator.render(button.label, reply.locale) == label:
                    return button.payload
        raise LookupError(f"no button {label!r} in chat {self.chat}")


def measure(url: str, walks: int, profile: int, statements: bool = False) -> None:
    code = seed_demo(url).credit_codes[ENTERPRISE]
    factory = uow_factory(url)
    counted = count_statements(factory.engine) if statements else None
    core, translator, update_ids = Lianxin(factory, SystemClock()), Translator(), itertools.count(1)
    steps = report_dialog(code)
    cpu: dict[str, float] = defaultdict(float)
    profiler = cProfile.Profile() if profile else None
    for number in range(walks):
        walker = Walker(factory, translator, str(10_000 + number), update_ids)
        for kind, argument in steps:
            incoming = walker.incoming(kind, argument)  # finding a press's button is not counted
            step = f"{kind} {argument[:12]}"
            started = time.process_time()
            if profiler:
                profiler.enable()
            if counted is not None:
                counted.begin(step, show=number == walks - 1)
            core.handle(incoming)
            if profiler:
                profiler.disable()
            cpu[step] += time.process_time() - started
            if counted is not None:
                counted.step = None
    factory.dispose()
    for step, seconds in cpu.items():
        per_walk = f"  {counted.counts[step] / walks:5.1f} statements" if counted is not None else ""
        print(f"{1000 * seconds / walks:8.2f} ms CPU{per_walk}  {step}")
    print(f"{1000 * sum(cpu.values()) / walks / len(steps):8.2f} ms CPU per update (mean of {walks} walks)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)


class StatementCount:
    """SQL statements per step of the walk (BEGIN and COMMIT are not statements here: the driver
    sends them itself); the last walk's are printed as they run."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.step: str | None = None
        self.show = False

    def begin(self, step: str, show: bool) -> None:
        self.step, self.show = step, show
        if show:
            print(f"-- {step}")

    def executed(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.step is None:
            return
        self.counts[self.step] += 1
        if self.show:
            print("   " + " ".join(statement.split())[:160])


def count_statements(engine: sa.Engine) -> StatementCount:
    counted = StatementCount()
    sa.event.listen(engine, "before_cursor_execute", counted.executed)
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.turn", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--walks", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, help="print this many cProfile lines, by cumulative time")
    parser.add_argument("--statements", action="store_true", help="count SQL statements per step, print the last walk's")
    args = parser.parse_args()
    print_header("benchmarks.turn")
    with tempfile.TemporaryDirectory() as folder, database(args.db, Path(folder), "turn") as url:
        measure(url, args.walks, args.profile, args.statements)


if __name__ == "__main__":
    main()

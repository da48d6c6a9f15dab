"""An iterator's items made in a forked process while this process uses them: two cores
instead of one for work that splits into a producer and a consumer (the ledger reads and
formats its rows in one, and writes the .xlsx in the other).

    for item in made_aside(lambda: rows(...), before=lambda: engine.dispose(close=False),
                           after=engine.dispose):
        write(item)

Items go through a pipe, pickled, one at a time: the producer blocks while the pipe is full,
so neither side holds more than an item or two and memory stays flat however many there
are. The process is forked (a copy of this one, nothing to import, started in milliseconds);
where the platform cannot fork, `CAN_FORK` is False and the caller makes the items itself.
`before` runs first in the forked process: an engine's pooled connections belong to this
process and must not be shared (SQLAlchemy: `engine.dispose(close=False)` after a fork);
`after` closes what the forked process opened itself (its exit runs no clean-up).
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
_ITEM, _END, _FAILED = "item", "end", "failed"


class MadeAsideFailed(Exception):
    """The producing process failed; the message ends with its traceback."""


def made_aside(produce: Callable[[], Iterable[T]], before: Callable[[], None] | None = None,
               after: Callable[[], None] | None = None, name: str = "lianxin-aside") -> Iterator[T]:
    """The items of `produce()`, made in a process forked now; stopping early ends that process.
    `before` and `after` run in that process around the producing (set up, tidy up)."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_produce, args=(produce, before, after, sending), name=name, daemon=True)
    process.start()
    sending.close()  # the child's end: EOF here once the child is gone
    return _received(process, receiving)


def _received(process: Any, receiving: Connection) -> Iterator[Any]:
    finished = False
    try:
        while True:
            try:
                kind, payload = receiving.recv()
            except EOFError:
                process.join()
                raise MadeAsideFailed(f"{process.name} ended without finishing (exit code {process.exitcode})")
            if kind == _END:
                finished = True
                return
            if kind == _FAILED:
                raise MadeAsideFailed(f"{process.name} failed:\n{payload}")
            yield payload
    finally:
        receiving.close()
        if not finished and process.is_alive():  # stopped early (the consumer failed): the rest is not wanted.
            process.kill()  # SIGKILL: a copy of this process must not run this process's SIGTERM handlers
        process.join()


def _produce(produce: Callable[[], Iterable[Any]], before: Callable[[], None] | None,
             after: Callable[[], None] | None, sending: Connection) -> None:
    _own_signals()
    try:
        if before is not None:
            before()
        for item in produce():
            sending.send((_ITEM, item))
        if after is not None:
            after()
        sending.send((_END, None))
    except BrokenPipeError:  # the consumer has gone
        pass
    except BaseException:
        sending.send((_FAILED, traceback.format_exc()))
    finally:
        sending.close()


def _own_signals() -> None:
    """The copy's signals as a fresh process has them: the handlers it inherited are the parent's
    (an event loop's wake-up socket, a test harness's clean-up that stops a database server)."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)

"""Items made in a forked process (bot/aside.py, the ledger's reading): in order, failures
carried over, and a consumer that stops early leaves nothing running and nothing harmed."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.aside import CAN_FORK, MadeAsideFailed, made_aside

pytestmark = pytest.mark.skipif(not CAN_FORK, reason="the platform cannot fork")


def endless() -> Iterator[int]:
    n = 0
    while True:
        yield n
        n += 1


def test_every_item_arrives_in_order_and_the_producing_process_is_gone() -> None:
    assert list(made_aside(lambda: ([n] * 3 for n in range(5000)))) == [[n] * 3 for n in range(5000)]
    assert multiprocessing.active_children() == []


def test_a_failing_producer_fails_the_consumer_with_its_traceback() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise LookupError("unit 12 has no name")

    items = made_aside(produce)
    assert next(items) == 1
    with pytest.raises(MadeAsideFailed, match="unit 12 has no name"):
        next(items)


def test_a_consumer_stopping_early_ends_the_producer_without_running_its_own_signal_handlers(tmp_path: Path) -> None:
    ran = tmp_path / "handler-ran"

    def clean_up_and_die(*_: object) -> None:  # like the test harness's: stop the database server, exit
        ran.write_text("a copy of this process ran its clean-up")
        os._exit(1)

    previous = signal.signal(signal.SIGTERM, clean_up_and_die)
    try:
        items = made_aside(endless)
        assert [next(items) for _ in range(3)] == [0, 1, 2]
        items.close()  # the writer failed: the rest is not wanted
        assert multiprocessing.active_children() == []
        assert not ran.exists()
    finally:
        signal.signal(signal.SIGTERM, previous)

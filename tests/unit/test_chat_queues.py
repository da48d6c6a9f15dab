"""bot/chat_queues.py: each chat's updates in the order they came, different chats' side by side,
a bounded number waiting, and nothing fetched dropped at a stop."""

from __future__ import annotations

import asyncio

from bot.chat_queues import ChatQueues

WAIT = 30.0  # only a bug waits this long


class Step:
    """A piece of work that records its start and finishes when the test lets it."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log
        self.started, self.release = asyncio.Event(), asyncio.Event()

    async def __call__(self) -> None:
        self.log.append(f"start {self.name}")
        self.started.set()
        await self.release.wait()
        self.log.append(f"end {self.name}")


async def test_one_chat_in_order_and_other_chats_meanwhile() -> None:
    queues, log = ChatQueues(), []
    first, second, other = Step("a1", log), Step("a2", log), Step("b1", log)
    await queues.put("a", first)
    await queues.put("a", second)
    await queues.put("b", other)
    await asyncio.wait_for(asyncio.gather(first.started.wait(), other.started.wait()), WAIT)
    assert not second.started.is_set(), "a2 waits for a1"
    other.release.set()
    first.release.set()
    second.release.set()
    await asyncio.wait_for(queues.join(), WAIT)
    assert log.index("end a1") < log.index("start a2")
    assert queues.busy == 0


async def test_a_failing_piece_does_not_stop_its_chat() -> None:
    queues, done = ChatQueues(), asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("a bug")

    async def follows() -> None:
        done.set()

    await queues.put("a", fails)
    await queues.put("a", follows)
    await asyncio.wait_for(done.wait(), WAIT)


async def test_put_waits_for_room_and_join_waits_for_everything() -> None:
    queues, log = ChatQueues(limit=2), []
    steps = [Step(f"c{i}", log) for i in range(3)]
    await queues.put("c0", steps[0])
    await queues.put("c1", steps[1])
    third = asyncio.create_task(queues.put("c2", steps[2]))
    await asyncio.wait_for(asyncio.gather(steps[0].started.wait(), steps[1].started.wait()), WAIT)
    assert not third.done(), "two under way fill the room"
    steps[0].release.set()
    await asyncio.wait_for(third, WAIT)
    joined = asyncio.create_task(queues.join())
    await asyncio.wait_for(steps[2].started.wait(), WAIT)
    assert not joined.done()
    steps[1].release.set()
    steps[2].release.set()
    await asyncio.wait_for(joined, WAIT)
    assert sorted(entry for entry in log if entry.startswith("end")) == ["end c0", "end c1", "end c2"]

"""The dispatcher sends each outbox row through its own platform's sender; rows of a
platform this process does not serve stay pending for one that does."""

from __future__ import annotations

from bot.delivery import Pace, Platform, SendLimits, Sent
from bot.outbox import Dispatcher, Policy
from handlers.messages import plain
from handlers.ports import Lane
from handlers.seam import Address, Reply
from storage.outbox import PENDING, SENT, Leadership, OutboxStore

LIMITS = SendLimits(overall_per_second=30, overall_burst=20, private_per_second=1, private_burst=2,
                    group_per_minute=20, group_burst=19)


class RecordingSender:
    """A platform's sender that notes which chats it sent to."""

    def __init__(self) -> None:
        self.chats: list[str] = []

    async def send(self, reply: Reply, *, skip: int = 0, pace: Pace | None = None) -> Sent:
        if pace is not None:
            await pace()
        self.chats.append(reply.to.chat_id)
        return Sent(1)


def platform(name: str) -> Platform:
    return Platform(name, RecordingSender(), LIMITS, is_group=lambda chat_id: False)


async def test_each_row_goes_out_through_its_own_platforms_sender_and_an_unserved_platforms_waits(uow_factory):
    telegram, web = platform("telegram"), platform("web")
    with uow_factory() as uow:
        uow.outbox.put([Reply(Address(name, chat_id), "zh_CN", plain(name)) for name, chat_id in (
            ("telegram", "1001"), ("web", "visitor-7"), ("wecom", "ZhangSan"), ("web", "visitor-8"))], Lane.BULK)
        uow.commit()
    store = OutboxStore(uow_factory.engine)
    dispatcher = Dispatcher(store, Leadership(uow_factory.engine), {"telegram": telegram, "web": web},
                            policy=Policy(poll_every=0.05))
    dispatcher.start()
    try:
        await dispatcher.drain(timeout=20)
    finally:
        await dispatcher.stop()
    assert telegram.sender.chats == ["1001"] and web.sender.chats == ["visitor-7", "visitor-8"]
    assert store.counts() == {SENT: 3, PENDING: 1}, "WeCom's message waits for a process that sends to WeCom"

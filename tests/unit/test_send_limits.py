"""Each platform's chats are paced by that platform's own limits, its groups as groups; the person
acting is answered at once within Telegram's burst, and bulk leaves them room (bot/pacing.py).

The buckets run on a fake clock: `sleep` advances it, so what the pacing waits is read, not timed."""

from __future__ import annotations

import asyncio

import pytest

import bot.pacing as pacing
from bot.delivery import Platform, SendLimits, by_name
from bot.pacing import Limiters
from bot.telegram_out import TELEGRAM_LIMITS, is_telegram_group
from handlers.ports import Lane
from handlers.seam import Reply

WEB_LIMITS = SendLimits(overall_per_second=100, overall_burst=50, private_per_second=5, private_burst=10,
                        group_per_minute=60, group_burst=7)
BOSS = ("telegram", "1001")


class Unused:
    async def send(self, reply: Reply, *, skip: int = 0, pace=None):
        raise AssertionError("nothing is sent here")


def platform(name: str, limits: SendLimits, is_group) -> Platform:
    return Platform(name, Unused(), limits, is_group)


class FakeClock:
    def __init__(self) -> None:
        self.at = 1000.0
        self.waited: list[float] = []

    def now(self) -> float:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.at += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(pacing, "now", fake.now)
    monkeypatch.setattr(pacing, "sleep", fake.sleep)
    return fake


def telegram() -> Limiters:
    return Limiters(by_name([platform("telegram", TELEGRAM_LIMITS, is_telegram_group)]))


async def send(limiters: Limiters, clock: FakeClock, lane: Lane = Lane.ANSWER, *, in_flight: float = 0.0,
               chat: tuple[str, str] = BOSS) -> float:
    """One call through the chat's bucket: what the pacing made it wait."""
    began = clock.at
    await limiters.chat_bucket(chat).take(lane)
    waited = clock.at - began
    clock.at += in_flight
    limiters.landed(chat)
    return waited


def test_telegram_groups_are_the_chats_with_negative_ids() -> None:
    assert is_telegram_group("-1001234567890") and is_telegram_group("-42")
    assert not is_telegram_group("1001")


def test_a_chat_is_paced_by_its_own_platforms_limits_for_its_kind() -> None:
    limiters = Limiters(by_name([platform("telegram", TELEGRAM_LIMITS, is_telegram_group),
                                 platform("web", WEB_LIMITS, lambda chat_id: chat_id.startswith("room:"))]))

    def bucket(name: str, chat_id: str) -> tuple[int, float]:
        bucket = limiters.chat_bucket((name, chat_id))
        return bucket.burst, bucket.per_second

    assert bucket("telegram", "-100123") == (20, pytest.approx(20 / 60)), "Telegram's 20 a minute in a group"
    assert bucket("telegram", "1001") == (3, 1), "Telegram's 1/s in a private chat, a burst of 3"
    assert bucket("web", "room:7")[0] == 7 and bucket("web", "-100123")[0] == 10, "a web id with a dash is no group"


async def test_the_person_acting_gets_three_answers_at_once_then_one_a_second(clock: FakeClock) -> None:
    limiters = telegram()
    assert [await send(limiters, clock) for _ in range(3)] == [0, 0, 0], "Telegram's burst: /start's 2 and the next"
    assert await send(limiters, clock) == pytest.approx(1.0), "then as fast as Telegram refills: 1/s"
    clock.at += 2.0  # a person reading and typing for 2 s
    assert [await send(limiters, clock), await send(limiters, clock)] == [0, 0], "a step every 2 s never waits"


async def test_a_message_counts_from_when_its_call_came_back_so_a_slow_network_earns_no_429(clock) -> None:
    limiters = telegram()
    # Three calls, each 0.4 s on its way: Telegram may have counted them at 0.4, 0.8 and 1.2 s.
    assert [await send(limiters, clock, in_flight=0.4) for _ in range(3)] == [0, 0, 0]
    assert await send(limiters, clock) == pytest.approx(0.2), "its bucket holds 1 again only at 1.4 s"


async def test_reminders_to_a_chat_leave_the_burst_to_its_person(clock: FakeClock) -> None:
    limiters = telegram()
    assert await send(limiters, clock, Lane.BULK) == 0
    assert await send(limiters, clock, Lane.BULK) == pytest.approx(1.0), "a backlog of reminders: one a second"
    assert [await send(limiters, clock) for _ in range(2)] == [0, 0], "the person writing meanwhile: at once"


async def test_answers_are_served_before_bulk_waiting_for_the_overall_limit(clock: FakeClock) -> None:
    bucket = pacing.OverallBucket(burst=4, per_second=1000, reserve=2)
    served: list[str] = []

    async def take(name: str, lane: Lane) -> None:
        await bucket.take(lane)
        served.append(name)

    bulk = [asyncio.create_task(take(f"bulk {n}", Lane.BULK)) for n in range(4)]
    await asyncio.sleep(0)  # they queue: bulk may take 2 of 4 tokens, the rest are kept for answers
    assert served == ["bulk 0", "bulk 1"]
    await take("answer", Lane.ANSWER)
    assert served[2] == "answer", "an answer goes at once, out of the tokens bulk left"
    clock.at += 1.0  # the bucket is full again
    await asyncio.gather(*bulk)
    assert served[3:] == ["bulk 2", "bulk 3"]


@pytest.mark.parametrize(("setting", "paced"), [(None, True), ("false", False)])
def test_send_pacing_is_on_unless_switched_off_for_a_local_server(setting, paced, monkeypatch, tmp_path) -> None:
    from bot.bootstrap import build_runtime
    from bot.settings import Settings

    if setting is not None:
        monkeypatch.setenv("LIANXIN_SEND_PACING", setting)
    runtime = build_runtime(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}"))
    assert runtime.outbox_policy.paced is paced

"""周通报 to WeCom, DingTalk and Feishu group robots, over real HTTP against the local receiver
(sandbox/robots.py), which checks signatures, sizes and rates the way the platforms document them.

Time is injected: the sender's clock and sleep and the receiver's clock are one fake, so a 10-minute
DingTalk throttle or Feishu's wait for xx:02 takes no real time. The rate limiter runs on real time,
so pacing tests use a one-second window on both sides instead of a minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.adapters.robots import (Pacing, Platform, Rate, Robot, RobotRejected, RobotThrottled, RobotUnreachable,
                                 post_digest)
from bot.adapters.robots import dingtalk, feishu
from sandbox.robots import RobotReceiver

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 6, 15, 9, 10, tzinfo=SHANGHAI)
TITLE = "城关街道 周通报 2026-06-08 至 2026-06-14"
LINES = ["收到问题 12 件（较上期 +3）· 交办 10 · 办结 8", "问题解决率 67% · 按期办结率 88%", "🟢 6 🔴 2 ⚫ 1",
         "红榜：东关社区、西街村", "黑榜：南园社区"]
FAST = {Platform.WECOM: Rate(20, 0.2), Platform.DINGTALK: Rate(20, 0.2), Platform.FEISHU: Rate(100, 0.2)}


class FakeTime:
    """One clock for sender and receiver; sleeping moves it instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def epoch(self) -> float:
        return self.moment.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=seconds)
        await asyncio.sleep(0)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime(MONDAY_MORNING)


@pytest.fixture
async def receiver(time: FakeTime) -> AsyncIterator[RobotReceiver]:
    async with RobotReceiver(clock=time.epoch) as receiver:
        yield receiver


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def pacing(time: FakeTime, **overrides) -> Pacing:
    return Pacing(clock=time.now, sleep=time.sleep, rates=dict(FAST), **overrides)


def codes(receiver: RobotReceiver) -> list[int]:
    return [answer.code for answer in receiver.answers]


async def test_signed_digests_reach_all_three_platforms_and_a_wrong_secret_is_refused(receiver, time, http):
    robots = [Robot(platform="wecom", url=receiver.add("wecom")),
              Robot(platform="dingtalk", url=receiver.add("dingtalk", secret="SECright"), secret="SECright"),
              Robot(platform="feishu", url=receiver.add("feishu", secret="right"), secret="right"),
              Robot(platform="dingtalk", url=receiver.add("dingtalk", secret="SECright"), secret="SECwrong"),
              Robot(platform="feishu", url=receiver.add("feishu", secret="right"), secret="wrong")]
    deliveries = await post_digest(robots, TITLE, LINES, client=http, pacing=pacing(time))
    assert [d.ok for d in deliveries] == [True, True, True, False, False]
    assert sorted((m.platform, m.title) for m in receiver.messages) == [  # robots are served concurrently
        ("dingtalk", TITLE), ("feishu", TITLE), ("wecom", TITLE)]
    assert all("黑榜：南园社区" in m.text for m in receiver.messages)
    assert isinstance(deliveries[3].error, RobotRejected) and deliveries[3].error.code == 310000
    assert isinstance(deliveries[4].error, RobotRejected) and deliveries[4].error.code == 19021
    assert (deliveries[3].sent, deliveries[3].parts) == (0, 1)


async def test_a_signature_older_than_an_hour_is_refused(receiver, time, http):
    url = receiver.add("dingtalk", secret="SECright")
    late = FakeTime(MONDAY_MORNING - timedelta(hours=1, minutes=1))  # the sender's clock is an hour slow
    [delivery] = await post_digest([Robot(platform="dingtalk", url=url, secret="SECright")], TITLE, LINES,
                                   client=http, pacing=pacing(late))
    assert delivery.error is not None and "invalid timestamp" in str(delivery.error)
    assert receiver.messages == []


async def test_a_long_digest_arrives_in_numbered_parts_with_every_line_in_order(receiver, time, http):
    lines = [f"{i}. 第{i}网格 收到 {i % 7} 件 · 办结率 {i % 100}% {'企业用工缺口待协调' * (i % 5)}" for i in range(1, 301)]
    robots = [Robot(platform="wecom", url=receiver.add("wecom")),
              Robot(platform="dingtalk", url=receiver.add("dingtalk", secret="SECd"), secret="SECd"),
              Robot(platform="feishu", url=receiver.add("feishu", secret="f"), secret="f")]
    deliveries = await post_digest(robots, TITLE, lines, client=http, pacing=pacing(time))
    assert all(d.ok and d.sent == d.parts > 1 for d in deliveries)
    assert set(codes(receiver)) == {0}, "no part was over a size limit"
    for platform, separator in (("wecom", "\n"), ("dingtalk", "\n\n"), ("feishu", "\n")):
        parts = [m for m in receiver.messages if m.platform == platform]
        assert [m.title for m in parts] == [f"{TITLE} ({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
        body_lines = [line for m in parts for line in m.text.split(separator) if not line.startswith("### ")]
        assert body_lines == lines, platform


async def test_the_receiver_refuses_an_oversized_message_as_the_platform_does(receiver, http):
    too_big = "字" * 1400  # 4200 bytes
    answer = await http.post(receiver.add("wecom"), json={"msgtype": "markdown", "markdown": {"content": too_big}})
    assert answer.json()["errcode"] == 40058
    answer = await http.post(receiver.add("feishu"), json={"msg_type": "interactive", "card": {"x": "字" * 7000}})
    assert answer.json()["code"] == 9499


async def test_twenty_five_messages_to_one_wecom_robot_are_paced_so_none_is_refused(http):
    async with RobotReceiver(rates={"wecom": [(10, 1.0)]}) as receiver:  # 10 a second here, 20 a minute live
        robot = Robot(platform="wecom", url=receiver.add("wecom"))
        paced = Pacing(rates={Platform.WECOM: Rate(10, 1.0)}, retries=0)
        started = asyncio.get_running_loop().time()
        deliveries = await asyncio.gather(*(post_digest([robot], f"{TITLE} #{n}", LINES, client=http, pacing=paced)
                                            for n in range(25)))
        took = asyncio.get_running_loop().time() - started
    assert all(d.ok for [d] in deliveries)
    assert len(receiver.messages) == 25 and 45009 not in codes(receiver)
    assert took >= 24 * 0.1, "one send per 1/10 of the window (and a little more)"


async def test_without_pacing_the_receiver_does_answer_45009(http):
    """The check above can fail: the same 25 sends unpaced hit the limit."""
    async with RobotReceiver(rates={"wecom": [(20, 1.0)]}) as receiver:
        robot = Robot(platform="wecom", url=receiver.add("wecom"))
        unpaced = Pacing(rates={Platform.WECOM: Rate(10_000, 1.0)}, retries=0)
        deliveries = await asyncio.gather(*(post_digest([robot], TITLE, LINES, client=http, pacing=unpaced)
                                            for _ in range(25)))
    assert codes(receiver).count(45009) == 5
    assert sum(not d.ok for [d] in deliveries) == 5 and all(
        isinstance(d.error, RobotThrottled) for [d] in deliveries if not d.ok)


async def test_wecom_45009_waits_out_the_minute_and_retries(receiver, time, http):
    url = receiver.add("wecom")
    for n in range(20):  # another system has used this robot's minute
        await http.post(url, json={"msgtype": "markdown", "markdown": {"content": f"告警 {n}"}})
    [delivery] = await post_digest([Robot(platform="wecom", url=url)], TITLE, LINES, client=http, pacing=pacing(time))
    assert delivery.ok and receiver.messages[-1].title == TITLE
    assert codes(receiver)[20:] == [45009, 0] and time.slept == [60.0]


async def test_dingtalk_throttle_is_waited_out_for_ten_minutes_then_the_digest_goes(receiver, time, http):
    url = receiver.add("dingtalk")  # secured by keyword or IP list: unsigned
    for n in range(21):  # the 21st in a minute earns the robot ten minutes of 130101
        await http.post(url, json={"msgtype": "markdown", "markdown": {"title": "告警", "text": f"告警 {n}"}})
    assert codes(receiver)[-1] == 130101
    [delivery] = await post_digest([Robot(platform="dingtalk", url=url)], TITLE, LINES, client=http,
                                   pacing=pacing(time))
    assert delivery.ok and receiver.messages[-1].title == TITLE
    assert time.now() - MONDAY_MORNING >= timedelta(minutes=10)
    assert codes(receiver)[21:] == [130101, 0], "one refused attempt, then the wait, then delivered"


async def test_a_robot_that_stays_throttled_or_unreachable_does_not_stop_the_others(receiver, time, http):
    receiver.throttle = 10 * 3600  # this robot's throttle outlasts every retry
    throttled = receiver.add("dingtalk")
    for n in range(21):
        await http.post(throttled, json={"msgtype": "markdown", "markdown": {"title": "告警", "text": f"{n}"}})
    robots = [Robot(platform="dingtalk", url=throttled),
              Robot(platform="wecom", url="http://127.0.0.1:9/cgi-bin/webhook/send?key=gone"),
              Robot(platform="feishu", url=receiver.add("feishu"))]
    deliveries = await post_digest(robots, TITLE, LINES, client=http, pacing=pacing(time, retries=2))
    assert isinstance(deliveries[0].error, RobotThrottled) and deliveries[0].error.code == dingtalk.TOO_FAST
    assert isinstance(deliveries[1].error, RobotUnreachable) and "gone" not in str(deliveries[1].error)
    assert deliveries[2].ok and [m.platform for m in receiver.messages if m.title == TITLE] == ["feishu"]
    assert codes(receiver)[21:].count(130101) == 3, "tried three times, then gave up"


async def test_feishu_digest_due_on_the_hour_goes_at_two_past(receiver, time, http):
    time.moment = datetime(2026, 6, 15, 10, 0, 10, tzinfo=SHANGHAI)
    url = receiver.add("feishu", secret="f")
    stamp = int(time.epoch())  # what a send now would meet: Feishu's peak
    answer = await http.post(url, json={"timestamp": str(stamp), "sign": feishu.sign("f", stamp),
                                        "msg_type": "interactive", "card": {"header": {"title": {"content": "x"}},
                                                                            "elements": []}})
    assert answer.json()["code"] == 11232
    [delivery] = await post_digest([Robot(platform="feishu", url=url, secret="f")], TITLE, LINES, client=http,
                                   pacing=pacing(time))
    assert delivery.ok
    sent_at = datetime.fromtimestamp(receiver.messages[-1].at, SHANGHAI)
    assert sent_at == datetime(2026, 6, 15, 10, 2, tzinfo=SHANGHAI)


async def test_feishu_parts_are_never_sent_in_the_half_hour_window(receiver, time, http):
    time.moment = datetime(2026, 6, 15, 17, 29, 30, tzinfo=SHANGHAI)
    url = receiver.add("feishu")
    lines = [f"{i}. " + "企业用工缺口待协调" * 40 for i in range(60)]
    [delivery] = await post_digest([Robot(platform="feishu", url=url)], TITLE, lines, client=http,
                                   pacing=pacing(time))
    assert delivery.ok and delivery.parts > 1
    minutes = {datetime.fromtimestamp(m.at, SHANGHAI).strftime("%H:%M") for m in receiver.messages}
    assert minutes == {"17:32"}

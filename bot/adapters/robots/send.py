"""Post a digest to group robots: split per platform, sign, pace, retry when throttled.

    from bot.adapters.robots import post_digest, Pacing

    deliveries = await post_digest(robots, "城关街道 周通报 6月第2周", lines)
    for d in deliveries:
        if not d.ok:
            log.warning("周通报 not delivered to %s: %s (%d/%d parts)", d.robot.name, d.error, d.sent, d.parts)

post_digest(robots, title, lines, *, client=None, pacing=None) -> list[Delivery]
  robots   the org unit's robots (settings: LIANXIN_ROBOTS, see bootstrap.unit_robots)
  title    plain text; lines: plain text, one list item per line (the shell renders the core's
           messages first). Each platform gets its own markdown; a digest too long for one message
           goes out as several, split between lines and titled "(1/2)", "(2/2)".
  client   an httpx.AsyncClient to reuse (one is opened and closed otherwise)
  pacing   per-robot state kept between calls: rate limiters, DingTalk throttles, the clock and
           sleep. Give one Pacing to every call of a run that posts several digests, so a robot
           shared by two units is paced across both; tests inject a fake clock/sleep and shorter rates.
Returns one Delivery per robot, in order. It does not raise for a failing robot: its Delivery
carries the RobotError, and the others are still posted (robots are served concurrently, each
robot's parts in order).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import httpx
from aiolimiter import AsyncLimiter

from bot.adapters.robots import dingtalk, feishu, wecom
from bot.adapters.robots.config import RATES, Platform, Rate, Robot
from bot.adapters.robots.errors import RobotError, RobotRejected, RobotThrottled, RobotUnreachable
from bot.adapters.robots.split import split_digest
from bot.adapters.robots.wire import answer_code, encode_body

log = logging.getLogger(__name__)

PLATFORMS: dict[Platform, ModuleType] = {Platform.WECOM: wecom, Platform.DINGTALK: dingtalk,
                                         Platform.FEISHU: feishu}


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Pacing:
    """Per-robot sending state (see the module docstring)."""

    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    rates: dict[Platform, Rate] = field(default_factory=lambda: dict(RATES))
    retries: int = 2  # further attempts after a rate-limit answer, each after the platform's wait
    # Sends spaced a little wider than the platform's window needs: we space them by when they
    # leave, the platform counts when they arrive, and a delayed send would otherwise squeeze a
    # 21st message into someone's minute.
    margin: float = 0.9
    _limiters: dict[str, AsyncLimiter] = field(default_factory=dict, repr=False)
    _held_until: dict[str, datetime] = field(default_factory=dict, repr=False)

    async def ready(self, robot: Robot) -> None:
        """Wait until `robot` may be sent to: its throttle over, its rate slot free, off Feishu's peaks."""
        held = self._held_until.get(robot.url)
        if held is not None and (wait := (held - self.clock()).total_seconds()) > 0:
            log.info("Robot %s is throttled; waiting %.0f s", robot.name, wait)
            await self.sleep(wait)
        await self._limiter(robot).acquire()
        if robot.platform is Platform.FEISHU and (wait := feishu.quiet_delay(self.clock())) > 0:
            log.info("Feishu robot %s: not on the hour or half hour; waiting %.0f s", robot.name, wait)
            await self.sleep(wait)

    def hold(self, robot: Robot, seconds: float) -> None:
        """The platform said "too fast": nothing more to this robot for `seconds`."""
        self._held_until[robot.url] = self.clock() + timedelta(seconds=seconds)

    def _limiter(self, robot: Robot) -> AsyncLimiter:
        # One send per interval rather than bursts of `count`: a burst of 20 and then one more a
        # leak later would be 21 inside one sliding minute, which the platform may count that way.
        if robot.url not in self._limiters:
            self._limiters[robot.url] = AsyncLimiter(1, self.rates[robot.platform].interval / self.margin)
        return self._limiters[robot.url]


@dataclass(frozen=True)
class Delivery:
    """What became of a digest at one robot."""

    robot: Robot
    parts: int  # messages the digest needed on this platform
    sent: int  # of which the platform accepted, from the first on
    error: RobotError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def post_digest(robots: Sequence[Robot], title: str, lines: list[str], *,
                      client: httpx.AsyncClient | None = None, pacing: Pacing | None = None) -> list[Delivery]:
    """Post the digest to every robot; one Delivery each, in order (see the module docstring)."""
    pacing = pacing if pacing is not None else Pacing()
    if client is None:
        async with httpx.AsyncClient(timeout=15) as own:
            return await post_digest(robots, title, lines, client=own, pacing=pacing)
    return list(await asyncio.gather(*(_deliver(robot, title, lines, client, pacing) for robot in robots)))


def messages_for(platform: Platform, title: str, lines: list[str]) -> list[dict[str, Any]]:
    """The platform's message bodies for a digest, unsigned, each within the platform's limit."""
    module = PLATFORMS[platform]
    return [module.payload(part_title, part) for part_title, part in split_digest(title, lines, module.fits)]


async def _deliver(robot: Robot, title: str, lines: list[str], client: httpx.AsyncClient,
                   pacing: Pacing) -> Delivery:
    sent, bodies = 0, []
    try:
        bodies = messages_for(robot.platform, title, lines)
        for body in bodies:
            await _post(robot, body, client, pacing)
            sent += 1
    except RobotError as error:
        log.warning("Digest %r to robot %s stopped after %d of %d part(s): %s", title, robot.name, sent,
                    len(bodies), error)
        return Delivery(robot, parts=len(bodies), sent=sent, error=error)
    except Exception as error:  # a bug must not cost the other robots their digest
        log.exception("Digest %r to robot %s failed", title, robot.name)
        return Delivery(robot, parts=len(bodies), sent=sent, error=RobotError(type(error).__name__))
    return Delivery(robot, parts=len(bodies), sent=sent)


async def _post(robot: Robot, body: dict[str, Any], client: httpx.AsyncClient, pacing: Pacing) -> None:
    """One message, retried (bounded) while the platform says it comes too fast."""
    module = PLATFORMS[robot.platform]
    for attempt in range(pacing.retries + 1):
        await pacing.ready(robot)
        url, signed = module.request(robot, body, pacing.clock())  # signed just before it leaves
        code, message = await _send(client, url, signed)
        if code == 0:
            return
        if code not in module.RETRY_AFTER:
            raise RobotRejected(code, message)
        log.info("Robot %s answered %s (%s), attempt %d", robot.name, code, message, attempt + 1)
        pacing.hold(robot, module.RETRY_AFTER[code])
    raise RobotThrottled(code, message)


async def _send(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> tuple[int, str]:
    try:
        response = await client.post(url, content=encode_body(body),
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        answer = answer_code(response.json())
    except (httpx.HTTPError, ValueError) as error:
        # The webhook URL is a credential: keep it out of the message that ends up in logs.
        said = str(error).replace(url, "<webhook>").replace(url.split("?")[0], "<webhook>")
        raise RobotUnreachable(f"{type(error).__name__}: {said}") from None
    if answer is None:
        raise RobotUnreachable(f"HTTP {response.status_code} without an error code")
    return answer

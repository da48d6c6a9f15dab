"""Each platform's chats are paced by that platform's own limits, its groups as groups."""

from __future__ import annotations

import pytest

from bot.delivery import Platform, SendLimits, by_name
from bot.outbox import Limiters
from bot.telegram_out import TELEGRAM_LIMITS, is_telegram_group
from handlers.seam import Reply

WEB_LIMITS = SendLimits(overall_per_second=100, overall_burst=50, private_per_second=5, private_burst=10,
                        group_per_minute=60, group_burst=7)


class Unused:
    async def send(self, reply: Reply, *, skip: int = 0, pace=None):
        raise AssertionError("nothing is sent here")


def platform(name: str, limits: SendLimits, is_group) -> Platform:
    return Platform(name, Unused(), limits, is_group)


def test_telegram_groups_are_the_chats_with_negative_ids() -> None:
    assert is_telegram_group("-1001234567890") and is_telegram_group("-42")
    assert not is_telegram_group("1001")


def test_a_chat_is_paced_by_its_own_platforms_limits_for_its_kind() -> None:
    limiters = Limiters(by_name([platform("telegram", TELEGRAM_LIMITS, is_telegram_group),
                                 platform("web", WEB_LIMITS, lambda chat_id: chat_id.startswith("room:"))]))

    def bucket(name: str, chat_id: str) -> tuple[float, float]:
        limiter = limiters._chat_limiter((name, chat_id))
        return limiter.max_rate, limiter.time_period

    assert bucket("telegram", "-100123") == (19, pytest.approx(60.0)), "20/min at 95 %: 19 per minute"
    assert bucket("telegram", "1001") == (2, pytest.approx(2 / 0.95)), "1/s at 95 %, a burst of 2"
    assert bucket("web", "room:7")[0] == 7 and bucket("web", "-100123")[0] == 10, "a web id with a dash is no group"


def test_two_senders_for_one_platform_are_a_wiring_mistake() -> None:
    with pytest.raises(ValueError, match="telegram"):
        by_name([platform("telegram", TELEGRAM_LIMITS, is_telegram_group)] * 2)

"""What can go wrong posting to a group robot, as named exceptions (post_digest reports them per robot)."""

from __future__ import annotations


class RobotError(Exception):
    """Base class: one robot could not take (all of) a digest."""


class DigestTooLarge(RobotError):
    """Not even the title and a single character fit one message of the platform."""


class RobotRejected(RobotError):
    """The platform answered with an error code that waiting will not fix (bad signature, bad body…)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"errcode {code}: {message}")
        self.code = code
        self.message = message


class RobotThrottled(RobotRejected):
    """Still rate-limited (WeCom 45009, DingTalk 130101, Feishu 11232) after the bounded retries."""


class RobotUnreachable(RobotError):
    """No usable answer: network error, timeout, or an HTTP status/body that is not the platform's JSON."""

"""Weekly digests (周通报) to WeCom, DingTalk and Feishu group robots; see send.py and docs/robots.md.

One module per platform (wecom, dingtalk, feishu: message format, size test, signature), a splitter
shared by the three (split), and the sender with per-robot pacing (send).
"""

from bot.adapters.robots.config import Platform, Rate, Robot
from bot.adapters.robots.errors import (DigestTooLarge, RobotError, RobotRejected, RobotThrottled,
                                        RobotUnreachable)
from bot.adapters.robots.send import Delivery, Pacing, messages_for, post_digest

__all__ = ["Delivery", "DigestTooLarge", "Pacing", "Platform", "Rate", "Robot", "RobotError", "RobotRejected",
           "RobotThrottled", "RobotUnreachable", "messages_for", "post_digest"]

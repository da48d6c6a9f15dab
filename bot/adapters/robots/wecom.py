"""企业微信 group robot: markdown messages, content ≤ 4096 bytes, unsigned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.robots.config import Robot

MAX_CONTENT_BYTES = 4096  # markdown.content, UTF-8 (errcode 40058 past it)
TOO_FAST = 45009  # api freq out of limit: over 20 messages a minute
RETRY_AFTER = {TOO_FAST: 60.0}  # wait out the minute window, then try again


def content(title: str, lines: list[str]) -> str:
    return "\n".join([f"### {title}", *lines])


def fits(title: str, lines: list[str]) -> bool:
    return len(content(title, lines).encode("utf-8")) <= MAX_CONTENT_BYTES


def payload(title: str, lines: list[str]) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": content(title, lines)}}


def request(robot: Robot, body: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    return robot.url, body  # the key in the URL is the only credential

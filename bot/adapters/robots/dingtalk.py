"""钉钉 custom robot: markdown messages, 加签 (signed) URLs, 20 a minute or a 10-minute throttle."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from bot.adapters.robots.config import Robot
from bot.adapters.robots.wire import encode_body

# Assumed, not found in the docs we could read (docs/robots.md): the whole request body, UTF-8.
MAX_BODY_BYTES = 20_000
TOO_FAST = 130101  # send too fast, exceed 20 times per minute
THROTTLE_SECONDS = 600.0  # past 20 a minute the robot is throttled for 10 minutes
RETRY_AFTER = {TOO_FAST: THROTTLE_SECONDS}


def sign(secret: str, timestamp_ms: int) -> str:
    """urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def text(title: str, lines: list[str]) -> str:
    # Blank lines between lines: DingTalk's markdown joins adjacent lines into one paragraph.
    return "\n\n".join([f"### {title}", *lines])


def payload(title: str, lines: list[str]) -> dict[str, Any]:
    # markdown.title is what the chat list shows before the message is opened.
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text(title, lines)}}


def fits(title: str, lines: list[str]) -> bool:
    return len(encode_body(payload(title, lines))) <= MAX_BODY_BYTES


def request(robot: Robot, body: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    secret = robot.secret_value
    if secret is None:
        return robot.url, body  # a robot secured by keyword or IP list instead
    timestamp = int(now.timestamp() * 1000)
    return f"{robot.url}&timestamp={timestamp}&sign={sign(secret, timestamp)}", body

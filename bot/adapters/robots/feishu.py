"""飞书 custom bot: interactive cards with a lark_md block, signed bodies, and no sends on the half hour.

msg_type "interactive" rather than "post": a post is a tree of text/link/at tags and shows markdown
syntax literally, while a card's lark_md text renders bold, links and lists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.robots.config import Robot
from bot.adapters.robots.wire import encode_body

MAX_BODY_BYTES = 20_000  # "20 KB" read the strict way (9499 Bad Request past it)
TOO_FAST = 11232  # frequency limited (also under system load on the hour and half hour)
RETRY_AFTER = {TOO_FAST: 60.0}
# Feishu asks to avoid sends at xx:00 and xx:30; we keep off two minutes either side of both.
QUIET_MARGIN = timedelta(minutes=2)
_CYCLE = 1800  # seconds in half an hour; zones offset by whole hours (Asia/Shanghai) share it with UTC

# What a signature adds to the body, for measuring before signing: ten digits and a 44-char base64.
_SIGNED_SIZE_PROBE = {"timestamp": "0" * 10, "sign": "0" * 44}


def sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) — key and message are
    the other way round from DingTalk's."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(title: str, lines: list[str]) -> dict[str, Any]:
    return {"msg_type": "interactive", "card": {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": title}},
        "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "\n".join(lines)}}],
    }}


def fits(title: str, lines: list[str]) -> bool:
    return len(encode_body(_SIGNED_SIZE_PROBE | payload(title, lines))) <= MAX_BODY_BYTES


def request(robot: Robot, body: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    secret = robot.secret_value
    if secret is None:
        return robot.url, body
    timestamp = int(now.timestamp())
    return robot.url, {"timestamp": str(timestamp), "sign": sign(secret, timestamp)} | body


def quiet_delay(now: datetime) -> float:
    """Seconds to wait so a send falls outside xx:58–xx:02 and xx:28–xx:32 (0 when already outside)."""
    into_cycle = now.timestamp() % _CYCLE
    margin = QUIET_MARGIN.total_seconds()
    if into_cycle < margin:
        return margin - into_cycle
    if into_cycle >= _CYCLE - margin:
        return _CYCLE - into_cycle + margin
    return 0.0

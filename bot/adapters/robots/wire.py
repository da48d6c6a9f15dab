"""The bytes on the wire and the platforms' answers, shared by the three platform modules."""

from __future__ import annotations

import json
from typing import Any


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: what is sent is exactly what the size limits are measured on."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def answer_code(answer: Any) -> tuple[int, str] | None:
    """(code, message) from a platform's JSON answer; None when it is not one.

    WeCom and DingTalk answer {"errcode", "errmsg"}, Feishu {"code", "msg"} (older hooks: StatusCode).
    """
    if not isinstance(answer, dict):
        return None
    for code_key, message_key in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        if isinstance(answer.get(code_key), int):
            return answer[code_key], str(answer.get(message_key, ""))
    return None

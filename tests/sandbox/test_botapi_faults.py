"""Injected faults: an error instead of the call, or the call done but answered late."""

from __future__ import annotations

import time
from typing import Any

from sandbox.botapi import LocalBotApi


async def test_an_injected_error_answers_instead_of_the_call(server: LocalBotApi, api: Any, as_bot: Any) -> None:
    user = server.user(1001, "王老板")
    await as_bot(user.send("/start"))
    server.faults.add("sendMessage", status=502)
    server.faults.add("sendMessage", status=429, retry_after=3)
    first = (await api("sendMessage", chat_id=1001, text="一")).json()
    second = (await api("sendMessage", chat_id=1001, text="二")).json()
    third = (await api("sendMessage", chat_id=1001, text="三")).json()
    assert (first["error_code"], first["description"]) == (502, "Bad Gateway")
    assert second["error_code"] == 429 and second["parameters"] == {"retry_after": 3}
    assert third["ok"] and [m.text for m in user.messages()] == ["三"]


async def test_a_late_answer_still_does_the_call(server: LocalBotApi, api: Any) -> None:
    user = server.user(1001, "王老板")
    user.open_chat()
    server.faults.add("sendMessage", delay_after=0.3)
    began = time.monotonic()
    assert (await api("sendMessage", chat_id=1001, text="迟到")).json()["ok"]
    assert time.monotonic() - began >= 0.3 and [m.text for m in user.messages()] == ["迟到"]

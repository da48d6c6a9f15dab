"""Flood limits: off by default; when on, 429 with retry_after like Telegram."""

from __future__ import annotations

from typing import Any

from sandbox.botapi import LocalBotApi


async def test_no_limits_by_default(server: LocalBotApi, api: Any, as_bot: Any) -> None:
    await as_bot(server.user(1001, "王老板").send("/start"))
    for i in range(15):
        assert (await api("sendMessage", chat_id=1001, text=f"消息 {i}")).json()["ok"]


async def test_private_chat_limit_allows_a_short_burst_then_429(server: LocalBotApi, api: Any, as_bot: Any) -> None:
    await as_bot(server.user(1001, "王老板").send("/start"))
    await as_bot(server.user(1002, "李主任").send("/start"))
    server.rate_limits = True
    results = [(await api("sendMessage", chat_id=1001, text=f"消息 {i}")).json() for i in range(5)]
    assert [r["ok"] for r in results[:3]] == [True, True, True]
    limited = results[3]
    assert limited["error_code"] == 429 and limited["description"] == "Too Many Requests: retry after 1"
    assert limited["parameters"] == {"retry_after": 1}
    assert (await api("sendMessage", chat_id=1002, text="另一个聊天")).json()["ok"]  # limits are per chat


async def test_group_limit_is_twenty_per_minute(server: LocalBotApi, api: Any) -> None:
    group = server.group(-100777, "街道群")
    server.rate_limits = True
    results = [(await api("sendMessage", chat_id=group.id, text=f"通知 {i}")).json() for i in range(21)]
    assert all(r["ok"] for r in results[:20])
    assert results[20]["error_code"] == 429 and results[20]["parameters"]["retry_after"] >= 3
    assert len(group.messages()) == 20

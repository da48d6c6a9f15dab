"""Getting updates: long polling, offsets, webhooks, and the simulator's waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from sandbox.botapi import LocalBotApi, UpdateNotHandled
from sandbox.botapi.testing import free_port, listening


async def test_update_shapes_for_text_command_location_contact(server: LocalBotApi, as_bot: Any) -> None:
    user = server.user(1001, "王老板", language_code="zh-hans")
    update = await as_bot(user.send("/start abc"))
    message = update["message"]
    assert message["message_id"] == 1 and isinstance(message["date"], int)
    assert message["from"] == {"id": 1001, "is_bot": False, "first_name": "王老板", "language_code": "zh-hans"}
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "王老板"}
    assert message["text"] == "/start abc"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    location = (await as_bot(user.send_location(34.75, 113.62)))["message"]
    assert location["location"] == {"latitude": 34.75, "longitude": 113.62} and location["message_id"] == 2
    contact = (await as_bot(user.share_contact("+8613812345678")))["message"]["contact"]
    assert contact == {"phone_number": "+8613812345678", "first_name": "王老板", "user_id": 1001}
    assert "entities" not in (await as_bot(user.send("停电三天了")))["message"]
    group = server.group(-100555, "街道群")
    in_group = (await as_bot(user.send("/report@lianxin_bot", chat=group)))["message"]
    assert in_group["chat"] == {"id": -100555, "type": "group", "title": "街道群"}
    assert in_group["entities"][0]["length"] == len("/report@lianxin_bot")


async def test_long_poll_returns_when_an_update_arrives(server: LocalBotApi, api: Any) -> None:
    user = server.user(1001, "王老板")
    started = time.monotonic()
    poll = asyncio.ensure_future(api("getUpdates", timeout=20))
    await server.bot().queue.until_polled()  # the poll is now waiting on the server
    assert not poll.done()
    sending = asyncio.ensure_future(user.send("在吗"))
    updates = (await poll).json()["result"]
    await sending
    assert [u["message"]["text"] for u in updates] == ["在吗"]
    assert time.monotonic() - started < 10, "answered when the update came, not at the poll's 20 s"


async def test_long_poll_times_out_with_empty_result(api: Any) -> None:
    started = time.monotonic()
    assert (await api("getUpdates", timeout=1)).json() == {"ok": True, "result": []}
    assert 0.9 <= time.monotonic() - started < 10
    assert (await api("getUpdates", timeout=0)).json()["result"] == []


async def test_offset_confirms_earlier_updates(server: LocalBotApi, api: Any) -> None:
    server.first_call_grace = 0  # this test is the bot; it makes no calls
    user = server.user(1001, "王老板")
    queue = server.bot().queue
    sends = [asyncio.ensure_future(user.send(text)) for text in ("一", "二", "三")]
    while len(queue.pending) < 3:  # the three are queued
        await queue.changed(None)
    first = (await api("getUpdates", limit=2)).json()["result"]
    assert [u["message"]["text"] for u in first] == ["一", "二"]
    assert first[1]["update_id"] == first[0]["update_id"] + 1
    again = (await api("getUpdates")).json()["result"]
    assert [u["message"]["text"] for u in again] == ["一", "二", "三"]  # not confirmed yet
    rest = (await api("getUpdates", offset=first[1]["update_id"] + 1)).json()["result"]
    assert [u["message"]["text"] for u in rest] == ["三"]
    assert (await api("getUpdates", offset=rest[0]["update_id"] + 1)).json()["result"] == []
    await asyncio.gather(*sends)


async def test_send_without_a_bot_raises_naming_the_update(server: LocalBotApi) -> None:
    server.timeout = 0.2
    with pytest.raises(UpdateNotHandled, match=r"update \d+ \(message '有人吗' from user 1001\) was not received"):
        await server.user(1001, "王老板").send("有人吗")


async def test_concurrent_get_updates_conflict(server: LocalBotApi, api: Any) -> None:
    first = asyncio.ensure_future(api("getUpdates", timeout=5))
    await server.bot().queue.until_polled()
    second = asyncio.ensure_future(api("getUpdates", timeout=0))
    older = (await first).json()
    assert older["error_code"] == 409 and older["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
    assert (await second).json() == {"ok": True, "result": []}


async def test_stop_releases_long_polls_promptly(server: LocalBotApi, api: Any) -> None:
    poll = asyncio.ensure_future(api("getUpdates", timeout=30))
    await server.bot().queue.until_polled()
    started = time.monotonic()
    await server.stop()
    assert (await poll).json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 10, "released at once, not at the poll's 30 s"


async def test_allowed_updates_filters_new_updates(server: LocalBotApi, api: Any, as_bot: Any) -> None:
    user = server.user(1001, "王老板")
    await as_bot(user.send("/start"))
    await api("sendMessage", chat_id=1001, text="选择", reply_markup={
        "inline_keyboard": [[{"text": "接单", "callback_data": "take"}]]})
    await api("getUpdates", allowed_updates=["message"], timeout=0)
    outcome = await user.press("接单")  # the bot asked not to receive callback queries
    assert outcome.dropped and (await api("getUpdates", timeout=0)).json()["result"] == []


class Receiver:
    """A webhook endpoint that fails the first `failures` deliveries."""

    def __init__(self, failures: int = 0, reply: dict | None = None) -> None:
        self.failures = failures
        self.reply = reply
        self.received: list[tuple[str | None, dict]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
        return web.json_response(self.reply) if self.reply else web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver(failures=1)
    async with listening("/hook", receiver.handle) as url:
        yield receiver, f"{url}/hook"


async def test_webhook_delivery_with_secret_and_retry(server: LocalBotApi, api: Any, receiver: Any) -> None:
    hook, url = receiver
    assert (await api("setWebhook", url=url, secret_token="s3cr3t-token")).json() == {"ok": True, "result": True}
    outcome = await server.user(1001, "王老板").send("停电了")  # first POST gets 500, the retry succeeds
    assert not outcome.dropped
    assert [(secret, body["message"]["text"]) for secret, body in hook.received] == [("s3cr3t-token", "停电了")]
    info = (await api("getWebhookInfo")).json()["result"]
    assert info["url"] == url and info["pending_update_count"] == 0
    assert "500" in info["last_error_message"] and info["last_error_date"] > 0
    conflict = (await api("getUpdates")).json()
    assert conflict["error_code"] == 409 and conflict["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    assert (await api("deleteWebhook")).json()["result"] is True
    assert (await api("getUpdates")).json() == {"ok": True, "result": []}
    assert (await api("getWebhookInfo")).json()["result"]["url"] == ""


async def test_webhook_answer_can_carry_a_method(server: LocalBotApi, api: Any, receiver: Any) -> None:
    hook, url = receiver
    hook.failures, hook.reply = 0, {"method": "sendMessage", "chat_id": 1001, "text": "收到"}
    await api("setWebhook", url=url)
    outcome = await server.user(1001, "王老板").send("你好")
    assert outcome.texts == ["收到"]


async def test_webhook_posts_other_chats_in_parallel_and_each_chat_in_order(server: LocalBotApi, api: Any) -> None:
    """As Telegram does with max_connections > 1: while the bot is still answering one chat's
    update, another chat's comes in; the first chat's next update waits for that answer."""
    arrived: list[str] = []
    other_chat_arrived, last_arrived = asyncio.Event(), asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        text = (await request.json())["message"]["text"]
        arrived.append(text)
        if text == "王老板 1":  # held until 刘桂兰's update reaches us: only parallel delivery gets it here
            await asyncio.wait_for(other_chat_arrived.wait(), 30)
            arrived.append("王老板 1 answered")
        if text.startswith("刘桂兰"):
            other_chat_arrived.set()
        if text == "王老板 2":
            last_arrived.set()
        return web.json_response({})

    async with listening("/hook", handle) as url:
        await api("setWebhook", url=f"{url}/hook")
        owner, resident = server.user(1001, "王老板"), server.user(1002, "刘桂兰")
        await owner.send("王老板 1", wait=False)
        await owner.send("王老板 2", wait=False)
        await resident.send("刘桂兰 1", wait=False)
        await asyncio.wait_for(last_arrived.wait(), 30)
        await api("deleteWebhook")
    assert arrived.index("刘桂兰 1") < arrived.index("王老板 1 answered") < arrived.index("王老板 2")


async def test_webhook_must_be_https_except_on_loopback(api: Any) -> None:
    bad = (await api("setWebhook", url="http://example.com/hook")).json()
    assert bad["description"] == "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    port = (await api("setWebhook", url="https://example.com:8000/hook")).json()
    assert port["description"] == "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"


async def test_wait_idle_covers_bot_initiated_messages(server: LocalBotApi, api: Any, as_bot: Any) -> None:
    """For a bot that cannot say when it is done, wait_idle watches its calls settle: a guess,
    given a window wide enough that a busy machine does not beat it."""
    server.settle = 1.0
    user = server.user(1001, "王老板")
    await as_bot(user.send("/start"))

    async def reminder() -> None:  # e.g. a scheduled job, not triggered by any update
        await asyncio.sleep(0.05)
        await api("sendMessage", chat_id=1001, text="提醒：问题仍未解决")

    job = asyncio.ensure_future(reminder())
    await server.wait_idle()
    assert user.last_message().text == "提醒：问题仍未解决"
    await job


async def test_unreachable_webhook_keeps_updates_until_dropped(server: LocalBotApi, api: Any) -> None:
    server.timeout = 0.3
    await api("setWebhook", url=f"http://127.0.0.1:{free_port()}/nobody-listens")
    with pytest.raises(UpdateNotHandled, match="webhook"):
        await server.user(1001, "王老板").send("在吗")
    info = (await api("getWebhookInfo")).json()["result"]
    assert info["pending_update_count"] == 1 and info["last_error_message"].startswith("Connection error")
    assert (await api("deleteWebhook", drop_pending_updates=True)).json()["result"] is True
    assert (await api("getWebhookInfo")).json()["result"]["pending_update_count"] == 0
    assert (await api("getUpdates")).json()["result"] == []

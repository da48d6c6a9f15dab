"""The /_sim HTTP control API, the terminal chat client, and the standalone server."""

from __future__ import annotations

import asyncio
import base64
import os
import sys

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import TOKEN, free_port, png_bytes
from sandbox.chat import render

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


async def reply_everything(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message.photo:
        summary = f"photo {message.photo[-1].width}x{message.photo[-1].height}"
    elif message.document:
        summary = f"document {message.document.file_name}"
    elif message.location:
        summary = f"location {message.location.latitude} {message.location.longitude}"
    elif message.contact:
        summary = f"contact {message.contact.phone_number} of {message.contact.user_id}"
    else:
        summary = f"text {message.text}"
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="yes"),
                                     InlineKeyboardButton("不好", callback_data="no")]])
    await message.reply_text(summary, reply_markup=buttons)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer(f"选了 {update.callback_query.data}")
    await update.callback_query.edit_message_text(f"选了 {update.callback_query.data}")


@pytest.fixture
def echo_bot(ptb: Application) -> Application:
    ptb.add_handler(MessageHandler(filters.ALL, reply_everything))
    ptb.add_handler(CallbackQueryHandler(on_button))
    return ptb


async def test_control_endpoints_drive_the_bot(server: LocalBotApi, http: httpx.AsyncClient,
                                               echo_bot: Application) -> None:
    created = (await http.post("/_sim/users", json={"id": 1001, "first_name": "王老板"})).json()
    assert created["user"] == {"id": 1001, "is_bot": False, "first_name": "王老板"}
    sent = (await http.post("/_sim/users/1001/send", json={"text": "停电三天了"})).json()
    assert sent["ok"] and [m["text"] for m in sent["replies"]] == ["text 停电三天了"]
    assert sent["replies"][0]["buttons"] == [[["好", "yes"], ["不好", "no"]]]
    pressed = (await http.post("/_sim/users/1001/press", json={"index": 2})).json()
    assert pressed["answer"]["text"] == "选了 no" and pressed["edited"][0]["text"] == "选了 no"
    photo = (await http.post("/_sim/users/1001/photo", files={"photo": ("p.png", png_bytes(640, 480))})).json()
    assert photo["replies"][0]["text"] == "photo 640x480"
    doc = (await http.post("/_sim/users/1001/document", json={
        "base64": base64.b64encode(b"data").decode(), "file_name": "a.txt"})).json()
    assert doc["replies"][0]["text"] == "document a.txt"
    location = (await http.post("/_sim/users/1001/location", json={"latitude": 34.75, "longitude": 113.62})).json()
    assert location["replies"][0]["text"] == "location 34.75 113.62"
    contact = (await http.post("/_sim/users/1001/contact", json={"phone_number": "+8613812345678"})).json()
    assert contact["replies"][0]["text"] == "contact +8613812345678 of 1001"

    messages = (await http.get("/_sim/chats/1001/messages")).json()["messages"]
    assert [m["from_bot"] for m in messages] == [False, True] * 5  # a press is not a message
    later = (await http.get("/_sim/chats/1001/messages", params={"since": messages[-2]["message_id"]})).json()
    assert [m["text"] for m in later["messages"]] == ["contact +8613812345678 of 1001"]
    calls = (await http.get("/_sim/calls")).json()["calls"]
    assert any(c["method"] == "answerCallbackQuery" and c["status"] == 200 for c in calls)
    assert (await http.post("/_sim/wait_idle", json={})).json() == {"ok": True}


async def test_control_errors(server: LocalBotApi, http: httpx.AsyncClient, echo_bot: Application) -> None:
    await http.post("/_sim/users/1001/send", json={"text": "x"})
    missing = await http.post("/_sim/users/1001/press", json={"text": "没有这个按钮"})
    assert missing.status_code == 404 and "没有这个按钮" in missing.json()["error"]
    assert (await http.get("/_sim/chats/4242/messages")).status_code == 404
    toggled = (await http.post("/_sim/rate_limits", json={"enabled": True})).json()
    assert toggled["enabled"] is True and server.rate_limits


async def test_control_times_out_with_504_when_no_bot_listens(server: LocalBotApi, http: httpx.AsyncClient) -> None:
    server.timeout = 0.2
    response = await http.post("/_sim/users/1001/send", json={"text": "有人吗"})
    assert response.status_code == 504 and "was not received" in response.json()["error"]


async def test_the_clock_endpoints_answer_404_without_a_movable_clock(server: LocalBotApi,
                                                                    http: httpx.AsyncClient) -> None:
    """Only the demo hands the server its clock; anywhere else time cannot be moved from outside."""
    for answer in (await http.get("/_sim/clock"), await http.post("/_sim/clock", json={"advance": "1h"})):
        assert answer.status_code == 404
        assert answer.json()["ok"] is False and "clock" in answer.json()["error"]


async def test_the_clock_endpoints_hand_moves_to_the_servers_clock(server: LocalBotApi,
                                                                   http: httpx.AsyncClient) -> None:
    from datetime import datetime, timedelta, timezone

    class Hook:  # what the demo gives the server (bot/demo_time.py): here, a plain clock
        moment = datetime(2026, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=8)))

        async def now(self) -> datetime:
            return self.moment

        async def advance(self, step: str) -> datetime:
            if step != "1h":
                raise ValueError(f"cannot move the clock by {step!r}")
            self.moment += timedelta(hours=1)
            return self.moment

    server.clock = Hook()
    assert (await http.get("/_sim/clock")).json() == {"ok": True, "now": "2026-11-27T09:00:00+08:00",
                                                      "movable": True}
    assert (await http.post("/_sim/clock", json={"advance": "1h"})).json() == {"ok": True,
                                                                              "now": "2026-11-27T10:00:00+08:00"}
    refused = await http.post("/_sim/clock", json={"advance": "1 year"})
    assert refused.status_code == 400 and "1 year" in refused.json()["error"]
    assert (await http.post("/_sim/clock", json={})).status_code == 400


def test_render_numbers_buttons() -> None:
    message = {"message_id": 3, "text": "新问题", "buttons": [[["接单", "take"], ["转办", "fwd"]], [["详情", None]]],
               "reply_keyboard": None, "deleted": False}
    assert render(message) == "[#3] 新问题\n  #1 接单   #2 转办\n  (详情)"


async def test_terminal_client_end_to_end(server: LocalBotApi, echo_bot: Application) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.chat", "--url", server.url, "--user", "1001", "--name", "王老板",
        "--poll", "0", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    stdout, stderr = await asyncio.wait_for(process.communicate("你好\n#1\n/location 1.5 2.5\n".encode()), 20)
    output = stdout.decode()
    assert process.returncode == 0, stderr.decode()
    assert "text 你好" in output and "#1 好   #2 不好" in output
    assert "选了 yes" in output and "location 1.5 2.5" in output


async def test_standalone_server_process() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.botapi", "--port", str(port), "--token", TOKEN, "--username", "demo_bot",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    try:
        banner = await asyncio.wait_for(process.stdout.readline(), 20)
        assert f"127.0.0.1:{port}" in banner.decode()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            me = (await client.get(f"/bot{TOKEN}/getMe")).json()["result"]
            assert me["username"] == "demo_bot"
    finally:
        process.terminate()
        await process.wait()

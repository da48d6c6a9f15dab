"""What the demo's web page relies on: the page itself, who to play, a person posting in a
group, and the long poll that reports every change to a chat."""

from __future__ import annotations

import asyncio

import httpx
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import TOKEN

PERSONAS = [{"id": 1001, "name": "王老板", "role": "企业主（润弘制药）", "kind": "private"},
            {"id": -100500, "name": "新村镇领导群", "role": "领导群", "kind": "group", "member": 3001}]


async def echo_with_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    await message.reply_text(f"{message.chat.type} {message.chat.id}: {message.text}")


async def test_the_page_is_served_at_the_root_with_its_assets(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "连心桥" in page.text and "/_web/app.js" in page.text
    script = await http.get("/_web/app.js")
    assert script.status_code == 200 and "/_sim/events" in script.text
    assert (await http.get("/_web/../control.py")).status_code == 404


async def test_personas_are_empty_until_set_then_as_given(server: LocalBotApi, http: httpx.AsyncClient) -> None:
    assert (await http.get("/_sim/personas")).json() == {"ok": True, "personas": []}
    server.personas = PERSONAS  # what the demo does
    assert (await http.get("/_sim/personas")).json()["personas"] == PERSONAS
    assert (await http.post("/_sim/personas", json={"personas": "nobody"})).status_code == 400
    set_over_http = await http.post("/_sim/personas", json={"personas": PERSONAS[:1]})
    assert set_over_http.json()["ok"] and (await http.get("/_sim/personas")).json()["personas"] == PERSONAS[:1]


async def test_a_member_posts_into_a_group_by_its_chat_id(server: LocalBotApi, http: httpx.AsyncClient,
                                                          ptb: Application) -> None:
    ptb.add_handler(MessageHandler(filters.TEXT, echo_with_chat))
    server.group(-100500, "新村镇领导群")
    sent = (await http.post("/_sim/users/3001/send", json={"text": "/digest", "chat_id": -100500})).json()
    assert sent["ok"] and [m["text"] for m in sent["replies"]] == ["group -100500: /digest"]
    group = (await http.get("/_sim/chats/-100500/messages")).json()["messages"]
    assert [(m["from"]["id"], m["text"]) for m in group] == [(3001, "/digest"), (int(TOKEN.split(":")[0]),
                                                                                 "group -100500: /digest")]
    private = (await http.post("/_sim/users/3001/send", json={"text": "你好"})).json()  # as before: own chat
    assert [m["text"] for m in private["replies"]] == ["private 3001: 你好"]
    unknown = await http.post("/_sim/users/3001/send", json={"text": "hi", "chat_id": -100999})
    assert unknown.status_code == 404 and "chat_title" in unknown.json()["error"]
    made = (await http.post("/_sim/users/3001/send", json={"text": "hi", "chat_id": -100999,
                                                           "chat_title": "新群"})).json()
    assert made["replies"][0]["text"] == "group -100999: hi"


async def test_events_report_each_changed_chat_and_wait_for_the_next(server: LocalBotApi, http: httpx.AsyncClient,
                                                                     api) -> None:
    boss, other = server.user(1001, "王老板"), server.user(1002, "李大姐")
    boss.open_chat(), other.open_chat()
    start = (await http.get("/_sim/events")).json()["seq"]
    waiting = asyncio.ensure_future(http.get("/_sim/events", params={"since": start, "timeout": 30}))
    await asyncio.sleep(0)  # the poll is out before the change (the answer must come from the change)
    sent = (await api("sendMessage", chat_id=1001, text="已受理")).json()["result"]
    news = (await waiting).json()
    assert news["chats"] == [1001] and news["seq"] > start

    await api("editMessageText", chat_id=1001, message_id=sent["message_id"], text="已办结")
    edited = (await http.get("/_sim/events", params={"since": news["seq"], "timeout": 30})).json()
    await api("deleteMessage", chat_id=1001, message_id=sent["message_id"])
    await api("sendMessage", chat_id=1002, text="您好")
    both = (await http.get("/_sim/events", params={"since": edited["seq"], "timeout": 30})).json()
    assert edited["chats"] == [1001] and both["chats"] == [1001, 1002]

    quiet = (await http.get("/_sim/events", params={"since": both["seq"], "timeout": 0.05})).json()
    assert quiet == {"ok": True, "seq": both["seq"], "chats": []}
    from_a_restart = (await http.get("/_sim/events", params={"since": both["seq"] + 50, "timeout": 0})).json()
    assert from_a_restart["chats"] is None  # the counter went back: re-read everything


async def test_a_stopping_server_answers_the_watchers_at_once() -> None:
    server = LocalBotApi(port=0)
    server.add_bot(TOKEN, "lianxin_bot")
    await server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        watcher = asyncio.ensure_future(http.get("/_sim/events", params={"since": 0, "timeout": 60}))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(server.stop(), 5)
        answer = await asyncio.wait_for(watcher, 5)
    assert answer.status_code == 200 and answer.json()["chats"] == []


async def test_messages_carry_the_whole_reply_keyboard(server: LocalBotApi, http: httpx.AsyncClient, api) -> None:
    server.user(1001, "王老板").open_chat()
    markup = {"keyboard": [[{"text": "分享手机号", "request_contact": True}]], "one_time_keyboard": True}
    await api("sendMessage", chat_id=1001, text="请留电话", reply_markup=markup)
    chat = (await http.get("/_sim/chats/1001/messages")).json()
    assert chat["keyboard"] == [["分享手机号"]]  # as before
    assert chat["keyboard_markup"]["keyboard"][0][0] == {"text": "分享手机号", "request_contact": True}

"""Raw Bot API calls over HTTP: Telegram's status codes and descriptions."""

from __future__ import annotations

from typing import Any

import json

import httpx
import pytest

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import TOKEN


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["ok"] is False and body["error_code"] == response.status_code
    return response.status_code, body["description"]


@pytest.fixture
async def chat_id(server: LocalBotApi, as_bot) -> int:
    """A private chat whose user has sent /start (so the bot may write to it)."""
    user = server.user(1001, "王老板", language_code="zh-hans")
    await as_bot(user.send("/start"))
    return user.id


async def test_get_me_any_verb_and_case(http: httpx.AsyncClient) -> None:
    for response in (await http.get(f"/bot{TOKEN}/getMe"), await http.post(f"/bot{TOKEN}/GETME"),
                     await http.get(f"/bot{TOKEN}/getme")):
        me = response.json()["result"]
        assert me["id"] == 123456789 and me["is_bot"] is True and me["username"] == "lianxin_bot"


async def test_unknown_token_is_401_and_unknown_method_404(http: httpx.AsyncClient) -> None:
    assert error(await http.post("/bot42:nope/getMe")) == (401, "Unauthorized")
    assert error(await http.post(f"/bot{TOKEN}/sendTelepathy")) == (404, "Not Found")


async def test_chat_not_found_and_bot_cannot_initiate(server: LocalBotApi, api: Any) -> None:
    assert error(await api("sendMessage", chat_id=999, text="hi")) == (400, "Bad Request: chat not found")
    server.user(1002, "李主任")  # known to Telegram, but never wrote to the bot
    assert error(await api("sendMessage", chat_id=1002, text="hi")) == (
        403, "Forbidden: bot can't initiate conversation with a user")


async def test_blocked_user_is_403(server: LocalBotApi, api: Any, chat_id: int) -> None:
    server.user(chat_id).block()
    assert error(await api("sendMessage", chat_id=chat_id, text="hi")) == (
        403, "Forbidden: bot was blocked by the user")


async def test_text_length_limits_count_after_entity_parsing(server: LocalBotApi, api: Any, chat_id: int) -> None:
    assert error(await api("sendMessage", chat_id=chat_id, text="")) == (400, "Bad Request: message text is empty")
    assert error(await api("sendMessage", chat_id=chat_id, text=" \n ")) == (400, "Bad Request: message text is empty")
    assert error(await api("sendMessage", chat_id=chat_id, text="<b> </b>", parse_mode="HTML"))[1] == \
        "Bad Request: message text is empty"
    assert error(await api("sendMessage", chat_id=chat_id, text="长" * 4097)) == (400, "Bad Request: message is too long")
    assert (await api("sendMessage", chat_id=chat_id, text="长" * 4096)).json()["ok"]
    long_html = "<b>" + "x" * 4096 + "</b>"
    sent = (await api("sendMessage", chat_id=chat_id, text=long_html, parse_mode="HTML")).json()["result"]
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]


async def test_html_errors_are_cant_parse_entities(server: LocalBotApi, api: Any, chat_id: int) -> None:
    cases = {"<foo>x</foo>": 'Unsupported start tag "foo" at byte offset 0',
             "1 < 2": 'Unsupported start tag "" at byte offset 2',
             "A & B": 'Unescaped "&" at byte offset 2'}
    for text, detail in cases.items():
        status, description = error(await api("sendMessage", chat_id=chat_id, text=text, parse_mode="HTML"))
        assert status == 400 and description.startswith(f"Bad Request: can't parse entities: {detail}")
    ok = (await api("sendMessage", chat_id=chat_id, text="<b>A &amp; B</b> 1 &lt; 2", parse_mode="html")).json()
    assert ok["result"]["text"] == "A & B 1 < 2"
    assert server.user(chat_id).last_message().html == "<b>A &amp; B</b> 1 &lt; 2"
    assert error(await api("sendMessage", chat_id=chat_id, text="x", parse_mode="BBCode"))[1] == \
        "Bad Request: unsupported parse_mode"
    assert error(await api("sendMessage", chat_id=chat_id, text="完成.", parse_mode="MarkdownV2"))[1] == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'")


async def test_inline_keyboard_validation(server: LocalBotApi, api: Any, chat_id: int) -> None:

    async def send(markup: object) -> httpx.Response:
        return await api("sendMessage", chat_id=chat_id, text="选择", reply_markup=markup)

    def keyboard(**button: object) -> dict:
        return {"inline_keyboard": [[{"text": "接单", **button}]]}

    assert (await send(keyboard(callback_data="x" * 64))).json()["ok"]
    assert (await send(keyboard(callback_data="接" * 21))).json()["ok"]  # 63 UTF-8 bytes
    for bad in ("x" * 65, "接" * 22, ""):
        assert error(await send(keyboard(callback_data=bad))) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert error(await send(keyboard()))[1] == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    assert error(await send({"inline_keyboard": [{"text": "x"}]}))[1] == (
        'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    assert error(await send("{not json"))[1] == "Bad Request: can't parse reply keyboard markup JSON object"
    assert error(await send({"something": 1}))[1] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_form_and_multipart_bodies_carry_json_markup(server: LocalBotApi, http: httpx.AsyncClient,
                                                           chat_id: int) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "接单", "callback_data": "take:1"}]]})
    form = {"chat_id": str(chat_id), "text": "新问题", "reply_markup": markup}
    by_form = (await http.post(f"/bot{TOKEN}/sendMessage", data=form)).json()
    by_multipart = (await http.post(f"/bot{TOKEN}/sendMessage", data=form, files={"x": ("x", b"")})).json()
    by_query = (await http.get(f"/bot{TOKEN}/sendMessage", params=form)).json()
    for body in (by_form, by_multipart, by_query):
        assert body["ok"], body
        assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "take:1"
    assert server.user(chat_id).last_message().buttons == [[("接单", "take:1")]]


async def test_edit_rules(server: LocalBotApi, api: Any, chat_id: int) -> None:
    own = server.user(chat_id).chat.messages[0].message_id  # the user's /start
    markup = {"inline_keyboard": [[{"text": "接单", "callback_data": "take"}]]}
    sent = (await api("sendMessage", chat_id=chat_id, text="问题 #1", reply_markup=markup)).json()["result"]
    mid = sent["message_id"]
    assert error(await api("editMessageText", chat_id=chat_id, message_id=9999, text="x")) == (
        400, "Bad Request: message to edit not found")
    assert error(await api("editMessageText", chat_id=chat_id, message_id=own, text="x"))[1] == \
        "Bad Request: message can't be edited"
    assert error(await api("editMessageText", chat_id=chat_id, message_id=mid, text="问题 #1",
                           reply_markup=markup)) == (400, "Bad Request: message is not modified: specified new "
                                                          "message content and reply markup are exactly the same "
                                                          "as a current content and reply markup of the message")
    # Leaving reply_markup out of an edit removes the keyboard, as on Telegram.
    edited = (await api("editMessageText", chat_id=chat_id, message_id=mid, text="问题 #1")).json()["result"]
    assert "reply_markup" not in edited and edited["edit_date"] >= sent["date"]
    message = server.user(chat_id).last_message()
    assert message.buttons == [] and message.edits[0]["reply_markup"] == markup
    assert (await api("editMessageReplyMarkup", chat_id=chat_id, message_id=mid, reply_markup=markup)).json()["ok"]
    assert message.buttons == [[("接单", "take")]]


async def test_delete_and_callback_answers(server: LocalBotApi, api: Any, chat_id: int) -> None:
    mid = (await api("sendMessage", chat_id=chat_id, text="x")).json()["result"]["message_id"]
    assert (await api("deleteMessage", chat_id=chat_id, message_id=mid)).json() == {"ok": True, "result": True}
    assert error(await api("deleteMessage", chat_id=chat_id, message_id=mid)) == (
        400, "Bad Request: message to delete not found")
    assert server.user(chat_id).messages()[-1].deleted
    invalid = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert error(await api("answerCallbackQuery", callback_query_id="123")) == (400, invalid)


async def test_captions_replies_commands_and_chat_actions(server: LocalBotApi, api: Any, chat_id: int) -> None:
    assert error(await api("sendLocation", chat_id=chat_id, latitude=1, longitude=2,
                           reply_parameters={"message_id": 777}))[1] == "Bad Request: message to be replied not found"
    reply = (await api("sendMessage", chat_id=chat_id, text="收到", reply_parameters={"message_id": 1})).json()
    assert reply["result"]["reply_to_message"]["text"] == "/start"
    assert (await api("sendChatAction", chat_id=chat_id, action="typing")).json()["result"] is True
    assert error(await api("sendChatAction", chat_id=chat_id, action="dancing"))[0] == 400
    commands = [{"command": "start", "description": "开始"}, {"command": "report", "description": "反映问题"}]
    assert (await api("setMyCommands", commands=commands)).json()["result"] is True
    assert (await api("getMyCommands")).json()["result"] == commands
    assert (await api("getMyCommands", language_code="en")).json()["result"] == []
    assert error(await api("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}]))[1] == \
        "Bad Request: BOT_COMMAND_INVALID"


async def test_call_log_records_status_and_params(server: LocalBotApi, api: Any) -> None:
    await api("sendMessage", chat_id=5, text="x")
    call = server.calls_to("sendMessage")[-1]
    assert (call.status, call.description, call.params["chat_id"]) == (400, "Bad Request: chat not found", 5)
    assert server.errors == [call]

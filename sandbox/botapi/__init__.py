"""A local Telegram Bot API server with simulated users, for tests and the demo.

Unmodified python-telegram-bot and aiogram talk to it over real HTTP:

    PTB:     Application.builder().token(tok).base_url(f"{url}/bot").base_file_url(f"{url}/file/bot")
    aiogram: Bot(tok, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))

Python API (everything runs in the caller's asyncio loop)::

    server = LocalBotApi(host="127.0.0.1", port=0, rate_limits=False, settle=0.1,
                         first_call_grace=0.5, timeout=10.0, strict_ampersand=True, done_timeout=120.0)
    await server.start(); server.url          # "http://127.0.0.1:PORT"; also `async with`
    server.add_bot(token="123:ABC", username="lianxin_bot", first_name="连心桥") -> BotState
    user = server.user(1001, first_name="王老板", language_code="zh-hans")     -> SimUser
    out = await user.send("停电三天了")        # "/start abc" gets a bot_command entity
    await user.send_photo(jpeg_bytes, caption=None)
    await user.send_document(data, "report.pdf", mime_type=None, caption=None)
    await user.send_location(34.75, 113.62)
    await user.share_contact("+8613812345678")  # own contact: user_id = sender
    out = await user.press("接单")               # or press(msg, text=..), press(data=..), press(index=2)
    out.replies / out.elsewhere / out.edited / out.deleted / out.answer / out.texts  # Outcome
    #   replies: new bot messages in this chat; elsewhere: in other chats (e.g. a cadre notified)
    user.messages(include_deleted=True) -> list[Message]   # bot's messages in the chat, in order
    user.last_message() -> Message | None                  # newest not deleted, after edits
    user.keyboard                                          # current reply keyboard rows
    await user.next_message(timeout=None) -> Message       # wait for a bot-initiated message
    user.block()                                           # sends to the user now 403
    user.open_chat()                                       # as if they had written before (no update)
    group = server.group(-100123, "街道群"); await user.send("hi", chat=group)
    await server.wait_idle()      # after something other than a user triggered the bot
    server.calls / server.errors / server.calls_to("sendMessage")    # the call log (Call objects)
    server.rate_limits = True     # 30 msg/s per bot, ~1/s per private chat (burst 3), 20/min per group
    server.faults.add("sendMessage", status=502, times=2)  # or status=429, retry_after=2; delay_after=3.0
    await server.stop()           # releases long polls at once

Message (what tests inspect): .text .entities .caption .html (raw, as the bot sent it)
.buttons (rows of (text, callback_data)) .reply_keyboard .photo .photo_bytes .document
.document_bytes .location .contact .edits (earlier versions) .deleted .message_id .chat

Every action returns only after the bot handled the update: it was fetched by
getUpdates (or the webhook answered 2xx), and then
* a bot that says when it is done (`server.bot(token).done = signal`, see done.py;
  Lianxin's scenario harness does) has said so: `signal.handled(update_id)` returned
  within `done_timeout` — nothing is guessed;
* any other bot made no Bot API call for `settle` seconds (a bot that has not called
  at all yet gets `first_call_grace` seconds to start, for handlers that query a
  database first). Handlers that pause longer than `settle` *between* two calls
  need a larger `settle`, or `next_message()`.
Failing that in time, UpdateNotHandled names the update.

HTML is checked like Telegram does, except that a bare "&" is rejected (Telegram
keeps it): pass strict_ampersand=False for Telegram's exact behaviour. Plain-HTTP
webhook URLs are accepted for loopback hosts only (Telegram requires HTTPS).
Not simulated: inline mode, payments, channels, bot privacy mode in groups,
media groups, message reactions.

HTTP control API (same operations, JSON; users are created on first use):
    POST /_sim/users/{id}/send {"text"}           POST /_sim/users/{id}/press {"text"|"data"|"index", "message_id"?}
    POST /_sim/users/{id}/photo (multipart "photo" or JSON "base64", "caption")
    POST /_sim/users/{id}/document (multipart "document" or "base64", "file_name", "mime_type")
    POST /_sim/users/{id}/location {"latitude","longitude"}   POST /_sim/users/{id}/contact {"phone_number"}
    POST /_sim/users {"id","first_name","language_code",…}    POST /_sim/users/{id}/block
    GET  /_sim/chats/{id}/messages?since=MESSAGE_ID          GET /_sim/calls?since=INDEX
    POST /_sim/wait_idle {"timeout"?}   POST /_sim/rate_limits {"enabled"}   POST /_sim/bots {"token","username"}
    GET  /_sim/state    GET /_sim/files/{file_id}
    POST /_sim/users/{id}/send {"text", "chat_id": GROUP_ID}   posts in a group the bot is in ("chat_title" makes one)
    GET  /_sim/events?since=N&timeout=25   long poll: {"seq", "chats": [ids changed after N] | null = re-read all}
    GET|POST /_sim/personas   who the web page offers: [{"id","name","role","kind": "private"|"group","member"?}]
    GET  /   the web page (sandbox/web): every persona's chat side by side, live through /_sim/events
    GET  /_sim/clock    POST /_sim/clock {"advance": "1h"|"1wd"|"next_monday_0900"}   (only with `server.clock`,
         the demo's movable clock: an object with async now() and advance(step); 404 without one)
Actions answer {"ok": true, "update_id", "sent", "replies", "edited", "deleted", "answer"}; 504 if the
bot did not handle the update in time, 404 for an unknown button/chat.

Standalone: python -m sandbox.botapi --port 8081 --token 123:ABC --username lianxin_bot
Terminal client: python -m sandbox.chat --url http://127.0.0.1:8081 --user 1001
"""

from .errors import BotApiError
from .server import Call, LocalBotApi
from .simulator import CallbackAnswer, Outcome, SimGroup, SimUser, UpdateNotHandled
from .state import BotState, Message, UserAccount

SimMessage = Message

__all__ = ["BotApiError", "BotState", "Call", "CallbackAnswer", "LocalBotApi", "Message", "Outcome",
           "SimGroup", "SimMessage", "SimUser", "UpdateNotHandled", "UserAccount"]
